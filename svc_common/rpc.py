"""oslo.messaging wiring: transports, the context-carrying serializer, clients, servers."""
import contextlib
import contextvars

import oslo_messaging as messaging
from oslo_messaging._drivers import amqpdriver
from oslo_messaging.rpc import dispatcher

from svc_common import context as nimbus_context
from svc_common.objects import base as obj_base
from svc_common import stats

_TRANSPORT = None
_NOTIFIER = None
# Seconds the calls made under reply_timeout() wait for a reply (None: the configured
# [DEFAULT]/rpc_response_timeout). Per thread: a periodic task bounds its own calls only.
_REPLY_TIMEOUT = contextvars.ContextVar('nimbus_reply_timeout', default=None)
# Domain errors raised in a remote handler are re-raised as themselves on the caller's
# side (ServiceNotFound stays ServiceNotFound) instead of a generic RemoteError.
ALLOWED_EXMODS = ['svc_common.exception']
# The RabbitMQ driver's listeners (an RPC server's, and the one each caller's replies
# arrive on) wait for the next message at most ACK_REQUEUE_EVERY_SECONDS_MIN after the
# last one, doubling the wait up to 5 s: 1 ms, so that a notification listener's thread
# soon sends the acks its handlers queued (kombu's connection is not thread-safe). An
# RPC listener and a reply listener queue none: they ack in their own thread as the
# message arrives, and an arriving message ends the wait at once whatever its length.
# For them each early wake-up is only cost, a whole consume() (kombu's retry wrapper,
# socket timeouts, a heartbeat check) about every millisecond after each message.
# Nimbus's services run no notification listeners, so: a first wait of 0.5 s.
# (Stopping a listener waits for the end of its current wait: up to 5 s when idle.)
IDLE_WAIT_START = 0.5
# Where versioned notifications go, whatever [oslo_messaging_notifications]/topics says
# (that option names the topics of unversioned ones, which Nimbus does not send).
NOTIFICATIONS_TOPIC = 'versioned_notifications'


class RequestContextSerializer(messaging.Serializer):
    """Objects travel as versioned primitives; the context travels as a dict."""

    def __init__(self, role=None):
        self._base = obj_base.NimbusObjectSerializer()
        self._role = role  # a server's: what its handlers do counts as this role

    def serialize_entity(self, ctxt, entity):
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        if self._role:
            stats.set_role(self._role)
        return nimbus_context.RequestContext.from_dict(ctxt)


def init(conf, url=None):
    """Create this process's transports once. ``url`` overrides [DEFAULT]/transport_url."""
    global _TRANSPORT, _NOTIFIER
    if _TRANSPORT is not None:
        return _TRANSPORT
    amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN = IDLE_WAIT_START
    _TRANSPORT = stats.count_rpc(messaging.get_rpc_transport(
        conf, url=url, allowed_remote_exmods=ALLOWED_EXMODS))
    notif_transport = stats.count_rpc(messaging.get_notification_transport(conf, url=url))
    # Which drivers send notifications is the operator's: oslo.messaging's
    # [oslo_messaging_notifications]/driver (e.g. messagingv2), none by default. Without
    # one (or with only 'noop') there is no notifier: nothing is built or sent.
    drivers = [d for d in conf.oslo_messaging_notifications.driver if d != 'noop']
    if drivers:
        _NOTIFIER = messaging.Notifier(notif_transport, serializer=RequestContextSerializer(),
                                       topics=[NOTIFICATIONS_TOPIC])
    return _TRANSPORT


def cleanup():
    global _TRANSPORT, _NOTIFIER
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
    _TRANSPORT = _NOTIFIER = None


def get_transport():
    if _TRANSPORT is None:
        raise RuntimeError('svc_common.rpc.init() has not been called')
    return _TRANSPORT


def get_client(target, version_cap=None):
    return messaging.get_rpc_client(get_transport(), target, version_cap=version_cap,
                                    serializer=RequestContextSerializer())


class Bus:
    """What the RPC clients send through: this process's transport. The composition
    root hands one to every client it makes; tests hand over one that loses or repeats
    messages (tests/functional/fakes.py)."""

    def get_client(self, target, version_cap=None):
        return get_client(target, version_cap=version_cap)


BUS = Bus()


# The RPC surface is explicit: an endpoint's method is reachable over the bus only when
# decorated with ``@rpc.expose``; the rest (init_host, periodic tasks, helpers) is not.
expose = messaging.expose
ACCESS_POLICY = dispatcher.ExplicitRPCAccessPolicy


def get_server(target, endpoints):
    return messaging.get_rpc_server(get_transport(), target, endpoints, executor='threading',
                                    serializer=RequestContextSerializer(role=target.topic),
                                    access_policy=ACCESS_POLICY)


def get_notification_transport():
    """The transport notifications go out on (listeners in tests attach to it)."""
    return _NOTIFIER.transport if _NOTIFIER else None


def notifying():
    """Whether this process sends notifications ([oslo_messaging_notifications]/driver
    names a driver): a sender checks this before building anything to send."""
    return _NOTIFIER is not None


def get_notifier(publisher_id):
    return _NOTIFIER.prepare(publisher_id=publisher_id) if _NOTIFIER else None


@contextlib.contextmanager
def reply_timeout(seconds):
    """Calls made in this block give up after ``seconds`` without a reply. For calls that
    are repeated anyway (a heartbeat): one taken by a server that then died is never
    answered, and waiting the full rpc_response_timeout for it would outlast
    [DEFAULT]/service_down_time."""
    token = _REPLY_TIMEOUT.set(seconds)
    try:
        yield
    finally:
        _REPLY_TIMEOUT.reset(token)


def current_reply_timeout():
    """The reply_timeout() in force, or None."""
    return _REPLY_TIMEOUT.get()
