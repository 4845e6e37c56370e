"""The state tables: walk every operation's rows, and prove that a save outside them
(or naming another operation) is refused."""
import itertools
import uuid

import pytest

from api_svc import live_migrate_api
from api_svc import move_api
from svc_common import exception
from svc_common import guest_actions
from svc_common import next_step
from svc_common import objects
from svc_common import operations
from svc_common import states

V, T = states.VmState, states.TaskState
PAIRS = [(vm, task) for vm in V if vm != V.DELETED for task in [None, *T]]


def _instance(ctx, flavor, vm, task):
    inst = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                            vm_state=vm, task_state=task, project_id='p', user_id='u')
    inst.create()
    return inst


def test_every_row_names_known_states():
    for op in operations.OPERATIONS.values():
        assert op.pairs, op.name
        for old, new in op.pairs:
            assert isinstance(old[0], V) and isinstance(new[0], V)
            assert old[1] is None or isinstance(old[1], T)
            assert new[1] is None or isinstance(new[1], T)


@pytest.mark.parametrize('name', sorted(operations.OPERATIONS))
def test_walk_every_row_of_each_operation(ctx, flavor, name):
    """Every change an operation's rows allow succeeds as a compare-and-swap in SQL
    when the save names that operation."""
    for old, new in sorted(operations.get(name).pairs, key=str):
        inst = _instance(ctx, flavor, old[0], old[1])
        if new[0] == V.DELETED:
            inst.destroy(expected_task_state=old[1])
            continue
        inst.vm_state, inst.task_state = new
        inst.save(expected_task_state=old[1], operation=name)
        fresh = objects.Instance.get_by_uuid(ctx, inst.uuid)
        assert (fresh.vm_state, fresh.task_state) == (states.value(new[0]),
                                                      states.value(new[1]))


@pytest.mark.parametrize('name', sorted(operations.OPERATIONS))
def test_a_write_outside_the_operations_rows_is_refused(ctx, flavor, name):
    op = operations.get(name)
    refused = 0
    # Every 13th of the ~800,000 changes (13 is prime to the number of states, so the
    # sample spreads over every old and every new state) through the checker, and a
    # spread sample of those through SQL.
    for old, new in itertools.islice(itertools.product(PAIRS, PAIRS), 0, None, 13):
        if old == new or (old, new) in op.pairs:
            continue
        assert not op.allows(old, new)
        if refused % 211 == 0:
            inst = _instance(ctx, flavor, old[0], old[1])
            inst.vm_state, inst.task_state = new
            with pytest.raises(exception.InvalidStateTransition):
                inst.save(expected_task_state=old[1], operation=name)
        refused += 1
    assert refused > 500


def test_the_catch_all_rows_serve_only_their_operation(ctx, flavor):
    """A reset's or a failure's change is refused to any other operation: e.g. a
    resize step may not drop (ACTIVE, resize_finish) to (ACTIVE, no task)."""
    old, new = (V.ACTIVE, T.RESIZE_FINISH), (V.ACTIVE, None)
    assert operations.allowed('reset_state', old, new)
    for name in set(operations.OPERATIONS) - {'reset_state'}:
        assert not operations.allowed(name, old, new), name
    inst = _instance(ctx, flavor, *old)
    inst.vm_state, inst.task_state = new
    with pytest.raises(exception.InvalidStateTransition):
        inst.save(expected_task_state=T.RESIZE_FINISH, operation='resize')
    inst.save(expected_task_state=T.RESIZE_FINISH, operation='reset_state')


