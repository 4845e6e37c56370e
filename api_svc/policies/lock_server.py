from api_svc.policies import base

PREFIX = 'os_compute_api:os-lock-server:%s'
LOCK = PREFIX % 'lock'
UNLOCK = PREFIX % 'unlock'
UNLOCK_OVERRIDE = PREFIX % 'unlock:unlock_override'

rules = [
    base.rule(LOCK, base.PROJECT_MEMBER_OR_ADMIN,
              'Lock a server: only admins may change it until it is unlocked.',
              ('POST', '/servers/{server_id}/action (lock)')),
    base.rule(UNLOCK, base.PROJECT_MEMBER_OR_ADMIN, 'Unlock a server.',
              ('POST', '/servers/{server_id}/action (unlock)')),
    base.rule(UNLOCK_OVERRIDE, base.ADMIN,
              'Unlock a server that someone else locked (the owner an admin, or an admin '
              'the owner).',
              ('POST', '/servers/{server_id}/action (unlock)')),
]


def list_rules():
    return rules
