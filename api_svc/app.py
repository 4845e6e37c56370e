"""The WSGI application: request ids, routing, microversions and error mapping.

Two APIs share the process: the Compute API under /v2.1 (Nova's fault bodies and
microversion headers) and the image API under /image (Glance's conventions).
"""
import re
import time
import uuid

from oslo_log import log as logging
import webob.exc

from api_svc import auth
from api_svc import faults
from api_svc.handlers import versions
from api_svc import microversions
from api_svc import openapi
from api_svc import request as api_request
from api_svc import routes
from svc_common import exception
from svc_common import stats

LOG = logging.getLogger(__name__)

COMPUTE_PREFIX = '/v2.1'
LEGACY_PREFIX = '/v2'  # the v2 API: v2.1 at microversion 2.1, without microversions
IMAGE_PREFIX = '/image'
_REQUEST_ID_RE = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                            r'[0-9a-f]{12}$')


class Router:
    """Matches a path against a route table; 404 for unknown paths, 405 for a known
    path with the wrong method."""

    def __init__(self, table):
        self._routes = [(re.compile('^%s$' % re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', path)),
                         methods) for path, methods in table.items()]
        self.top_segments = {path.split('/')[1] for path in table if path.count('/')}

    def match(self, method, path):
        for regex, methods in self._routes:
            found = regex.match(path)
            if found:
                handler = methods.get(method)
                if handler is None and method == 'HEAD':
                    handler = methods.get('GET')
                if handler is None:
                    raise webob.exc.HTTPMethodNotAllowed(
                        explanation='The method %s is not allowed for this resource.'
                                    % method)
                return handler, found.groupdict()
        raise webob.exc.HTTPNotFound(explanation='The resource could not be found.')


class NimbusApp:
    """Everything after authentication."""

    def __init__(self, services):
        self.services = services
        self.compute = Router(dict(routes.COMPUTE_ROUTES,
                                   **{'/openapi.json': {'GET': self._openapi}}))
        self.image = Router(routes.IMAGE_ROUTES)
        self.documented = ((COMPUTE_PREFIX, 'compute', routes.COMPUTE_ROUTES),
                           (IMAGE_PREFIX, 'image', routes.IMAGE_ROUTES))

    def __call__(self, environ, start_response):
        req = api_request.Request(environ)
        req.environ[api_request.SERVICES_KEY] = self.services
        started = time.monotonic()
        try:
            req.check_text()
        except exception.Invalid as error:
            return faults.compute_fault(error)(environ, start_response)
        path = req.path_info
        if path.rstrip('/') == '':
            resp = versions.index(req)
        elif path == COMPUTE_PREFIX or path.startswith(COMPUTE_PREFIX + '/'):
            resp = self._compute(req, path[len(COMPUTE_PREFIX):])
        elif path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + '/'):
            resp = self._compute(req, path[len(LEGACY_PREFIX):], legacy=True)
        elif path == IMAGE_PREFIX or path.startswith(IMAGE_PREFIX + '/'):
            resp = self._image(req, path[len(IMAGE_PREFIX):])
        else:
            resp = faults.compute_fault(webob.exc.HTTPNotFound(
                explanation='The resource could not be found.'))
        LOG.info('%s "%s %s" status: %s len: %s time: %.4f', req.remote_addr, req.method,
                 req.path_qs, resp.status_int, resp.content_length or 0,
                 time.monotonic() - started)
        return resp(environ, start_response)

    def _openapi(self, req):
        """GET /v2.1/openapi.json: both APIs at the request's microversion."""
        req.check_query((), since='2.1')
        return api_request.json_response(openapi.document(self.documented, req.version,
                                                          req.base_url))

    def _context(self, req):
        req.environ[api_request.CONTEXT_KEY] = auth.make_context(
            req.environ, req.environ['openstack.request_id'])

    def _compute(self, req, path, legacy=False):
        if path in ('', '/'):
            return versions.show_legacy(req) if legacy else versions.show(req)
        request_id = req.environ['openstack.request_id']
        version = None
        try:
            version = microversions.MIN_VERSION if legacy else \
                microversions.from_headers(req.headers)
            req.environ[api_request.VERSION_KEY] = version
            self._context(req)
            path = self._strip_project(req, path)
            try:
                handler, args = self.compute.match(req.method, path.rstrip('/') or '/')
            except webob.exc.HTTPMethodNotAllowed:
                if path.endswith('/') and path != '/':
                    # '/images/' is an item with a blank id to Nova: not found.
                    raise webob.exc.HTTPNotFound(
                        explanation='The resource could not be found.') from None
                raise
            resp = handler(req, **args)
        except Exception as error:
            resp = faults.compute_fault(error, request_id)
        if version is not None and not legacy:
            for name, value in microversions.response_headers(version):
                resp.headers[name] = value
        return resp

    def _strip_project(self, req, path):
        """Accept /v2.1/{project_id}/... as Nova does; the id must be the caller's.
        A path whose rest names no resource is left alone (a 404, not a bad project)."""
        parts = path.split('/', 2)
        top = self.compute.top_segments
        if len(parts) < 3 or parts[1] in top or parts[2].split('/', 1)[0] not in top:
            return path
        project_id = parts[1]
        context = req.context
        if project_id != context.project_id and not context.is_admin:
            raise exception.Invalid(
                message="Malformed request URL: URL's project_id '%s' doesn't match "
                        "Context's project_id '%s'" % (project_id, context.project_id))
        return '/' + parts[2]

    def _image(self, req, path):
        request_id = req.environ['openstack.request_id']
        try:
            handler, args = self.image.match(req.method, path.rstrip('/'))
            if req.path_info not in auth.UNAUTHENTICATED_PATHS:
                self._context(req)
            return handler(req, **args)
        except Exception as error:
            return faults.image_fault(error, request_id)


class RequestIdMiddleware:
    """Give every request an id (``req-<uuid>``) and every response the headers
    carrying it; keep a caller's valid X-OpenStack-Request-Id as the global id."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = 'req-%s' % uuid.uuid4()
        environ['openstack.request_id'] = request_id
        incoming = environ.get('HTTP_X_OPENSTACK_REQUEST_ID')
        if incoming and _REQUEST_ID_RE.match(incoming):
            environ['openstack.global_request_id'] = incoming

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers
                       if k.lower() not in ('x-openstack-request-id', 'x-compute-request-id')]
            headers += [('x-openstack-request-id', request_id),
                        ('x-compute-request-id', request_id)]
            return start_response(status, headers, exc_info)

        with stats.role('api'):  # the SQL and RPC this request causes count as the API's
            return self.app(environ, start)