def test_a_state_change_must_name_its_operation(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    inst.task_state = T.POWERING_OFF
    with pytest.raises(ValueError):
        inst.save(expected_task_state=None)
    with pytest.raises(ValueError):
        inst.save(expected_task_state=None, operation='no such operation')
    inst.display_name = 'renamed'  # no state change: no operation needed
    inst.obj_reset_changes(['task_state'])
    inst.save()


def test_every_task_state_is_resumed_by_one_operation():
    """The recovery table's first column comes from the operations: every task state
    has one Resume, given by an operation whose rows have that task state."""
    assert set(operations.RESUME) == set(T)
    for task, resume in operations.RESUME.items():
        owners = [op.name for op in operations.OPERATIONS.values() if task in op.resume]
        assert len(owners) == 1, (task, owners)
        assert task in {state[1] for pair in operations.get(owners[0]).pairs
                        for state in pair}, (task, owners)
        assert (resume.step is None) != (resume.resolver is None), task
        assert resume.resolver is None or resume.resolver in next_step._RESOLVERS


def test_a_task_state_resumed_twice_is_refused():
    twice = [operations.Operation('a', (), {T.POWERING_OFF: operations.Resume('x')}),
             operations.Operation('b', (), {T.POWERING_OFF: operations.Resume('y')})]
    with pytest.raises(ValueError):
        operations._resume_table(twice)


def test_api_guards_come_from_the_table():
    assert set(move_api._MOVABLE_VM_STATES) == {V.ACTIVE, V.STOPPED}
    assert operations.get('rebuild').start_vm_states(T.REBUILDING) == {
        V.ACTIVE, V.STOPPED, V.ERROR}
    assert operations.get('stop').start_vm_states(T.POWERING_OFF) == {V.ACTIVE}


def _start_rows_without(name, vm_state):
    """Operation ``name`` with no row starting from ``vm_state``."""
    op = operations.get(name)
    rows = tuple(row if row[1] is not None else
                 ({v for v in operations._as_set(row[0]) if v != vm_state},) + row[1:]
                 for row in op.rows)
    return operations.Operation(name, rows, op.resume)


@pytest.mark.parametrize('name, vm_state, ask', [
    ('resize', V.STOPPED, lambda api, ctx, inst: api.resize(ctx, inst, '2')),
    ('resize', V.ACTIVE, lambda api, ctx, inst: api.migrate(ctx, inst)),
    ('confirm_resize', V.RESIZED, lambda api, ctx, inst: api.confirm_resize(ctx, inst)),
    ('revert_resize', V.RESIZED, lambda api, ctx, inst: api.revert_resize(ctx, inst)),
    ('live_migrate', V.PAUSED,
     lambda api, ctx, inst: live_migrate_api.LiveMigrateAPI(None, None).live_migrate(
         ctx, inst, None, 'auto')),
])
def test_the_move_apis_guards_follow_the_table(ctx, monkeypatch, name, vm_state, ask):
    """The resize, migrate, confirm, revert and live-migration requests ask the
    operation's rows whether the server may start it: a table without the row refuses
    a server the real table lets start."""
    inst = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), vm_state=vm_state,
                            task_state=None, host=None)
    monkeypatch.setitem(operations.OPERATIONS, name, _start_rows_without(name, vm_state))
    with pytest.raises(exception.InstanceInvalidState) as refused:
        ask(move_api.MoveAPI(None, None), ctx, inst)
    assert refused.value.kwargs['attr'] == 'vm_state'


def test_one_step_operations_end_where_their_rows_say():
    """The vm_state a one-step operation's step ends in, and its task state, are read
    from its rows (compute_svc/power.py and the guest actions take them from there)."""
    ends = {name: (operations.get(name).task_state,
                   operations.get(name).ends_in(operations.get(name).task_state))
            for name in [*guest_actions.ACTIONS, 'stop', 'start']}
    assert ends == {
        'pause': (T.PAUSING, V.PAUSED), 'unpause': (T.UNPAUSING, V.ACTIVE),
        'suspend': (T.SUSPENDING, V.SUSPENDED), 'resume': (T.RESUMING, V.ACTIVE),
        'rescue': (T.RESCUING, V.RESCUED), 'unrescue': (T.UNRESCUING, V.ACTIVE),
        'soft_delete': (T.SOFT_DELETING, V.SOFT_DELETED),
        'restore': (T.RESTORING, V.ACTIVE),
        'stop': (T.POWERING_OFF, V.STOPPED), 'start': (T.POWERING_ON, V.ACTIVE)}
    reboot = operations.get('reboot')
    assert reboot.ends_in(T.REBOOTING) == reboot.ends_in(T.REBOOTING_HARD) == V.ACTIVE
    with pytest.raises(ValueError):
        reboot.task_state  # two task states
    with pytest.raises(ValueError):
        # offloaded, or (a shelve's own offload that failed) shelved: not one
        operations.get('shelve_offload').ends_in(T.SHELVING_OFFLOADING)


