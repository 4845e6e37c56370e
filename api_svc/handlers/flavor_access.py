"""/flavors/{id}/os-flavor-access and the addTenantAccess/removeTenantAccess actions:
which projects may use a private flavor (admin)."""
from api_svc.policies import flavor_access as access_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import flavor_access as schemas
from api_svc import validation
from svc_common import exception
from svc_common import objects
from svc_common.objects import flavor_access


def _respond(req, flavor):
    return api_request.json_response({'flavor_access': [
        {'flavor_id': flavor.flavorid, 'tenant_id': project}
        for project in flavor_access.projects(req.context, flavor)]})


def index(req, flavor_id):
    policy.authorize(req.context, access_policies.LIST)
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    if flavor.is_public:
        raise exception.NotFound(message='Access list not available for public flavors.')
    return _respond(req, flavor)


@validation.body(schemas.add_tenant_access)
def _add(req, flavor_id, body):
    policy.authorize(req.context, access_policies.ADD)
    project_id = req.validated_body(body)[
        'addTenantAccess']['tenant']
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    if flavor.is_public and req.version.matches('2.7'):
        raise exception.Conflict(message='Can not add access to a public flavor.')
    flavor_access.add(req.context, flavor, project_id)
    return _respond(req, flavor)


@validation.body(schemas.remove_tenant_access)
def _remove(req, flavor_id, body):
    policy.authorize(req.context, access_policies.REMOVE)
    project_id = req.validated_body(body)[
        'removeTenantAccess']['tenant']
    flavor = objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    flavor_access.remove(req.context, flavor, project_id)
    return _respond(req, flavor)


_ACTIONS = {'addTenantAccess': _add, 'removeTenantAccess': _remove}


def action(req, flavor_id):
    body = req.json_body()
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in _ACTIONS:
        raise exception.Invalid(message='A flavor action body names exactly one of '
                                        'addTenantAccess and removeTenantAccess.')
    return _ACTIONS[next(iter(body))](req, flavor_id, body)


action.actions = _ACTIONS
