"""Live migration on the compute hosts: the guest moves while it runs.

    API (accepted) --live_migrate_instance--> conductor: destination chosen, claimed and
      checked (check_can_live_migrate_destination on it, which asks the source's
      check_can_live_migrate_source), the plan recorded, migration queued
    conductor --live_migration--> source: preparing (pre_live_migration on the
      destination), running (the driver moves the guest), post-migrating
    source: post_live_migration (the source's leftovers and its claim go, the
      instance's host becomes the destination) --> dest:
      post_live_migration_at_destination (completed; the task ends)
    a failure before the guest moved: rollback_live_migration on the source (the
      destination cleaned, the claims back, migration failed or cancelled)

What was asked (host, block migration, force) and the plan the checks made (the
"migrate data") are kept in the instance's system metadata
(``svc_common.live_migration_record``), so every
step can be sent again from SQL alone (``svc_common.next_step``). Each handler reloads
the instance and migration and skips what their states show done; each state change is
a compare-and-swap.
"""

from oslo_log import log as logging

from compute_svc import disk_storage
from svc_common import exception
from svc_common import faults
from svc_common import instance_events as events
from svc_common.live_migration_record import finish_task
from svc_common.live_migration_record import migrate_data_of
from svc_common import notifications
from svc_common import objects
from svc_common import states
from svc_common import step_runner

LOG = logging.getLogger(__name__)
T, V, M, P = states.TaskState, states.VmState, states.MigrationStatus, states.PowerState


def _reload(context, instance, migration, what):
    """The instance and migration as SQL has them, or (None, None) when ``what`` has
    nothing to do: the instance gone, or no longer live migrating."""
    instance = step_runner.current(context, instance, 'live_migrate', T.MIGRATING, what)
    if instance is None:
        return None, None
    return instance, objects.Migration.get_by_id(context, migration.id)


def _run(manager, context, instance, event, work, on_failure, what, **handlers):
    """``work`` as a step (``svc_common.step_runner``): an outage of the conductor or
    database leaves it for the reconciler."""
    return step_runner.run(context, instance, event, manager.host, work,
                           on_failure=on_failure, what=what, **handlers)


def _notify(context, instance, action, phase, manager, migration):
    notifications.notify_instance(context, instance, action, phase, manager.host, migration)


def _set_status(migration, status, expected):
    migration.status = status
    migration.save(expected_status=expected)


# -- checks (calls, from the conductor to the destination, and on to the source) ------------
def check_can_live_migrate_destination(manager, context, instance, migration, request):
    data = manager.driver.check_can_live_migrate_destination(
        context, instance, request.get('block_migration', 'auto'))
    data['dest_address'] = manager.driver.migration_address() or manager.host
    data[disk_storage.MIGRATE_DATA_KEY] = manager.driver.disk_storage()
    return manager.compute_rpcapi.check_can_live_migrate_source(context, instance,
                                                                migration, data)


def check_can_live_migrate_source(manager, context, instance, migration, migrate_data):
    disk_storage.check(manager.driver.disk_storage(),
                       migrate_data.get(disk_storage.MIGRATE_DATA_KEY),
                       migration.dest_compute)
    return manager.driver.check_can_live_migrate_source(context, instance, migrate_data)


# -- destination: pre_live_migration (a call from the source) -------------------------------
def pre_live_migration(manager, context, instance, migration, migrate_data):
    _notify(context, instance, 'live_migration_pre', 'start', manager, migration)
    with events.action_event(context, instance, 'compute_pre_live_migration', manager.host):
        migrate_data = manager.driver.pre_live_migration(context, instance, migrate_data)
    _notify(context, instance, 'live_migration_pre', 'end', manager, migration)
    return migrate_data


