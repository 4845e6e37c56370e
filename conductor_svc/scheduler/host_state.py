"""What the scheduler knows of each compute node at one moment."""
import collections
import dataclasses

from svc_common.conf import CONF
from svc_common import objects
from svc_common.objects import aggregate as aggregate_obj


@dataclasses.dataclass
class HostState:
    node: 'objects.ComputeNode'
    service: 'objects.Service | None'
    used: dict
    # The metadata of each aggregate the host is in.
    aggregate_metadata: list = dataclasses.field(default_factory=list)

    @property
    def host(self):
        return self.node.host

    @property
    def nodename(self):
        return self.node.hypervisor_hostname

    @property
    def generation(self):
        return self.node.generation

    def free(self, resource_class):
        return self.node.capacity()[resource_class] - self.used.get(resource_class, 0)

    @property
    def availability_zone(self):
        return aggregate_obj.zone_of({m[aggregate_obj.AZ_KEY] for m in self.aggregate_metadata
                                      if aggregate_obj.AZ_KEY in m})

    def service_up(self):
        return (self.service is not None and not self.service.disabled
                and self.service.is_up(CONF.service_down_time))


def host_states(context, nodes, services, usage):
    """[HostState] of ``nodes`` with their services ({host: Service}), usage ({node id:
    {resource class: amount}}) and the aggregates they are in (read now)."""
    metadata = collections.defaultdict(list)
    for aggregate in objects.AggregateList.get_all(context):
        for host in aggregate.hosts:
            metadata[host].append(dict(aggregate.metadata))
    return [HostState(node=n, service=services.get(n.host), used=usage.get(n.id, {}),
                      aggregate_metadata=metadata[n.host])
            for n in nodes]


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
