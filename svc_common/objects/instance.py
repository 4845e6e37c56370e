"""Instance: the server record. Every state change is a compare-and-swap that names
its operation, and is checked against that operation's rows (``svc_common.operations``)."""
import datetime
import functools
import json

from oslo_utils import versionutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import kept
from svc_common.db import models
from svc_common.db import paging
from svc_common import exception
from svc_common import name_filter
from svc_common.objects import base
from svc_common.objects import claim as claim_obj
from svc_common.objects import fault as fault_obj
from svc_common.objects import flavor as flavor_obj
from svc_common.objects import instance_action as instance_action_obj
from svc_common.objects import instance_group as instance_group_obj
from svc_common.objects import migration as migration_obj
from svc_common.objects import network as network_obj
from svc_common.objects import request_spec as request_spec_obj
from svc_common import operations
from svc_common import states

_NO_CHECK = base.NO_CHECK
_COLUMNS = ('id', 'uuid', 'display_name', 'display_description', 'hostname', 'user_id',
            'project_id', 'image_ref', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'host',
            'node', 'vm_state', 'task_state', 'power_state', 'progress', 'launched_at',
            'terminated_at', 'availability_zone', 'reservation_id', 'launch_index', 'key_name',
            'key_data', 'config_drive', 'system_metadata', 'locked', 'locked_by',
            'locked_reason', 'access_ip_v4', 'access_ip_v6', 'created_at', 'updated_at',
            'deleted_at', 'deleted')
_JSON_COLUMNS = ('system_metadata',)
# Who locked the instance ('owner' or 'admin') and why (from 2.73): columns, written
# only by lock() and unlock(). Before Instance 1.13 (and migration 0013) they were
# system_metadata keys of these names, as Nova keeps them.
_LOCK_KEYS = ('locked_by', 'locked_reason')
_FLAVOR_FIELDS = ('flavor', 'old_flavor', 'new_flavor')
# The columns an instance's flavor sizes it by (what the quotas count), written with it.
_FLAVOR_SIZES = ('vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb')


def _sizes_of(flavor):
    return {name: getattr(flavor, name) for name in _FLAVOR_SIZES}


def _as_tuple(value):
    if value is None or isinstance(value, str):
        return (value,)
    return tuple(value)


def _base_query(context, session, read_deleted=None):
    query = session.query(models.Instance)
    mode = read_deleted or getattr(context, 'read_deleted', 'no')
    if mode == 'no':
        query = query.filter(models.Instance.deleted == 0)
    elif mode == 'only':
        query = query.filter(models.Instance.deleted != 0)
    return query


def _by_uuid(deleted):
    model = models.Instance
    return sa.select(*_ROW_COLUMNS).where(model.uuid == sa.bindparam('p_uuid'), *deleted)


# Every column of an instance under the name of its mapped attribute: an instance is
# read as a plain row (what ``_from_db_object`` reads of it), not as an ORM object,
# which costs several times more to load than the row itself.
_ROW_COLUMNS = kept.row_columns(models.Instance)
# One instance by uuid, for each read_deleted mode: the most frequent read, built once.
_BY_UUID = {'no': _by_uuid([models.Instance.deleted == 0]),
            'only': _by_uuid([models.Instance.deleted != 0]),
            'yes': _by_uuid([])}


@db_api.reader
def _instance_get(context, uuid, read_deleted=None):
    statement = _BY_UUID.get(read_deleted or getattr(context, 'read_deleted', 'no'),
                             _BY_UUID['yes'])
    row = kept.first_record(context.session, models.Instance, statement, {'p_uuid': uuid})
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


def _before(current, goal, order):
    """Whether ``current`` comes before ``goal`` in ``order`` (states a step goes
    through in that order)."""
    return current in order and order.index(current) < order.index(goal)


