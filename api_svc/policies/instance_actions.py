from api_svc.policies import base

PREFIX = 'os_compute_api:os-instance-actions:%s'
LIST = PREFIX % 'list'
SHOW = PREFIX % 'show'
EVENTS = PREFIX % 'events'
EVENTS_DETAILS = PREFIX % 'events:details'

rules = [
    base.rule(LIST, base.PROJECT_READER_OR_ADMIN, 'List the actions of a server.',
              ('GET', '/servers/{server_id}/os-instance-actions')),
    base.rule(SHOW, base.PROJECT_READER_OR_ADMIN, 'Show an action of a server.',
              ('GET', '/servers/{server_id}/os-instance-actions/{request_id}')),
    base.rule(EVENTS, base.ADMIN,
              "See an action's events with their tracebacks (and, from microversion "
              "2.62, their host). Without it, events are shown from 2.51 on, without "
              "tracebacks or host names.",
              ('GET', '/servers/{server_id}/os-instance-actions/{request_id}')),
    base.rule(EVENTS_DETAILS, base.ADMIN,
              "See the 'details' of action events (microversion 2.84).",
              ('GET', '/servers/{server_id}/os-instance-actions/{request_id}')),
]


def list_rules():
    return rules
