"""The inproc:// oslo.messaging driver: calls, casts, topics, fanout, errors and
notifications, delivered at once."""
import threading
import time

import oslo_messaging as messaging
import pytest

from svc_common import exception
from svc_common import rpc
from svc_common.conf import CONF


class Private(Exception):
    """An error from a module not in allowed_remote_exmods."""


class Endpoint:
    target = messaging.Target(version='1.0')

    def __init__(self, name):
        self.name = name
        self.seen = []
        self.event = threading.Event()

    def echo(self, ctxt, value):
        self.seen.append(value)
        self.event.set()
        return {'from': self.name, 'value': value}

    def fail(self, ctxt, kind):
        if kind == 'domain':
            raise exception.InstanceNotFound(instance_id='x')
        raise Private('not for the caller')


@pytest.fixture
def transport():
    t = messaging.get_rpc_transport(CONF, url='inproc://test_inproc',
                                    allowed_remote_exmods=rpc.ALLOWED_EXMODS)
    yield t
    t.cleanup()


def _server(transport, topic, server, endpoint):
    s = messaging.get_rpc_server(transport, messaging.Target(topic=topic, server=server),
                                 [endpoint], executor='threading')
    s.start()
    return s


def _stop(*servers):
    for s in servers:
        s.stop()
        s.wait()


def _client(transport, timeout=None, **target):
    return messaging.get_rpc_client(transport, messaging.Target(**target), timeout=timeout)


def test_a_call_returns_what_crossed_the_wire_and_does_not_wait_for_a_poll(transport):
    endpoint = Endpoint('a')
    server = _server(transport, 't', 'a', endpoint)
    try:
        client = _client(transport, topic='t', server='a')
        start = time.monotonic()
        for i in range(20):
            assert client.call({}, 'echo', value=(i, 'x')) == {'from': 'a', 'value': [i, 'x']}
        # fake:// waits up to 50 ms per message; twenty round trips here take far less.
        assert time.monotonic() - start < 0.5
    finally:
        _stop(server)


def test_a_cast_waits_for_its_server_to_listen(transport):
    _client(transport, topic='t', server='late').cast({}, 'echo', value=1)
    endpoint = Endpoint('late')
    server = _server(transport, 't', 'late', endpoint)
    try:
        assert endpoint.event.wait(5)
        assert endpoint.seen == [1]
    finally:
        _stop(server)


def test_topic_messages_go_to_one_listener_fanout_to_all(transport):
    a, b = Endpoint('a'), Endpoint('b')
    servers = [_server(transport, 't', 'a', a), _server(transport, 't', 'b', b)]
    try:
        client = _client(transport, topic='t')
        answers = [client.call({}, 'echo', value=i)['from'] for i in range(10)]
        assert len(a.seen) + len(b.seen) == 10
        assert set(answers) <= {'a', 'b'}
        a.seen.clear(), b.seen.clear()
        a.event.clear(), b.event.clear()
        client.prepare(fanout=True).cast({}, 'echo', value='all')
        assert a.event.wait(5) and b.event.wait(5)
        assert a.seen == ['all'] and b.seen == ['all']
    finally:
        _stop(*servers)


def test_errors_cross_as_on_a_broker(transport):
    server = _server(transport, 't', 'a', Endpoint('a'))
    try:
        client = _client(transport, topic='t', server='a')
        with pytest.raises(exception.InstanceNotFound):  # an allowed module: itself
            client.call({}, 'fail', kind='domain')
        with pytest.raises(messaging.RemoteError) as error:  # anything else: RemoteError
            client.call({}, 'fail', kind='other')
        assert error.value.exc_type == 'Private'
    finally:
        _stop(server)


def test_a_call_nobody_answers_times_out(transport):
    with pytest.raises(messaging.MessagingTimeout):
        _client(transport, topic='t', server='nobody', timeout=0.2).call({}, 'echo', value=1)


def test_a_message_that_a_broker_could_not_carry_fails(transport):
    with pytest.raises(ValueError):
        _client(transport, topic='t', server='a').cast({}, 'echo', value=object())


def test_notifications_reach_each_pool_once():
    notif = messaging.get_notification_transport(CONF, url='inproc://test_inproc_n')
    got = {'p1': [], 'p2': []}
    done = threading.Event()

    class Collector:
        def __init__(self, pool):
            self.pool = pool

        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            got[self.pool].append(payload)
            if all(len(v) == 2 for v in got.values()):
                done.set()

    listeners = [messaging.get_notification_listener(
        notif, [messaging.Target(topic='nimbus_test')], [Collector(pool)],
        executor='threading', pool=pool) for pool in got]
    for listener in listeners:
        listener.start()
    try:
        notifier = messaging.Notifier(notif, driver='messagingv2', topics=['nimbus_test'],
                                      publisher_id='test')
        notifier.info({}, 'x.y', {'n': 1})
        notifier.info({}, 'x.y', {'n': 2})
        assert done.wait(5)
        assert got == {'p1': [{'n': 1}, {'n': 2}], 'p2': [{'n': 1}, {'n': 2}]}
    finally:
        for listener in listeners:
            listener.stop()
            listener.wait()
        notif.cleanup()
