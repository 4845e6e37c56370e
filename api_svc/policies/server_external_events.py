from api_svc.policies import base

CREATE = 'os_compute_api:os-server-external-events:create'

rules = [
    base.rule(CREATE, 'role:service',
              'Tell the compute service about events of its servers (network ports, '
              'volumes, power): for other services, not for users.',
              ('POST', '/os-server-external-events')),
]


def list_rules():
    return rules
