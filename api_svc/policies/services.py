from api_svc.policies import base

LIST = 'os_compute_api:os-services:list'
UPDATE = 'os_compute_api:os-services:update'
DELETE = 'os_compute_api:os-services:delete'

rules = [
    base.rule(LIST, base.ADMIN, 'List services.', ('GET', '/os-services')),
    base.rule(UPDATE, base.ADMIN, 'Enable, disable or force down a service.',
              ('PUT', '/os-services/{service_id}')),
    base.rule(DELETE, base.ADMIN, 'Delete a service.',
              ('DELETE', '/os-services/{service_id}')),
]


def list_rules():
    return rules
