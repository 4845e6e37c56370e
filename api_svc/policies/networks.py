from api_svc.policies import base

LIST = 'os_compute_api:os-networks:list'
SHOW = 'os_compute_api:os-networks:view'
TENANT_LIST = 'os_compute_api:os-tenant-networks:list'
TENANT_SHOW = 'os_compute_api:os-tenant-networks:show'

rules = [
    base.rule(LIST, base.ANY, 'List the networks the caller may use (before 2.36; the '
              'operator\'s own flat networks).', ('GET', '/os-networks')),
    base.rule(SHOW, base.ANY, 'Show a network (before 2.36).',
              ('GET', '/os-networks/{network_id}')),
    base.rule(TENANT_LIST, base.ANY, "List the project's networks (before 2.36).",
              ('GET', '/os-tenant-networks')),
    base.rule(TENANT_SHOW, base.ANY, "Show a project's network (before 2.36).",
              ('GET', '/os-tenant-networks/{network_id}')),
]


def list_rules():
    return rules
