from api_svc.policies import base

PREFIX = 'os_compute_api:os-quota-sets:%s'
SHOW = PREFIX % 'show'
DETAIL = PREFIX % 'detail'
DEFAULTS = PREFIX % 'defaults'
UPDATE = PREFIX % 'update'
DELETE = PREFIX % 'delete'

_PATH = '/os-quota-sets/{tenant_id}'

rules = [
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, "Show a project's quotas.", ('GET', _PATH)),
    base.rule(DETAIL, base.PROJECT_READER_OR_ADMIN, "Show a project's quotas and usage.",
              ('GET', _PATH + '/detail')),
    base.rule(DEFAULTS, base.ANY, 'Show the default quotas.', ('GET', _PATH + '/defaults')),
    base.rule(UPDATE, base.ADMIN, "Change a project's quotas.", ('PUT', _PATH)),
    base.rule(DELETE, base.ADMIN, "Reset a project's quotas to the defaults.",
              ('DELETE', _PATH)),
]


def list_rules():
    return rules
