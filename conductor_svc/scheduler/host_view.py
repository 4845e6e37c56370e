"""The scheduler's copy of every compute host, kept in memory and refreshed by what
changed instead of read whole for every choice.

Each choice re-reads only the nodes changed since the previous read (a claim, a release,
an inventory report, a deletion all move a node's updated_at) with their usage, and the
compute services changed since (created, disabled, forced down, deleted: a heartbeat
does not move updated_at); the services' last_seen_up is re-read every few seconds,
and everything at least once every ``FULL_REFRESH`` seconds. Reads overlap the
previous one by ``OVERLAP`` seconds, so a change committed a little after the time it
carries is not missed.

The view may be behind the database; that never overbooks nor wrongly refuses: the
claim under the node's row lock checks the real capacity (a host that filled up
refuses, and the next is tried), and the scheduler reads everything again before it
answers "no host" (``fresh``). Its last_seen_up values are never later than the real
ones, so a host that went down never looks up; a live one looks down only if
report_interval + the conductors' heartbeat flush + ``seen_refresh()`` exceeded
service_down_time.
"""
import datetime
import threading
import time

from svc_common.conf import CONF
from svc_common import objects
from svc_common.objects import base as obj_base
from conductor_svc.scheduler import host_state as host_state_mod

BINARY = 'nimbus-compute'
FULL_REFRESH = 60.0
OVERLAP = datetime.timedelta(seconds=2)


def seen_refresh():
    """Seconds between reads of the services' last_seen_up."""
    return max(1, min(CONF.report_interval, CONF.service_down_time // 4))


class HostView:

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._nodes = {}  # node id -> ComputeNode
        self._usage = {}  # node id -> {resource class: amount}
        self._services = {}  # service id -> Service
        self._since = None  # naive UTC: changes at or after it are not read yet
        self._full_at = self._seen_at = None  # clock() of the last full / last_seen read

    def host_states(self, context, fresh=False):
        """[HostState] of every compute node; ``fresh``: read everything now."""
        with self._lock:
            now = self._clock()
            if fresh or self._full_at is None or now - self._full_at >= FULL_REFRESH:
                self._read_all(context, now)
            else:
                self._read_changes(context)
                if now - self._seen_at >= seen_refresh():
                    self._read_last_seen(context, now)
            nodes, usage = list(self._nodes.values()), dict(self._usage)
            by_host = {s.host: s for s in self._services.values()}
        return host_state_mod.host_states(context, nodes, by_host, usage)

    def _read_all(self, context, now):
        since = obj_base.utcnow() - OVERLAP
        self._nodes = {n.id: n for n in objects.ComputeNodeList.get_all(context)}
        self._usage = objects.ResourceClaim.usage(context, list(self._nodes))
        self._services = {s.id: s for s in objects.ServiceList.get_all(
            context, {'binary': BINARY})}
        self._since, self._full_at, self._seen_at = since, now, now

    def _read_changes(self, context):
        since = obj_base.utcnow() - OVERLAP
        changed = objects.ComputeNodeList.get_changed_since(context, self._since)
        for node in changed:
            if node.deleted:
                self._nodes.pop(node.id, None)
                self._usage.pop(node.id, None)
            else:
                self._nodes[node.id] = node
        alive = [n.id for n in changed if not n.deleted]
        if alive:
            usage = objects.ResourceClaim.usage(context, alive)
            for node_id in alive:
                self._usage[node_id] = usage.get(node_id, {})
        for service in objects.ServiceList.get_changed_since(context, BINARY, self._since):
            if service.deleted:
                self._services.pop(service.id, None)
            else:
                self._services[service.id] = service
        self._since = since

    def _read_last_seen(self, context, now):
        for service_id, seen in objects.ServiceList.last_seen(context, BINARY).items():
            service = self._services.get(service_id)
            if service is not None and seen is not None:
                service.last_seen_up = seen.replace(tzinfo=datetime.timezone.utc)
                service.obj_reset_changes(['last_seen_up'])
        self._seen_at = now
