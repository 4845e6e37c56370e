"""/os-availability-zone: one zone ('nova') for compute hosts, 'internal' for the rest."""
from api_svc.handlers import services as service_handlers
from api_svc.policies import availability_zones as az_policies
from api_svc import compute_api
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from svc_common import objects


def _zones(context):
    """{zone name: [services]}, compute zones first."""
    zones = {}
    for service in objects.ServiceList.get_all(context.elevated()):
        zones.setdefault(service_handlers.zone(service), []).append(service)
    return zones


def _available(services):
    return any(not s.disabled and compute_api.service_is_up(s) for s in services)


def index(req):
    policy.authorize(req.context, az_policies.LIST)
    zones = [{'zoneName': name, 'zoneState': {'available': _available(services)},
              'hosts': None}
             for name, services in _zones(req.context).items() if name != 'internal']
    return api_request.json_response({'availabilityZoneInfo': zones})


def detail(req):
    policy.authorize(req.context, az_policies.DETAIL)
    zones = []
    for name, services in _zones(req.context).items():
        hosts = {}
        for service in services:
            hosts.setdefault(service.host, {})[service_handlers.api_binary(service)] = {
                'available': compute_api.service_is_up(service),
                'active': not service.disabled,
                'updated_at': common.iso_micro(service.last_seen_up or service.updated_at),
            }
        zones.append({'zoneName': name, 'zoneState': {'available': _available(services)},
                      'hosts': hosts})
    return api_request.json_response({'availabilityZoneInfo': zones})
