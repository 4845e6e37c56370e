"""Resize and cold migration on the compute hosts.

    conductor --prep_resize--> dest --resize_instance--> source --finish_resize--> dest
    API --confirm_resize--> source          API --revert_resize--> dest
                                            dest --finish_revert_resize--> source

Every handler first reloads the Migration and returns when its status shows the step is
done, so a redelivered cast does nothing twice; each status change is a compare-and-swap.
A failure before the guest moved rolls back (instance as it was, migration ``error``);
a failure after it moved leaves the instance in ERROR with a fault.
"""
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from compute_svc import disk_storage
from svc_common.conf import CONF
from svc_common import exception
from svc_common import faults
from svc_common import notifications
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common import resize_begin
from svc_common import states
from svc_common import step_runner
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
CONFIRM_EVENT = 'compute_confirm_resize'
T, V, M, P = states.TaskState, states.VmState, states.MigrationStatus, states.PowerState
OLD_VM_STATE = 'old_vm_state'


def _release_dest(context, instance, migration):
    """Drop the instance's claim on the migration's destination node (none if there is
    no such node)."""
    objects.ResourceClaim.release(context, instance.uuid, host=migration.dest_compute,
                                  nodename=migration.dest_node)


def _run_step(context, manager, instance, event, work, on_error):
    """Run ``work()`` as a step (``svc_common.step_runner``); True when it completed."""
    return step_runner.run(context, instance, event, manager.host, work,
                           on_failure=on_error) == step_runner.Outcome.DONE


def _fail_moved_handler(context, manager, instance, migration, action):
    return lambda error: _fail_moved(context, manager, instance, migration, error, action)


def _was_stopped(instance):
    return instance.system_metadata.get(OLD_VM_STATE) == V.STOPPED


# -- destination: prep_resize ---------------------------------------------------------
def prep_resize(manager, context, instance, flavor, migration, alternates):
    # The conductor claimed the destination when it chose this host: the step's read
    # says whether the claim is there, and only a claim that went missing (a
    # redelivery after a rollback) is made again, in the work below.
    claim = step_runner.DestClaim(claim_obj.resources_for_flavor(flavor))
    instance, migration = step_runner.current_move(
        context, instance, migration, (M.PRE_MIGRATING,), 'resize', T.RESIZE_PREP,
        'prep_resize', event='compute_prep_resize', host=manager.host, dest_claim=claim)
    if instance is None:
        return
    notifications.notify_instance(context, instance, 'resize_prep', 'start', manager.host,
                                  migration)
    def work():
        disk_storage.check(instance.system_metadata.get(disk_storage.INSTANCE_KEY),
                           manager.driver.disk_storage(), manager.host)
        if not claim.held:  # made again (InsufficientResources if the node filled up)
            objects.ResourceClaim.ensure(context, instance.uuid, migration.dest_compute,
                                         migration.dest_node, claim.resources)
        faults.point('prep_resize.after_claim')
        manager.driver.prepare_migration_target(context, instance, flavor)
        _record_dest_address(manager, migration)
        instance.old_flavor = instance.flavor
        instance.new_flavor = flavor
        instance.system_metadata = dict(instance.system_metadata,
                                        **{OLD_VM_STATE: instance.vm_state,
                                           disk_storage.DEST_KEY:
                                               manager.driver.disk_storage()})
        step_runner.final_save(instance, expected_task_state=T.RESIZE_PREP,
                               operation='resize')
        faults.point('prep_resize.after_save')

    def failed(error):
        LOG.warning('prep_resize failed on %s: %s', manager.host, error, instance=instance)
        _release_dest(context, instance, migration)
        _reschedule_or_rollback(manager, context, instance, flavor, migration, alternates,
                                error)

    # A second delivery of this step that lost a race with the first one's next step
    # (resize_instance on the source already moved the instance on) leaves the
    # operation in good hands: rolling back would pull the claim from it.
    outcome = step_runner.run(context, instance, 'compute_prep_resize', manager.host, work,
                              on_failure=failed, on_superseded=step_runner.log_only,
                              what='prep_resize')
    if outcome != step_runner.Outcome.DONE:
        return
    notifications.notify_instance(context, instance, 'resize_prep', 'end', manager.host,
                                  migration)
    manager.compute_rpcapi.resize_instance(context, instance, migration, flavor)


def _record_dest_address(manager, migration):
    """The address the source is to copy the disks to: this host's, which only it
    knows (the conductor recorded the host name)."""
    address = manager.driver.migration_address() or manager.host
    if migration.dest_host != address:
        migration.dest_host = address
        migration.save(expected_status=(M.PRE_MIGRATING,))


