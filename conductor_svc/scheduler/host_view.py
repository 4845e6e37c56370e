"""The scheduler's copy of every compute host, kept in memory and refreshed by what
changed instead of read whole for every choice.

Each choice re-reads, in one transaction, only the nodes changed since the previous
read (a claim, a release, a changed inventory, a deletion all move a node's updated_at)
with their usage, the compute services changed since (created, disabled, forced down,
deleted: a heartbeat does not move updated_at) and the aggregates' metadata; the
services' last_seen_up is re-read every few seconds, and everything at least once
every ``FULL_REFRESH`` seconds. Reads overlap the previous one by ``OVERLAP`` seconds,
so a change committed a little after the time it carries is not missed (the nodes the
overlap finds again unchanged are left out).

The view may be behind the database; that never overbooks nor wrongly refuses: the
claim under the node's row lock checks the real capacity (a host that filled up
refuses, and the next is tried), and the scheduler reads everything again before it
answers "no host" (``fresh``). Its last_seen_up values are never later than the real
ones, so a host that went down never looks up; a live one looks down only if
report_interval + the conductors' heartbeat flush + ``seen_refresh()`` exceeded
service_down_time.

The view keeps a HostState per node and builds again only those of the nodes that
changed (their node, usage, service or aggregates), so a choice costs the hosts'
filtering and weighing, not the building of every host's state. The aggregates are read
at every choice (one query) rather than trusted to the view: the zone and metadata
filters decide alone, no claim checks them again.

Claims this conductor is making are counted as used on their nodes (``claiming``) until
the view has read them back from the database, so that choices made at once in one
conductor see each other's and spread over the hosts instead of all taking the same
best one.
"""
import collections
import datetime
import itertools
import threading
import time

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common import objects
from svc_common.objects import aggregate as aggregate_obj
from svc_common.objects import base as obj_base
from conductor_svc.scheduler import host_state as host_state_mod

BINARY = 'nimbus-compute'
FULL_REFRESH = 60.0
OVERLAP = datetime.timedelta(seconds=2)


