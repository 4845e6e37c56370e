from api_svc.policies import base

MIGRATE = 'os_compute_api:os-migrate-server:migrate'
MIGRATE_HOST = 'os_compute_api:os-migrate-server:migrate:host'
MIGRATE_LIVE = 'os_compute_api:os-migrate-server:migrate_live'
MIGRATE_LIVE_HOST = 'os_compute_api:os-migrate-server:migrate_live:host'

rules = [
    base.rule(MIGRATE, base.ADMIN, 'Cold-migrate a server to a host the scheduler picks.',
              ('POST', '/servers/{server_id}/action (migrate)')),
    base.rule(MIGRATE_HOST, base.ADMIN,
              'Cold-migrate a server to a named host (microversion 2.56).',
              ('POST', '/servers/{server_id}/action (migrate)')),
    base.rule(MIGRATE_LIVE, base.ADMIN,
              'Live-migrate a server to a host the scheduler picks.',
              ('POST', '/servers/{server_id}/action (os-migrateLive)')),
    base.rule(MIGRATE_LIVE_HOST, base.ADMIN, 'Live-migrate a server to a named host.',
              ('POST', '/servers/{server_id}/action (os-migrateLive)')),
]


def list_rules():
    return rules
