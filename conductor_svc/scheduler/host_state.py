"""What the scheduler knows of each compute node at one moment."""
import collections

from svc_common.conf import CONF
from svc_common import objects
from svc_common.objects import aggregate as aggregate_obj
from svc_common.objects import service as service_obj


class HostState:
    """One compute node as plain values, computed when it is built -- when the node, its
    usage, its service or its aggregates changed -- not per request: every choice reads
    every host, so a filter or weigher must find what it needs in an attribute or a
    dictionary, not in a versioned object's fields."""

    __slots__ = ('node', 'service', 'used', 'aggregate_metadata', 'host', 'nodename',
                 'generation', 'free_of', 'zone', 'enabled', 'last_seen_up')

    def __init__(self, node, service, used, aggregate_metadata=()):
        self.node, self.service, self.used = node, service, used
        # The metadata of each aggregate the host is in.
        self.aggregate_metadata = list(aggregate_metadata)
        capacity = node.capacity() if node is not None else {}
        self.host = node.host if node is not None else None
        self.nodename = node.hypervisor_hostname if node is not None else None
        self.generation = node.generation if node is not None else None
        self.free_of = {rc: amount - used.get(rc, 0) for rc, amount in capacity.items()}
        zones = {m[aggregate_obj.AZ_KEY] for m in self.aggregate_metadata
                 if aggregate_obj.AZ_KEY in m}
        self.zone = aggregate_obj.zone_of(zones) if zones else None  # None: the default
        self.enabled = (service is not None and not service.disabled
                        and not service.forced_down)
        self.last_seen_up = service.last_seen_up if service is not None else None

    def with_used(self, extra):
        """This host with ``extra`` ({resource class: amount}) used besides, at the same
        generation."""
        used = collections.Counter(self.used)
        used.update(extra)
        return HostState(self.node, self.service, dict(used), self.aggregate_metadata)

    def free(self, resource_class):
        return self.free_of[resource_class]

    @property
    def availability_zone(self):
        return self.zone or CONF.default_availability_zone

    def service_up(self, cutoff=None):
        """The service is enabled, not forced down and was seen at or after ``cutoff``
        (default: service_down_time ago)."""
        return self.enabled and service_obj.seen_since(
            self.last_seen_up, cutoff or service_obj.up_cutoff(CONF.service_down_time))


def hosts_of_servers(context, named):
    """{key: Counter {host: how many of the servers ``named[key]`` lists are there}},
    from one lookup of the servers and one of their claims for all keys. A server is
    on its host and on any host where it holds a claim (a build chosen but not yet
    recorded, a move's destination): a claim commits under the node's generation, so
    counting claims makes concurrent choices of one host collide instead of both
    passing. A server deleted, unknown or on no host yet counts nowhere."""
    uuids = sorted(set().union(*named.values()))
    if not uuids:
        return {}
    servers = objects.InstanceList.get_by_filters(context, {'uuid': uuids, 'deleted': False})
    hosts_of = {s.uuid: {s.host} if s.host else set() for s in servers}
    for uuid, claimed in objects.ResourceClaim.hosts_of(context, sorted(hosts_of)).items():
        hosts_of[uuid].update(claimed)
    return {key: collections.Counter(host for u in set(listed) for host in hosts_of.get(u, ()))
            for key, listed in named.items()}