def _reschedule_or_rollback(manager, context, instance, flavor, migration, alternates, error):
    events.record_fault(context, instance, error, manager.host)
    if alternates:
        LOG.info('Trying alternate hosts %s', alternates, instance=instance)
        manager.conductor_rpcapi.migrate_server(context, instance, flavor,
                                                migration=migration, host_list=alternates)
        return
    _roll_back(context, instance, migration)


def _roll_back(context, instance, migration):
    """Nothing moved (the destination's claim already released): the source's claim
    back to the instance, the migration ``error``, the server as it was."""
    objects.ResourceClaim.move(context, migration.uuid, instance.uuid)
    migration.fail()
    _forget_resize(instance)
    instance.save(expected_task_state=T.RESIZE_PREP, operation='resize')


# -- source: resize_instance -----------------------------------------------------------
def resize_instance(manager, context, instance, migration, flavor):
    """Power off and move the disks, then hand the instance to the destination.

    Phases, each skipped when SQL shows it done: (1) the instance resize_migrating and
    the migration migrating, written with the step's read (unless this host refuses the
    move), then the disks moved; (2) the migration post-migrating and the instance
    handed to the destination, resize_migrated; (3) cast finish_resize (repeating a lost
    cast is harmless)."""
    refusal = _refusal(manager, instance, migration)
    instance, migration = step_runner.current_move(
        context, instance, migration, (M.PRE_MIGRATING, M.MIGRATING, M.POST_MIGRATING),
        'resize', (T.RESIZE_PREP, T.RESIZE_MIGRATING, T.RESIZE_MIGRATED),
        'resize_instance', event='compute_resize_instance', host=manager.host,
        begin=None if refusal else T.RESIZE_MIGRATING,
        begin_status=None if refusal else M.MIGRATING)
    if instance is None:
        return
    notifications.notify_instance(context, instance, 'resize', 'start', manager.host,
                                  migration)

    def work():
        if refusal is not None and instance.task_state == T.RESIZE_PREP:
            raise refusal  # refused before anything moved (no begin was written)
        if migration.status == M.MIGRATING:
            faults.point('resize_instance.after_migrating')
            manager.driver.migrate_disk_and_power_off(context, instance,
                                                      migration.dest_host, flavor)
            faults.point('resize_instance.after_disk_moved')
        if instance.task_state == T.RESIZE_MIGRATING:
            # The disks are at the destination: the migration post-migrating and the
            # instance handed to the destination, in one write.
            if migration.status == M.MIGRATING:
                migration.status = M.POST_MIGRATING
            instance.host = migration.dest_compute
            instance.node = migration.dest_node
            instance.power_state = P.SHUTDOWN
            instance.task_state = T.RESIZE_MIGRATED
            step_runner.final_save(instance, migration, (M.MIGRATING,),
                                   expected_task_state=T.RESIZE_MIGRATING,
                                   operation='resize')
            faults.point('resize_instance.after_post_migrating')

    def failed(error):
        if isinstance(error, exception.MigrationPreCheckError) and \
                instance.task_state == T.RESIZE_PREP:
            _refused(context, manager, instance, migration, error)
        else:
            _fail_moved(context, manager, instance, migration, error, 'resize')

    if not _run_step(context, manager, instance, 'compute_resize_instance', work, failed):
        return
    notifications.notify_instance(context, instance, 'resize', 'end', manager.host,
                                  migration)
    manager.compute_rpcapi.finish_resize(context, instance, migration)


def _refusal(manager, instance, migration):
    """The error with which this host refuses to move ``instance`` (as the destination
    recorded it, before it cast this step) to the migration's destination, or None."""
    try:
        disk_storage.check(manager.driver.disk_storage(),
                           instance.system_metadata.get(disk_storage.DEST_KEY),
                           migration.dest_compute)
    except exception.MigrationPreCheckError as error:
        return error
    return None


def _refused(context, manager, instance, migration, error):
    """The source refused the move before anything moved: rolled back, with a fault."""
    LOG.warning('Resize refused: %s', error, instance=instance)
    notifications.notify_instance(context, instance, 'resize', 'error', manager.host,
                                  migration)
    events.record_fault(context, instance, error, manager.host)
    _release_dest(context, instance, migration)
    _roll_back(context, instance, migration)


def _fail_moved(context, manager, instance, migration, error, action):
    """A failure once the guest may have moved: ERROR with a fault, migration error."""
    LOG.exception('%s failed', action, instance=instance)
    notifications.notify_instance(context, instance, action, 'error', manager.host,
                                  migration)
    migration.fail()
    events.set_error(context, instance, error, manager.host,
                     'revert_resize' if action == 'resize_revert' else 'resize')


