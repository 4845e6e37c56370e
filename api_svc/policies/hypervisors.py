from api_svc.policies import base

PREFIX = 'os_compute_api:os-hypervisors:%s'
LIST = PREFIX % 'list'
LIST_DETAIL = PREFIX % 'list-detail'
SHOW = PREFIX % 'show'
STATISTICS = PREFIX % 'statistics'
UPTIME = PREFIX % 'uptime'
SEARCH = PREFIX % 'search'
SERVERS = PREFIX % 'servers'

rules = [
    base.rule(LIST, base.ADMIN, 'List hypervisors.', ('GET', '/os-hypervisors')),
    base.rule(LIST_DETAIL, base.ADMIN, 'List hypervisors with details.',
              ('GET', '/os-hypervisors/detail')),
    base.rule(SHOW, base.ADMIN, 'Show a hypervisor.', ('GET', '/os-hypervisors/{id}')),
    base.rule(STATISTICS, base.ADMIN, 'Summed hypervisor usage (before 2.88).',
              ('GET', '/os-hypervisors/statistics')),
    base.rule(UPTIME, base.ADMIN, 'Hypervisor uptime (before 2.88).',
              ('GET', '/os-hypervisors/{id}/uptime')),
    base.rule(SEARCH, base.ADMIN, 'Find hypervisors by name (before 2.53).',
              ('GET', '/os-hypervisors/{pattern}/search')),
    base.rule(SERVERS, base.ADMIN, 'Servers of hypervisors (before 2.53).',
              ('GET', '/os-hypervisors/{pattern}/servers')),
]


def list_rules():
    return rules
