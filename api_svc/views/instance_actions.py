"""Instance action and event bodies of /servers/{id}/os-instance-actions."""
from api_svc import compute_api
from api_svc import instance_actions_api
from api_svc.views import common


def action(version, item):
    body = {
        'action': item.action,
        'instance_uuid': item.instance_uuid,
        'request_id': item.request_id,
        'user_id': item.user_id or '',
        'project_id': item.project_id or '',
        'start_time': common.iso_micro(item.start_time or item.created_at),
        'message': item.message,
    }
    if version.matches('2.58'):
        body['updated_at'] = common.iso_micro(instance_actions_api.updated_at(item))
    return body


def event(version, item, project_id, show_traceback, show_host, show_details):
    """One event. ``project_id`` salts hostId (2.62, for everyone); the traceback, the
    host name (2.62) and the details (2.84) are shown as the policies allow."""
    body = {
        'event': item.event,
        'start_time': common.iso_micro(item.start_time or item.created_at),
        'finish_time': common.iso_micro(item.finish_time),
        'result': item.result,
    }
    if show_traceback:
        body['traceback'] = item.traceback
    if version.matches('2.62'):
        if show_host:
            body['host'] = item.host or ''
        body['hostId'] = compute_api.host_id(project_id, item.host)
    if show_details and version.matches('2.84'):
        body['details'] = item.details
    return body
