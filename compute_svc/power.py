"""Stop, start and reboot. Each finishes the task state the API set, and does nothing
when a redelivered message finds the work already done."""
from oslo_log import log as logging

from svc_common import exception
from svc_common import faults
from svc_common import objects
from svc_common import service
from svc_common import states
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
T, V, P = states.TaskState, states.VmState, states.PowerState


def current(context, instance, task_state):
    try:
        instance = objects.Instance.get_by_uuid(context, instance.uuid)
    except exception.InstanceNotFound:
        return None
    if instance.task_state != task_state:
        LOG.info('Nothing to do: task state is %s, not %s', instance.task_state, task_state,
                 instance=instance)
        return None
    return instance


def finish(context, manager, instance, task_state, vm_state, power_state, work, event,
           fault_point=None, fail_to_error=False):
    """Do ``work`` and end ``task_state`` in ``vm_state``/``power_state``; True when
    done, False when an outage left the task state for the reconciler. A failure ends
    the task with a fault, in ERROR with ``fail_to_error``."""
    with events.action_event(context, instance, event, manager.host):
        try:
            work()
            if fault_point:
                faults.point(fault_point)
        except service.UNAVAILABLE as error:
            # The task state stays for the reconciler to send this step again.
            LOG.warning('%s interrupted (%s); left for the reconciler', event, error,
                        instance=instance)
            return False
        except Exception as error:
            LOG.exception('%s failed', event, instance=instance)
            if fail_to_error:
                events.set_error(context, instance, error, manager.host)
                raise
            events.record_fault(context, instance, error, manager.host)
            instance.task_state = None
            instance.save(expected_task_state=task_state)
            raise
        instance.vm_state = vm_state
        instance.task_state = None
        instance.power_state = power_state
        instance.save(expected_task_state=task_state)
    return True


def stop_instance(manager, context, instance):
    instance = current(context, instance, T.POWERING_OFF)
    if instance is not None:
        finish(context, manager, instance, T.POWERING_OFF, V.STOPPED, P.SHUTDOWN,
               lambda: manager.driver.power_off(instance), 'compute_stop_instance',
               'stop.after_power_off')


def start_instance(manager, context, instance):
    instance = current(context, instance, T.POWERING_ON)
    if instance is not None:
        finish(context, manager, instance, T.POWERING_ON, V.ACTIVE, P.RUNNING,
               lambda: manager.driver.power_on(context, instance), 'compute_start_instance',
               'start.after_power_on')


def reboot_instance(manager, context, instance, reboot_type):
    task = T.REBOOTING_HARD if reboot_type == 'HARD' else T.REBOOTING
    instance = current(context, instance, task)
    if instance is not None:
        finish(context, manager, instance, task, V.ACTIVE, P.RUNNING,
               lambda: manager.driver.reboot(context, instance, reboot_type),
               'compute_reboot_instance')
