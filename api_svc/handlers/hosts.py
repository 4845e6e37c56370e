"""/os-hosts: the deprecated host API, until microversion 2.42 (404 from 2.43; use
os-hypervisors, os-services and os-availability-zone instead)."""
import collections

from api_svc import compute_api
from api_svc.handlers import hypervisors
from api_svc.policies import hosts as host_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import hosts as schemas
from api_svc import validation
from api_svc import zones as zones_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects


def _check_version(req):
    if req.version.matches('2.43'):
        raise exception.NotFound(message='The os-hosts API is gone since 2.43: use '
                                         'os-hypervisors and os-services.')


def _service_name(service):
    """What Nova calls the service of a host entry: its topic ('compute', ...)."""
    if zones_mod.is_compute(service):
        return 'compute'
    if service.topic == CONF.conductor.topic:
        return 'conductor'
    return service.topic or service.binary


def index(req):
    _check_version(req)
    policy.authorize(req.context, host_policies.LIST)
    zones = zones_mod.Zones(req.context)
    wanted = req.GET.get('zone')
    hosts = [{'host_name': s.host, 'service': _service_name(s),
              'zone': zones.of_service(s)}
             for s in objects.ServiceList.get_all(req.context)]
    if wanted:
        hosts = [h for h in hosts if h['zone'] == wanted]
    return api_request.json_response({'hosts': hosts})


def _compute_host(req, host_name):
    service = compute_api.compute_service(req.context, host_name)
    if service is None:
        raise exception.ComputeHostNotFound(host=host_name)
    return service


def _resource(host, project, cpu, memory_mb, disk_gb):
    return {'resource': {'host': host, 'project': project, 'cpu': cpu,
                         'memory_mb': memory_mb, 'disk_gb': disk_gb}}


def show(req, host_name):
    """The host's capacity, what is claimed now, what its servers' flavors add up to,
    and that per project."""
    _check_version(req)
    policy.authorize(req.context, host_policies.SHOW)
    _compute_host(req, host_name)
    inventory = hypervisors.Inventory(req.context)
    resources = []
    for node in (n for n in inventory.nodes if n.host == host_name):
        used = hypervisors.node_usage(inventory, node)
        by_project = collections.defaultdict(lambda: [0, 0, 0])
        for instance in inventory.instances_on(node):
            flavor = instance.flavor
            totals = by_project[instance.project_id]
            totals[0] += flavor.vcpus
            totals[1] += flavor.memory_mb
            totals[2] += flavor.root_gb + flavor.ephemeral_gb
        resources.append(_resource(host_name, '(total)', node.vcpus, node.memory_mb,
                                   node.local_gb))
        resources.append(_resource(host_name, '(used_now)', used['vcpus_used'],
                                   used['memory_mb_used'], used['local_gb_used']))
        resources.append(_resource(host_name, '(used_max)',
                                   *[sum(t[i] for t in by_project.values()) for i in range(3)]))
        resources.extend(_resource(host_name, project, *totals)
                         for project, totals in sorted(by_project.items()))
    return api_request.json_response({'host': resources})


@validation.body(schemas.update)
def update(req, host_name):
    """status enables or disables the host's compute service; no driver has a
    maintenance mode (501, as Nova's libvirt driver)."""
    _check_version(req)
    policy.authorize(req.context, host_policies.UPDATE)
    body = {k: v.lower() for k, v in req.validated_body().items()}
    service = _compute_host(req, host_name)
    if 'maintenance_mode' in body:
        raise exception.HostActionNotImplemented(what='host maintenance mode')
    service.disabled = body['status'] == 'disable'
    service.disabled_reason = None
    service.save()
    return api_request.json_response({'host': host_name, 'status': body['status'] + 'd'})


def _power_action(policy_name, what):
    def handler(req, host_name):
        _check_version(req)
        policy.authorize(req.context, policy_name)
        _compute_host(req, host_name)
        raise exception.HostActionNotImplemented(what=what)
    return handler


startup = _power_action(host_policies.START, 'host power management (startup)')
shutdown = _power_action(host_policies.SHUTDOWN, 'host power management (shutdown)')
reboot = _power_action(host_policies.REBOOT, 'host power management (reboot)')
