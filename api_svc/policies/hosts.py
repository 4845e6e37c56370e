from api_svc.policies import base

PREFIX = 'os_compute_api:os-hosts:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'
UPDATE = PREFIX % 'update'
START = PREFIX % 'start'
SHUTDOWN = PREFIX % 'shutdown'
REBOOT = PREFIX % 'reboot'

_PATH = '/os-hosts/{host_name}'

rules = [
    base.rule(LIST, base.ADMIN, 'List the hosts of every service (before 2.43).',
              ('GET', '/os-hosts')),
    base.rule(SHOW, base.ADMIN, "Show a compute host's resources (before 2.43).",
              ('GET', _PATH)),
    base.rule(UPDATE, base.ADMIN, 'Enable or disable a compute host (before 2.43).',
              ('PUT', _PATH)),
    base.rule(START, base.ADMIN, 'Start a host (not implemented by any driver).',
              ('GET', _PATH + '/startup')),
    base.rule(SHUTDOWN, base.ADMIN, 'Shut a host down (not implemented by any driver).',
              ('GET', _PATH + '/shutdown')),
    base.rule(REBOOT, base.ADMIN, 'Reboot a host (not implemented by any driver).',
              ('GET', _PATH + '/reboot')),
]


def list_rules():
    return rules
