"""/os-quota-sets/{project_id}: show, detail, defaults, update, reset."""
from api_svc.policies import quota_sets as quota_policies
from api_svc import policy
from api_svc import quota
from api_svc import request as api_request
from api_svc.schemas import quota_sets as schemas
from api_svc import validation


def _target(project_id):
    return {'project_id': project_id}


def _visible(req, values):
    return {name: values[name] for name in quota.resources_for(req.version)}


def show(req, project_id):
    policy.authorize(req.context, quota_policies.SHOW, _target(project_id))
    req.check_query(('user_id',), since='2.102')
    body = _visible(req, quota.limits(req.context, project_id))
    body['id'] = project_id
    return api_request.json_response({'quota_set': body})


def detail(req, project_id):
    policy.authorize(req.context, quota_policies.DETAIL, _target(project_id))
    req.check_query(('user_id',), since='2.102')
    limits = _visible(req, quota.limits(req.context, project_id))
    used = quota.usage(req.context, project_id)
    body = {name: {'limit': limit, 'in_use': used[name], 'reserved': 0}
            for name, limit in limits.items()}
    body['id'] = project_id
    return api_request.json_response({'quota_set': body})


def defaults(req, project_id):
    policy.authorize(req.context, quota_policies.DEFAULTS, _target(project_id))
    req.check_query((), since='2.102')
    body = _visible(req, quota.defaults(req.context))
    body['id'] = project_id
    return api_request.json_response({'quota_set': body})


@validation.body(schemas.update)
def update(req, project_id):
    policy.authorize(req.context, quota_policies.UPDATE, _target(project_id))
    body = req.validated_body()['quota_set']
    force = str(body.pop('force', False)).lower() in ('true', '1', 'yes', 'on')
    quota.update(req.context, project_id, {k: api_request.to_int(v, k, -1)
                                                   for k, v in body.items()}, force=force)
    return api_request.json_response(
        {'quota_set': _visible(req, quota.limits(req.context, project_id))})


def delete(req, project_id):
    policy.authorize(req.context, quota_policies.DELETE, _target(project_id))
    quota.reset(req.context, project_id)
    return api_request.empty_response(202)
