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

from svc_common import states

T, M, V = states.TaskState, states.MigrationStatus, states.VmState
CONDUCTOR = None  # "runs on" value for steps the conductor performs itself


@dataclasses.dataclass
class Step:
    name: str
    host: str | None  # compute host to cast to; CONDUCTOR (None) for conductor steps
    kwargs: dict = dataclasses.field(default_factory=dict)
    reason: str = ''


_SIMPLE = {
    T.SPAWNING: ('build_and_run_instance', {}),
    T.POWERING_OFF: ('stop_instance', {}),
    T.POWERING_ON: ('start_instance', {}),
    T.REBOOTING: ('reboot_instance', {'reboot_type': 'SOFT'}),
    T.REBOOTING_HARD: ('reboot_instance', {'reboot_type': 'HARD'}),
    T.REBUILDING: ('rebuild_instance', {}),
    T.REBUILD_BLOCK_DEVICE_MAPPING: ('rebuild_instance', {}),
    T.REBUILD_SPAWNING: ('rebuild_instance', {}),
    T.IMAGE_SNAPSHOT: ('snapshot_instance', {}),
    T.IMAGE_BACKUP: ('snapshot_instance', {}),
    T.IMAGE_PENDING_UPLOAD: ('snapshot_instance', {}),
    T.IMAGE_UPLOADING: ('snapshot_instance', {}),
    T.PAUSING: ('pause_instance', {}),
    T.UNPAUSING: ('unpause_instance', {}),
    T.SUSPENDING: ('suspend_instance', {}),
    T.RESUMING: ('resume_instance', {}),
    T.SHELVING: ('shelve_instance', {}),
    T.SHELVING_IMAGE_PENDING_UPLOAD: ('shelve_instance', {}),
    T.SHELVING_IMAGE_UPLOADING: ('shelve_instance', {}),
    T.SHELVING_OFFLOADING: ('shelve_offload_instance', {}),
    T.RESCUING: ('rescue_instance', {}),
    T.UNRESCUING: ('unrescue_instance', {}),
    T.SOFT_DELETING: ('soft_delete_instance', {}),
    T.RESTORING: ('restore_instance', {}),
}


def _fail(reason):
    return Step('fail', CONDUCTOR, reason=reason)


def next_step(instance, migration):
    """The step that moves ``instance`` (and its in-progress ``migration``) on, or None
    when no operation is under way."""
    if instance.task_state is None:
        return None
    task = T(instance.task_state)
    unshelving = task == T.UNSHELVING or (
        task == T.SPAWNING and instance.vm_state == V.SHELVED_OFFLOADED)
    if unshelving:  # without a host the conductor schedules it again
        return Step('unshelve_instance', instance.host or CONDUCTOR)
    if task in _SIMPLE:
        name, kwargs = _SIMPLE[task]
        if instance.host is None:
            return _fail('%s without a host' % task)
        return Step(name, instance.host, dict(kwargs))
    if task == T.SCHEDULING:
        if instance.host is None:
            return Step('build_instances', CONDUCTOR)
        return Step('build_and_run_instance', instance.host)
    if task == T.DELETING:
        return Step('terminate_instance', instance.host) if instance.host else \
            Step('local_delete', CONDUCTOR)
    if task == T.MIGRATING:
        return _live_migration_step(instance, migration)
    return _resize_step(task, instance, migration)


def _live_migration_step(instance, migration):
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


def _resize_step(task, instance, migration):
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
    if task == T.RESIZE_REVERTING and status == M.REVERTED:
        return Step('finish_revert_resize', migration.source_compute)
    if task == T.RESIZE_REVERTING and status == M.FINISHED:
        return Step('revert_resize', migration.dest_compute)
    if task == T.RESIZE_REVERTING and status == M.REVERTING:
        moved_back = (instance.host == migration.source_compute
                      and migration.source_compute != migration.dest_compute)
        return Step('finish_revert_resize', migration.source_compute) if moved_back else \
            Step('revert_resize', migration.dest_compute)
    return _fail('%s with migration %s' % (task, status))


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
