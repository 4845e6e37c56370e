"""What an unfinished operation needs next, read from what SQL says about it.

One table serves both crash-recovery paths: a compute service starting up runs the
steps that are its own, and the conductor's reconciler re-sends the step of any
operation that made no progress for too long (its cast may have been lost). Every step
named here is an idempotent RPC handler, so sending one twice is harmless.

    task state          migration            step                     runs on
    ------------------  -------------------  -----------------------  ------------------
    scheduling          -                    build_instances          conductor (no host)
                                             build_and_run_instance   instance.host
    spawning            -                    build_and_run_instance   instance.host
    powering-off        -                    stop_instance            instance.host
    powering-on         -                    start_instance           instance.host
    rebooting           -                    reboot_instance SOFT     instance.host
    rebooting_hard      -                    reboot_instance HARD     instance.host
    rebuilding,         -                    rebuild_instance         instance.host
    rebuild_block_device_mapping,              (resumes at the phase
    rebuild_spawning                            the task state records)
    image_snapshot,     -                    snapshot_instance        instance.host
    image_backup,                              (resumes at the phase the task state
    image_pending_upload,                       records; the image it fills is named
    image_uploading                             in system_metadata)
    pausing, unpausing, -                    pause_instance, ...      instance.host
    suspending, resuming,                      (the step of the name)
    rescuing, unrescuing,
    soft-deleting,
    restoring
    shelving,           -                    shelve_instance          instance.host
    shelving_image_pending_upload,             (resumes at the phase the task state
    shelving_image_uploading                    records, as a snapshot does)
    shelving_offloading -                    shelve_offload_instance  instance.host
    unshelving          - (vm shelved)       unshelve_instance        instance.host
    unshelving,         - (vm shelved_       unshelve_instance        conductor (no host:
    spawning              offloaded)                                  it schedules) or
                                                                      instance.host
    deleting            -                    terminate_instance       instance.host
                                             local_delete             conductor (no host)
    resize_prep         none / no dest yet   migrate_server           conductor
    resize_prep         pre-migrating+dest   prep_resize              dest
    resize_migrating    pre-/migrating,      resize_instance          source
                        post-migrating
    resize_migrated     post-migrating       finish_resize            dest
    resize_finish       post-mig., finished  finish_resize            dest
    resize_confirming   confirming/finished/ confirm_resize           source
                        confirmed
    resize_reverting    finished; or         revert_resize            dest
                        reverting, on dest
    resize_reverting    reverting, moved     finish_revert_resize     source
                        back; or reverted
    migrating           accepted             live_migrate_instance    conductor
    migrating           queued, preparing,   live_migration           source (resumes at
                        running                                         the status; running:
                                                                        where the guest is)
    migrating           post-migrating,      post_live_migration      source
                        instance on source
    migrating           post-migrating on    post_live_migration_     dest
                        dest; completed      at_destination
    migrating           failed, cancelled,   rollback_live_migration  source
                        error
    (any, or none)      ended or missing     fail                     conductor: ERROR
                                                                      with a fault
"""
import dataclasses
from typing import Optional

from svc_common import operations
from svc_common import states

T, M, V = states.TaskState, states.MigrationStatus, states.VmState
CONDUCTOR = None  # "runs on" value for steps the conductor performs itself


@dataclasses.dataclass
class Step:
    name: str
    host: str | None  # compute host to cast to; CONDUCTOR (None) for conductor steps
    kwargs: dict = dataclasses.field(default_factory=dict)
    reason: str = ''


def _fail(reason: str) -> Step:
    return Step('fail', CONDUCTOR, reason=reason)


def next_step(instance, migration) -> Optional[Step]:
    """The step that moves ``instance`` (and its in-progress ``migration``) on, or None
    when no operation is under way. Which step resumes a task state is the operations'
    ``resume`` (``svc_common.operations.RESUME``): a compute method cast to the
    instance's host, or one of the resolvers below."""
    if instance.task_state is None:
        return None
    task = T(instance.task_state)
    resume = operations.RESUME.get(task)
    if resume is None:
        return _fail('%s is resumed by no operation' % task)
    if resume.resolver is not None:
        return _RESOLVERS[resume.resolver](task, instance, migration)
    if instance.host is None:
        return _fail('%s without a host' % task)
    return Step(resume.step, instance.host, dict(resume.kwargs))


def _schedule_step(task: states.TaskState, instance, migration) -> Step:
    if instance.host is None:
        return Step('build_instances', CONDUCTOR)
    return Step('build_and_run_instance', instance.host)


