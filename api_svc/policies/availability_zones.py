from api_svc.policies import base

LIST = 'os_compute_api:os-availability-zone:list'
DETAIL = 'os_compute_api:os-availability-zone:detail'

rules = [
    base.rule(LIST, base.ANY, 'List availability zones.', ('GET', '/os-availability-zone')),
    base.rule(DETAIL, base.ADMIN, 'List availability zones with their hosts.',
              ('GET', '/os-availability-zone/detail')),
]


def list_rules():
    return rules
