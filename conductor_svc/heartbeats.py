"""Heartbeats of compute services, folded: each arrives as a cast carrying when it was
sent, and the conductor writes what it received since its last flush in one transaction
(``Service.record_heartbeats``), once a ``[conductor]/heartbeat_flush_interval``.

A service counts as seen at the earlier of the time it sent the heartbeat and the time
this conductor took it, so a heartbeat that waited in the queue (no conductor running,
a backlog) never makes a service look more recently alive than it was, and a sender
whose clock runs ahead gains nothing. Losing the unflushed heartbeats in a crash costs
one heartbeat per service at most: the next comes a report_interval later, well inside
service_down_time.
"""
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from svc_common import context as nimbus_context
from svc_common import objects
from svc_common.objects import base as obj_base

LOG = logging.getLogger(__name__)


class HeartbeatBatch:

    def __init__(self):
        self._seen = {}  # service id -> naive UTC when seen up
        self._lock = threading.Lock()

    def add(self, service_id, sent_at, now=None):
        now = now or obj_base.utcnow()
        when = min(now, obj_base.naive(timeutils.normalize_time(
            timeutils.parse_isotime(sent_at)))) if sent_at else now
        with self._lock:
            if when > self._seen.get(service_id, when.min):
                self._seen[service_id] = when

    def pending(self):
        with self._lock:
            return len(self._seen)

    def flush(self, context=None):
        """Write what arrived since the last flush; kept for the next one if the
        database refuses (an outage)."""
        with self._lock:
            seen, self._seen = self._seen, {}
        if not seen:
            return 0
        try:
            return objects.Service.record_heartbeats(
                context or nimbus_context.get_admin_context(), seen)
        except Exception:
            with self._lock:
                for service_id, when in seen.items():
                    if when > self._seen.get(service_id, when.min):
                        self._seen[service_id] = when
            raise
