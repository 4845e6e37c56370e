"""Version discovery (no token needed): GET / lists the legacy v2.0 API and v2.1 (the
current one, with microversions); /v2/ and /v2.1/ describe each."""
from api_svc import microversions
from api_svc import request as api_request


def _version(req, detailed, version_id, path, status, updated, versions, media_version):
    """A version document; ``versions`` is (min, max) microversion or ('', '')."""
    body = {'id': version_id, 'status': status, 'min_version': versions[0],
            'version': versions[1], 'updated': updated,
            'links': [{'rel': 'self', 'href': '%s/%s/' % (req.base_url, path)}]}
    if detailed:
        body['links'].append({'rel': 'describedby', 'type': 'text/html',
                              'href': 'https://docs.openstack.org/'})
        body['media-types'] = [{'base': 'application/json',
                                'type': 'application/vnd.openstack.compute+json;'
                                        'version=%s' % media_version}]
    return body


def _v20(req, detailed):
    """The v2 API as Nova keeps it: the v2.1 API at microversion 2.1, no microversions."""
    return _version(req, detailed, 'v2.0', 'v2', 'SUPPORTED', '2011-01-21T11:33:21Z',
                    ('', ''), '2')


def _v21(req, detailed):
    return _version(req, detailed, 'v2.1', 'v2.1', 'CURRENT', '2013-07-23T11:33:21Z',
                    (str(microversions.MIN_VERSION), str(microversions.MAX_VERSION)), '2.1')


def index(req):
    return api_request.json_response({'versions': [_v20(req, detailed=False),
                                                   _v21(req, detailed=False)]})


def show(req):
    return api_request.json_response({'version': _v21(req, detailed=True)})


def show_legacy(req):
    return api_request.json_response({'version': _v20(req, detailed=True)})
