"""Host filters: each answers whether one host can take one request."""


class BaseFilter:
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


ALL_FILTERS = {cls.__name__: cls for cls in (ComputeFilter, RamFilter, DiskFilter, CoreFilter)}


def get_filters(names):
    unknown = set(names) - set(ALL_FILTERS)
    if unknown:
        raise ValueError('Unknown scheduler filters: %s' % ', '.join(sorted(unknown)))
    return [ALL_FILTERS[name]() for name in names]
