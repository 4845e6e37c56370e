"""/os-quota-class-sets/{class}: show and update a quota class's limits (admin). The
class 'default' holds the default quotas of every project."""
from api_svc.policies import quota_classes as class_policies
from api_svc import policy
from api_svc import quota
from api_svc import request as api_request
from api_svc.schemas import quota_classes as schemas
from api_svc import validation


def _visible(req, class_name):
    values = quota.class_limits(req.context, class_name)
    return {name: values[name] for name in quota.class_resources_for(req.version)}


def show(req, quota_class):
    policy.authorize(req.context, class_policies.SHOW)
    req.check_query((), since='2.102')
    validation.validate(schemas.class_name, quota_class)
    body = dict(_visible(req, quota_class), id=quota_class)
    return api_request.json_response({'quota_class_set': body})


@validation.body(schemas.update)
def update(req, quota_class):
    policy.authorize(req.context, class_policies.UPDATE)
    validation.validate(schemas.class_name, quota_class)
    body = req.validated_body()['quota_class_set']
    quota.update_class(req.context, quota_class, {k: api_request.to_int(v, k, -1)
                                                      for k, v in body.items()})
    return api_request.json_response({'quota_class_set': _visible(req, quota_class)})
