"""POST /os-server-external-events: how other services (networking, block storage, an
external power manager) tell the compute service about a server's port, volume or power.

Each event is answered on its own, as Nova does: 200 accepted, 404 for a server that
does not exist, 422 for one not on a host yet; the request answers 200 when all were
accepted, 207 when some were not, 404 when none was. Accepted
events are recorded: in the log, and for ``volume-extended`` and ``power-update`` as the
server's instance action (``extend_volume``, ``start``/``stop``), as Nova records them.
Nothing more happens with them: Nimbus has no network or volume service to follow.
"""
from oslo_log import log as logging

from api_svc.policies import server_external_events as policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import validation
from svc_common import exception
from svc_common import objects

LOG = logging.getLogger(__name__)

_NAMES = (('2.1', ('network-changed', 'network-vif-plugged', 'network-vif-unplugged',
                   'network-vif-deleted')),
          ('2.51', ('volume-extended',)), ('2.76', ('power-update',)),
          ('2.82', ('accelerator-request-bound',)), ('2.93', ('volume-reimaged',)))
_ACTIONS = {('volume-extended', None): 'extend_volume',
            ('power-update', 'POWER_ON'): 'start', ('power-update', 'POWER_OFF'): 'stop'}


def schema(version):
    names = [n for since, group in _NAMES if version.matches(since) for n in group]
    return {
        'type': 'object',
        'properties': {'events': {
            'type': 'array', 'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {
                    'server_uuid': {'type': 'string', 'format': 'uuid'},
                    'name': {'type': 'string', 'enum': names},
                    'status': {'type': 'string',
                               'enum': ['failed', 'completed', 'in-progress']},
                    'tag': {'type': 'string', 'maxLength': 255},
                },
                'required': ['server_uuid', 'name'], 'additionalProperties': False,
            },
        }},
        'required': ['events'], 'additionalProperties': False,
    }


def _accept(context, event, instance):
    LOG.info('External event %s (%s, tag %s) accepted', event['name'], event['status'],
             event.get('tag'), instance=instance)
    action = _ACTIONS.get((event['name'], event.get('tag') if event['name'] ==
                           'power-update' else None))
    if action:
        objects.InstanceAction.action_start(context, instance.uuid, action)


@validation.body(schema)
def create(req):
    policy.authorize(req.context, policies.CREATE)
    events = req.validated_body()['events']
    context = req.context.elevated()
    answered, accepted = [], 0
    for event in events:
        event = dict(event, status=event.get('status', 'completed'))
        try:
            instance = objects.Instance.get_by_uuid(context, event['server_uuid'])
        except exception.InstanceNotFound:
            LOG.info('External event %s for unknown server %s dropped', event['name'],
                     event['server_uuid'])
            answered.append(dict(event, status='failed', code=404))
            continue
        if instance.host is None:
            answered.append(dict(event, status='failed', code=422))
            continue
        _accept(context, event, instance)
        answered.append(dict(event, code=200))
        accepted += 1
    if not accepted:
        raise exception.NotFound(message='No instances found for any event')
    return api_request.json_response({'events': answered},
                                     status=200 if accepted == len(answered) else 207)
