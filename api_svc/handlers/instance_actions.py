"""/servers/{id}/os-instance-actions: what was asked of a server, and its events."""
from api_svc import instance_actions_api
from api_svc.policies import instance_actions as action_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from api_svc.views import instance_actions as views


def _authorized_instance(req, server_id, rule):
    # From 2.21 the actions of deleted servers can be read too.
    instance = instance_actions_api.get_instance(req.context, server_id,
                                                 include_deleted=req.version.matches('2.21'))
    policy.authorize(req.context, rule, {'project_id': instance.project_id,
                                         'user_id': instance.user_id})
    return instance


def index(req, server_id):
    req.check_query(('limit', 'marker', 'changes-since', 'changes-before'), since='2.102')
    instance = _authorized_instance(req, server_id, action_policies.LIST)
    query = instance_actions_api.ActionQuery()
    if req.version.matches('2.58'):
        query.limit, query.marker = req.paging()
        query.changes_since = req.query_time('changes-since')
    if req.version.matches('2.66'):
        query.changes_before = req.query_time('changes-before')
    actions = instance_actions_api.list_actions(req.context, instance, query)
    body = {'instanceActions': [views.action(req.version, a) for a in actions]}
    if query.limit is not None and actions and len(actions) == query.limit:
        body['links'] = common.next_link(req, 'servers/%s/os-instance-actions' % server_id,
                                         actions[-1].request_id)
    return api_request.json_response(body)


def show(req, server_id, request_id):
    context, version = req.context, req.version
    req.check_query((), since='2.102')
    instance = _authorized_instance(req, server_id, action_policies.SHOW)
    target = {'project_id': instance.project_id, 'user_id': instance.user_id}
    # Events with everything (traceback; host from 2.62) for whom the events policy
    # allows; from 2.51 everyone else sees them too, without traceback and host.
    full_events = policy.check(context, action_policies.EVENTS, target)
    show_events = full_events or version.matches('2.51')
    show_details = version.matches('2.84') and policy.check(
        context, action_policies.EVENTS_DETAILS, target)
    action, events = instance_actions_api.get_action(context, instance, request_id,
                                                     with_events=show_events)
    body = views.action(version, action)
    if events is not None:
        project_id = action.project_id or instance.project_id
        body['events'] = [views.event(version, e, project_id, show_traceback=full_events,
                                      show_host=full_events and version.matches('2.62'),
                                      show_details=show_details)
                          for e in events]
    return api_request.json_response({'instanceAction': body})
