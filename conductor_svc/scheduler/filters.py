"""Host filters: each answers whether one host can take one request.

A choice runs every filter over every host, so a filter works out what the request
needs once (``for_request``) and returns a check of one host that only reads the host
state's plain attributes -- or None when the request leaves every host passing.
"""
import collections

from conductor_svc.scheduler import extra_specs_ops
from svc_common.conf import CONF
from svc_common.objects import instance_group as instance_group_obj
from svc_common.objects import service as service_obj


class BaseFilter:
    # The scheduler hint naming servers (or, 'group', a server group) this filter reads,
    # if any: the scheduler looks up where those servers are once per attempt to choose
    # (Request.hint_hosts), not once per host.
    hint = None

    def for_request(self, request):
        """A function of one HostState: whether that host can take ``request``; None
        when every host can."""
        raise NotImplementedError

    def host_passes(self, host_state, request):
        check = self.for_request(request)
        return check is None or check(host_state)


class ComputeFilter(BaseFilter):
    """The host's compute service is enabled and has reported recently."""

    def for_request(self, request):
        cutoff = service_obj.up_cutoff(CONF.service_down_time)
        return lambda host_state: host_state.service_up(cutoff)


class _ResourceFilter(BaseFilter):
    resource_class = None

    def for_request(self, request):
        resource_class = self.resource_class
        needed = request.resources.get(resource_class, 0)
        return lambda host_state: needed <= host_state.free_of[resource_class]


class RamFilter(_ResourceFilter):
    resource_class = 'MEMORY_MB'


class DiskFilter(_ResourceFilter):
    resource_class = 'DISK_GB'


class CoreFilter(_ResourceFilter):
    resource_class = 'VCPU'


class _ServerAffinityFilter(BaseFilter):
    """Places the request with (or away from) the servers its ``hint`` names; without
    the hint every host passes."""
    with_them = None

    def for_request(self, request):
        hosts, with_them = request.hint_hosts.get(self.hint), self.with_them
        if hosts is None:
            return None
        return lambda host_state: (host_state.host in hosts) == with_them


class SameHostFilter(_ServerAffinityFilter):
    """The host holds at least one of the servers of the same_host hint."""
    hint = 'same_host'
    with_them = True


class DifferentHostFilter(_ServerAffinityFilter):
    """The host holds none of the servers of the different_host hint."""
    hint = 'different_host'
    with_them = False


class _ServerGroupFilter(BaseFilter):
    """Applies to a request whose 'group' hint names a server group of ``policy``;
    every host passes any other request."""
    hint = 'group'
    policy = None

    def for_request(self, request):
        group = request.group
        if group is None or group.policy != self.policy:
            return None
        members_on = request.hint_hosts.get(self.hint) or collections.Counter()
        return lambda host_state: self.members_allow(members_on, host_state.host, group)

    def members_allow(self, members_on, host, group):
        raise NotImplementedError


class ServerGroupAffinityFilter(_ServerGroupFilter):
    """An affinity group's servers share one host: once a member is placed, the others
    go where it is."""
    policy = instance_group_obj.AFFINITY

    def members_allow(self, members_on, host, group):
        return not members_on or host in members_on


class ServerGroupAntiAffinityFilter(_ServerGroupFilter):
    """An anti-affinity group's servers keep apart: a host holds fewer members than the
    group's max_server_per_host rule (1 without it) before this one."""
    policy = instance_group_obj.ANTI_AFFINITY

    def members_allow(self, members_on, host, group):
        return members_on[host] < group.max_server_per_host


class AvailabilityZoneFilter(BaseFilter):
    """The host is in the zone the server is pinned to (any host for an unpinned one):
    the zone of its aggregates, or the default zone."""

    def for_request(self, request):
        zone, default = request.availability_zone, CONF.default_availability_zone
        if zone is None:
            return None
        return lambda host_state: (host_state.zone or default) == zone


_AGGREGATE_SCOPE = 'aggregate_instance_extra_specs'


class AggregateInstanceExtraSpecsFilter(BaseFilter):
    """Every flavor extra spec without a scope, or scoped
    'aggregate_instance_extra_specs:', is met by the metadata of one of the host's
    aggregates (operators as in extra_specs_ops). Other scopes are not its business."""

    def for_request(self, request):
        wanted = []  # [(metadata key, requirement)]
        for key, requirement in (request.extra_specs or {}).items():
            scope, _, rest = key.partition(':')
            if rest:
                if scope != _AGGREGATE_SCOPE:
                    continue
                key = rest
            wanted.append((key, requirement))
        if not wanted:
            return None
        return lambda host_state: all(self._met(host_state, key, requirement)
                                      for key, requirement in wanted)

    @staticmethod
    def _met(host_state, key, requirement):
        values = {m[key] for m in host_state.aggregate_metadata if key in m}
        return any(extra_specs_ops.match(v, requirement) for v in values)


_TENANT_KEY = 'filter_tenant_id'


class AggregateMultiTenancyIsolation(BaseFilter):
    """A host in aggregates with 'filter_tenant_id*' metadata takes only servers of the
    projects those keys list (comma separated); other hosts take anyone's."""

    def for_request(self, request):
        return lambda host_state: self._allows(host_state, request.project_id)

    @staticmethod
    def _allows(host_state, project_id):
        allowed = {project.strip()
                   for metadata in host_state.aggregate_metadata
                   for key, value in metadata.items() if key.startswith(_TENANT_KEY)
                   for project in value.split(',')}
        return not allowed or project_id in allowed


ALL_FILTERS = {cls.__name__: cls for cls in (ComputeFilter, RamFilter, DiskFilter, CoreFilter,
                                             SameHostFilter, DifferentHostFilter,
                                             ServerGroupAffinityFilter,
                                             ServerGroupAntiAffinityFilter,
                                             AvailabilityZoneFilter,
                                             AggregateInstanceExtraSpecsFilter,
                                             AggregateMultiTenancyIsolation)}


def get_filters(names):
    unknown = set(names) - set(ALL_FILTERS)
    if unknown:
        raise ValueError('Unknown scheduler filters: %s' % ', '.join(sorted(unknown)))
    return [ALL_FILTERS[name]() for name in names]
