"""Remote consoles (POST /servers/{id}/remote-consoles, 2.6) and console tokens
(/os-console-auth-tokens). No console proxy runs in this cloud: every console type is
unavailable, as in a Nova deployment with all of them switched off, and no token
exists."""
from api_svc.handlers import servers
from api_svc.policies import consoles as console_policies
from api_svc import policy
from api_svc.schemas import remote_consoles as schemas
from api_svc import validation
from svc_common import exception


@validation.body(schemas.create)
def create(req, server_id):
    if not req.version.matches('2.6'):
        raise exception.NotFound(message='The resource could not be found.')
    console = req.validated_body()['remote_console']
    servers.get_authorized(req, server_id, console_policies.REMOTE_CONSOLES)
    raise exception.Invalid(message='Unavailable console type %s.' % console['type'])


def show_token(req, console_token):
    policy.authorize(req.context, console_policies.AUTH_TOKENS)
    raise exception.NotFound(message='Token not found')
