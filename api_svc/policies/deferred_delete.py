from api_svc.policies import base

RESTORE = 'os_compute_api:os-deferred-delete:restore'
FORCE = 'os_compute_api:os-deferred-delete:force'

rules = [
    base.rule(RESTORE, base.PROJECT_MEMBER_OR_ADMIN,
              'Restore a soft-deleted server (with [DEFAULT]/reclaim_instance_interval).',
              ('POST', '/servers/{server_id}/action (restore)')),
    base.rule(FORCE, base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a server at once, soft-deleted or not.',
              ('POST', '/servers/{server_id}/action (forceDelete)')),
]


def list_rules():
    return rules
