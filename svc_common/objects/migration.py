"""Migration: one resize or cold migration of an instance. Status changes are
compare-and-swap writes checked against ``states.MIGRATION_TRANSITIONS``."""
import datetime

from oslo_utils import uuidutils
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import kept
from svc_common.db import models
from svc_common.db import paging
from svc_common import exception
from svc_common.objects import base
from svc_common.objects import claim as claim_obj
from svc_common import states

_FIELDS = ('id', 'uuid', 'instance_uuid', 'source_compute', 'source_node', 'dest_compute',
           'dest_node', 'dest_host', 'old_instance_type_id', 'new_instance_type_id', 'status',
           'migration_type', 'user_id', 'project_id', 'progress', 'created_at', 'updated_at',
           'deleted_at', 'deleted')


def _query(context):
    return context.session.query(models.Migration).filter_by(deleted=0)


@db_api.reader
def _migration_get(context, **by):
    row = kept.first_row(context.session, models.Migration, by)
    if row is None:
        raise exception.MigrationNotFound(migration_id=by)
    return row


def update(context, migration_id, values, expected_status, expected_dest=base.NO_CHECK):
    """Compare-and-swap ``values`` into the migration (in the caller's transaction, if
    it has one), ``expected_status`` statuses (None: any) as enums or strings; returns
    (the row as written or None, the values written)."""
    expected = None if expected_status is None else tuple(
        states.value(s) for s in expected_status)
    return _migration_update(context, migration_id, values, expected, expected_dest)


def get_row(context, migration_id):
    """The migration's row (MigrationNotFound), in the caller's transaction."""
    return _migration_get(context, id=migration_id)


@db_api.writer
def _migration_create(context, values):
    row = models.Migration(**values)
    context.session.add(row)
    context.session.flush()
    return row


@db_api.writer
def _migration_update(context, migration_id, values, expected_status,
                      expected_dest=base.NO_CHECK):
    """Compare-and-swap of the changed ``values``; returns (the row as written, or None
    when it was not read: then ``values``, updated_at included, are what changed). A
    migration written confirmed drops the claims it held (the source's) in the same
    transaction: a confirmed migration holds nothing, whatever wrote it."""
    values = dict(values, updated_at=base.utcnow())
    if _swapped(context, migration_id, values, expected_status, expected_dest):
        row = None
    else:
        row = _checked_update(context, migration_id, values, expected_status,
                              expected_dest)
    if states.value(values.get('status')) == states.MigrationStatus.CONFIRMED.value:
        claim_obj.release(context, sa.select(models.Migration.uuid).where(
            models.Migration.id == migration_id).scalar_subquery())
    return row, values


def _swapped(context, migration_id, values, expected_status, expected_dest):
    """The write as one UPDATE whose WHERE holds every check (the expected statuses that
    may change into the new one, the expected destination): True if it went through.
    False when it did not (the caller then reads the row, which says why) or on MySQL,
    which rounds the stored times (the row is read back there)."""
    if base.rounds_times(context.session):
        return False
    model = models.Migration
    sources = None
    if expected_status is not None:
        new = values.get('status')
        sources = tuple(s for s in expected_status
                        if new is None or states.migration_transition_allowed(s, new))
        if not sources:
            return False
    elif 'status' in values:
        return False
    check_dest = expected_dest is not base.NO_CHECK

    def where():
        conditions = [model.deleted == 0, model.id == sa.bindparam('w_id')]
        if sources is not None:
            conditions.append(model.status.in_(sources))
        if check_dest:
            conditions.append(model.dest_compute.is_not_distinct_from(sa.bindparam('w_dest')))
        return conditions
    params = {'w_id': migration_id, 'w_dest': expected_dest} if check_dest else {
        'w_id': migration_id}
    return base.swap_rows(context.session, model, values, (sources, check_dest), where,
                          params) == 1