@db_api.writer
def _instance_for_step(context, uuid, operation, task_states, event, host,
                       expected_attrs=(), begin=None, new_flavor=False):
    """(the row, its fixed IPs' rows), or (None, None) when a step of ``operation``
    finishing ``task_states`` has nothing to do (``operations.Operation.pending``);
    when it has, the start of ``event`` (if named) is recorded in the request's action
    in the same transaction (not at all for a request without an action, e.g. an
    internal retry). The fixed IPs are read (in the same transaction) only with
    'fixed_ips' in ``expected_attrs``, else None. With ``begin`` (one of
    ``task_states``), the step's first write goes with the read too: the instance moves
    to ``begin`` from a state before it there, a compare-and-swap from the state read
    (one that loses to another writer, a delete say, leaves the step nothing to do);
    ``new_flavor``: that write also makes the new flavor the instance's (a resize's
    finish)."""
    row = _instance_get(context, uuid)
    wanted = tuple(states.TaskState(states.value(t)) for t in _as_tuple(task_states))
    if not operations.get(operation).pending(row, wanted):
        return None, None
    if begin is not None and _before(row.task_state, states.value(begin),
                                     [t.value for t in wanted]):
        values = {'task_state': states.value(begin)}
        if new_flavor:
            values.update(_sizes_of(flavor_obj.from_stored(row.new_flavor)),
                          flavor=row.new_flavor)
        try:
            written, values = _instance_update(context, uuid, values, row.task_state,
                                               _NO_CHECK, operation=operation)
        except exception.UnexpectedTaskStateError:
            return None, None
        row = written if written is not None else base.written(context.session, row, values)
    if event is not None:
        try:
            instance_action_obj.record_event_start(context, uuid, event, host)
        except exception.ActionNotFound:
            pass
    fixed_ips = (network_obj.fixed_ip_rows_of(context, [uuid])
                 if 'fixed_ips' in expected_attrs else None)
    return row, fixed_ips


def _without_lock_keys(system_metadata):
    """``system_metadata`` without the old lock keys, which a node older than Instance
    1.13 carries in it: they are columns now, written by lock() and unlock() only."""
    if not any(k in system_metadata for k in _LOCK_KEYS):
        return system_metadata
    return {k: v for k, v in system_metadata.items() if k not in _LOCK_KEYS}


class _BeginLost(Exception):
    """A move step's first write of its migration lost to another writer: the whole
    read goes back, the instance's first write with it."""


@db_api.writer
def _instance_for_move_step(context, uuid, migration_id, statuses, operation, task_states,
                            event, host, expected_attrs=(), begin=None, begin_status=None,
                            new_flavor=False, dest_claim=None):
    """(the row or None, its fixed IPs' rows or None, the migration's row, whether the
    instance holds ``dest_claim`` or None): None when the migration is not in one of
    ``statuses`` any more (nothing read but it), else as ``_instance_for_step``. With
    ``begin_status`` (one of ``statuses``) the migration moves to that status from one
    before it there, with the instance's ``begin`` (a compare-and-swap from the status
    read): the step's first write of both. With ``dest_claim`` (resources) and a step to
    run, whether the instance holds exactly those on the migration's destination node
    (``claim_obj.held_on``)."""
    migration = migration_obj.get_row(context, migration_id)
    if migration.status not in statuses:
        return None, None, migration, None
    row, fixed_ips = _instance_for_step(context, uuid, operation, task_states, event, host,
                                        expected_attrs, begin, new_flavor)
    held = (claim_obj.held_on(context, uuid, migration.dest_compute, migration.dest_node,
                              dest_claim)
            if dest_claim is not None and row is not None else None)
    if (row is not None and begin_status is not None and
            _before(migration.status, states.value(begin_status), statuses)):
        try:
            written, values = migration_obj.update(
                context, migration_id, {'status': states.value(begin_status)},
                (migration.status,))
        except exception.UnexpectedMigrationStatus:
            raise _BeginLost() from None
        migration = (written if written is not None else
                     base.written(context.session, migration, values))
    return row, fixed_ips, migration, held


@db_api.writer
def _instance_create(context, values, request_spec):
    """The instance row and, in the same transaction, its request spec's and its
    membership of the server group its ``group`` hint names."""
    row = models.Instance(**values)
    context.session.add(row)
    context.session.flush()
    spec_row = (request_spec_obj.write(context, request_spec) if request_spec is not None
                else None)
    group_uuid = instance_group_obj.hinted_group(request_spec)
    if group_uuid:
        instance_group_obj.add_member(context, group_uuid, row.uuid)
    return row, spec_row


def _check_expected(row, expected_task, expected_vm):
    if expected_task is not _NO_CHECK and row.task_state not in _as_tuple(
            states.value(t) for t in _as_tuple(expected_task)):
        cls = (exception.UnexpectedDeletingTaskStateError
               if row.task_state == states.TaskState.DELETING.value
               else exception.UnexpectedTaskStateError)
        raise cls(instance_uuid=row.uuid, expected=expected_task, actual=row.task_state)
    if expected_vm is not _NO_CHECK and row.vm_state not in tuple(
            states.value(v) for v in _as_tuple(expected_vm)):
        raise exception.InstanceInvalidState(method='update', instance_uuid=row.uuid,
                                             attr='vm_state', state=row.vm_state)


