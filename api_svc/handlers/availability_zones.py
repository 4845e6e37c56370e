"""/os-availability-zone: the zones of the compute hosts (from their aggregates, or the
default zone), and the internal zone of the other services (detail only)."""
from api_svc.handlers import services as service_handlers
from api_svc.policies import availability_zones as az_policies
from api_svc import compute_api
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from api_svc import zones as zones_mod
from svc_common.conf import CONF
from svc_common import objects


def _zones(context):
    """{zone name: [services]}, in the order their services were created."""
    zones = zones_mod.Zones(context)
    by_zone = {}
    for service in objects.ServiceList.get_all(context.elevated()):
        by_zone.setdefault(zones.of_service(service), []).append(service)
    return by_zone


def _available(services):
    return any(not s.disabled and compute_api.service_is_up(s) for s in services)


def index(req):
    policy.authorize(req.context, az_policies.LIST)
    req.check_query((), since='2.102')
    zones = [{'zoneName': name, 'zoneState': {'available': _available(services)},
              'hosts': None}
             for name, services in _zones(req.context).items()
             if name != CONF.internal_service_availability_zone]
    return api_request.json_response({'availabilityZoneInfo': zones})


def detail(req):
    policy.authorize(req.context, az_policies.DETAIL)
    req.check_query((), since='2.102')
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