def seen_refresh():
    """Seconds between reads of the services' last_seen_up."""
    return max(1, min(CONF.report_interval, CONF.service_down_time // 4))


# Claims committed are forgotten this many reads after the one that saw them: a choice
# ranks the states of its own read, perhaps older than the latest by a read per
# concurrent choice.
KEEP_READS = 64


class _Claiming:
    """A claim this conductor is making: ``resources`` on node ``node_id``; once
    committed, ``read``: the number of the last read of the view begun before the
    commit (the states of a later read count the claim in the node's usage)."""

    def __init__(self, node_id, resources):
        self.node_id, self.resources, self.read = node_id, dict(resources), None

    def counts_in(self, read):
        """Whether the states of read number ``read`` lack this claim."""
        return self.read is None or self.read >= read


class HostView:

    def __init__(self, clock=time.monotonic, full_refresh=FULL_REFRESH):
        self._clock = clock
        self._full_refresh = full_refresh  # seconds between reads of everything
        self._lock = threading.Lock()
        self._nodes = {}  # node id -> ComputeNode
        self._usage = {}  # node id -> {resource class: amount}
        self._services = {}  # host -> Service
        self._metadata = {}  # host -> [metadata of each of its aggregates]
        self._states = {}  # node id -> HostState
        self._since = None  # naive UTC: changes at or after it are not read yet
        self._full_at = self._seen_at = None  # clock() of the last full / last_seen read
        self._reads = itertools.count(1)
        self._read = 0  # the number of the last read begun
        self._claiming_lock = threading.Lock()
        self._claiming = set()  # _Claiming

    def host_states(self, context, fresh=False):
        """[HostState] of every compute node; ``fresh``: read everything now."""
        return self.read(context, fresh)[1]

    def read(self, context, fresh=False):
        """(the read's number, [HostState] of every compute node), read now; ``fresh``:
        read everything."""
        with self._lock:
            self._read = read = next(self._reads)
            self._build(db_api.read_together(context, self._read_db, fresh))
            states = list(self._states.values())
        with self._claiming_lock:
            self._claiming = {c for c in self._claiming if c.counts_in(read - KEEP_READS)}
        return read, states

    def claiming(self, node_id, resources):
        """Count ``resources`` as used on node ``node_id`` in what ``with_claims`` gives,
        until ``claimed`` says the claim failed or, committed, the states read count it.
        Returns what ``claimed`` takes."""
        claim = _Claiming(node_id, resources)
        with self._claiming_lock:
            self._claiming.add(claim)
        return claim

    def claimed(self, claim, committed):
        """The claim ``claiming`` returned was committed, or not (it stops counting at
        once)."""
        with self._claiming_lock:
            if committed:
                claim.read = self._read
            else:
                self._claiming.discard(claim)

    def with_claims(self, read, host_states):
        """``host_states``, from read number ``read``, with the claims they lack (being
        made, or committed after that read began) counted as used, at the same
        generations."""
        extra = collections.defaultdict(collections.Counter)
        with self._claiming_lock:
            for claim in self._claiming:
                if claim.counts_in(read):
                    extra[claim.node_id].update(claim.resources)
        if not extra:
            return host_states
        return [h.with_used(extra[h.node.id]) if h.node.id in extra else h
                for h in host_states]

    def _read_db(self, context, fresh):
        """Read what changed (everything if ``fresh`` or due); the ids of the nodes
        whose state is to be built again."""
        now = self._clock()
        if fresh or self._full_at is None or now - self._full_at >= self._full_refresh:
            changed = self._read_all(context, now)
        else:
            changed = self._read_changes(context)
            if now - self._seen_at >= seen_refresh():
                self._read_last_seen(context, now)
        return changed | self._read_aggregates(context)

    def _build(self, node_ids):
        """Build again the states of the nodes ``node_ids`` (a set)."""
        for node_id in node_ids:
            node = self._nodes.get(node_id)
            if node is None:
                self._states.pop(node_id, None)
            else:
                self._states[node_id] = host_state_mod.HostState(
                    node, self._services.get(node.host), self._usage.get(node_id, {}),
                    self._metadata.get(node.host, ()))

    def _nodes_of(self, hosts):
        return {node_id for node_id, node in self._nodes.items() if node.host in hosts}

    def _read_all(self, context, now):
        since = obj_base.utcnow() - OVERLAP
        self._nodes = {n.id: n for n in objects.ComputeNodeList.get_all(context)}
        self._usage = objects.ResourceClaim.usage(context, list(self._nodes))
        self._services = {s.host: s for s in objects.ServiceList.get_all(
            context, {'binary': BINARY})}
        self._since, self._full_at, self._seen_at = since, now, now
        self._states = {}
        return set(self._nodes)

    def _read_changes(self, context):
        """Read what changed; the ids of the nodes whose state is to be built again."""
        since = obj_base.utcnow() - OVERLAP
        changed = objects.ComputeNodeList.get_changed_since(context, self._since,
                                                            known=self._nodes)
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
        hosts = set()
        for service in objects.ServiceList.get_changed_since(context, BINARY, self._since):
            hosts.add(service.host)
            if service.deleted:
                if getattr(self._services.get(service.host), 'id', None) == service.id:
                    del self._services[service.host]
            else:
                self._services[service.host] = service
        self._since = since
        return {n.id for n in changed} | (self._nodes_of(hosts) if hosts else set())

    def _read_last_seen(self, context, now):
        seen = objects.ServiceList.last_seen(context, BINARY)
        for service in self._services.values():
            when = seen.get(service.id)
            if when is not None:
                service.last_seen_up = when.replace(tzinfo=datetime.timezone.utc)
                service.obj_reset_changes(['last_seen_up'])
        for state in self._states.values():  # not built again: only this one value moved
            if state.service is not None:
                state.last_seen_up = state.service.last_seen_up
        self._seen_at = now

    def _read_aggregates(self, context):
        """Read the aggregates' metadata; the ids of the nodes of the hosts whose
        metadata changed."""
        metadata = aggregate_obj.metadata_by_host(context)
        hosts = {host for host in metadata.keys() | self._metadata.keys()
                 if metadata.get(host) != self._metadata.get(host)}
        self._metadata = metadata
        return self._nodes_of(hosts) if hosts else set()
