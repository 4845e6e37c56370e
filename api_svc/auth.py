"""Who is asking: keystonemiddleware in deployments, a header/token reader in no-auth mode.

Both leave the identity in the environ as keystonemiddleware does (X-User-Id,
X-Project-Id, X-Roles), and ``make_context`` turns that into a RequestContext.
"""
from oslo_log import log as logging
import webob.exc

from api_svc import faults
from svc_common.conf import CONF
from svc_common import context as nimbus_context

LOG = logging.getLogger(__name__)

# Paths any client may read without a token: version discovery.
UNAUTHENTICATED_PATHS = frozenset({
    '', '/', '/v2', '/v2/', '/v2.1', '/v2.1/', '/image', '/image/', '/image/v2', '/image/v2/',
    '/image/versions',
})

# Keystone's default role inference: a token with 'admin' also carries 'member' and
# 'reader'. No-auth mode infers the same, so policies can name the weakest role.
_IMPLIED_ROLES = {'admin': ('member', 'reader'), 'manager': ('member', 'reader'),
                  'member': ('reader',)}

# What openstackclient sends with auth_type none.
_ANONYMOUS_TOKEN = 'notused'


def expand_roles(roles):
    result = []
    for role in roles:
        for name in (role,) + _IMPLIED_ROLES.get(role, ()):
            if name and name not in result:
                result.append(name)
    return result


def identity_from_token(token):
    """(user, project, roles) from 'user:project:role1,role2'; None for anything else."""
    if not token or token == _ANONYMOUS_TOKEN or ':' not in token:
        return None
    parts = token.split(':', 2)
    user, project = parts[0], parts[1]
    roles = parts[2].split(',') if len(parts) == 3 else ['member']
    return user or 'anonymous', project or CONF.default_project_id, roles


class NoAuthMiddleware:
    """Development and test identity: headers, else the token string, else (any token,
    as openstackclient's auth_type none sends) an admin.

    A request that carries no identity at all -- as a web page's form or script would
    send to a developer's all-in-one -- is refused (401) unless
    [api]/noauth_allow_anonymous says otherwise: a browser cannot add X-Auth-Token or
    X-Project-Id to a cross-site request without a CORS preflight, which the API does
    not answer.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        user = environ.get('HTTP_X_USER_ID')
        project = environ.get('HTTP_X_PROJECT_ID')
        token = environ.get('HTTP_X_AUTH_TOKEN')
        if user or project or environ.get('HTTP_X_ROLES'):
            roles = [r.strip() for r in environ.get('HTTP_X_ROLES', 'member').split(',')]
            identity = (user or 'anonymous', project or CONF.default_project_id, roles)
        elif token or CONF.api.noauth_allow_anonymous:
            identity = identity_from_token(token) or (
                'admin', CONF.default_project_id, ['admin'])
        else:
            return _unauthenticated(environ, start_response)
        user, project, roles = identity
        environ['HTTP_X_USER_ID'] = user
        environ['HTTP_X_PROJECT_ID'] = project
        environ['HTTP_X_ROLES'] = ','.join(expand_roles(roles))
        environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        return self.app(environ, start_response)


def _unauthenticated(environ, start_response):
    error = webob.exc.HTTPUnauthorized(
        explanation='The request you have made requires authentication: send '
                    'X-Auth-Token (any value in no-auth mode).')
    fault = faults.image_fault(error) if environ.get('PATH_INFO', '').startswith(
        '/image') else faults.compute_fault(error)
    return fault(environ, start_response)


class _AuthExceptVersions:
    """Send discovery requests past the auth middleware, everything else through it."""

    def __init__(self, app, authenticated):
        self.app = app
        self.authenticated = authenticated

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '') in UNAUTHENTICATED_PATHS:
            return self.app(environ, start_response)
        return self.authenticated(environ, start_response)


def wrap(app, strategy=None):
    strategy = strategy or CONF.api.auth_strategy
    if strategy == 'noauth':
        LOG.warning('The API runs without authentication ([api]/auth_strategy = noauth)')
        inner = NoAuthMiddleware(app)
    else:
        from keystonemiddleware import auth_token
        inner = auth_token.filter_factory({'oslo_config_config': CONF})(app)
    return _AuthExceptVersions(app, inner)


def make_context(environ, request_id):
    """The RequestContext of a request the auth middleware let through; it becomes this
    thread's current context, so every log line of the request names it."""
    return nimbus_context.RequestContext.from_environ(environ, request_id=request_id)