def test_a_guest_action_follows_the_table(monkeypatch):
    monkeypatch.setitem(operations.OPERATIONS, 'pause', operations._one_step(
        'pause', V.ACTIVE, T.SUSPENDING, V.SUSPENDED, 'suspend_instance'))
    pause = guest_actions.ACTIONS['pause']
    assert (pause.task_state, pause.vm_state) == (T.SUSPENDING, V.SUSPENDED)


def test_pending_is_read_from_the_rows():
    class Seen:
        def __init__(self, vm, task):
            self.vm_state, self.task_state = vm, task
    stop = operations.get('stop')
    assert stop.pending(Seen(V.ACTIVE, T.POWERING_OFF), T.POWERING_OFF)
    assert not stop.pending(Seen(V.STOPPED, None), T.POWERING_OFF)  # done already
    assert not stop.pending(Seen(V.ACTIVE, T.DELETING), T.POWERING_OFF)  # moved on
    assert not stop.pending(Seen(V.STOPPED, T.POWERING_OFF), T.POWERING_OFF)  # no row
    build = operations.get('build')
    assert build.pending(Seen(V.BUILDING, T.SPAWNING), (T.SCHEDULING, T.SPAWNING))
    assert build.pending(Seen(V.BUILDING, T.SCHEDULING), [T.SCHEDULING, T.SPAWNING])
    assert not build.pending(Seen(V.ACTIVE, None), (T.SCHEDULING, T.SPAWNING))
    assert operations.get('resize').task_states == (
        T.RESIZE_FINISH, T.RESIZE_MIGRATED, T.RESIZE_MIGRATING, T.RESIZE_PREP)


def test_state_fields_take_only_known_values():
    with pytest.raises(ValueError):
        objects.Instance(vm_state='sleeping')
    with pytest.raises(ValueError):
        objects.Instance(task_state='napping')
    with pytest.raises(ValueError):
        objects.Migration(status='wandering')
    assert objects.Instance(task_state=None).task_state is None
    assert objects.Instance(vm_state=V.ACTIVE).vm_state == 'active'


def test_compare_and_swap_loses_to_a_concurrent_writer(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    other = objects.Instance.get_by_uuid(ctx, inst.uuid)
    other.task_state = T.POWERING_OFF
    other.save(expected_task_state=None, operation='stop')
    inst.task_state = T.REBOOTING
    with pytest.raises(exception.UnexpectedTaskStateError):
        inst.save(expected_task_state=None, operation='reboot')
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).task_state == T.POWERING_OFF


def test_deleting_is_reported_distinctly(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, T.DELETING)
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    stale.task_state = T.POWERING_OFF
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        stale.save(expected_task_state=None, operation='stop')


def test_destroy_soft_deletes(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, T.DELETING)
    inst.destroy(expected_task_state=T.DELETING)
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctx, inst.uuid)
    gone = objects.Instance.get_by_uuid(ctx, inst.uuid, read_deleted='yes')
    assert gone.vm_state == V.DELETED and gone.deleted


def test_walk_the_migration_table(ctx):
    for old, targets in states.MIGRATION_TRANSITIONS.items():
        for new in states.MigrationStatus:
            migration = objects.Migration(context=ctx, instance_uuid=str(uuid.uuid4()),
                                          status=old, migration_type='resize')
            migration.create()
            migration.status = new
            if new == old or new in targets:
                migration.save(expected_status=(old,))
                assert objects.Migration.get_by_id(ctx, migration.id).status == new
            else:
                with pytest.raises(exception.InvalidStateTransition):
                    migration.save(expected_status=(old,))


def test_a_migration_status_change_must_name_the_status_it_replaces(ctx):
    migration = objects.Migration(context=ctx, instance_uuid=str(uuid.uuid4()),
                                  migration_type='resize')
    migration.create()
    migration.status = states.MigrationStatus.MIGRATING
    with pytest.raises(ValueError):
        migration.save()
    assert objects.Migration.get_by_id(ctx, migration.id).status == \
        states.MigrationStatus.PRE_MIGRATING
    migration.save(expected_status=(states.MigrationStatus.PRE_MIGRATING,))
    migration.obj_reset_changes()
    migration.progress = 50  # no status change: nothing to expect
    migration.save()


