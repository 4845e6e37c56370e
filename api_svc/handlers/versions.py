"""Version discovery: GET /, /v2.1 and /v2.1/ (no token needed)."""
from api_svc import microversions
from api_svc import request as api_request

_UPDATED = '2013-07-23T11:33:21Z'


def _v21(req, detailed):
    version = {
        'id': 'v2.1', 'status': 'CURRENT', 'version': str(microversions.MAX_VERSION),
        'min_version': str(microversions.MIN_VERSION), 'updated': _UPDATED,
        'links': [{'rel': 'self', 'href': '%s/v2.1/' % req.base_url}],
    }
    if detailed:
        version['links'].append({'rel': 'describedby', 'type': 'text/html',
                                 'href': 'https://docs.openstack.org/'})
        version['media-types'] = [{'base': 'application/json',
                                   'type': 'application/vnd.openstack.compute+json;'
                                           'version=2.1'}]
    return version


def index(req):
    return api_request.json_response({'versions': [_v21(req, detailed=False)]})


def show(req):
    return api_request.json_response({'version': _v21(req, detailed=True)})
