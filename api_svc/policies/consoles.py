from api_svc.policies import base

REMOTE_CONSOLES = 'os_compute_api:os-remote-consoles'
AUTH_TOKENS = 'os_compute_api:os-console-auth-tokens'

rules = [
    base.rule(REMOTE_CONSOLES, base.PROJECT_MEMBER_OR_ADMIN, 'Get a remote console of a '
              'server (2.6).', ('POST', '/servers/{server_id}/remote-consoles')),
    base.rule(AUTH_TOKENS, base.ADMIN, 'Show the connection behind a console token.',
              ('GET', '/os-console-auth-tokens/{console_token}')),
]


def list_rules():
    return rules
