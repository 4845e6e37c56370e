"""Building an instance on this host."""
from oslo_log import log as logging
from oslo_utils import timeutils

from compute_svc import disk_storage
from svc_common import faults
from svc_common import objects
from svc_common import states
from svc_common import step_runner
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
T, V = states.TaskState, states.VmState
EVENT = 'compute_build_and_run_instance'


def build_and_run_instance(manager, context, instance, image):
    """Spawn the guest and mark the instance ACTIVE; safe to run again.

    A second delivery finds the instance already ACTIVE (nothing to do) or still
    SPAWNING after a crash (the driver's spawn is idempotent, so it is finished)."""
    # Spawning is written with the step's read (one round trip).
    instance = step_runner.current(context, instance, 'build', (T.SCHEDULING, T.SPAWNING),
                                   'Build', event=EVENT, host=manager.host, with_nics=True,
                                   begin=T.SPAWNING)
    if instance is None:
        return

    def work():
        faults.point('build.before_spawn')
        manager.driver.spawn(context, instance, image)
        faults.point('build.after_spawn')
        instance.vm_state = V.ACTIVE
        instance.task_state = None
        instance.power_state = states.PowerState.RUNNING
        instance.launched_at = timeutils.utcnow()
        instance.system_metadata = disk_storage.recorded(instance.system_metadata,
                                                         manager.driver.disk_storage())
        step_runner.final_save(instance, expected_task_state=T.SPAWNING, operation='build')

    def deleted(error):
        LOG.info('Instance deleted while building; cleaning up', instance=instance)
        manager.driver.destroy(context, instance)

    def failed(error):
        # Not a lost race (someone else moved the instance on: the guest is theirs) nor
        # an outage (the guest and claims stay for the reconciler's copy of this step).
        LOG.exception('Build failed', instance=instance)
        manager.driver.destroy(context, instance)
        objects.ResourceClaim.release(context, instance.uuid)
        events.set_error(context, instance, error, manager.host, 'build')

    outcome = step_runner.run(context, instance, EVENT, manager.host, work,
                              on_failure=failed, on_deleted=deleted,
                              on_superseded=step_runner.log_only, what='Build',
                              reraise=True)
    if outcome == step_runner.Outcome.DONE:
        LOG.info('Instance is active', instance=instance)
