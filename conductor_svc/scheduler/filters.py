"""Host filters: each answers whether one host can take one request."""


class BaseFilter:
    # The scheduler hint naming servers this filter reads, if any: the scheduler looks
    # up where those servers are once per request (Request.hint_hosts).
    hint = None

    def host_passes(self, host_state, request):
        raise NotImplementedError


class ComputeFilter(BaseFilter):
    """The host's compute service is enabled and has reported recently."""

    def host_passes(self, host_state, request):
        return host_state.service_up()


class _ResourceFilter(BaseFilter):
    resource_class = None

    def host_passes(self, host_state, request):
        return request.resources.get(self.resource_class, 0) <= host_state.free(
            self.resource_class)


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

    def host_passes(self, host_state, request):
        hosts = request.hint_hosts.get(self.hint)
        return hosts is None or (host_state.host in hosts) == self.with_them


class SameHostFilter(_ServerAffinityFilter):
    """The host holds at least one of the servers of the same_host hint."""
    hint = 'same_host'
    with_them = True


class DifferentHostFilter(_ServerAffinityFilter):
    """The host holds none of the servers of the different_host hint."""
    hint = 'different_host'
    with_them = False


ALL_FILTERS = {cls.__name__: cls for cls in (ComputeFilter, RamFilter, DiskFilter, CoreFilter,
                                             SameHostFilter, DifferentHostFilter)}


def get_filters(names):
    unknown = set(names) - set(ALL_FILTERS)
    if unknown:
        raise ValueError('Unknown scheduler filters: %s' % ', '.join(sorted(unknown)))
    return [ALL_FILTERS[name]() for name in names]
