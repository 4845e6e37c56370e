"""/os-simple-tenant-usage: how many hours each project's servers existed in a window
of time (start, end), and those hours times their flavors' memory, disk and vcpus."""
from oslo_utils import strutils

from api_svc.policies import simple_tenant_usage as usage_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import tenant_usage_api
from api_svc.views import common
from api_svc.views import tenant_usage as views
from svc_common.conf import CONF
from svc_common import exception

COLLECTION = 'os-simple-tenant-usage'


def index(req):
    if req.path_info.endswith('/'):
        # The path of a project with an empty id (Nova's router finds nothing there).
        raise exception.NotFound(message='The resource could not be found.')
    policy.authorize(req.context, usage_policies.LIST)
    window, limit, marker = _query(req, ('start', 'end', 'detailed'))
    usages = tenant_usage_api.server_usages(req.context, window, limit=limit,
                                            marker=marker)
    # Nova takes '1' only; 'True' (what openstacksdk sends) counts too.
    detailed = strutils.bool_from_string(req.GET.get('detailed'))
    body = {'tenant_usages': [views.project_usage(p, detailed)
                              for p in tenant_usage_api.by_project(usages, window)]}
    links = _next_link(req, COLLECTION, usages, limit)
    if links:
        body['tenant_usages_links'] = links
    return api_request.json_response(body)


def show(req, tenant_id):
    policy.authorize(req.context, usage_policies.SHOW, {'project_id': tenant_id})
    window, limit, marker = _query(req, ('start', 'end'))
    usages = tenant_usage_api.server_usages(req.context, window, project_id=tenant_id,
                                            limit=limit, marker=marker)
    projects = tenant_usage_api.by_project(usages, window)
    # A project without usage is an empty object, not zeros.
    body = {'tenant_usage': views.project_usage(projects[0]) if projects else {}}
    links = _next_link(req, '%s/%s' % (COLLECTION, tenant_id), usages, limit)
    if links:
        body['tenant_usage_links'] = links
    return api_request.json_response(body)


def _query(req, names):
    """(window, limit, marker). Pages hold at most [api]/max_limit servers; the client
    picks the size and the marker from 2.40, and from 2.75 an unknown parameter is a
    400."""
    paged = req.version.matches('2.40')
    if paged:
        names += ('limit', 'marker')
    if req.version.matches('2.75'):
        for name in req.GET:
            if name not in names:
                raise exception.ValidationError(
                    field=name, reason='It is not a query parameter of this call.')
    window = tenant_usage_api.make_window(req.query_time('start'), req.query_time('end'))
    limit, marker = req.paging() if paged else (CONF.api.max_limit, None)
    return window, limit, marker


def _next_link(req, collection, usages, limit):
    """The link to the next page, from 2.40, when this one is full."""
    if req.version.matches('2.40') and usages and len(usages) == limit:
        return common.next_link(req, collection, usages[-1].instance_id)
    return None
