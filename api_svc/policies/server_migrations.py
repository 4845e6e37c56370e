"""/servers/{server_id}/migrations: live migrations in progress (2.22-2.24 and later)."""
from api_svc.policies import base

PREFIX = 'os_compute_api:servers:migrations:%s'
INDEX, SHOW = PREFIX % 'index', PREFIX % 'show'
FORCE_COMPLETE, DELETE = PREFIX % 'force_complete', PREFIX % 'delete'
_PATH = '/servers/{server_id}/migrations'

rules = [
    base.rule(INDEX, base.ADMIN, "List a server's live migrations in progress (2.23).",
              ('GET', _PATH)),
    base.rule(SHOW, base.ADMIN, 'Show a live migration in progress (2.23).',
              ('GET', _PATH + '/{migration_id}')),
    base.rule(FORCE_COMPLETE, base.ADMIN, 'Force a running live migration to complete '
              '(2.22).', ('POST', _PATH + '/{migration_id}/action (force_complete)')),
    base.rule(DELETE, base.ADMIN, 'Abort a live migration in progress (2.24).',
              ('DELETE', _PATH + '/{migration_id}')),
]


def list_rules():
    return rules
