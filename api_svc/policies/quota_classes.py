from api_svc.policies import base

SHOW = 'os_compute_api:os-quota-class-sets:show'
UPDATE = 'os_compute_api:os-quota-class-sets:update'

_PATH = '/os-quota-class-sets/{quota_class}'

rules = [
    base.rule(SHOW, base.ADMIN, "Show a quota class's limits ('default': the default "
              "quotas).", ('GET', _PATH)),
    base.rule(UPDATE, base.ADMIN, "Change a quota class's limits ('default': the default "
              "quotas of every project).", ('PUT', _PATH)),
]


def list_rules():
    return rules