# -- destination: finish_resize ------------------------------------------------------------
def finish_resize(manager, context, instance, migration):
    """Apply the new flavor, start the guest here, and show VERIFY_RESIZE.

    Phases: (1) resize_migrated -> resize_finish with the new flavor, written with the
    step's read; (2) the driver finishes and the migration -> finished; (3) the
    instance -> resized."""
    instance, migration = step_runner.current_move(
        context, instance, migration, (M.POST_MIGRATING, M.FINISHED), 'resize',
        (T.RESIZE_MIGRATED, T.RESIZE_FINISH), 'finish_resize',
        event='compute_finish_resize', host=manager.host, with_nics=True,
        begin=T.RESIZE_FINISH, new_flavor=True)
    if instance is None:
        return
    notifications.notify_instance(context, instance, 'resize_finish', 'start', manager.host,
                                  migration)
    power_on = not _was_stopped(instance)

    def work():
        if migration.status == M.POST_MIGRATING:
            faults.point('finish_resize.after_flavor_applied')
            resized = instance.old_flavor.flavorid != instance.new_flavor.flavorid
            manager.driver.finish_migration(context, migration, instance, None, resized,
                                            power_on=power_on)
            faults.point('finish_resize.after_driver')
            migration.status = M.FINISHED
        instance.vm_state = V.RESIZED
        instance.task_state = None
        instance.power_state = P.RUNNING if power_on else P.SHUTDOWN
        # The migration finished and the instance resized in one write.
        step_runner.final_save(instance, migration, (M.POST_MIGRATING,),
                               expected_task_state=T.RESIZE_FINISH, operation='resize')
        faults.point('finish_resize.after_finished')

    if not _run_step(context, manager, instance, 'compute_finish_resize', work,
                     _fail_moved_handler(context, manager, instance, migration,
                                         'resize_finish')):
        return
    notifications.notify_instance(context, instance, 'resize_finish', 'end', manager.host,
                                  migration)


# -- source: confirm_resize -----------------------------------------------------------------
def confirm_resize(manager, context, instance, migration):
    """Drop the source's copy and the migration's claim, then show ACTIVE/SHUTOFF.
    Also used to clean the source when a server is deleted in VERIFY_RESIZE (then the
    instance is being deleted, or gone, and only the source is cleaned)."""
    # Deleted in VERIFY_RESIZE (or confirmed already, the migration not yet): only the
    # source is cleaned.
    confirming, migration = step_runner.current_move(
        context, instance, migration, (M.CONFIRMING, M.FINISHED, M.CONFIRMED),
        'confirm_resize', T.RESIZE_CONFIRMING, 'confirm_resize', event=CONFIRM_EVENT,
        host=manager.host,
        on_idle=lambda idle, found: _drop_source(manager, context, idle, found))
    if confirming is None:
        return

    def work():
        _drop_source(manager, context, confirming, migration, save=False)
        confirming.vm_state = V.STOPPED if _was_stopped(confirming) else V.ACTIVE
        _forget_resize(confirming)
        # The migration confirmed and the instance active in one write; an instance
        # deleted meanwhile leaves the migration to be confirmed alone.
        try:
            step_runner.final_save(confirming, migration, _CONFIRMABLE,
                                   expected_task_state=T.RESIZE_CONFIRMING,
                                   operation='confirm_resize')
        except exception.NimbusException as error:
            if step_runner.deleted(error):
                migration.save(expected_status=_CONFIRMABLE)
            raise

    def failed(error):  # the task state stays: the reconciler sends the step again
        LOG.warning('confirm_resize failed: %s', error, instance=confirming)
        events.record_fault(context, confirming, error, manager.host)

    if step_runner.run(context, confirming, CONFIRM_EVENT, manager.host, work,
                       on_failure=failed, on_deleted=step_runner.log_only,
                       on_superseded=step_runner.log_only, what='confirm_resize',
                       reraise=True) == step_runner.Outcome.DONE:
        notifications.notify_instance(context, confirming, 'resize_confirm', 'end',
                                      manager.host, migration)


_CONFIRMABLE = (M.CONFIRMING, M.FINISHED)


def _drop_source(manager, context, instance, migration, save=True):
    """The source's copy of the guest and disks go; the migration is confirmed (nothing
    again once it is), and saved so, which drops its claim (the source's), unless
    ``save`` is False (the caller writes it with the instance)."""
    if migration.status not in _CONFIRMABLE:
        return
    if instance is not None:
        notifications.notify_instance(context, instance, 'resize_confirm', 'start',
                                      manager.host, migration)
    manager.driver.confirm_migration(context, migration, instance)
    faults.point('confirm.after_driver')
    migration.status = M.CONFIRMED  # its claims go with the write that says so
    if save:
        migration.save(expected_status=_CONFIRMABLE)


