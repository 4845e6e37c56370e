"""``inproc://``: an oslo.messaging driver for services that share one process (the
all-in-one and the fast test tiers).

oslo.messaging's ``fake://`` driver has its listeners poll their queues every 50 ms, so
every message waits up to a poll interval. Here a delivery wakes its listener at once.
Messages still travel as they would on a broker: JSON-encoded and decoded (a message
that a real broker could not carry fails here too), errors raised by a handler come back
as the remote-exception form (only ``allowed_remote_exmods`` re-raise as themselves),
a cast to a server that is not listening yet waits in its queue, a message to a topic
goes to one of its listeners, a fanout to all of them.

Registered as the ``inproc`` driver by an ``oslo.messaging.drivers`` entry point.
"""
import collections
import queue
import threading
import time

import oslo_messaging
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as driver_common
from oslo_serialization import jsonutils


def _over_the_wire(value):
    return jsonutils.loads(jsonutils.dumps(value))


class _Incoming(base.RpcIncomingMessage):

    def __init__(self, ctxt, message, reply_queue):
        super().__init__(ctxt, message)
        self._reply_queue = reply_queue

    def reply(self, reply=None, failure=None):
        if self._reply_queue is None:
            return
        if failure is not None:
            failure = driver_common.serialize_remote_exception(failure)
        self._reply_queue.put((_over_the_wire(reply), failure))

    def acknowledge(self):
        pass

    def requeue(self):
        pass

    def heartbeat(self):
        pass


# What a topic keeps for listeners yet to come (notifications nobody listens to would
# otherwise pile up for as long as the process runs).
TOPIC_BACKLOG = 10000


class _Exchange:
    """The queues of one exchange. A queue is a deque of (ctxt, message, reply queue):
    one per (topic, server) for direct messages and fanouts, and per (topic, pool) for
    messages to a topic (notification listeners in different pools each get a copy).
    Listeners wait on the exchange's condition; a delivery wakes them."""

    def __init__(self):
        self.cond = threading.Condition()
        self.server_queues = {}
        self.topic_queues = {}

    def server_queue(self, topic, server):
        return self.server_queues.setdefault((topic, server), collections.deque())

    def topic_queue(self, topic, pool=None):
        key = (topic, pool)
        if key not in self.topic_queues:
            # A new pool starts with what was sent to the topic before anyone listened.
            waiting = self.topic_queues.get((topic, None), ())
            self.topic_queues[key] = collections.deque(waiting, maxlen=TOPIC_BACKLOG)
        return self.topic_queues[key]

    def deliver(self, target, item):
        with self.cond:
            if target.fanout:
                queues = [q for (topic, _), q in self.server_queues.items()
                          if topic == target.topic]
            elif target.server:
                queues = [self.server_queue(target.topic, target.server)]
            else:
                self.topic_queue(target.topic)
                queues = [q for (topic, _), q in self.topic_queues.items()
                          if topic == target.topic]
            for q in queues:
                q.append(item)
            self.cond.notify_all()


class _Listener(base.PollStyleListener):

    def __init__(self, exchange, queues):
        super().__init__()
        self._exchange = exchange
        self._queues = queues
        self._stopped = False

    @base.batch_poll_helper
    def poll(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        cond = self._exchange.cond
        with cond:
            while not self._stopped:
                for q in self._queues:
                    if q:
                        ctxt, message, reply_queue = q.popleft()
                        return _Incoming(ctxt, message, reply_queue)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                cond.wait(remaining)
        return None

    def stop(self):
        with self._exchange.cond:
            self._stopped = True
            self._exchange.cond.notify_all()


class InProcessDriver(base.BaseDriver):
    """Delivers at once, within this process."""

    _exchanges = {}
    _exchanges_lock = threading.Lock()

    def __init__(self, conf, url, default_exchange=None, allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        # Each transport URL's virtual host is its own space: two all-in-ones in one
        # process (tests) that name different vhosts never see each other's messages.
        self._space = url.virtual_host or ''

    def _exchange(self, name):
        key = (self._space, name or self._default_exchange)
        with self._exchanges_lock:
            return self._exchanges.setdefault(key, _Exchange())

    def require_features(self, requeue=True):
        pass

    def send(self, target, ctxt, message, wait_for_reply=None, timeout=None,
             call_monitor_timeout=None, retry=None, transport_options=None):
        replies = queue.Queue() if wait_for_reply else None
        self._exchange(target.exchange).deliver(
            target, (_over_the_wire(ctxt), _over_the_wire(message), replies))
        if not wait_for_reply:
            return None
        try:
            reply, failure = replies.get(timeout=timeout)
        except queue.Empty:
            raise oslo_messaging.MessagingTimeout('No reply on topic %s' % target.topic)
        if failure is not None:
            raise driver_common.deserialize_remote_exception(failure,
                                                             self._allowed_remote_exmods)
        return reply

    def send_notification(self, target, ctxt, message, version, retry=None):
        self._exchange(target.exchange).deliver(
            target, (_over_the_wire(ctxt), _over_the_wire(message), None))

    def listen(self, target, batch_size, batch_timeout):
        exchange = self._exchange(target.exchange)
        with exchange.cond:
            queues = [exchange.server_queue(target.topic, target.server),
                      exchange.topic_queue(target.topic)]
        return base.PollStyleListenerAdapter(
            _Listener(exchange, queues), batch_size,
            batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool, batch_size,
                                 batch_timeout):
        listeners_queues = {}
        for target, priority in targets_and_priorities:
            exchange = self._exchange(target.exchange)
            with exchange.cond:
                listeners_queues.setdefault(id(exchange), (exchange, []))[1].append(
                    exchange.topic_queue('%s.%s' % (target.topic, priority), pool))
        if len(listeners_queues) != 1:
            raise NotImplementedError('inproc: one exchange per notification listener')
        exchange, queues = next(iter(listeners_queues.values()))
        return base.PollStyleListenerAdapter(
            _Listener(exchange, queues), batch_size,
            batch_timeout)

    def cleanup(self):
        # The process's services are stopping: what is still queued goes with them (a
        # broker would keep it; the next all-in-one in this process starts empty).
        with self._exchanges_lock:
            self._exchanges.clear()

