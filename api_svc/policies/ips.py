from api_svc.policies import base

INDEX = 'os_compute_api:ips:index'
SHOW = 'os_compute_api:ips:show'

rules = [
    base.rule(INDEX, base.PROJECT_READER_OR_ADMIN, "List a server's addresses.",
              ('GET', '/servers/{server_id}/ips')),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN,
              "List a server's addresses on one network.",
              ('GET', '/servers/{server_id}/ips/{network_label}')),
]


def list_rules():
    return rules
