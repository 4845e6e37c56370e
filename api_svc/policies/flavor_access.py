from api_svc.policies import base

LIST = 'os_compute_api:os-flavor-access'
ADD = 'os_compute_api:os-flavor-access:add_tenant_access'
REMOVE = 'os_compute_api:os-flavor-access:remove_tenant_access'

rules = [
    base.rule(LIST, base.ADMIN, 'List the projects that may use a private flavor.',
              ('GET', '/flavors/{flavor_id}/os-flavor-access')),
    base.rule(ADD, base.ADMIN, 'Let a project use a private flavor.',
              ('POST', '/flavors/{flavor_id}/action (addTenantAccess)')),
    base.rule(REMOVE, base.ADMIN, 'Stop a project from using a private flavor.',
              ('POST', '/flavors/{flavor_id}/action (removeTenantAccess)')),
]


def list_rules():
    return rules