def _spawn_step(task: states.TaskState, instance, migration) -> Step:
    """spawning: a build's, or an offloaded server's unshelve (the vm_state says which)."""
    if instance.vm_state == V.SHELVED_OFFLOADED:
        return _unshelve_step(task, instance, migration)
    if instance.host is None:
        return _fail('%s without a host' % task)
    return Step('build_and_run_instance', instance.host)


def _unshelve_step(task: states.TaskState, instance, migration) -> Step:
    """Without a host the conductor schedules the server again."""
    return Step('unshelve_instance', instance.host or CONDUCTOR)


def _delete_step(task: states.TaskState, instance, migration) -> Step:
    return Step('terminate_instance', instance.host) if instance.host else \
        Step('local_delete', CONDUCTOR)


def _live_migration_step(task: states.TaskState, instance, migration) -> Step:
    status = M(migration.status) if migration is not None else None
    if status == M.ACCEPTED:
        return Step('live_migrate_instance', CONDUCTOR)
    if status in (M.QUEUED, M.PREPARING, M.RUNNING):
        return Step('live_migration', migration.source_compute)
    if status == M.POST_MIGRATING and instance.host == migration.source_compute:
        return Step('post_live_migration', migration.source_compute)
    if status in (M.POST_MIGRATING, M.COMPLETED):
        return Step('post_live_migration_at_destination', migration.dest_compute)
    if status in (M.FAILED, M.CANCELLED, M.ERROR):
        return Step('rollback_live_migration', migration.source_compute)
    return _fail('%s with migration %s' % (T.MIGRATING, status))


def _resize_step(task: states.TaskState, instance, migration) -> Step:
    status = M(migration.status) if migration is not None else None
    if task == T.RESIZE_PREP:
        if status is None or (status == M.PRE_MIGRATING and not migration.dest_compute):
            if instance.new_flavor is None:
                return _fail('resize requested without a flavor')
            return Step('migrate_server', CONDUCTOR)
        if status == M.PRE_MIGRATING:
            return Step('prep_resize', migration.dest_compute)
        return _fail('resize_prep with migration %s' % status)
    if status is None:
        return _fail('%s without a migration' % task)
    expected = {
        T.RESIZE_MIGRATING: ((M.PRE_MIGRATING, M.MIGRATING, M.POST_MIGRATING),
                             'resize_instance',
                             migration.source_compute),
        T.RESIZE_MIGRATED: ((M.POST_MIGRATING,), 'finish_resize', migration.dest_compute),
        T.RESIZE_FINISH: ((M.POST_MIGRATING, M.FINISHED), 'finish_resize',
                          migration.dest_compute),
        T.RESIZE_CONFIRMING: ((M.CONFIRMING, M.FINISHED, M.CONFIRMED), 'confirm_resize',
                              migration.source_compute),
    }
    if task in expected:
        statuses, name, host = expected[task]
        if status in statuses:
            return Step(name, host)
        return _fail('%s with migration %s' % (task, status))
    if task == T.RESIZE_REVERTING:
        return _revert_step(instance, migration, status)
    return _fail('%s with migration %s' % (task, status))


def _revert_step(instance, migration, status: states.MigrationStatus) -> Step:
    """resize_reverting: the destination's step until the instance is back on the
    source, then the source's."""
    if status == M.REVERTED:
        return Step('finish_revert_resize', migration.source_compute)
    if status == M.FINISHED:
        return Step('revert_resize', migration.dest_compute)
    if status == M.REVERTING:
        moved_back = (instance.host == migration.source_compute
                      and migration.source_compute != migration.dest_compute)
        return Step('finish_revert_resize', migration.source_compute) if moved_back else \
            Step('revert_resize', migration.dest_compute)
    return _fail('%s with migration %s' % (T.RESIZE_REVERTING, status))


_RESOLVERS = {'schedule': _schedule_step, 'spawn': _spawn_step, 'unshelve': _unshelve_step,
              'delete': _delete_step, 'resize': _resize_step,
              'live_migrate': _live_migration_step}


def current_migration(context, instance):
    """The newest migration of ``instance`` that has not ended, if any; for a live
    migration (task state migrating) the newest one even if it ended, since its last
    steps run after the status says how it ended."""
    from svc_common import objects
    live = instance.task_state == T.MIGRATING
    for migration in objects.MigrationList.get_by_filters(
            context, {'instance_uuid': instance.uuid}):
        if live and migration.migration_type == states.MigrationType.LIVE_MIGRATION:
            return migration
        if not migration.is_terminal:
            return migration
    return None
