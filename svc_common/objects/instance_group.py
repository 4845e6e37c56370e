"""InstanceGroup: a server group. Its members are the servers booted with its uuid as
the ``group`` scheduler hint; the scheduler keeps them together or apart as the policy
says (see conductor_svc/scheduler/filters.py).

A member row is written in the transaction that creates its instance and deleted in
the one that deletes it (``add_member`` and ``remove_member``, called from
svc_common/objects/instance.py), so the members are right whatever the conductor retries.
Deleting a group soft-deletes it and drops its member rows.
"""
import json

from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

AFFINITY, ANTI_AFFINITY = 'affinity', 'anti-affinity'
SOFT_AFFINITY, SOFT_ANTI_AFFINITY = 'soft-affinity', 'soft-anti-affinity'
POLICIES = (AFFINITY, ANTI_AFFINITY, SOFT_AFFINITY, SOFT_ANTI_AFFINITY)
MAX_SERVER_PER_HOST = 'max_server_per_host'

_FIELDS = ('id', 'uuid', 'name', 'project_id', 'user_id', 'policy', 'rules',
           'created_at', 'updated_at', 'deleted_at', 'deleted')


def _live(context):
    return context.session.query(models.InstanceGroup).filter_by(deleted=0)


def _group_row(context, uuid):
    row = _live(context).filter_by(uuid=uuid).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=uuid)
    return row


def _members_of(context, group_ids):
    """{group id: [instance uuids]}, each in the order they joined."""
    members = {group_id: [] for group_id in group_ids}
    if group_ids:
        query = context.session.query(models.InstanceGroupMember).filter(
            models.InstanceGroupMember.group_id.in_(group_ids)).order_by(
            models.InstanceGroupMember.id)
        for row in query:
            members[row.group_id].append(row.instance_uuid)
    return members


def _with_members(context, rows):
    members = _members_of(context, [row.id for row in rows])
    return [(row, members[row.id]) for row in rows]


@db_api.reader
def _group_get(context, uuid):
    return _with_members(context, [_group_row(context, uuid)])[0]


@db_api.reader
def _group_of_instance(context, instance_uuid):
    row = _live(context).join(
        models.InstanceGroupMember,
        models.InstanceGroupMember.group_id == models.InstanceGroup.id).filter(
        models.InstanceGroupMember.instance_uuid == instance_uuid).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid='of instance %s' % instance_uuid)
    return _with_members(context, [row])[0]


@db_api.reader
def _group_get_all(context, project_id, limit, offset):
    """Live groups (of ``project_id`` unless None) in creation order, ``offset`` skipped
    and at most ``limit`` returned."""
    query = _live(context)
    if project_id is not None:
        query = query.filter_by(project_id=project_id)
    query = query.order_by(models.InstanceGroup.id).offset(offset or 0)
    if limit is not None:
        query = query.limit(limit)
    return _with_members(context, query.all())


@db_api.reader
def _group_count(context, project_id):
    return _live(context).filter_by(project_id=project_id).count()


@db_api.writer
def _group_create(context, values):
    row = models.InstanceGroup(**values)
    context.session.add(row)
    context.session.flush()
    return row, []


@db_api.writer
def _group_destroy(context, uuid):
    row = _group_row(context, uuid)
    now = base.utcnow()
    count = _live(context).filter_by(id=row.id).update(
        {'deleted': row.id, 'deleted_at': now, 'updated_at': now},
        synchronize_session=False)
    if not count:  # deleted by someone else since we read it
        raise exception.InstanceGroupNotFound(group_uuid=uuid)
    context.session.query(models.InstanceGroupMember).filter_by(group_id=row.id).delete(
        synchronize_session=False)


def hinted_group(request_spec):
    """The group uuid a RequestSpec's ``group`` scheduler hint names, or None."""
    if request_spec is None or not request_spec.obj_attr_is_set('scheduler_hints'):
        return None
    return (request_spec.scheduler_hints.get('group') or [None])[0]


@db_api.writer
def add_member(context, group_uuid, instance_uuid):
    """Make the instance a member of the live group ``group_uuid``
    (InstanceGroupNotFound if there is none). Called inside the instance's creating
    transaction."""
    row = _group_row(context, group_uuid)
    context.session.add(models.InstanceGroupMember(group_id=row.id,
                                                   instance_uuid=instance_uuid))
    context.session.flush()


@db_api.writer
def remove_member(context, instance_uuid):
    """Drop the instance from its group, if any. Called inside its deleting transaction."""
    context.session.query(models.InstanceGroupMember).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)


@base.NimbusObjectRegistry.register
class InstanceGroup(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'name': fields.StringField(nullable=True),
        'project_id': fields.StringField(),
        'user_id': fields.StringField(),
        'policy': fields.EnumField(valid_values=POLICIES),
        'rules': fields.DictOfIntegersField(default={}),
        'members': fields.ListOfStringsField(default=[]),  # instance uuids
    })

    @staticmethod
    def _from_db_object(context, group, row_and_members):
        row, members = row_and_members
        base.copy_db_fields(group, row, _FIELDS, json_fields=('rules',))
        group.members = list(members)
        group.obj_reset_changes(['members'])
        group._context = context
        return group

    @property
    def max_server_per_host(self):
        """How many members one host may hold under anti-affinity (1 unless a rule
        says more)."""
        return self.rules.get(MAX_SERVER_PER_HOST, 1)

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid):
        return cls._from_db_object(context, cls(), _group_get(context, uuid))

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        """The group the instance is a member of (InstanceGroupNotFound if none)."""
        return cls._from_db_object(context, cls(),
                                   _group_of_instance(context, instance_uuid))

    @base.remotable
    def create(self):
        values = self.obj_get_changes()
        values.pop('members', None)
        values.pop('deleted', None)
        values['rules'] = json.dumps(values.get('rules') or {})
        values = {name: base.naive(value) for name, value in values.items()}
        self._from_db_object(self._context, self, _group_create(self._context, values))

    @base.remotable
    def destroy(self):
        """Soft-delete the group; its members leave it (the servers stay)."""
        _group_destroy(self._context, self.uuid)


@base.NimbusObjectRegistry.register
class InstanceGroupList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('InstanceGroup')}

    @base.remotable_classmethod
    def get_by_project_id(cls, context, project_id, limit=None, offset=None):
        return base.make_list(context, cls(context), InstanceGroup,
                              _group_get_all(context, project_id, limit, offset))

    @base.remotable_classmethod
    def get_all(cls, context, limit=None, offset=None):
        return base.make_list(context, cls(context), InstanceGroup,
                              _group_get_all(context, None, limit, offset))

    @base.remotable_classmethod
    def get_count_by_project(cls, context, project_id):
        return _group_count(context, project_id)


# -- the API's read of a server's group: a statement built once ------------------------
_GROUPS, _MEMBERS = models.InstanceGroup.__table__, models.InstanceGroupMember.__table__
_GROUP_UUID_OF = sa.select(_GROUPS.c.uuid).join(
    _MEMBERS, _MEMBERS.c.group_id == _GROUPS.c.id).where(
    _MEMBERS.c.instance_uuid == sa.bindparam('instance_uuid'), _GROUPS.c.deleted == 0).limit(1)


@db_api.reader
def group_uuid_of_instance(context, instance_uuid):
    """The uuid of the server group ``instance_uuid`` is in, or None: what
    InstanceGroup.get_by_instance_uuid gives of it (GET /servers/{id} from 2.71), in one
    statement built once, without the group's members."""
    return context.session.connection().execute(
        _GROUP_UUID_OF, {'instance_uuid': instance_uuid}).scalar()
