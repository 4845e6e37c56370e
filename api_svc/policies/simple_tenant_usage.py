from api_svc.policies import base

PREFIX = 'os_compute_api:os-simple-tenant-usage:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'

rules = [
    base.rule(LIST, base.ADMIN, 'List the usage of every project.',
              ('GET', '/os-simple-tenant-usage')),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, 'Show the usage of a project.',
              ('GET', '/os-simple-tenant-usage/{tenant_id}')),
]


def list_rules():
    return rules
