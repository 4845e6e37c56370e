"""Rebuilding an instance on its host, from the image its record now names.

The API writes what a rebuild changes (image, name, metadata, key, ...) together with
the task state REBUILDING and casts ``rebuild_instance`` here; the message carries
nothing else. From then on the task state records how far the rebuild got, each phase
ending in a compare-and-swap to the next:

    rebuilding                    power off; remove the guest and its disks (the
                                  ephemeral disk.local stays with preserve_ephemeral)
    rebuild_block_device_mapping  make the disks from the new image
    rebuild_spawning              define the guest and start it (a stopped server's is
                                  left off), then no task: ACTIVE (from ACTIVE or ERROR)
                                  or stopped as before

A second delivery, start-up recovery and the reconciler's copy all start at the phase
SQL records, and each phase's own work is safe to repeat after a crash between it and
its compare-and-swap: nothing is left to remove, disks disk.info records are kept, a
guest that exists is not made again. An outage of the conductor or database leaves the
task state for the reconciler; any other error leaves the server in ERROR with a fault.
"""
from oslo_log import log as logging
from oslo_utils import timeutils

from svc_common import exception
from svc_common import faults
from svc_common import states
from svc_common import step_runner
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
T, V, P = states.TaskState, states.VmState, states.PowerState
EVENT = 'compute_rebuild_instance'

PRESERVE_EPHEMERAL = states.PRESERVE_EPHEMERAL
PHASES = (T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING)


def rebuild_instance(manager, context, instance):
    instance = step_runner.current(context, instance, 'rebuild', PHASES, 'Rebuild',
                                   event=EVENT, host=manager.host, with_nics=True)
    if instance is None:
        return

    def failed(error):
        LOG.exception('Rebuild failed', instance=instance)
        events.set_error(context, instance, error, manager.host, 'rebuild')

    # A delete meanwhile removes the guest; another delivery (or a state reset) that
    # moved the instance on owns it.
    outcome = step_runner.run(context, instance, EVENT, manager.host,
                              lambda: _run_phases(manager, context, instance),
                              on_failure=failed, on_deleted=step_runner.log_only,
                              on_superseded=step_runner.log_only, what='Rebuild',
                              reraise=True)
    if outcome == step_runner.Outcome.DONE:
        LOG.info('Instance rebuilt from image %s', instance.image_ref, instance=instance)


def _run_phases(manager, context, instance):
    if instance.task_state == T.REBUILDING:
        _tear_down(manager, context, instance)
        faults.point('rebuild.after_destroy')
        _advance(instance, T.REBUILDING, T.REBUILD_BLOCK_DEVICE_MAPPING)
    if instance.task_state == T.REBUILD_BLOCK_DEVICE_MAPPING:
        manager.driver.create_disks(context, instance, None)
        faults.point('rebuild.after_disk')
        _advance(instance, T.REBUILD_BLOCK_DEVICE_MAPPING, T.REBUILD_SPAWNING)
    power_on = instance.vm_state != V.STOPPED
    manager.driver.spawn(context, instance, None, power_on=power_on)
    faults.point('rebuild.after_spawn')
    instance.vm_state = V.ACTIVE if power_on else V.STOPPED
    instance.power_state = P.RUNNING if power_on else P.SHUTDOWN
    instance.task_state = None
    instance.launched_at = timeutils.utcnow()
    instance.system_metadata = {k: v for k, v in instance.system_metadata.items()
                                if k != PRESERVE_EPHEMERAL}
    step_runner.final_save(instance, expected_task_state=T.REBUILD_SPAWNING,
                           operation='rebuild')


def _tear_down(manager, context, instance):
    try:
        manager.driver.power_off(instance)
    except exception.InstanceNotFound:
        pass  # removed before a crash: the disks may still need to go
    manager.driver.destroy(
        context, instance, destroy_disks=True,
        preserve_ephemeral=instance.system_metadata.get(PRESERVE_EPHEMERAL) == 'True')


def _advance(instance, current, following):
    instance.task_state = following
    instance.save(expected_task_state=current, operation='rebuild')
