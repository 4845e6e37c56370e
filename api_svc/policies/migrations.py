from api_svc.policies import base

INDEX = 'os_compute_api:os-migrations:index'

rules = [
    base.rule(INDEX, base.ADMIN, 'List the migrations (resizes, cold migrations) of the '
              'cloud.', ('GET', '/os-migrations')),
]


def list_rules():
    return rules