def _as_read():
    """The WHERE of ``_checked_update``'s write: the row still as it was read."""
    model = models.Migration
    return [model.deleted == 0, model.id == sa.bindparam('w_id'),
            model.status == sa.bindparam('w_status'),
            model.dest_compute.is_not_distinct_from(sa.bindparam('w_dest'))]


def _checked_update(context, migration_id, values, expected_status, expected_dest):
    """The write after reading the row (the kept read by id: MigrationNotFound for a
    migration that is gone) and checking it; returns the row as written."""
    row = get_row(context, migration_id)
    if expected_status is not None and row.status not in expected_status:
        raise exception.UnexpectedMigrationStatus(migration=row.uuid, actual=row.status,
                                                  expected=expected_status)
    if expected_dest is not base.NO_CHECK and row.dest_compute != expected_dest:
        raise exception.UnexpectedMigrationStatus(
            migration=row.uuid, actual='destination %s' % row.dest_compute,
            expected='destination %s' % expected_dest)
    new_status = values.get('status', row.status)
    if not states.migration_transition_allowed(row.status, new_status):
        raise exception.InvalidStateTransition(what='migration %s' % row.uuid,
                                               old=row.status, new=new_status)
    count = base.swap_rows(context.session, models.Migration, values, 'as read', _as_read,
                           {'w_id': row.id, 'w_status': row.status,
                            'w_dest': row.dest_compute})
    if count != 1:
        raise exception.UnexpectedMigrationStatus(migration=row.uuid, actual='changed',
                                                  expected=row.status)
    return base.written(context.session, row, values)


@db_api.reader
def _migration_get_all(context, filters, limit=None, marker=None):
    """Newest first; at most ``limit`` after the migration ``marker`` (any migration:
    MarkerNotFound only when there is none of that uuid)."""
    model = models.Migration
    query = _query(context)
    for key in ('instance_uuid', 'migration_type', 'project_id', 'user_id',
                'source_compute'):
        if filters.get(key):
            query = query.filter(getattr(model, key) == filters[key])
    if filters.get('status'):
        wanted = filters['status']
        query = query.filter(model.status.in_([wanted] if isinstance(wanted, str) else wanted))
    if filters.get('host'):
        query = query.filter((model.source_compute == filters['host'])
                             | (model.dest_compute == filters['host']))
    if filters.get('changes-since'):
        query = query.filter(model.updated_at >= base.naive(filters['changes-since']))
    if filters.get('changes-before'):
        query = query.filter(model.updated_at <= base.naive(filters['changes-before']))
    keys = paging.sort_keys(model, ['created_at'], ['desc'])
    if marker is not None:
        row = _query(context).filter_by(uuid=marker).first()
        if row is None:
            raise exception.MarkerNotFound(marker=marker)
        query = query.filter(paging.after(keys, row))
    return paging.fetch(paging.ordered(query, keys), keys, limit)


_UNDER_WAY = tuple(sorted(set(states.MigrationStatus) - states.TERMINAL_MIGRATION_STATUSES))


