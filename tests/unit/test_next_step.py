"""The recovery table has an answer for every task state and migration status."""
import itertools

from svc_common import compute_rpcapi
from svc_common import next_step
from svc_common import objects
from svc_common import states

T, M, V = states.TaskState, states.MigrationStatus, states.VmState
COMPUTE_STEPS = {name for name in dir(compute_rpcapi.ComputeAPI) if not name.startswith('_')}
CONDUCTOR_STEPS = {'build_instances', 'migrate_server', 'fail', 'local_delete',
                   'live_migrate_instance', 'unshelve_instance'}


def _instance(task, host='src'):
    flavor = objects.Flavor(flavorid='2', name='m1.small', vcpus=1, memory_mb=1, root_gb=1)
    return objects.Instance(uuid='9d0927e8-9ade-438f-8460-ddb92d8f7033', task_state=task,
                            vm_state=V.ACTIVE, host=host, new_flavor=flavor, flavor=flavor)


def _migration(status, dest='dst'):
    return objects.Migration(status=status, source_compute='src', dest_compute=dest)


def test_every_task_state_and_migration_status_has_a_row():
    """Every (task state, migration status, host) is answered with a step that exists
    where it is sent, and every task state is resumed by some step other than 'fail'
    (a task state only ever failed would have no row)."""
    resumed = {task: set() for task in T}
    for task, status, host, vm in itertools.product(
            list(T), [None, *M], ['src', 'dst', None], [V.ACTIVE, V.SHELVED_OFFLOADED]):
        migration = _migration(status) if status else None
        instance = _instance(task, host)
        instance.vm_state = vm
        step = next_step.next_step(instance, migration)
        if step.host is next_step.CONDUCTOR:
            assert step.name in CONDUCTOR_STEPS, (task, status, step)
        else:
            assert step.name in COMPUTE_STEPS, (task, status, step)
        resumed[task].add(step.name)
    assert [task for task, steps in resumed.items() if not steps - {'fail'}] == []


def test_no_task_means_nothing_to_do():
    assert next_step.next_step(_instance(None), None) is None


def test_resize_rows():
    inst = _instance(T.RESIZE_PREP)
    assert next_step.next_step(inst, None).name == 'migrate_server'
    assert next_step.next_step(inst, _migration(M.PRE_MIGRATING, dest=None)).name == \
        'migrate_server'
    step = next_step.next_step(inst, _migration(M.PRE_MIGRATING))
    assert (step.name, step.host) == ('prep_resize', 'dst')
    step = next_step.next_step(_instance(T.RESIZE_MIGRATING), _migration(M.MIGRATING))
    assert (step.name, step.host) == ('resize_instance', 'src')
    step = next_step.next_step(_instance(T.RESIZE_FINISH, 'dst'), _migration(M.FINISHED))
    assert (step.name, step.host) == ('finish_resize', 'dst')
    step = next_step.next_step(_instance(T.RESIZE_REVERTING, 'dst'), _migration(M.REVERTING))
    assert (step.name, step.host) == ('revert_resize', 'dst')
    step = next_step.next_step(_instance(T.RESIZE_REVERTING, 'src'), _migration(M.REVERTING))
    assert (step.name, step.host) == ('finish_revert_resize', 'src')
    assert next_step.next_step(_instance(T.RESIZE_MIGRATED), _migration(M.ERROR)).name == \
        'fail'


def test_rebuild_rows_resume_on_the_instance_host():
    """Every rebuild phase resumes with the same step on the instance's host (the
    handler reads the phase from the record); without a host it cannot be resumed."""
    for task in (T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING):
        step = next_step.next_step(_instance(task, 'src'), None)
        assert (step.name, step.host, step.kwargs) == ('rebuild_instance', 'src', {})
        assert next_step.next_step(_instance(task, None), None).name == 'fail'


def test_live_migration_rows():
    """Each live-migration status resumes where its next step runs; the rollback and
    the last step run after the status says how it ended."""
    def step(status, host='src'):
        found = next_step.next_step(_instance(T.MIGRATING, host), _migration(status))
        return found.name, found.host
    assert step(M.ACCEPTED) == ('live_migrate_instance', next_step.CONDUCTOR)
    for status in (M.QUEUED, M.PREPARING, M.RUNNING):
        assert step(status) == ('live_migration', 'src')
    assert step(M.POST_MIGRATING) == ('post_live_migration', 'src')
    assert step(M.POST_MIGRATING, 'dst') == ('post_live_migration_at_destination', 'dst')
    assert step(M.COMPLETED, 'dst') == ('post_live_migration_at_destination', 'dst')
    for status in (M.FAILED, M.CANCELLED, M.ERROR):
        assert step(status) == ('rollback_live_migration', 'src')
    assert step(M.FINISHED)[0] == 'fail'
    assert next_step.next_step(_instance(T.MIGRATING), None).name == 'fail'


def test_snapshot_and_shelve_rows():
    for task in (T.IMAGE_SNAPSHOT, T.IMAGE_BACKUP, T.IMAGE_PENDING_UPLOAD,
                 T.IMAGE_UPLOADING):
        step = next_step.next_step(_instance(task), None)
        assert (step.name, step.host) == ('snapshot_instance', 'src')
    for task in (T.SHELVING, T.SHELVING_IMAGE_PENDING_UPLOAD, T.SHELVING_IMAGE_UPLOADING):
        assert next_step.next_step(_instance(task), None).name == 'shelve_instance'
    assert next_step.next_step(_instance(T.SHELVING_OFFLOADING), None).name == \
        'shelve_offload_instance'


def test_unshelve_rows():
    shelved = _instance(T.UNSHELVING)
    shelved.vm_state = V.SHELVED
    assert (next_step.next_step(shelved, None).name,
            next_step.next_step(shelved, None).host) == ('unshelve_instance', 'src')
    offloaded = _instance(T.UNSHELVING, host=None)
    offloaded.vm_state = V.SHELVED_OFFLOADED
    step = next_step.next_step(offloaded, None)
    assert (step.name, step.host) == ('unshelve_instance', next_step.CONDUCTOR)
    offloaded.host = 'dst'  # the conductor chose a host; its cast may be lost
    step = next_step.next_step(offloaded, None)
    assert (step.name, step.host) == ('unshelve_instance', 'dst')
    offloaded.task_state = T.SPAWNING
    assert next_step.next_step(offloaded, None).name == 'unshelve_instance'
    assert next_step.next_step(_instance(T.SPAWNING), None).name == 'build_and_run_instance'
