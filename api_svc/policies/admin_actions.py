from api_svc.policies import base

RESET_STATE = 'os_compute_api:os-admin-actions:reset_state'

rules = [
    base.rule(RESET_STATE, base.ADMIN,
              "Reset a server's state to active or error, abandoning its task.",
              ('POST', '/servers/{server_id}/action (os-resetState)')),
]


def list_rules():
    return rules