@db_api.writer
def _instance_update(context, uuid, values, expected_task, expected_vm,
                     expected_host=_NO_CHECK, operation=None, finish_event=None):
    """Compare-and-swap: the row changes only if its states (and host) are still those
    we checked, and a change of state only as one of ``operation``'s rows allows. With
    ``finish_event``, that event of the request's action ends (Success) in the same
    transaction. Returns (the row as written, or None when it was not read: then
    the values written, updated_at included, are all that changed)."""
    values = dict(values, updated_at=base.utcnow())
    row = None
    if not _swapped(context, uuid, values, expected_task, expected_vm, expected_host,
                    operation):
        row = _checked_update(context, uuid, values, expected_task, expected_vm,
                              expected_host, operation)
    if finish_event is not None:
        try:
            instance_action_obj.record_event_finish(context, uuid, finish_event)
        except exception.ActionNotFound:
            pass
    return row, values


def _swapped(context, uuid, values, expected_task, expected_vm, expected_host, operation):
    """The write as one UPDATE whose WHERE holds every check (the expected states and
    host, and the operation's rows that lead to the new states): True if it went
    through. False when it did not, or cannot be checked without the row (a delete
    stamps the row's id; MySQL rounds the stored times, so the row is read back there
    anyway): the caller then reads the row and checks it, which says why, and writes if
    the row passes now. The statement is built once per shape (``base.swap_rows``)."""
    if (base.rounds_times(context.session)
            or states.value(values.get('vm_state')) == states.VmState.DELETED.value):
        return False
    shape = _swap_shape(values, expected_task, expected_vm, operation)
    conditions = _swap_conditions(shape)
    if conditions is None:
        return False
    model = models.Instance
    check_host = expected_host is not _NO_CHECK

    def where():
        host = ([model.host.is_not_distinct_from(sa.bindparam('w_host'))] if check_host
                else [])
        return [model.uuid == sa.bindparam('w_uuid'), model.deleted == 0, *conditions,
                *host]
    return base.swap_rows(context.session, model, values, (shape, check_host), where,
                          {'w_uuid': uuid, 'w_host': expected_host} if check_host
                          else {'w_uuid': uuid}) == 1


_SAME = operations.SAME


def _swap_shape(values, expected_task, expected_vm, operation):
    """What decides ``_swap_conditions``: the new states (``_SAME`` when unchanged), the
    expected ones as tuples of values (or ``_NO_CHECK``) and the operation."""
    def expected(states_in):
        return (states_in if states_in is _NO_CHECK
                else tuple(states.value(s) for s in _as_tuple(states_in)))
    return (states.value(values['vm_state']) if 'vm_state' in values else _SAME,
            states.value(values['task_state']) if 'task_state' in values else _SAME,
            expected(expected_task), expected(expected_vm), operation)


@functools.lru_cache(maxsize=512)
def _swap_conditions(shape):
    """The WHERE conditions of ``_swapped`` for the states, or None when they cannot be
    listed (a change of state without its operation or expected task state)."""
    new_vm, new_task, expected_task, expected_vm, operation = shape
    model = models.Instance
    if new_vm is _SAME and new_task is _SAME:
        where = []
        if expected_task is not _NO_CHECK:
            where.append(_task_in(expected_task))
        if expected_vm is not _NO_CHECK:
            where.append(model.vm_state.in_(list(expected_vm)))
        return tuple(where)
    if expected_task is _NO_CHECK or operation is None:
        return None
    tasks = frozenset(expected_task)
    vms = None if expected_vm is _NO_CHECK else frozenset(expected_vm)
    sources = operations.sources(operation, new_vm, new_task, tasks, vms)
    if not sources:
        return None
    return (sa.or_(*(sa.and_(_task_in((task,)), model.vm_state.in_(sorted(vm_states)))
                     for task, vm_states in sorted(sources.items(), key=str))),)


def _task_in(task_states):
    model = models.Instance
    named = [t for t in task_states if t is not None]
    conditions = [model.task_state.in_(named)] if named else []
    if None in task_states:
        conditions.append(model.task_state.is_(None))
    return sa.or_(*conditions)


