"""The shelve, shelveOffload and unshelve server actions (api_svc.shelve_api does the
work); each answers 202 with no body."""
from api_svc import compute_api
from api_svc.handlers import server_actions
from api_svc.handlers import servers
from api_svc.policies import shelve as shelve_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import shelve as schemas
from api_svc import shelve_api
from api_svc import zones
from svc_common import exception


@server_actions.action('shelve', schemas.shelve)
def shelve(req, server_id, body):
    instance = servers.get_authorized(req, server_id, shelve_policies.SHELVE)
    req.validated_body(body)
    req.services.shelve_api.shelve(req.context, instance)
    return api_request.empty_response(202)


@server_actions.action('shelveOffload', schemas.shelve_offload)
def shelve_offload(req, server_id, body):
    instance = servers.get_authorized(req, server_id, shelve_policies.SHELVE_OFFLOAD)
    req.validated_body(body)
    req.services.shelve_api.shelve_offload(req.context, instance)
    return api_request.empty_response(202)


@server_actions.action('unshelve', schemas.unshelve)
def unshelve(req, server_id, body):
    instance = servers.get_authorized(req, server_id, shelve_policies.UNSHELVE)
    args = req.validated_body(body)['unshelve'] or {}
    zone = args.get('availability_zone', shelve_api.UNCHANGED)
    host = args.get('host')
    if host is not None:
        policy.authorize(req.context, shelve_policies.UNSHELVE_TO_HOST,
                         servers.target(instance))
        try:
            host = compute_api.requested_host(req.context, host)
        except exception.ComputeHostNotFound as error:
            raise exception.Invalid(message=error.message)
    if zone not in (shelve_api.UNCHANGED, None):
        if zone not in zones.available(req.context):
            raise exception.Invalid(
                message='The requested availability zone is not available')
        if host is not None and zones.Zones(req.context).of_host(host) != zone:
            raise exception.Invalid(message='Host %s is not in availability zone %s.'
                                            % (host, zone))
    req.services.shelve_api.unshelve(req.context, instance, zone, host)
    return api_request.empty_response(202)
