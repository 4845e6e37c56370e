from api_svc.policies import base

INDEX = 'os_compute_api:os-aggregates:index'

rules = [
    base.rule(INDEX, base.ADMIN, 'List host aggregates (always empty).',
              ('GET', '/os-aggregates')),
]


def list_rules():
    return rules