# -- source: live_migration ------------------------------------------------------------------
def live_migration(manager, context, instance, migration):
    """Prepare the destination, move the guest, then post_live_migration here.

    Phases by migration status: queued -> preparing (pre_live_migration on the
    destination; done again when resumed), preparing -> running (the driver moves the
    guest), running -> post-migrating. Resumed at 'running' (a crash, a redelivery) the
    driver says where the guest is: gone from here means it moved."""
    instance, migration = _reload(context, instance, migration, 'live_migration')
    if instance is None:
        return
    if migration.status == M.CANCELLED:
        rollback_live_migration(manager, context, instance, migration, M.CANCELLED)
        return
    if migration.status not in (M.QUEUED, M.PREPARING, M.RUNNING):
        LOG.info('live_migration already done (migration %s)', migration.status,
                 instance=instance)
        return
    _notify(context, instance, 'live_migration', 'start', manager, migration)

    def failed(error):
        if isinstance(error, exception.LiveMigrationAborted):
            status = M.CANCELLED
        else:
            LOG.warning('Live migration failed: %s', error, instance=instance)
            status = M.FAILED
        rollback_live_migration(manager, context, instance, migration, status, error)

    def superseded(error):
        current = objects.Migration.get_by_id(context, migration.id)
        if current.status == M.CANCELLED:  # aborted before it ran
            rollback_live_migration(manager, context, instance, current, M.CANCELLED, error)

    outcome = _run(manager, context, instance, 'compute_live_migration',
                   lambda: _move_guest(manager, context, instance, migration), failed,
                   'live_migration', on_superseded=superseded,
                   on_deleted=step_runner.log_only)
    if outcome != step_runner.Outcome.DONE:
        return
    _notify(context, instance, 'live_migration', 'end', manager, migration)
    post_live_migration(manager, context, instance, migration)


def _move_guest(manager, context, instance, migration):
    migrate_data = migrate_data_of(instance)
    if migration.status == M.RUNNING:
        # Resumed while the guest was (or may have been) moving.
        if not manager.driver.live_migration_moved(context, instance):
            raise exception.LiveMigrationFailed(
                reason='interrupted before the guest moved; it stayed on %s' % manager.host)
    else:
        if migration.status == M.QUEUED:
            _set_status(migration, M.PREPARING, (M.QUEUED,))
        faults.point('live_migration.after_preparing')
        migrate_data = manager.compute_rpcapi.pre_live_migration(
            context, instance, migration, migrate_data)
        _set_status(migration, M.RUNNING, (M.PREPARING,))
        faults.point('live_migration.after_running')
        manager.driver.live_migration(context, instance, migration.dest_host, migrate_data)
        faults.point('live_migration.after_guest_moved')
    _set_status(migration, M.POST_MIGRATING, (M.RUNNING,))
    faults.point('live_migration.after_post_migrating')


# -- source: post_live_migration -----------------------------------------------------------
def post_live_migration(manager, context, instance, migration):
    """The guest runs on the destination: drop what is left here and the source claim,
    make the destination the instance's host, hand over to it."""
    instance, migration = _reload(context, instance, migration, 'post_live_migration')
    if instance is None or migration.status != M.POST_MIGRATING:
        LOG.info('post_live_migration already done')
        return
    if instance.host == migration.source_compute:
        _notify(context, instance, 'live_migration_post', 'start', manager, migration)

        def work():
            manager.driver.post_live_migration(context, instance, migrate_data_of(instance))
            faults.point('post_live_migration.after_source_cleanup')
            objects.ResourceClaim.release(context, migration.uuid)
            instance.host = migration.dest_compute
            instance.node = migration.dest_node
            instance.save(expected_task_state=T.MIGRATING, operation='live_migrate')

        outcome = _run(manager, context, instance, 'compute_post_live_migration', work,
                       lambda error: _fail_moved(manager, context, instance, migration,
                                                 error), 'post_live_migration')
        if outcome != step_runner.Outcome.DONE:
            return
        faults.point('post_live_migration.after_host_changed')
    manager.compute_rpcapi.post_live_migration_at_destination(context, instance, migration)


