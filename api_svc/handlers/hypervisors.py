"""/os-hypervisors (admin): compute nodes, their capacity and what is claimed of it."""
import fnmatch
import json

from oslo_utils import uuidutils

from api_svc.policies import hypervisors as hypervisor_policies
from api_svc import compute_api
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from svc_common import compute_rpcapi
from svc_common import exception
from svc_common import objects


class Inventory:
    """Nodes, their services, claims and instances, read once per request."""

    def __init__(self, context):
        self.context = context
        self.nodes = list(objects.ComputeNodeList.get_all(context))
        self.services = {s.host: s for s in objects.ServiceList.get_all(
            context, {'topic': compute_rpcapi.TOPIC})}
        self.usage = objects.ResourceClaim.usage(context, [n.id for n in self.nodes])
        self._instances = None

    def instances_on(self, node):
        if self._instances is None:
            self._instances = list(objects.InstanceList.get_by_filters(self.context, {}))
        return [i for i in self._instances
                if i.host == node.host and i.node == node.hypervisor_hostname]


def _node_id(req, node):
    return node.uuid if req.version.matches('2.53') else node.id


def _state(inventory, node):
    service = inventory.services.get(node.host)
    up = compute_api.service_is_up(service)
    disabled = service is None or service.disabled
    return ('up' if up else 'down'), ('disabled' if disabled else 'enabled')


def _summary(req, inventory, node, with_servers=False):
    state, status = _state(inventory, node)
    body = {'id': _node_id(req, node), 'hypervisor_hostname': node.hypervisor_hostname,
            'state': state, 'status': status}
    if with_servers:
        body['servers'] = [{'uuid': i.uuid, 'name': i.display_name or ''}
                           for i in inventory.instances_on(node)]
    return body


def _detail(req, inventory, node, with_servers=False):
    body = _summary(req, inventory, node)
    service = inventory.services.get(node.host)
    body.update({
        'host_ip': node.host_ip, 'hypervisor_type': node.hypervisor_type,
        'hypervisor_version': node.hypervisor_version,
        'service': {'host': node.host,
                    'id': (service.uuid if req.version.matches('2.53') else service.id)
                    if service else None,
                    'disabled_reason': service.disabled_reason if service else None},
    })
    if req.version.matches('2.88'):
        body['uptime'] = None
    else:
        body.update(node_usage(inventory, node))
        body['cpu_info'] = {} if req.version.matches('2.28') else json.dumps({})
    if with_servers:
        body['servers'] = _summary(req, inventory, node, True)['servers']
    return body


def node_usage(inventory, node):
    used = inventory.usage.get(node.id, {})
    vcpus_used = used.get('VCPU', 0)
    memory_used = used.get('MEMORY_MB', 0) + node.reserved_host_memory_mb
    disk_used = used.get('DISK_GB', 0) + node.reserved_host_disk_mb // 1024
    return {
        'vcpus': node.vcpus, 'memory_mb': node.memory_mb, 'local_gb': node.local_gb,
        'vcpus_used': vcpus_used, 'memory_mb_used': memory_used, 'local_gb_used': disk_used,
        'free_ram_mb': node.memory_mb - memory_used, 'free_disk_gb': node.local_gb - disk_used,
        'current_workload': 0, 'disk_available_least': node.local_gb - disk_used,
        'running_vms': len(inventory.instances_on(node)),
    }


def _paged(req, inventory, nodes):
    if not req.version.matches('2.33'):
        return nodes, None
    limit, marker = req.paging()
    if marker is not None:
        ids = [str(_node_id(req, n)) for n in nodes]
        if marker not in ids:
            raise exception.MarkerNotFound(marker=marker)
        nodes = nodes[ids.index(marker) + 1:]
    nodes = nodes[:limit]
    links = None
    if nodes and len(nodes) == limit:
        links = common.next_link(req, req.path_info.split('/v2.1/', 1)[-1],
                                 _node_id(req, nodes[-1]))
    return nodes, links


