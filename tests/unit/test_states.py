"""The state tables: walk every row, and prove that saves outside them fail."""
import itertools
import uuid

import pytest

from svc_common import exception
from svc_common import objects
from svc_common import states

V, T = states.VmState, states.TaskState


def _instance(ctx, flavor, vm, task):
    inst = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                            vm_state=vm, task_state=task, project_id='p', user_id='u')
    inst.create()
    return inst


def test_every_row_names_known_states():
    for operation, rows in states.INSTANCE_TRANSITIONS.items():
        assert rows, operation
    for (old, new), operations in states.ALLOWED_INSTANCE_TRANSITIONS.items():
        assert isinstance(old[0], V) and isinstance(new[0], V)
        assert old[1] is None or isinstance(old[1], T)
        assert new[1] is None or isinstance(new[1], T)
        assert operations <= set(states.INSTANCE_TRANSITIONS)


def test_walk_the_instance_table(ctx, flavor):
    """Every allowed transition succeeds as a compare-and-swap in SQL."""
    for (old, new) in sorted(states.ALLOWED_INSTANCE_TRANSITIONS, key=str):
        if new[0] == V.DELETED:
            continue  # destroy() is the way there; walked below
        inst = _instance(ctx, flavor, old[0], old[1])
        inst.vm_state, inst.task_state = new
        inst.save(expected_task_state=old[1])
        fresh = objects.Instance.get_by_uuid(ctx, inst.uuid)
        assert (fresh.vm_state, fresh.task_state) == (states.value(new[0]),
                                                      states.value(new[1]))


def test_every_transition_outside_the_table_is_refused(ctx, flavor):
    pairs = [(vm, task) for vm in V if vm != V.DELETED for task in [None, *T]]
    refused = 0
    for old, new in itertools.product(pairs, pairs):
        if old == new or states.instance_transition_allowed(old, new):
            continue
        if refused % 97 == 0:  # a spread sample through SQL; all through the checker
            inst = _instance(ctx, flavor, old[0], old[1])
            inst.vm_state, inst.task_state = new
            with pytest.raises(exception.InvalidStateTransition):
                inst.save(expected_task_state=old[1])
        refused += 1
    assert refused > 1000


def test_state_change_needs_an_expected_task_state(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    inst.task_state = T.POWERING_OFF
    with pytest.raises(ValueError):
        inst.save()


def test_compare_and_swap_loses_to_a_concurrent_writer(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, None)
    other = objects.Instance.get_by_uuid(ctx, inst.uuid)
    other.task_state = T.POWERING_OFF
    other.save(expected_task_state=None)
    inst.task_state = T.REBOOTING
    with pytest.raises(exception.UnexpectedTaskStateError):
        inst.save(expected_task_state=None)
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).task_state == T.POWERING_OFF


def test_deleting_is_reported_distinctly(ctx, flavor):
    inst = _instance(ctx, flavor, V.ACTIVE, T.DELETING)
    stale = objects.Instance.get_by_uuid(ctx, inst.uuid)
    stale.task_state = T.POWERING_OFF
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        stale.save(expected_task_state=None)


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
                    migration.save()


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
    for vm in set(V) - {V.DELETED}:
        for task in [None, *T]:
            for target in (V.ACTIVE, V.ERROR):
                if (vm, task) != (target, None):
                    assert 'reset_state' in states.ALLOWED_INSTANCE_TRANSITIONS[
                        ((vm, task), (target, None))]
    assert not any('reset_state' in operations and (new[0] not in (V.ACTIVE, V.ERROR)
                                                    or new[1] is not None)
                   for (_, new), operations in states.ALLOWED_INSTANCE_TRANSITIONS.items())


@pytest.mark.parametrize('vm, vm_after', [(V.ACTIVE, V.ACTIVE), (V.STOPPED, V.STOPPED),
                                          (V.ERROR, V.ACTIVE)])
def test_rebuild_walks_its_phases_through_sql(ctx, flavor, vm, vm_after):
    """ACTIVE, SHUTOFF and ERROR servers rebuild through three task states, keeping
    their vm_state; only the end changes it (ERROR comes back ACTIVE)."""
    inst = _instance(ctx, flavor, vm, None)
    phases = [None, T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING]
    for old, new in zip(phases, phases[1:]):
        inst.task_state = new
        inst.save(expected_task_state=old)
        assert 'rebuild' in states.ALLOWED_INSTANCE_TRANSITIONS[((vm, old), (vm, new))]
    inst.vm_state, inst.task_state = vm_after, None
    inst.save(expected_task_state=T.REBUILD_SPAWNING)
    fresh = objects.Instance.get_by_uuid(ctx, inst.uuid)
    assert (fresh.vm_state, fresh.task_state) == (vm_after, None)


def test_rebuild_skips_no_phase_and_starts_only_from_idle_servers():
    allowed = states.instance_transition_allowed
    assert not allowed((V.ACTIVE, T.REBUILDING), (V.ACTIVE, T.REBUILD_SPAWNING))
    assert not allowed((V.STOPPED, T.REBUILDING), (V.STOPPED, None))
    assert 'rebuild' not in states.ALLOWED_INSTANCE_TRANSITIONS[
        ((V.STOPPED, T.REBUILD_SPAWNING), (V.ACTIVE, None))]  # a reset's, not a rebuild's
    for vm in (V.BUILDING, V.RESIZED):
        assert not allowed((vm, None), (vm, T.REBUILDING))
    assert not allowed((V.ACTIVE, T.POWERING_OFF), (V.ACTIVE, T.REBUILDING))
