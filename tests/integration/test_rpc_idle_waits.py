"""RabbitMQ listeners wait for the next message instead of waking every millisecond:
oslo.messaging's driver starts each wait after a message at 1 ms (doubling to 5 s), for
notification listeners' queued acks; an RPC server and a caller's reply listener ack as
messages arrive, so Nimbus starts their waits at svc_common.rpc.IDLE_WAIT_START."""
import time

import oslo_messaging as messaging
from oslo_messaging._drivers import impl_rabbit

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import rpc
from tests.integration import deployment


class Endpoint:
    target = messaging.Target(version='1.0')

    @rpc.expose
    def ping(self, context, value):
        return value


def test_listeners_do_not_wake_up_every_millisecond_after_a_message(monkeypatch):
    waits = []
    consume = impl_rabbit.Connection.consume

    def counted(self, timeout=None):
        waits.append(timeout)
        return consume(self, timeout=timeout)
    monkeypatch.setattr(impl_rabbit.Connection, 'consume', counted)
    vhost = deployment.ScratchVhost()
    server = None
    try:
        rpc.init(CONF, url=vhost.transport_url)
        target = messaging.Target(topic='idle-waits', server='h1')
        server = rpc.get_server(target, [Endpoint()])
        server.start()
        client = rpc.get_client(target)
        ctx = nimbus_context.get_admin_context()
        assert client.call(ctx, 'ping', value=1) == 1  # the reply listener starts
        assert client.call(ctx, 'ping', value=2) == 2
        del waits[:]
        time.sleep(0.45)
        # The server's listener and the reply listener: one wait each (1 ms first waits
        # doubling made about nine each in this time).
        assert len(waits) <= 4, waits
        assert client.call(ctx, 'ping', value=3) == 3  # a message ends a wait at once
    finally:
        if server is not None:
            server.stop()
            server.wait()
        rpc.cleanup()
        vhost.delete()