def test_a_migration_fails_whatever_step_it_is_at(ctx, monkeypatch):
    """fail() ends a migration under way in error even when a step moves it on while
    fail() runs (its write expects any status under way, not one it read first)."""
    migration = objects.Migration(context=ctx, instance_uuid=str(uuid.uuid4()),
                                  migration_type='resize')
    migration.create()
    real_get = objects.Migration.get_by_id.__func__
    moved = []

    def get_then_move_on(cls, context, migration_id):
        found = real_get(cls, context, migration_id)
        if not moved:  # a step moves the migration on right after this read
            moved.append(1)
            step = real_get(cls, context, migration_id)
            step.status = states.MigrationStatus.MIGRATING
            try:
                step.save(expected_status=(states.MigrationStatus.PRE_MIGRATING,))
            except exception.UnexpectedMigrationStatus:
                pass  # fail() came first
        return found
    monkeypatch.setattr(objects.Migration, 'get_by_id', classmethod(get_then_move_on))
    migration.fail()
    monkeypatch.undo()
    assert objects.Migration.get_by_id(ctx, migration.id).status == \
        states.MigrationStatus.ERROR


def test_an_ended_migration_is_not_failed(ctx):
    migration = objects.Migration(context=ctx, instance_uuid=str(uuid.uuid4()),
                                  migration_type='resize')
    migration.create()
    stale = objects.Migration.get_by_id(ctx, migration.id)
    M = states.MigrationStatus
    path = [M.PRE_MIGRATING, M.MIGRATING, M.POST_MIGRATING, M.FINISHED, M.CONFIRMED]
    for was, new in zip(path, path[1:]):
        migration.status = new
        migration.save(expected_status=(was,))
    stale.fail()  # read while pre-migrating
    assert stale.status == M.CONFIRMED and not stale.obj_what_changed()
    assert objects.Migration.get_by_id(ctx, migration.id).status == M.CONFIRMED


def test_migration_compare_and_swap(ctx):
    migration = objects.Migration(context=ctx, instance_uuid=str(uuid.uuid4()),
                                  migration_type='resize')
    migration.create()
    assert migration.status == states.MigrationStatus.PRE_MIGRATING
    migration.status = states.MigrationStatus.MIGRATING
    with pytest.raises(exception.UnexpectedMigrationStatus):
        migration.save(expected_status=(states.MigrationStatus.FINISHED,))


def test_reset_state_reaches_active_or_error_from_anywhere():
    """os-resetState abandons any task from any state but deleted, to active or error
    with no task; nothing else (stopped, or a task kept) is a reset."""
    reset = operations.get('reset_state')
    for vm, task in PAIRS:
        for target in (V.ACTIVE, V.ERROR):
            if (vm, task) != (target, None):
                assert reset.allows((vm, task), (target, None))
    assert all(new[0] in (V.ACTIVE, V.ERROR) and new[1] is None for _, new in reset.pairs)


@pytest.mark.parametrize('vm, vm_after', [(V.ACTIVE, V.ACTIVE), (V.STOPPED, V.STOPPED),
                                          (V.ERROR, V.ACTIVE)])
def test_rebuild_walks_its_phases_through_sql(ctx, flavor, vm, vm_after):
    """ACTIVE, SHUTOFF and ERROR servers rebuild through three task states, keeping
    their vm_state; only the end changes it (ERROR comes back ACTIVE)."""
    inst = _instance(ctx, flavor, vm, None)
    phases = [None, T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING]
    for old, new in zip(phases, phases[1:]):
        inst.task_state = new
        inst.save(expected_task_state=old, operation='rebuild')
    inst.vm_state, inst.task_state = vm_after, None
    inst.save(expected_task_state=T.REBUILD_SPAWNING, operation='rebuild')
    fresh = objects.Instance.get_by_uuid(ctx, inst.uuid)
    assert (fresh.vm_state, fresh.task_state) == (vm_after, None)


