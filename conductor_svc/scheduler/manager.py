"""Choose a host for a request and claim its resources there in one step.

The claim is the commit point. It checks capacity under the node's row lock, so
concurrent conductors never overbook a node and never wait in a back-off: a node that
filled up since the hosts were read refuses, and the next host is tried. A request with
server hints (a group policy, same_host/different_host) also needs the other servers
not to have moved onto the node since the hosts were read: its claim succeeds only at
the generation the choice was based on, and losing that race re-reads the hosts.
"""
import dataclasses
import threading

from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common.objects import claim as claim_obj
from conductor_svc.scheduler import filters as filters_mod
from conductor_svc.scheduler import host_state as host_state_mod
from conductor_svc.scheduler import host_view as host_view_mod
from conductor_svc.scheduler import weighers as weighers_mod

LOG = logging.getLogger(__name__)


GROUP_HINT = 'group'


def _group(context, group_uuid):
    """The server group a hint names; None once deleted (its servers are then free)."""
    try:
        return objects.InstanceGroup.get_by_uuid(context, group_uuid)
    except exception.InstanceGroupNotFound:
        LOG.info('Server group %s is gone; not applying its policy', group_uuid)
        return None


@dataclasses.dataclass
class Request:
    resources: dict
    ignore_hosts: tuple = ()
    force_host: str | None = None
    hints: dict = dataclasses.field(default_factory=dict)  # {name: [strings]}, as stored
    # {hint: Counter {host: servers it names there}}, for the hints of the enabled
    # filters that the request has ('group': the group's other members); the scheduler
    # fills it in, once per attempt to choose.
    hint_hosts: dict | None = None
    # The server group of the 'group' hint (an InstanceGroup), filled in with hint_hosts.
    group: object = None
    availability_zone: str | None = None  # the zone the server is pinned to
    project_id: str | None = None  # the server's project (tenant isolation)
    extra_specs: dict | None = None  # the flavor's (aggregate metadata it needs)

    @classmethod
    def for_instance(cls, instance, flavor=None, **kwargs):
        """A request to place ``instance`` (with ``flavor``, default its own): its
        resources, zone, project and flavor extra specs, and ``kwargs``."""
        flavor = flavor or instance.flavor
        return cls(resources=claim_obj.resources_for_flavor(flavor),
                   availability_zone=instance.availability_zone,
                   project_id=instance.project_id,
                   extra_specs=dict(flavor.extra_specs or {}), **kwargs)


@dataclasses.dataclass
class Selection:
    host: str
    nodename: str
    compute_node_id: int
    alternates: list  # [(host, nodename)] in order of preference


