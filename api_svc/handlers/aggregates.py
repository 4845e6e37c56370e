"""/os-aggregates: Nimbus has no host aggregates; the list is empty (openstackclient's
'hypervisor show' reads it)."""
from api_svc.policies import aggregates as aggregate_policies
from api_svc import policy
from api_svc import request as api_request


def index(req):
    policy.authorize(req.context, aggregate_policies.INDEX)
    return api_request.json_response({'aggregates': []})