def _forget_resize(instance):
    instance.task_state = None
    instance.old_flavor = None
    instance.new_flavor = None
    instance.system_metadata = {k: v for k, v in instance.system_metadata.items()
                                if k not in (OLD_VM_STATE, disk_storage.DEST_KEY)}


# -- destination: revert_resize; source: finish_revert_resize ---------------------------------
def revert_resize(manager, context, instance, migration):
    """Remove the destination's guest and claim, hand the instance back to the source."""
    instance, migration = step_runner.current_move(
        context, instance, migration, (M.FINISHED, M.REVERTING), 'revert_resize',
        T.RESIZE_REVERTING, 'revert_resize')
    if instance is None:
        return
    if migration.status == M.FINISHED:  # resize_begin.begin_revert stopped between its two writes
        migration.status = M.REVERTING
        migration.save(expected_status=(M.FINISHED,))
    notifications.notify_instance(context, instance, 'resize_revert', 'start', manager.host,
                                  migration)
    moved = migration.source_compute != migration.dest_compute

    def work():
        if moved and instance.host == migration.dest_compute:
            manager.driver.destroy(context, instance, destroy_disks=True)
            faults.point('revert.after_dest_destroy')
            _release_dest(context, instance, migration)
            instance.host = migration.source_compute
            instance.node = migration.source_node
            instance.save(expected_task_state=T.RESIZE_REVERTING, operation='revert_resize')
            faults.point('revert.after_host_swapped')

    if not _run_step(context, manager, instance, 'compute_revert_resize', work,
                     _fail_moved_handler(context, manager, instance, migration,
                                         'resize_revert')):
        return
    manager.compute_rpcapi.finish_revert_resize(context, instance, migration)


def finish_revert_resize(manager, context, instance, migration):
    """Give the claims back, restore the old flavor and guest, show ACTIVE/SHUTOFF."""
    instance, migration = step_runner.current_move(
        context, instance, migration, (M.REVERTING, M.REVERTED), 'revert_resize',
        T.RESIZE_REVERTING, 'finish_revert_resize', event='compute_finish_revert_resize',
        host=manager.host)
    if instance is None:
        return
    power_on = not _was_stopped(instance)

    def work():
        if migration.status == M.REVERTING:
            objects.ResourceClaim.revert_to(context, migration.uuid, instance.uuid)
            faults.point('finish_revert.after_claims')
            if instance.old_flavor is not None and \
                    instance.flavor.flavorid != instance.old_flavor.flavorid:
                instance.flavor = instance.old_flavor
                instance.save(expected_task_state=T.RESIZE_REVERTING, operation='revert_resize')
            manager.driver.finish_revert_migration(context, instance, migration,
                                                   power_on=power_on)
            faults.point('finish_revert.after_driver')
            migration.status = M.REVERTED
            migration.save(expected_status=(M.REVERTING,))
        instance.vm_state = V.ACTIVE if power_on else V.STOPPED
        instance.power_state = P.RUNNING if power_on else P.SHUTDOWN
        _forget_resize(instance)
        step_runner.final_save(instance, expected_task_state=T.RESIZE_REVERTING,
                               operation='revert_resize')

    if not _run_step(context, manager, instance, 'compute_finish_revert_resize', work,
                     _fail_moved_handler(context, manager, instance, migration,
                                         'resize_revert')):
        return
    notifications.notify_instance(context, instance, 'resize_revert', 'end', manager.host,
                                  migration)


# -- periodic: auto-confirm ---------------------------------------------------------------------
def confirm_expired_resizes(manager, context):
    """Confirm resizes finished on this host longer than resize_confirm_window ago."""
    window = CONF.compute.resize_confirm_window
    if not window:
        return 0
    cutoff = timeutils.utcnow(with_timezone=True) - datetime.timedelta(seconds=window)
    confirmed = 0
    for migration in objects.MigrationList.get_by_filters(
            context, {'status': [M.FINISHED], 'host': manager.host}):
        if migration.dest_compute != manager.host or migration.updated_at > cutoff:
            continue
        try:
            instance = objects.Instance.get_by_uuid(context, migration.instance_uuid)
            resize_begin.begin_confirm(context, instance, migration,
                                       manager.compute_rpcapi)
            confirmed += 1
        except (exception.InstanceNotFound, exception.Conflict) as error:
            LOG.info('Not auto-confirming migration %s: %s', migration.uuid, error)
    return confirmed
