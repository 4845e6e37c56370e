"""Weighers: each scores hosts; scores are normalised to 0..1 and multiplied."""
from svc_common.conf import CONF


class BaseWeigher:
    def weight(self, host_state):
        raise NotImplementedError

    def multiplier(self):
        return 1.0


class RAMWeigher(BaseWeigher):
    def weight(self, host_state):
        return host_state.free('MEMORY_MB')

    def multiplier(self):
        return CONF.scheduler.ram_weight_multiplier


class CPUWeigher(BaseWeigher):
    def weight(self, host_state):
        return host_state.free('VCPU')

    def multiplier(self):
        return CONF.scheduler.cpu_weight_multiplier


ALL_WEIGHERS = {cls.__name__: cls for cls in (RAMWeigher, CPUWeigher)}


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


def order_hosts(weighers, host_states):
    """Hosts best first; ties keep a stable order by host name."""
    totals = [0.0] * len(host_states)
    for weigher in weighers:
        raw = [weigher.weight(h) for h in host_states]
        for i, value in enumerate(_normalise(raw)):
            totals[i] += weigher.multiplier() * value
    ranked = sorted(zip(totals, host_states), key=lambda pair: (-pair[0], pair[1].host,
                                                                pair[1].nodename))
    return [h for _, h in ranked]