def _checked_update(context, uuid, values, expected_task, expected_vm, expected_host,
                    operation):
    """The write after reading the row and checking it (see ``_instance_update``);
    returns the row as written."""
    row = _instance_get(context, uuid)
    _check_expected(row, expected_task, expected_vm)
    if expected_host is not _NO_CHECK and row.host != expected_host:
        raise exception.UnexpectedTaskStateError(instance_uuid=uuid,
                                                 expected='host %s' % expected_host,
                                                 actual='host %s' % row.host)
    old = (row.vm_state, row.task_state)
    new = (values.get('vm_state', row.vm_state), values.get('task_state', row.task_state))
    if old != new and (operation is None or not operations.allowed(operation, old, new)):
        raise exception.InvalidStateTransition(
            what='instance %s (operation %s)' % (uuid, operation), old=old, new=new)
    if new[0] == states.VmState.DELETED.value:
        values.update(deleted=row.id, deleted_at=values['updated_at'])
    count = base.swap_rows(context.session, models.Instance, values, 'as read',
                           _as_read, {'w_id': row.id, 'w_vm': row.vm_state,
                                      'w_task': row.task_state, 'w_host': row.host})
    if count != 1:
        raise exception.UnexpectedTaskStateError(instance_uuid=uuid, expected=old,
                                                 actual='changed concurrently')
    return base.written(context.session, row, values)


def _as_read():
    """The WHERE of ``_checked_update``'s write: the row still as it was read."""
    model = models.Instance
    return [model.id == sa.bindparam('w_id'), model.deleted == 0,
            model.vm_state == sa.bindparam('w_vm'),
            model.task_state.is_not_distinct_from(sa.bindparam('w_task')),
            model.host.is_not_distinct_from(sa.bindparam('w_host'))]


@db_api.writer
def _instance_set_lock(context, uuid, locked_by, reason):
    """Lock (``locked_by`` 'owner' or 'admin') or unlock (None) in one UPDATE of the
    lock's columns, whatever task is under way (no state is compared, and no other
    column written). Locking a locked instance keeps who locked it and why. Returns
    (the row, or None when it was not read, as ``_instance_update``; it is when nothing
    was written, the instance locked already, or where the database
    ``base.rounds_times``), the values written)."""
    model = models.Instance
    values = {'locked': locked_by is not None, 'locked_by': locked_by,
              'locked_reason': reason if locked_by is not None else None,
              'updated_at': base.utcnow()}
    locking = locked_by is not None

    def where():
        unlocked = [model.locked == sa.false()] if locking else []
        return [model.uuid == sa.bindparam('w_uuid'), model.deleted == 0, *unlocked]
    count = base.swap_rows(context.session, model, values, ('lock', locking), where,
                           {'w_uuid': uuid})
    if count == 1 and not base.rounds_times(context.session):
        return None, values
    return _instance_get(context, uuid), values


@db_api.writer
def _instance_destroy(context, uuid, expected_task):
    """Soft-delete the instance row; its request spec, group membership and fixed
    addresses go in the same transaction."""
    row, _ = _instance_update(context, uuid,
                              {'vm_state': states.VmState.DELETED.value, 'task_state': None,
                               'terminated_at': base.utcnow(),
                               'power_state': states.PowerState.NOSTATE},
                              expected_task, _NO_CHECK, operation='delete')
    request_spec_obj.remove(context, uuid)
    instance_group_obj.remove_member(context, uuid)
    network_obj.release(context, uuid)
    return row