class Scheduler:

    def __init__(self, heartbeats=None):
        """``heartbeats``: this conductor's HeartbeatBatch, written before every read of
        all the hosts (the read that may answer "no host"): a host whose heartbeat this
        conductor took but has not written yet (the first ones after an outage of every
        conductor, say) is up, not down."""
        self.heartbeats = heartbeats
        self.filters = filters_mod.get_filters(CONF.scheduler.enabled_filters)
        self.weighers = weighers_mod.get_weighers(CONF.scheduler.enabled_weighers)
        self.server_hints = {f.hint for f in self.filters + self.weighers if f.hint}
        self.hosts = host_view_mod.HostView()
        self._choosing = threading.Lock()

    def _resolve_hints(self, context, request, consumer_uuid):
        """Where the servers the hints name are; a group hint names the group's members
        but ``consumer_uuid`` (the server being placed)."""
        named = {name: request.hints[name] for name in self.server_hints - {GROUP_HINT}
                 if request.hints.get(name)}
        if GROUP_HINT in self.server_hints and request.hints.get(GROUP_HINT):
            request.group = _group(context, request.hints[GROUP_HINT][0])
            if request.group is not None:
                named[GROUP_HINT] = [u for u in request.group.members if u != consumer_uuid]
        request.hint_hosts = host_state_mod.hosts_of_servers(context, named)

    def candidates(self, context, request, consumer_uuid=None, fresh=False):
        """Hosts passing the filters, best first; ``fresh``: from a read of every host
        now rather than the view kept in memory (see host_view)."""
        return self._choose(context, request, consumer_uuid, fresh, claim=False)[0]

    def _choose(self, context, request, consumer_uuid, fresh, claim=True):
        """The candidates and, with ``claim``, the best one marked as being claimed in
        the view (HostView.claiming): ranked and marked under one lock, so that the
        choices this conductor makes at once see each other's claims and spread."""
        # Hosts first, then the hints: a claim committed in between shows in the hints,
        # and one committed later changed the generation read here (its node's claim
        # then conflicts, and the next attempt sees it).
        if fresh and self.heartbeats is not None:
            self.heartbeats.flush(context)
        read, hosts = self.hosts.read(context, fresh=fresh)
        self._resolve_hints(context, request, consumer_uuid)
        with self._choosing:
            ranked = self._rank(self.hosts.with_claims(read, hosts), request)
            if not claim or not ranked:
                return ranked, None
            return ranked, self.hosts.claiming(ranked[0].node.id, request.resources)

    def _rank(self, hosts, request):
        if request.ignore_hosts:
            hosts = [h for h in hosts if h.host not in request.ignore_hosts]
        if request.force_host:
            hosts = [h for h in hosts if h.host == request.force_host]
        for host_filter in self.filters:
            check = host_filter.for_request(request)
            if check is not None:
                hosts = list(filter(check, hosts))
        return weighers_mod.order_hosts(self.weighers, hosts, request)

    def select_and_claim(self, context, consumer_uuid, request):
        """Claim ``request.resources`` for ``consumer_uuid`` on the best host that fits."""
        # Hints name other servers' hosts: only the generation read proves none of them
        # arrived on the node since (see the module's docstring). Without hints a claim
        # needs no generation; but once every host refused, the hosts are read again (all
        # of them, not the view) and tried at the generations read, so that "no room" is
        # never based on a stale read.
        exact = raced = fresh = False
        for attempt in range(CONF.scheduler.claim_retries):
            if raced:  # only a lost generation race waits before trying again
                claim_obj.backoff(attempt)
            ranked, claiming = self._choose(context, request, consumer_uuid, fresh)
            if not ranked and not fresh:  # "no host" only from a read of every host
                fresh = True
                ranked, claiming = self._choose(context, request, consumer_uuid, fresh)
            if not ranked:
                raise exception.NoValidHost(reason='There are not enough hosts available.')
            exact = exact or bool(request.hint_hosts)
            selection, raced = self._claim_best(context, consumer_uuid, request, ranked,
                                                claiming, exact)
            if selection is not None:
                return selection
            if not raced:  # every host refused
                if exact and fresh:
                    raise exception.NoValidHost(reason='No host had room for the request.')
                fresh = True  # try them again as read now, at the generations read
            exact = True
        raise exception.NoValidHost(reason='Too many concurrent claims; try again.')

    def _claim_best(self, context, consumer_uuid, request, ranked, claiming, exact):
        """Claim on the first of ``ranked`` that takes the request (``claiming``: the
        first marked as being claimed), at the generation read if ``exact``.
        (Selection, False); (None, True) after a lost generation race; (None, False)
        when every host refused."""
        for index, host in enumerate(ranked):
            if index:
                claiming = self.hosts.claiming(host.node.id, request.resources)
            committed = False
            try:
                objects.ResourceClaim.claim(context, consumer_uuid, host.node.id,
                                            request.resources,
                                            host.generation if exact else None)
                committed = True
            except exception.ClaimConflict:
                LOG.debug('Lost a claim race on %s, re-reading hosts', host.host)
                return None, True
            except exception.InsufficientResources as e:
                LOG.debug('Claim on %s refused: %s', host.host, e)
                continue
            finally:
                self.hosts.claimed(claiming, committed)
            alternates = [(h.host, h.nodename) for h in ranked[index + 1:]]
            return Selection(host.host, host.nodename, host.node.id,
                             alternates[:CONF.scheduler.max_attempts - 1]), False
        return None, False
