"""Weighers: each scores hosts; scores are normalised to 0..1 and multiplied."""
from svc_common.conf import CONF
from svc_common.objects import instance_group as instance_group_obj


class BaseWeigher:
    hint = None  # as BaseFilter.hint: the scheduler resolves it into request.hint_hosts

    def weight(self, host_state, request):
        raise NotImplementedError

    def weights(self, host_states, request):
        """The weight of each host in ``host_states`` for ``request``, in order; None
        when every host weighs the same (the weigher then changes nothing)."""
        return [self.weight(h, request) for h in host_states]

    def multiplier(self):
        return 1.0


class RAMWeigher(BaseWeigher):
    def weight(self, host_state, request):
        return host_state.free('MEMORY_MB')

    def multiplier(self):
        return CONF.scheduler.ram_weight_multiplier


class CPUWeigher(BaseWeigher):
    def weight(self, host_state, request):
        return host_state.free('VCPU')

    def multiplier(self):
        return CONF.scheduler.cpu_weight_multiplier


class _ServerGroupSoftWeigher(BaseWeigher):
    """Scores a host by the members of the request's group it holds, for a group of
    ``policy`` (every host scores 0 for other requests)."""
    hint = 'group'
    policy = None
    option = None

    def _applies(self, request):
        group = request.group if request is not None else None
        return group is not None and group.policy == self.policy

    def weight(self, host_state, request):
        if not self._applies(request):
            return 0
        return (request.hint_hosts.get(self.hint) or {}).get(host_state.host, 0)

    def weights(self, host_states, request):
        return super().weights(host_states, request) if self._applies(request) else None

    def multiplier(self):
        return getattr(CONF.scheduler, self.option)


class ServerGroupSoftAffinityWeigher(_ServerGroupSoftWeigher):
    """soft-affinity: the more members a host holds, the better."""
    policy = instance_group_obj.SOFT_AFFINITY
    option = 'soft_affinity_weight_multiplier'


class ServerGroupSoftAntiAffinityWeigher(_ServerGroupSoftWeigher):
    """soft-anti-affinity: the fewer members a host holds, the better."""
    policy = instance_group_obj.SOFT_ANTI_AFFINITY
    option = 'soft_anti_affinity_weight_multiplier'

    def multiplier(self):
        return -super().multiplier()


ALL_WEIGHERS = {cls.__name__: cls for cls in (RAMWeigher, CPUWeigher,
                                              ServerGroupSoftAffinityWeigher,
                                              ServerGroupSoftAntiAffinityWeigher)}


def get_weighers(names):
    unknown = set(names) - set(ALL_WEIGHERS)
    if unknown:
        raise ValueError('Unknown scheduler weighers: %s' % ', '.join(sorted(unknown)))
    return [ALL_WEIGHERS[name]() for name in names]


def _normalise(values):
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def order_hosts(weighers, host_states, request=None):
    """Hosts best first; ties keep a stable order by host name."""
    totals = [0.0] * len(host_states)
    for weigher in weighers:
        multiplier = weigher.multiplier()
        raw = weigher.weights(host_states, request) if multiplier else None
        if raw is None:
            continue
        for i, value in enumerate(_normalise(raw)):
            totals[i] += multiplier * value
    ranked = sorted(zip(totals, host_states), key=lambda pair: (-pair[0], pair[1].host,
                                                                pair[1].nodename))
    return [h for _, h in ranked]
