"""/os-services: list, enable/disable/force down, delete (admin)."""
from oslo_utils import uuidutils

from api_svc.policies import services as service_policies
from api_svc import compute_api
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import services as schemas
from api_svc import validation
from api_svc.views import common
from api_svc import zones as zones_mod
from svc_common import compute_rpcapi
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects

# Clients (Tempest first) look services up by Nova's binary names.
_API_BINARIES = {compute_rpcapi.TOPIC: 'nova-compute'}


def api_binary(service):
    if service.topic in _API_BINARIES:
        return _API_BINARIES[service.topic]
    if service.topic == CONF.conductor.topic:
        return 'nova-conductor'
    return service.binary


is_compute = zones_mod.is_compute


def view(req, service, zones):
    body = {
        'id': service.uuid if req.version.matches('2.53') else service.id,
        'binary': api_binary(service),
        'host': service.host,
        'zone': zones.of_service(service),
        'status': 'disabled' if service.disabled else 'enabled',
        'state': 'up' if compute_api.service_is_up(service) else 'down',
        'updated_at': common.iso_micro(service.last_seen_up or service.updated_at or
                                       service.created_at),
        'disabled_reason': service.disabled_reason,
    }
    if req.version.matches('2.11'):
        body['forced_down'] = service.forced_down
    return body


def index(req):
    context = req.context
    policy.authorize(context, service_policies.LIST)
    req.check_query(('host', 'binary'), since='2.102')
    filters = {'host': req.GET.get('host')} if req.GET.get('host') else {}
    services = objects.ServiceList.get_all(context, filters)
    binary = req.GET.get('binary')
    if binary:
        services = [s for s in services if binary in (api_binary(s), s.binary)]
    zones = zones_mod.Zones(context)
    return api_request.json_response({'services': [view(req, s, zones) for s in services]})


@validation.body(schemas.update)  # from 2.53; before, see _legacy_action
def update(req, service_id):
    context = req.context
    policy.authorize(context, service_policies.UPDATE)
    if req.version.matches('2.53'):
        return _update_by_uuid(req, service_id)
    return _legacy_action(req, service_id)


def _update_by_uuid(req, service_id):
    if not uuidutils.is_uuid_like(service_id):
        raise exception.Invalid(message='Invalid uuid %s' % service_id)
    body = req.validated_body()
    service = objects.Service.get_by_uuid(req.context, service_id)
    if not is_compute(service):
        raise exception.Invalid(message='Updating a %s service is not supported. Only '
                                        'nova-compute services can be updated.'
                                        % api_binary(service))
    if 'disabled_reason' in body and body.get('status') != 'disabled':
        raise exception.Invalid(message="Specifying 'disabled_reason' with status other "
                                        "than 'disabled' is invalid.")
    if 'status' in body:
        service.disabled = body['status'] == 'disabled'
        service.disabled_reason = body.get('disabled_reason') if service.disabled else None
    if 'forced_down' in body:
        service.forced_down = body['forced_down']
    service.save()
    return api_request.json_response({'service': view(req, service,
                                                      zones_mod.Zones(req.context))})


def _legacy_action(req, action):
    """Before 2.53: PUT /os-services/{action} naming the service by host and binary."""
    schema = {'enable': schemas.enable_disable, 'disable': schemas.enable_disable,
              'disable-log-reason': schemas.disable_log_reason}
    if req.version.matches('2.11'):
        schema['force-down'] = schemas.force_down
    if action not in schema:
        raise exception.NotFound(message='Unknown action')
    body = validation.validate(schema[action], req.json_body())
    service = _find(req.context, body['host'], body['binary'])
    answer = {'host': service.host, 'binary': body['binary']}
    if action == 'force-down':
        service.forced_down = body['forced_down']
        answer['forced_down'] = service.forced_down
    else:
        service.disabled = action != 'enable'
        service.disabled_reason = body.get('disabled_reason')
        answer['status'] = 'disabled' if service.disabled else 'enabled'
        if action == 'disable-log-reason':
            answer['disabled_reason'] = service.disabled_reason
    service.save()
    return api_request.json_response({'service': answer})


def _find(context, host, binary):
    for service in objects.ServiceList.get_all(context, {'host': host}):
        if binary in (api_binary(service), service.binary):
            return service
    raise exception.ServiceNotFound(service_id='%s on %s' % (binary, host))


def delete(req, service_id):
    context = req.context
    policy.authorize(context, service_policies.DELETE)
    if req.version.matches('2.53'):
        if not uuidutils.is_uuid_like(service_id):
            raise exception.Invalid(message='Invalid uuid %s' % service_id)
        service = objects.Service.get_by_uuid(context, service_id)
    else:
        try:
            service = objects.Service.get_by_id(context, int(service_id))
        except ValueError:
            raise exception.Invalid(message='Invalid service id %s' % service_id)
    if is_compute(service):
        hosted = objects.InstanceList.get_by_filters(context, {'host': service.host})
        if len(hosted):
            raise exception.ServiceInUse(service_id=service_id, count=len(hosted))
        for node in objects.ComputeNodeList.get_all(context, host=service.host):
            node.destroy()
        for aggregate in objects.AggregateList.get_by_host(context, service.host):
            aggregate.remove_host(service.host)
    service.destroy()
    return api_request.empty_response(204)