def _filtered(context, filters):  # noqa: C901
    """The rows that pass ``filters``, but for the name regex (see _name_matcher)."""
    model = models.Instance
    deleted = filters.get('deleted')
    read_deleted = 'yes' if deleted is None and context.read_deleted == 'yes' else (
        'only' if deleted else 'no')
    soft_deleted = states.VmState.SOFT_DELETED.value
    if deleted and filters.get('soft_deleted'):
        # Deleted servers and those only soft-deleted (Nova's deleted=True listing).
        query = _base_query(context, context.session, 'yes').filter(
            sa.or_(model.deleted != 0, model.vm_state == soft_deleted))
    else:
        query = _base_query(context, context.session, read_deleted)
    if filters.get('soft_deleted') is False:
        query = query.filter(model.vm_state != soft_deleted)
    for name in ('project_id', 'user_id', 'host', 'node', 'reservation_id', 'image_ref'):
        if filters.get(name) is not None:
            query = query.filter(getattr(model, name) == filters[name])
    for name in ('vm_state', 'task_state', 'uuid'):
        if filters.get(name) is not None:
            query = query.filter(getattr(model, name).in_(_as_tuple(filters[name])))
    if filters.get('vm_task_states') is not None:
        query = query.filter(_in_states(filters['vm_task_states']))
    if filters.get('flavor_id') is not None:
        query = query.filter(paging.containing(model.flavor,
                                               '"flavorid": "%s"' % filters['flavor_id']))
    if filters.get('name') and not _REGEX_SPECIALS.intersection(filters['name']):
        query = query.filter(paging.containing(model.display_name, filters['name']))
    if filters.get('locked') is not None:
        query = query.filter(model.locked == bool(filters['locked']))
    if filters.get('in_task'):
        query = query.filter(model.task_state.is_not(None))
    if filters.get('updated_before') is not None:
        query = query.filter(sa.func.coalesce(model.updated_at, model.created_at)
                             < base.naive(filters['updated_before']))
    if filters.get('changes-since') is not None:
        query = query.filter(model.updated_at >= base.naive(filters['changes-since']))
    # Usage windows: launched before the window's end, not terminated before its start.
    if filters.get('launched_before') is not None:
        query = query.filter(model.launched_at < base.naive(filters['launched_before']))
    if filters.get('terminated_after') is not None:
        query = query.filter(sa.or_(model.terminated_at.is_(None), model.terminated_at
                                    > base.naive(filters['terminated_after'])))
    return query


def _in_states(pairs):
    """Rows in one of ``pairs``: {vm_state: None (any task state) or [task states, None
    for no task]}."""
    model = models.Instance
    alternatives = []
    for vm_state, task_states in pairs.items():
        condition = model.vm_state == vm_state
        if task_states is not None:
            named = [t for t in task_states if t is not None]
            tasks = [model.task_state.in_(named)] if named else []
            if None in task_states:
                tasks.append(model.task_state.is_(None))
            condition = sa.and_(condition, sa.or_(sa.false(), *tasks))
        alternatives.append(condition)
    return sa.or_(sa.false(), *alternatives)


# A name filter without these is a plain substring: SQL narrows the rows with LIKE.
_REGEX_SPECIALS = frozenset('.^$*+?{}[]\\|()')


def _name_matcher(pattern):
    """Whether a row's display name matches the regex ``pattern``; None without one.
    Stays in Python: the backends' regex dialects differ from each other."""
    match = name_filter.matcher(pattern)
    return None if match is None else (lambda row: match(row.display_name))



@db_api.reader
def _instance_get_all(context, filters, sort_keys, sort_dirs, limit=None, marker=None):
    """The rows passing ``filters`` in the order of the sort keys (then id): the first
    ``limit`` (all when None) after the row of ``marker``, a uuid that must pass the
    filters too. Plain rows with the mapped attributes' names."""
    order = paging.sort_keys(models.Instance, sort_keys, sort_dirs)
    query = paging.ordered(_filtered(context, filters).with_entities(*_ROW_COLUMNS), order)
    keep = _name_matcher(filters.get('name'))
    if marker is not None:
        row = query.filter(models.Instance.uuid == marker).first()
        if row is None or (keep is not None and not keep(row)):
            raise exception.MarkerNotFound(marker=marker)
        query = query.filter(paging.after(order, row))
    return paging.fetch(query, order, limit, keep)