def test_rebuild_skips_no_phase_and_starts_only_from_idle_servers():
    rebuild = operations.get('rebuild')
    assert not rebuild.allows((V.ACTIVE, T.REBUILDING), (V.ACTIVE, T.REBUILD_SPAWNING))
    assert not rebuild.allows((V.STOPPED, T.REBUILDING), (V.STOPPED, None))
    assert not rebuild.allows((V.STOPPED, T.REBUILD_SPAWNING), (V.ACTIVE, None))
    assert operations.allowed('reset_state', (V.STOPPED, T.REBUILD_SPAWNING),
                              (V.ACTIVE, None))  # a reset's, not a rebuild's
    for vm in (V.BUILDING, V.RESIZED):
        assert not rebuild.allows((vm, None), (vm, T.REBUILDING))
    assert not rebuild.allows((V.ACTIVE, T.POWERING_OFF), (V.ACTIVE, T.REBUILDING))


def _sql_of(fn):
    from svc_common import stats
    before = stats.snapshot()
    with stats.role('unit-save'):
        fn()
    return stats.since(before).get('unit-save', {}).get('sql', {})


def test_a_save_that_passes_its_checks_is_one_update(ctx, flavor):
    """The checks of a save (expected states, host, the operation's rows) are the WHERE
    of one UPDATE: no read before it, none after, and the object is then what a read
    would give."""
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    bigger = objects.Flavor(context=ctx, flavorid='2', name='m1.small', vcpus=2,
                            memory_mb=2048, root_gb=20)
    bigger.create()

    def save():
        inst.task_state = T.RESIZE_PREP
        inst.flavor = bigger
        inst.save(expected_task_state=None, expected_vm_state=V.ACTIVE,
                  expected_host=None, operation='resize')
    assert _sql_of(save) == {'UPDATE': 1}
    stored = objects.Instance.get_by_uuid(ctx, inst.uuid)
    for name in ('task_state', 'vm_state', 'vcpus', 'memory_mb', 'root_gb', 'updated_at'):
        assert getattr(inst, name) == getattr(stored, name), name
    assert not inst.obj_what_changed()

    migration = objects.Migration(context=ctx, instance_uuid=inst.uuid,
                                  migration_type='resize')
    migration.create()

    def move_on():
        migration.status = states.MigrationStatus.MIGRATING
        migration.save(expected_status=(states.MigrationStatus.PRE_MIGRATING,),
                       expected_dest=None)
    assert _sql_of(move_on) == {'UPDATE': 1}
    assert migration.updated_at == objects.Migration.get_by_id(ctx, migration.id).updated_at


def test_saves_and_claims_update_with_core_statements(ctx, flavor):
    """The hot UPDATEs (an instance's and a migration's compare-and-swap, a claim's
    generation bump) run on the session's connection: the ORM's bulk update cost about
    half as much again as the statement, for nothing (no session object is
    synchronised)."""
    import sqlalchemy as sa
    from sqlalchemy import orm
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    migration = objects.Migration(context=ctx, instance_uuid=inst.uuid,
                                  migration_type='resize')
    migration.create()
    orm_updates = []

    def seen(state):
        if state.is_update:
            orm_updates.append(str(state.statement))
    sa.event.listen(orm.Session, 'do_orm_execute', seen)
    try:
        inst.task_state = T.RESIZE_PREP
        inst.save(expected_task_state=None, operation='resize')      # one UPDATE
        inst.system_metadata = dict(inst.system_metadata, k='v')
        inst.save(expected_task_state=T.RESIZE_PREP)                # read, then UPDATE
        migration.status = states.MigrationStatus.MIGRATING
        migration.save(expected_status=(states.MigrationStatus.PRE_MIGRATING,))
    finally:
        sa.event.remove(orm.Session, 'do_orm_execute', seen)
    assert orm_updates == []
    stored = objects.Instance.get_by_uuid(ctx, inst.uuid)
    assert (stored.task_state, stored.system_metadata.get('k')) == (T.RESIZE_PREP, 'v')
    assert objects.Migration.get_by_id(ctx, migration.id).status == 'migrating'


def test_a_save_whose_checks_fail_reads_the_row_to_say_why(ctx, flavor):
    inst = _instance(ctx, flavor, V.STOPPED, None)
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    stale.task_state = T.POWERING_OFF  # stop's rows start from active only
    with pytest.raises(exception.InvalidStateTransition):
        stale.save(expected_task_state=None, operation='stop')
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    stale.host = 'elsewhere'
    with pytest.raises(exception.UnexpectedTaskStateError):
        stale.save(expected_host='somewhere')
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).host is None
