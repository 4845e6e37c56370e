from api_svc.policies import base

LIST = 'os_compute_api:extensions'

rules = [
    base.rule(LIST, base.ANY, 'List the (frozen) v2 extensions, or show one.',
              ('GET', '/extensions'), ('GET', '/extensions/{alias}')),
]


def list_rules():
    return rules
