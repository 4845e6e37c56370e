"""What the all-in-one benchmarks share: an all-in-one on a scratch SQLite database, and
requests to its REST API through the WSGI app (no sockets)."""
import json
import tempfile

import webob

from nimbus_cmd import all_in_one
from svc_common.conf import CONF
from svc_common import objects


def start(compute_hosts):
    """A started AllInOne (fake transport, no-auth API) with its state in a new folder."""
    tmp = tempfile.mkdtemp()
    CONF([], project='nimbus')
    objects.register_all()
    CONF.set_override('state_path', tmp)
    CONF.set_override('connection', 'sqlite:///%s/bench.sqlite' % tmp, group='database')
    CONF.set_override('transport_url', 'fake://')
    CONF.set_override('auth_strategy', 'noauth', group='api')
    return all_in_one.AllInOne(compute_hosts=compute_hosts, with_api_server=False).start()


def request(app, method, path, body=None, project='bench', roles='admin,member'):
    """(status, decoded JSON body or None) of one request at microversion 2.96."""
    req = webob.Request.blank(path, method=method)
    req.headers['X-Auth-Token'] = 'bench:%s:%s' % (project, roles)
    req.headers['OpenStack-API-Version'] = 'compute 2.96'
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    resp = req.get_response(app)
    return resp.status_int, (json.loads(resp.body) if resp.body else None)