# -- destination: post_live_migration_at_destination ---------------------------------------
def post_live_migration_at_destination(manager, context, instance, migration):
    instance, migration = _reload(context, instance, migration,
                                  'post_live_migration_at_destination')
    if instance is None or migration.status not in (M.POST_MIGRATING, M.COMPLETED):
        LOG.info('post_live_migration_at_destination already done')
        return

    def work():
        if migration.status == M.POST_MIGRATING:
            manager.driver.post_live_migration_at_destination(
                context, instance, migrate_data_of(instance))
            _set_status(migration, M.COMPLETED, (M.POST_MIGRATING,))
            faults.point('post_live_migration_at_destination.after_completed')
        power_state = manager.driver.get_info(instance).power_state
        finish_task(instance, power_state=power_state)

    outcome = _run(manager, context, instance, 'compute_post_live_migration_at_destination',
                   work, lambda error: _fail_moved(manager, context, instance, migration,
                                                   error),
                   'post_live_migration_at_destination')
    if outcome == step_runner.Outcome.DONE:
        _notify(context, instance, 'live_migration_post', 'end', manager, migration)


def _fail_moved(manager, context, instance, migration, error):
    """A failure once the guest has moved: ERROR with a fault, the migration error."""
    LOG.exception('Live migration failed after the guest moved', instance=instance)
    _notify(context, instance, 'live_migration_post', 'error', manager, migration)
    migration.fail()
    events.set_error(context, instance, error, manager.host, 'live_migrate')


# -- source: rollback_live_migration ---------------------------------------------------------
def rollback_live_migration(manager, context, instance, migration, status=M.FAILED,
                            error=None):
    """The guest stayed here: record how the migration ended (first, so that a crash
    from here on resumes the rollback), clean the destination, give the claims back and
    end the task with the instance active here."""
    instance, migration = _reload(context, instance, migration, 'rollback_live_migration')
    if instance is None:
        return
    if not migration.is_terminal:
        _set_status(migration, status, (migration.status,))
    faults.point('rollback_live_migration.after_status')
    _notify(context, instance, 'live_migration_rollback', 'start', manager, migration)
    if migration.dest_compute and migration.dest_compute != manager.host:
        try:
            manager.compute_rpcapi.rollback_live_migration_at_destination(
                context, instance, migration)
        except Exception as dest_error:  # its leftovers are for an operator to remove
            LOG.warning('Could not clean the destination %s: %s', migration.dest_compute,
                        dest_error, instance=instance)
    manager.driver.rollback_live_migration(context, instance, migrate_data_of(instance))
    objects.ResourceClaim.revert_to(context, migration.uuid, instance.uuid)
    if error is not None:
        events.record_fault(context, instance, error, manager.host)
    finish_task(instance)
    _notify(context, instance, 'live_migration_rollback', 'end', manager, migration)


def rollback_live_migration_at_destination(manager, context, instance, migration):
    """A call from the source's rollback: the guest did not come here; what was
    prepared for it goes (never the instance's own guest if it is on this host)."""
    instance = objects.Instance.get_by_uuid(context, instance.uuid)
    if instance.host == manager.host:
        return
    manager.driver.rollback_live_migration_at_destination(context, instance,
                                                          migrate_data_of(instance))


# -- force complete and abort (never under the instance lock: the migration holds it) ------
def force_complete(manager, context, instance, migration):
    LOG.info('Forcing live migration %s to complete', migration.uuid, instance=instance)
    _notify(context, instance, 'live_migration_force_complete', 'start', manager, migration)
    manager.driver.live_migration_force_complete(instance)
    _notify(context, instance, 'live_migration_force_complete', 'end', manager, migration)


def abort(manager, context, instance, migration):
    """Queued or preparing: the migration becomes cancelled and the step that would
    run it rolls back instead. Running: the driver stops the guest's copy, and the
    running step rolls back."""
    migration = objects.Migration.get_by_id(context, migration.id)
    LOG.info('Aborting live migration %s (%s)', migration.uuid, migration.status,
             instance=instance)
    _notify(context, instance, 'live_migration_abort', 'start', manager, migration)
    if migration.status in (M.QUEUED, M.PREPARING):
        try:
            _set_status(migration, M.CANCELLED, (migration.status,))
        except exception.UnexpectedMigrationStatus:
            migration = objects.Migration.get_by_id(context, migration.id)
    if migration.status == M.RUNNING:
        manager.driver.live_migration_abort(instance)
    _notify(context, instance, 'live_migration_abort', 'end', manager, migration)