def _matching(req, inventory):
    nodes = inventory.nodes
    pattern = req.GET.get('hypervisor_hostname_pattern')
    if pattern is not None and req.version.matches('2.53'):
        nodes = [n for n in nodes if _name_matches(pattern, n.hypervisor_hostname)]
        if not nodes:
            raise exception.NotFound(message='No hypervisor matching %r could be found.'
                                             % pattern)
    return nodes


def _with_servers(req):
    return req.version.matches('2.53') and req.query_bool('with_servers', False)


def _listing(req, rule, build):
    context = req.context
    req.check_query(('limit', 'marker', 'hypervisor_hostname_pattern', 'with_servers'),
                    since='2.102')
    policy.authorize(context, rule)
    inventory = Inventory(context)
    with_servers = _with_servers(req)
    nodes, links = _paged(req, inventory, _matching(req, inventory))
    body = {'hypervisors': [build(req, inventory, n, with_servers) for n in nodes]}
    if links:
        body['hypervisors_links'] = links
    return api_request.json_response(body)


def index(req):
    return _listing(req, hypervisor_policies.LIST, _summary)


def detail(req):
    return _listing(req, hypervisor_policies.LIST_DETAIL, _detail)


def _find(req, inventory, hypervisor_id):
    for node in inventory.nodes:
        if str(_node_id(req, node)) == hypervisor_id:
            return node
    if req.version.matches('2.53') and not uuidutils.is_uuid_like(hypervisor_id):
        raise exception.Invalid(message='Invalid uuid %s' % hypervisor_id)
    raise exception.NotFound(message='Hypervisor with ID %s could not be found.'
                                     % hypervisor_id)


def show(req, hypervisor_id):
    context = req.context
    req.check_query(('with_servers',), since='2.102')
    policy.authorize(context, hypervisor_policies.SHOW)
    inventory = Inventory(context)
    node = _find(req, inventory, hypervisor_id)
    return api_request.json_response(
        {'hypervisor': _detail(req, inventory, node, _with_servers(req))})


def uptime(req, hypervisor_id):
    context = req.context
    if req.version.matches('2.88'):
        raise exception.NotFound(message='The uptime API is gone since 2.88; see show.')
    policy.authorize(context, hypervisor_policies.UPTIME)
    inventory = Inventory(context)
    node = _find(req, inventory, hypervisor_id)
    body = _summary(req, inventory, node)
    body['uptime'] = ' 00:00:00 up 0 min,  0 users,  load average: 0.00, 0.00, 0.00'
    return api_request.json_response({'hypervisor': body})


def statistics(req):
    context = req.context
    if req.version.matches('2.88'):
        raise exception.NotFound(message='The statistics API is gone since 2.88.')
    policy.authorize(context, hypervisor_policies.STATISTICS)
    inventory = Inventory(context)
    totals = dict.fromkeys(('count', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used',
                            'memory_mb_used', 'local_gb_used', 'free_ram_mb', 'free_disk_gb',
                            'current_workload', 'running_vms', 'disk_available_least'), 0)
    for node in inventory.nodes:
        totals['count'] += 1
        for key, value in node_usage(inventory, node).items():
            totals[key] += value
    return api_request.json_response({'hypervisor_statistics': totals})


def _name_matches(pattern, name):
    return pattern in name or fnmatch.fnmatch(name, pattern)


def _legacy_search(req, pattern, rule, with_servers):
    context = req.context
    if req.version.matches('2.53'):
        raise exception.NotFound(message='Gone since 2.53: use hypervisor_hostname_pattern.')
    policy.authorize(context, rule)
    inventory = Inventory(context)
    nodes = [n for n in inventory.nodes if _name_matches(pattern, n.hypervisor_hostname)]
    if not nodes:
        raise exception.NotFound(message='No hypervisor matching %r could be found.'
                                         % pattern)
    return api_request.json_response(
        {'hypervisors': [_summary(req, inventory, n, with_servers) for n in nodes]})


def search(req, pattern):
    return _legacy_search(req, pattern, hypervisor_policies.SEARCH, False)


def servers(req, pattern):
    return _legacy_search(req, pattern, hypervisor_policies.SERVERS, True)
