from api_svc.policies import base

SHOW = 'os_compute_api:limits'
OTHER_PROJECT = 'os_compute_api:limits:other_project'

rules = [
    base.rule(SHOW, base.ANY, "Show the caller's project limits and usage.",
              ('GET', '/limits')),
    base.rule(OTHER_PROJECT, base.ADMIN, "Show another project's limits (tenant_id=).",
              ('GET', '/limits')),
]


def list_rules():
    return rules