@base.NimbusObjectRegistry.register
class Instance(base.NimbusPersistentObject, base.NimbusObject,
               ovo_base.VersionedObjectDictCompat):
    """(Mapping access lets oslo.log print ``[instance: <uuid>]`` for ``instance=``.)"""

    # Version 1.0: Initial version
    # Version 1.1: create() takes the RequestSpec to store with the instance
    # Version 1.2: key_data (the public key of the key pair named at create)
    # Version 1.3: lock() and unlock()
    # Version 1.4: save() names its operation; vm_state and task_state are enum fields
    # Version 1.5: get_for_step()
    # Version 1.6: save() can finish an action event
    # Version 1.7: get_for_move_step()
    # Version 1.8: save_with_migration()
    # Version 1.9: fixed_ips, which get_for_step() and get_for_move_step() read with the
    #              instance when asked (expected_attrs)
    # Version 1.10: get_for_step() can write the step's first task state (begin)
    # Version 1.11: get_for_move_step() can write the step's first task state, migration
    #               status and the new flavor (begin, begin_status, new_flavor)
    # Version 1.12: get_for_move_step() can say whether the instance holds its claim on
    #               the migration's destination (dest_claim)
    # Version 1.13: locked_by and locked_reason are fields (were system_metadata keys)
    VERSION = '1.13'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'display_name': fields.StringField(nullable=True),
        'display_description': fields.StringField(nullable=True),
        'hostname': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'image_ref': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('Flavor'),
        'old_flavor': fields.ObjectField('Flavor', nullable=True),
        'new_flavor': fields.ObjectField('Flavor', nullable=True),
        'vcpus': fields.IntegerField(default=0),
        'memory_mb': fields.IntegerField(default=0),
        'root_gb': fields.IntegerField(default=0),
        'ephemeral_gb': fields.IntegerField(default=0),
        'host': fields.StringField(nullable=True),
        'node': fields.StringField(nullable=True),
        'vm_state': fields.EnumField(valid_values=[s.value for s in states.VmState]),
        'task_state': fields.EnumField(valid_values=[s.value for s in states.TaskState],
                                       nullable=True),
        'power_state': fields.IntegerField(default=0),
        'progress': fields.IntegerField(nullable=True),
        'launched_at': fields.DateTimeField(nullable=True),
        'terminated_at': fields.DateTimeField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'reservation_id': fields.StringField(nullable=True),
        'launch_index': fields.IntegerField(nullable=True),
        'key_name': fields.StringField(nullable=True),
        'key_data': fields.StringField(nullable=True),
        'config_drive': fields.StringField(nullable=True),
        'metadata': fields.DictOfStringsField(default={}),
        'system_metadata': fields.DictOfNullableStringsField(default={}),
        'locked': fields.BooleanField(default=False),
        'locked_by': fields.StringField(nullable=True),  # 'owner' or 'admin' when locked
        'locked_reason': fields.StringField(nullable=True),
        'access_ip_v4': fields.StringField(nullable=True),
        'access_ip_v6': fields.StringField(nullable=True),
        'fault': fields.ObjectField('InstanceFault', nullable=True),
        # Its addresses, as a step that defines its guest read them with it (never
        # written by save(): FixedIP.allocate and the deletion own them).
        'fixed_ips': fields.ObjectField('FixedIPList'),
    })

    @staticmethod
    def _from_db_object(context, instance, row, expected_attrs=()):
        base.copy_db_fields(instance, row, _COLUMNS, json_fields=_JSON_COLUMNS)
        base.set_field(instance, 'metadata',
                       json.loads(row.metadata_) if row.metadata_ else {})
        for name in _FLAVOR_FIELDS:
            raw = getattr(row, name)
            value = flavor_obj.from_stored(raw) if raw else None
            setattr(instance, name, value)
        if 'fault' in (expected_attrs or ()):
            instance.fault = fault_obj.InstanceFault.get_latest_for_instance(context, row.uuid)
        instance._context = context
        instance.obj_reset_changes()
        return instance

    @staticmethod
    def _to_db_values(changes):
        values = {}
        for name, value in changes.items():
            if name in ('fault', 'fixed_ips'):
                continue
            if name in _FLAVOR_FIELDS:
                value = json.dumps(value.obj_to_primitive()) if value is not None else None
            elif name == 'metadata':
                name, value = 'metadata_', json.dumps(value)
            elif name in _JSON_COLUMNS:
                value = json.dumps(_without_lock_keys(value))
            elif name == 'deleted':
                continue
            else:
                value = base.naive(value)
            values[name] = value
        return values

    # Sub-objects by the version that brought them, for a backport without a manifest.
    obj_relationships = {'fixed_ips': [('1.9', '1.0')]}

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        version = versionutils.convert_version_to_tuple(target_version)
        if version < (1, 2):
            primitive.pop('key_data', None)
        if version < (1, 9):  # (a manifest names FixedIPList: the base class kept it)
            primitive.pop('fixed_ips', None)
        if version < (1, 13):  # the lock's details back as the system_metadata keys
            lock = {k: primitive.pop(k) for k in _LOCK_KEYS if k in primitive}
            if 'system_metadata' in primitive:
                primitive['system_metadata'] = dict(
                    primitive['system_metadata'],
                    **{k: v for k, v in lock.items() if v is not None})

    def obj_load_attr(self, attrname):
        if attrname in _LOCK_KEYS:
            # Sent by a node older than 1.13: the lock's details are its system_metadata
            # keys (which a save does not write back: _without_lock_keys).
            details = self.system_metadata if self.obj_attr_is_set('system_metadata') else {}
            setattr(self, attrname, details.get(attrname) if self.locked else None)
            self.obj_reset_changes([attrname])
            return
        if attrname != 'fault':
            raise NotImplementedError('Cannot load %s' % attrname)
        self.fault = fault_obj.InstanceFault.get_latest_for_instance(self._context, self.uuid)
        self.obj_reset_changes(['fault'])

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid, expected_attrs=None, read_deleted=None):
        return cls._from_db_object(context, cls(), _instance_get(context, uuid, read_deleted),
                                   expected_attrs)

    @classmethod
    def _for_step(cls, context, row, fixed_ip_rows):
        if row is None:
            return None
        instance = cls._from_db_object(context, cls(), row)
        if fixed_ip_rows is not None:
            instance.fixed_ips = base.make_list(context, network_obj.FixedIPList(context),
                                                network_obj.FixedIP, fixed_ip_rows)
            instance.obj_reset_changes(['fixed_ips'])
        return instance

    @base.remotable_classmethod
    def get_for_step(cls, context, uuid, operation, task_states, event=None, host=None,
                     expected_attrs=None, begin=None):
        """The instance a step of ``operation`` that finishes ``task_states`` works on,
        or None when that step has nothing to do; the step's action ``event`` (if
        named) started with the same read: one round trip and one transaction. With
        'fixed_ips' in ``expected_attrs`` its addresses come with it (a step that
        defines its guest: no round trip of its own for the NICs). With ``begin``, the
        task state the step starts in is written with the read (see
        ``_instance_for_step``)."""
        row, fixed_ip_rows = _instance_for_step(
            context, uuid, operation, [states.value(t) for t in _as_tuple(task_states)],
            event, host, tuple(expected_attrs or ()), begin)
        return cls._for_step(context, row, fixed_ip_rows)

    @base.remotable_classmethod
    def get_for_move_step(cls, context, uuid, migration_id, statuses, operation,
                          task_states, event=None, host=None, expected_attrs=None,
                          begin=None, begin_status=None, new_flavor=False,
                          dest_claim=None):
        """``get_for_step`` for a step of a move, with its Migration in the same read:
        [the instance or None, the migration]. None also when the migration's status
        is not one of ``statuses`` (that step was done already). ``begin``,
        ``begin_status``, ``new_flavor``: the step's first write, with the read (see
        ``_instance_for_move_step``); one that loses to another writer leaves the step
        nothing to do. ``dest_claim`` (resources): a third item, whether the instance
        holds exactly those on the migration's destination node, as
        ``ResourceClaim.ensure`` would find (None when there is no step to run): an
        ``ensure`` is then needed only when it does not."""
        held = None
        try:
            row, fixed_ip_rows, migration_row, held = _instance_for_move_step(
                context, uuid, migration_id, [states.value(s) for s in statuses],
                operation, [states.value(t) for t in _as_tuple(task_states)], event, host,
                tuple(expected_attrs or ()), begin, begin_status, new_flavor, dest_claim)
        except _BeginLost:
            row, fixed_ip_rows = None, None
            migration_row = migration_obj.get_row(context, migration_id)
        migration = migration_obj.Migration._from_db_object(
            context, migration_obj.Migration(), migration_row)
        found = [cls._for_step(context, row, fixed_ip_rows), migration]
        return found if dest_claim is None else found + [held]

    @base.remotable
    def create(self, request_spec=None):
        """Insert the record, and ``request_spec`` (a RequestSpec) with it in one
        transaction: no crash leaves an instance whose build cannot be sent again as
        it was asked for."""
        changes = self.obj_get_changes()
        for name, value in _sizes_of(changes['flavor']).items():
            changes.setdefault(name, value)
        changes.setdefault('metadata', {})
        if request_spec is not None:
            request_spec.instance_uuid = self.uuid
        row, spec_row = _instance_create(self._context, self._to_db_values(changes),
                                         request_spec)
        self._from_db_object(self._context, self, row)
        if spec_row is not None:
            request_spec._from_db_object(self._context, request_spec, spec_row)

    @base.remotable
    def save(self, expected_task_state=_NO_CHECK, expected_vm_state=_NO_CHECK,
             expected_host=_NO_CHECK, operation=None, finish_event=None):
        """Write the changed fields. A change of vm_state or task_state must name the
        task state it expects to replace, so that no write silently wins a race, and
        the ``operation`` (a name in ``svc_common.operations``) whose rows allow it;
        ``expected_host`` guards a change of host the same way. ``finish_event`` ends
        that action event (Success) with the write (nothing written: not ended)."""
        changes = self._changes_to_save(expected_task_state, operation)
        if not changes:
            return
        self._saved(changes, *_instance_update(
            self._context, self.uuid, self._to_db_values(changes), expected_task_state,
            expected_vm_state, expected_host, operation, finish_event))

    def _changes_to_save(self, expected_task_state, operation):
        changes = self.obj_get_changes()
        if ('vm_state' in changes or 'task_state' in changes) and \
                (expected_task_state is _NO_CHECK or operation is None):
            raise ValueError('state change of %s without expected_task_state and '
                             'operation' % self.uuid)
        if 'flavor' in changes:
            changes.update(_sizes_of(changes['flavor']))
        return changes

    def _saved(self, changes, row, written):
        """This object as its save wrote it: read back (``row``), or else what changed
        in the row is what it wrote (``written``, updated_at included)."""
        if row is not None:
            self._from_db_object(self._context, self, row)
            return
        for name in _FLAVOR_SIZES:
            if name in changes:
                setattr(self, name, changes[name])
        self.updated_at = written['updated_at'].replace(tzinfo=datetime.timezone.utc)
        self.obj_reset_changes()

    @base.remotable
    def save_with_migration(self, migration, expected_status, expected_task_state=_NO_CHECK,
                            expected_vm_state=_NO_CHECK, operation=None, finish_event=None):
        """``save()`` and ``migration.save(expected_status)`` in one transaction: both
        writes or neither, and neither object changes unless both were written (a
        step's last writes, in one round trip). Returns the migration as written (a
        caller across RPC takes its changes from it)."""
        changes = self._changes_to_save(expected_task_state, operation)
        migration_changes = migration.changes_to_save(expected_status)

        def both(context):
            mine = theirs = None
            if changes:
                mine = _instance_update(context, self.uuid, self._to_db_values(changes),
                                        expected_task_state, expected_vm_state, _NO_CHECK,
                                        operation, finish_event)
            if migration_changes:
                theirs = migration_obj.update(context, migration.id, migration_changes,
                                              expected_status)
            return mine, theirs
        mine, theirs = db_api.write_together(self._context, both)
        if mine is not None:
            self._saved(changes, *mine)
        if theirs is not None:
            migration.saved(*theirs)
        return migration

    @base.remotable
    def lock(self, locked_by, reason=None):
        """Lock, as 'owner' or 'admin', with an optional reason (a no-op when locked)."""
        self._set_lock(locked_by, reason)

    @base.remotable
    def unlock(self):
        self._set_lock(None, None)

    def _set_lock(self, locked_by, reason):
        row, written = _instance_set_lock(self._context, self.uuid, locked_by, reason)
        if row is None:  # the lock's columns as written; updated_at as a save's
            for name in ('locked',) + _LOCK_KEYS:
                setattr(self, name, written[name])
        self._saved({}, row, written)

    @base.remotable
    def destroy(self, expected_task_state=_NO_CHECK):
        """Soft-delete: vm_state deleted, and the row leaves every default listing;
        the request spec is deleted with it."""
        row = _instance_destroy(self._context, self.uuid, expected_task_state)
        self._from_db_object(self._context, self, row)


@base.NimbusObjectRegistry.register
class InstanceList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: get_by_filters() takes limit and marker
    VERSION = '1.1'
    fields = {'objects': fields.ListOfObjectsField('Instance')}

    @base.remotable_classmethod
    def get_by_filters(cls, context, filters, sort_keys=('created_at',), sort_dirs=('desc',),
                       expected_attrs=None, limit=None, marker=None):
        """Instances passing ``filters`` (see _filtered; 'name' is a regex, and
        'vm_task_states' {vm_state: None or [task_state or None]}), sorted, at most
        ``limit`` of them after the instance ``marker`` (MarkerNotFound unless it passes
        the filters)."""
        rows = _instance_get_all(context, filters, list(sort_keys), list(sort_dirs),
                                 limit, marker)
        return base.make_list(context, cls(context), Instance, rows,
                              expected_attrs=expected_attrs)

    @base.remotable_classmethod
    def get_by_host(cls, context, host):
        return cls.get_by_filters(context, {'host': host})
