"""Start-up recovery: every instance this host owns that is in a task state is resolved
by the row of ``RECOVERY`` for that state, so nothing stays stuck after a crash.

Each row names an action: ``resume`` runs the interrupted step again (every step is
idempotent), ``clear`` drops a task state whose work has not started, and ``error``
puts the instance in ERROR with a fault saying why.
"""
from oslo_log import log as logging

from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)
T = states.TaskState

RESUME, CLEAR, ERROR = 'resume', 'clear', 'error'

# task state -> what a restarted compute does with an instance left in it
RECOVERY = {
    T.SCHEDULING: RESUME,        # build_and_run_instance may be lost: build it now
    T.SPAWNING: RESUME,          # spawn again; the driver keeps an existing guest
    T.POWERING_OFF: RESUME,
    T.POWERING_ON: RESUME,
    T.REBOOTING: RESUME,
    T.REBOOTING_HARD: RESUME,
    T.DELETING: RESUME,          # destroy, release, mark deleted: all repeatable
    T.RESIZE_PREP: ERROR,
    T.RESIZE_MIGRATING: ERROR,
    T.RESIZE_MIGRATED: ERROR,
    T.RESIZE_FINISH: ERROR,
    T.RESIZE_REVERTING: ERROR,
    T.RESIZE_CONFIRMING: ERROR,
}


def recover_instances(manager, context):
    """Resolve every instance of this host left in a task state."""
    resolved = {}
    for instance in objects.InstanceList.get_by_host(context, manager.host):
        if instance.task_state is None:
            continue
        task = T(instance.task_state)
        action = RECOVERY[task]
        LOG.warning('Recovering from %s by %s', task, action, instance=instance)
        try:
            if action == RESUME:
                manager.resume(context, instance)
            elif action == ERROR:
                from compute_svc import events
                events.set_error(context, instance, exception.NimbusException(
                    'Interrupted in task state %s by a compute service restart' % task),
                    manager.host)
        except Exception:
            LOG.exception('Recovery of the instance failed', instance=instance)
        resolved[instance.uuid] = action
    return resolved
