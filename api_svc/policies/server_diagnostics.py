from api_svc.policies import base

SHOW = 'os_compute_api:os-server-diagnostics'

rules = [
    base.rule(SHOW, base.ADMIN, "Show a running server's diagnostics (its hypervisor's "
              'counters).', ('GET', '/servers/{server_id}/diagnostics')),
]


def list_rules():
    return rules
