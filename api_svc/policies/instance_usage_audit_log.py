from api_svc.policies import base

LIST = 'os_compute_api:os-instance-usage-audit-log:list'
SHOW = 'os_compute_api:os-instance-usage-audit-log:show'

rules = [
    base.rule(LIST, base.ADMIN, 'Show how the instance usage audit of the last period '
              'went on each compute host.', ('GET', '/os-instance_usage_audit_log')),
    base.rule(SHOW, base.ADMIN, 'Show how the instance usage audit of the last period '
              'before a time went on each compute host.',
              ('GET', '/os-instance_usage_audit_log/{before_timestamp}')),
]


def list_rules():
    return rules