@base.NimbusObjectRegistry.register
class Migration(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: save() takes expected_dest
    # Version 1.2: status is an enum field
    VERSION = '1.2'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'instance_uuid': fields.UUIDField(),
        'source_compute': fields.StringField(nullable=True),
        'source_node': fields.StringField(nullable=True),
        'dest_compute': fields.StringField(nullable=True),
        'dest_node': fields.StringField(nullable=True),
        'dest_host': fields.StringField(nullable=True),
        'old_instance_type_id': fields.IntegerField(nullable=True),
        'new_instance_type_id': fields.IntegerField(nullable=True),
        'status': fields.EnumField(valid_values=[s.value for s in states.MigrationStatus]),
        'migration_type': fields.StringField(),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'progress': fields.IntegerField(nullable=True),
    })

    @staticmethod
    def _from_db_object(context, migration, row):
        base.copy_db_fields(migration, row, _FIELDS)
        migration._context = context
        return migration

    @base.remotable_classmethod
    def get_by_id(cls, context, migration_id):
        return cls._from_db_object(context, cls(), _migration_get(context, id=migration_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, migration_uuid):
        return cls._from_db_object(context, cls(), _migration_get(context, uuid=migration_uuid))

    @base.remotable
    def create(self):
        values = self.obj_get_changes()
        values.setdefault('uuid', uuidutils.generate_uuid())
        values.setdefault('status', states.MigrationStatus.PRE_MIGRATING.value)
        self._from_db_object(self._context, self, _migration_create(self._context, values))

    @base.remotable
    def save(self, expected_status=None, expected_dest=base.NO_CHECK):
        """Write changes; with ``expected_status`` (a tuple) the write is refused unless
        the stored status is one of them, with ``expected_dest`` unless the stored
        destination host is that one (None: not chosen yet). A change of status must
        name the statuses it expects to replace, so that no write silently wins a race."""
        values = self.changes_to_save(expected_status)
        if values:
            self.saved(*update(self._context, self.id, values, expected_status,
                               expected_dest))

    def changes_to_save(self, expected_status):
        """The values a save writes (a change of status must name what it replaces)."""
        values = {k: base.naive(v) for k, v in self.obj_get_changes().items()}
        if 'status' in values and expected_status is None:
            raise ValueError('status change of migration %s without expected_status'
                             % self.uuid)
        return values

    def saved(self, row, written):
        """This object as its save wrote it: read back (``row``), or else what changed
        in the row is what it wrote (``written``, updated_at included)."""
        if row is not None:
            self._from_db_object(self._context, self, row)
            return
        self.updated_at = written['updated_at'].replace(tzinfo=datetime.timezone.utc)
        self.obj_reset_changes()

    def fail(self):
        """Set status error unless the migration already ended (safe to repeat): the
        write expects any status of a migration under way, so it loses only to the
        end of the migration, not to a step of it that moved on meanwhile."""
        error = type(self)(context=self._context, id=self.id)
        error.obj_reset_changes()
        error.status = states.MigrationStatus.ERROR
        try:
            error.save(expected_status=_UNDER_WAY)
        except exception.UnexpectedMigrationStatus:
            pass  # it ended
        self.status = self.get_by_id(self._context, self.id).status
        self.obj_reset_changes(['status'])

    @property
    def is_terminal(self):
        return states.MigrationStatus(self.status) in states.TERMINAL_MIGRATION_STATUSES


@base.NimbusObjectRegistry.register
class MigrationList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: get_by_filters() takes limit and marker; filters source_compute and
    #              changes-before
    VERSION = '1.1'
    fields = {'objects': fields.ListOfObjectsField('Migration')}

    @base.remotable_classmethod
    def get_by_filters(cls, context, filters, limit=None, marker=None):
        return base.make_list(context, cls(context), Migration,
                              _migration_get_all(context, filters, limit, marker))


# An instance's newest migration in a status: what a move that resumes one (the
# conductor's task delivered again) or ends one (a confirm, a revert) looks for.
_NEWEST_IN = sa.select(*kept.row_columns(models.Migration)).where(
    models.Migration.deleted == 0,
    models.Migration.instance_uuid == sa.bindparam('instance_uuid'),
    models.Migration.status == sa.bindparam('status')).order_by(
    models.Migration.created_at.desc(), models.Migration.id.desc()).limit(1)


@db_api.reader
def _newest_in(context, instance_uuid, status):
    return kept.first_record(context.session, models.Migration, _NEWEST_IN,
                             {'instance_uuid': instance_uuid, 'status': status})


def newest_in(context, instance_uuid, status):
    """The instance's newest migration in ``status`` (in the caller's transaction, if
    it has one), or None; as ``MigrationList.get_by_filters`` with those two filters
    finds it first, from a statement built once. For callers with the database (the
    API, the conductor): no RPC."""
    row = _newest_in(context, instance_uuid, states.value(status))
    return None if row is None else Migration._from_db_object(context, Migration(), row)
