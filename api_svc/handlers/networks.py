"""/os-networks and /os-tenant-networks: the network APIs Nova kept until 2.35, over
the operator's own flat networks (``nimbus-manage network``). A caller sees the shared
networks and its project's own; an admin sees them all. What only nova-network's
managers could do through the API (create, delete, associate) is gone (410), as in Nova:
networks are the operator's, made with nimbus-manage."""
from api_svc import network_api
from api_svc.policies import networks as network_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import validation
from api_svc.views import networks as views
from svc_common import exception


def _check_version(req):
    if req.version.matches('2.36'):
        raise exception.NotFound(message='The network proxy APIs are gone since 2.36: use '
                                         'the network service.')


def _lister(policy_name, view):
    def index(req):
        _check_version(req)
        policy.authorize(req.context, policy_name)
        return api_request.json_response({'networks': [
            view(req.context, n) for n in network_api.visible_networks(req.context)]})
    return index


def _shower(policy_name, view):
    def show(req, network_id):
        _check_version(req)
        policy.authorize(req.context, policy_name)
        network = network_api.visible_network(req.context, network_id)
        return api_request.json_response({'network': view(req.context, network)})
    return show


@validation.body(None)
def gone(req, **path_args):
    _check_version(req)
    raise exception.Gone(what='Managing networks through the compute API')


index = _lister(network_policies.LIST, views.network)
show = _shower(network_policies.SHOW, views.network)
tenant_index = _lister(network_policies.TENANT_LIST, views.tenant_network)
tenant_show = _shower(network_policies.TENANT_SHOW, views.tenant_network)
