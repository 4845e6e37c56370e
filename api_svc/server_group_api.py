"""Server groups, the API's part: creating one within the server_groups quota, and
what a boot into a group (its ``group`` scheduler hint) checks."""
from oslo_utils import uuidutils

from api_svc import quota
from svc_common import exception
from svc_common import objects


def create(context, name, policy, rules=None):
    """A new group of the caller's project. Raises ServerGroupLimitExceeded."""
    project_id = context.project_id
    quota.check_server_groups(context, project_id)
    group = objects.InstanceGroup(context=context, uuid=uuidutils.generate_uuid(),
                                  name=name, project_id=project_id,
                                  user_id=context.user_id, policy=policy,
                                  rules=rules or {})
    group.create()
    try:
        quota.check_server_groups(context, project_id, added=0)
    except exception.ServerGroupLimitExceeded:
        group.destroy()
        raise
    return group


def get(context, group_uuid):
    """The group, if the caller's project owns it or the caller is an admin
    (InstanceGroupNotFound otherwise)."""
    group = objects.InstanceGroup.get_by_uuid(context, group_uuid)
    if not context.is_admin and group.project_id != context.project_id:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return group


def group_for_boot(context, scheduler_hints):
    """The group a boot's ``group`` hint names (None without the hint); 400 when the
    caller has no such group."""
    group_uuid = (scheduler_hints.get('group') or [None])[0]
    if group_uuid is None:
        return None
    try:
        return get(context, group_uuid)
    except exception.InstanceGroupNotFound as error:
        raise exception.Invalid(message=error.message)


def check_members(context, group, added=0, limit=None):
    """Raise ServerGroupMembersLimitExceeded unless ``group`` (re-read: a concurrent
    boot may have joined it) may take ``added`` more servers. With ``added=0`` it is the
    re-check once the new servers are members. ``limit``: the project's quota limits,
    if read already."""
    if group is None:
        return
    members = objects.InstanceGroup.get_by_uuid(context, group.uuid).members
    quota.check_server_group_members(context, context.project_id, len(members), added,
                                     limit)
