"""Instance actions, the API's part: what was asked of a server and how each step went."""
import dataclasses

from oslo_utils import timeutils

from svc_common import exception
from svc_common import objects


@dataclasses.dataclass
class ActionQuery:
    """What an action list asks for, already cut to the request's microversion."""
    changes_since: object = None  # datetimes
    changes_before: object = None
    limit: int | None = None
    marker: str | None = None  # a request id


def get_instance(context, server_id, include_deleted):
    """The server (deleted ones too when ``include_deleted``), if the caller's project
    owns it or the caller is an admin; InstanceNotFound otherwise."""
    try:
        instance = objects.Instance.get_by_uuid(
            context, server_id, read_deleted='yes' if include_deleted else 'no')
    except exception.InstanceNotFound:
        raise exception.InstanceNotFound(instance_id=server_id)
    if not context.is_admin and instance.project_id != context.project_id:
        raise exception.InstanceNotFound(instance_id=server_id)
    return instance


def updated_at(action):
    """When the action last changed: an event's start or finish, else its start."""
    return action.updated_at or action.start_time or action.created_at


def list_actions(context, instance, query):
    """The actions of ``instance``, newest first, filtered and paged as ``query`` says."""
    since, before = _naive(query.changes_since), _naive(query.changes_before)
    if since is not None and before is not None and before < since:
        raise exception.Invalid(message='The value of changes-since must be less than or '
                                        'equal to changes-before.')
    actions = list(objects.InstanceActionList.get_by_instance_uuid(context, instance.uuid))
    if query.marker is not None:
        request_ids = [a.request_id for a in actions]
        if query.marker not in request_ids:
            raise exception.MarkerNotFound(marker=query.marker)
        actions = actions[request_ids.index(query.marker) + 1:]
    if since is not None:
        actions = [a for a in actions if _naive(updated_at(a)) >= since]
    if before is not None:
        actions = [a for a in actions if _naive(updated_at(a)) <= before]
    return actions if query.limit is None else actions[:query.limit]


def get_action(context, instance, request_id, with_events):
    """(action, its events or None); ActionNotFound when the server has no such action."""
    action = objects.InstanceAction.get_by_request_id(context, instance.uuid, request_id)
    events = None
    if with_events:
        events = list(objects.InstanceActionEventList.get_by_action(context, action.id))
        events.reverse()  # newest first, as Nova lists them
    return action, events


def _naive(value):
    return timeutils.normalize_time(value) if value is not None else None
