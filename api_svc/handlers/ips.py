"""/servers/{id}/ips: a server's fixed addresses, by network label."""
from api_svc.handlers import servers
from api_svc.policies import ips as ips_policies
from api_svc import request as api_request
from api_svc.views import addresses as views
from svc_common import exception


def index(req, server_id):
    instance = servers.get_readable(req, server_id, ips_policies.INDEX)
    return api_request.json_response({'addresses': views.by_label(
        req.context, instance.uuid, extended=False)})


def show(req, server_id, network_label):
    instance = servers.get_readable(req, server_id, ips_policies.SHOW)
    addresses = views.by_label(req.context, instance.uuid, extended=False)
    if network_label not in addresses:
        raise exception.NotFound(message='Instance is not a member of specified network')
    return api_request.json_response({network_label: addresses[network_label]})
