"""/os-server-groups: a project's server groups (create, list, show, delete). A server
joins one by booting with its id as the ``group`` scheduler hint."""
from api_svc.policies import server_groups as group_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.schemas import server_groups as schemas
from api_svc import server_group_api
from api_svc import validation
from api_svc.views import server_groups as views
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common.objects import instance_group as group_obj


def index(req):
    context, version = req.context, req.version
    req.check_query(('all_projects', 'limit', 'offset'))
    policy.authorize(context, group_policies.INDEX)
    limit = min(req.query_int('limit', default=CONF.api.max_limit, minimum=0, maximum=None),
                CONF.api.max_limit)
    offset = req.query_int('offset', default=0, minimum=0)  # at most MAX_INT
    # all_projects is ignored for those the rule does not allow, as Nova does.
    if 'all_projects' in req.GET and policy.check(context,
                                                   group_policies.INDEX_ALL_PROJECTS):
        groups = objects.InstanceGroupList.get_all(context, limit=limit, offset=offset)
    else:
        groups = objects.InstanceGroupList.get_by_project_id(
            context, context.project_id, limit=limit, offset=offset)
    return api_request.json_response(
        {'server_groups': [views.detail(version, group) for group in groups]})


def show(req, group_id):
    group = _authorized(req, group_id, group_policies.SHOW)
    return api_request.json_response({'server_group': views.detail(req.version, group)})


@validation.body(schemas.create)
def create(req):
    context, version = req.context, req.version
    policy.authorize(context, group_policies.CREATE)
    body = req.validated_body()['server_group']
    if version.matches('2.64'):
        group_policy = body['policy']
        rules = {name: api_request.to_int(value, name, 1)
                 for name, value in (body.get('rules') or {}).items()}
        if rules and group_policy != group_obj.ANTI_AFFINITY:
            raise exception.Invalid(message='Only anti-affinity policy supports rules.')
    else:
        group_policy, rules = body['policies'][0], {}
    group = server_group_api.create(context, body['name'], group_policy, rules)
    return api_request.json_response({'server_group': views.detail(version, group)})


def delete(req, group_id):
    group = _authorized(req, group_id, group_policies.DELETE)
    group.destroy()
    return api_request.empty_response(204)


def _authorized(req, group_id, rule):
    """The group (404 outside the caller's project but for admins) once ``rule``
    allows it."""
    group = server_group_api.get(req.context, group_id)
    policy.authorize(req.context, rule, {'project_id': group.project_id,
                                         'user_id': group.user_id})
    return group
