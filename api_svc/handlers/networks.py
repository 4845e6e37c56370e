"""/os-networks and /os-tenant-networks: the network proxies Nova kept until 2.35.
This cloud has no network service, so there are no networks to list or show; what
only nova-network could do (create, delete, associate) is gone (410), as in Nova."""
from api_svc.policies import networks as network_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import validation
from svc_common import exception


def _check_version(req):
    if req.version.matches('2.36'):
        raise exception.NotFound(message='The network proxy APIs are gone since 2.36: use '
                                         'the network service.')


def _lister(policy_name):
    def index(req):
        _check_version(req)
        policy.authorize(req.context, policy_name)
        return api_request.json_response({'networks': []})
    return index


def _shower(policy_name):
    def show(req, network_id):
        _check_version(req)
        policy.authorize(req.context, policy_name)
        raise exception.NetworkNotFound(network_id=network_id)
    return show


@validation.body(None)
def gone(req, **path_args):
    _check_version(req)
    raise exception.Gone(what='Managing networks through the compute API')


index = _lister(network_policies.LIST)
show = _shower(network_policies.SHOW)
tenant_index = _lister(network_policies.TENANT_LIST)
tenant_show = _shower(network_policies.TENANT_SHOW)
