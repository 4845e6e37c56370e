"""Building an instance on this host."""
from oslo_log import log as logging
from oslo_utils import timeutils

from svc_common import exception
from svc_common import faults
from svc_common import objects
from svc_common import service
from svc_common import states
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
T, V = states.TaskState, states.VmState


def build_and_run_instance(manager, context, instance, image):
    """Spawn the guest and mark the instance ACTIVE; safe to run again.

    A second delivery finds the instance already ACTIVE (nothing to do) or still
    SPAWNING after a crash (the driver's spawn is idempotent, so it is finished)."""
    try:
        instance = objects.Instance.get_by_uuid(context, instance.uuid)
    except exception.InstanceNotFound:
        LOG.info('Instance %s was deleted before it was built', instance.uuid)
        return
    if instance.vm_state != V.BUILDING or instance.task_state not in (T.SCHEDULING,
                                                                       T.SPAWNING):
        LOG.info('Build already resolved (%s/%s)', instance.vm_state, instance.task_state,
                 instance=instance)
        return
    with events.action_event(context, instance, 'compute_build_and_run_instance', manager.host):
        try:
            instance.task_state = T.SPAWNING
            instance.save(expected_task_state=(T.SCHEDULING, T.SPAWNING))
            faults.point('build.before_spawn')
            manager.driver.spawn(context, instance, image)
            faults.point('build.after_spawn')
            instance.vm_state = V.ACTIVE
            instance.task_state = None
            instance.power_state = states.PowerState.RUNNING
            instance.launched_at = timeutils.utcnow()
            instance.save(expected_task_state=T.SPAWNING)
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            LOG.info('Instance deleted while building; cleaning up', instance=instance)
            manager.driver.destroy(context, instance)
            return
        except exception.UnexpectedTaskStateError as error:
            # Someone else moved the instance on (an API action, a second delivery in
            # another process): it is theirs now; the guest must not be torn down.
            LOG.warning('Build superseded: %s', error, instance=instance)
            return
        except service.UNAVAILABLE as error:
            # Not a failed build: the conductor or database is away. The guest and the
            # claims stay; the reconciler sends this step again, and spawn is idempotent.
            LOG.warning('Build interrupted (%s); left for the reconciler', error,
                        instance=instance)
            return
        except Exception as error:
            LOG.exception('Build failed', instance=instance)
            manager.driver.destroy(context, instance)
            objects.ResourceClaim.release(context, instance.uuid)
            events.set_error(context, instance, error, manager.host)
            raise
    LOG.info('Instance is active', instance=instance)
