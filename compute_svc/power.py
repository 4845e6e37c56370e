"""Stop, start and reboot. Each finishes the task state the API set, and does nothing
when a redelivered message finds the work already done."""
from oslo_log import log as logging

from svc_common import faults
from svc_common import operations
from svc_common import states
from svc_common import step_runner
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)
T, P = states.TaskState, states.PowerState


def current(context, instance, operation, task_state, event=None, host=None):
    """The instance as SQL has it, or None when ``operation``'s step that finishes
    ``task_state`` was done already (see step_runner.current; ``event`` starts with
    the read)."""
    return step_runner.current(context, instance, operation, task_state, operation,
                               event=event, host=host)


def finish(context, manager, instance, operation, task_state, power_state, work,
           event, fault_point=None, fail_to_error=False):
    """Do ``work`` and end ``task_state`` in the vm_state the operation's rows end it
    in, with ``power_state``; True when done, False when an outage left the task state
    for the reconciler. A failure ends the task with a fault, in ERROR with
    ``fail_to_error``."""
    vm_state = operations.get(operation).ends_in(task_state)

    def step():
        work()
        if fault_point:
            faults.point(fault_point)
        instance.vm_state = vm_state
        instance.task_state = None
        instance.power_state = power_state
        step_runner.final_save(instance, expected_task_state=task_state,
                               operation=operation)

    def failed(error):
        LOG.exception('%s failed', event, instance=instance)
        if fail_to_error:
            events.set_error(context, instance, error, manager.host, operation)
            return
        events.record_fault(context, instance, error, manager.host)
        instance.task_state = None
        instance.save(expected_task_state=task_state, operation=operation)

    outcome = step_runner.run(context, instance, event, manager.host, step,
                              on_failure=failed, reraise=True)
    return outcome == step_runner.Outcome.DONE


def stop_instance(manager, context, instance):
    instance = current(context, instance, 'stop', T.POWERING_OFF, 'compute_stop_instance',
                       manager.host)
    if instance is not None:
        finish(context, manager, instance, 'stop', T.POWERING_OFF, P.SHUTDOWN,
               lambda: manager.driver.power_off(instance), 'compute_stop_instance',
               'stop.after_power_off')


def start_instance(manager, context, instance):
    instance = current(context, instance, 'start', T.POWERING_ON,
                       'compute_start_instance', manager.host)
    if instance is not None:
        finish(context, manager, instance, 'start', T.POWERING_ON, P.RUNNING,
               lambda: manager.driver.power_on(context, instance), 'compute_start_instance',
               'start.after_power_on')


def reboot_instance(manager, context, instance, reboot_type):
    task = T.REBOOTING_HARD if reboot_type == 'HARD' else T.REBOOTING
    instance = current(context, instance, 'reboot', task, 'compute_reboot_instance',
                       manager.host)
    if instance is not None:
        finish(context, manager, instance, 'reboot', task, P.RUNNING,
               lambda: manager.driver.reboot(context, instance, reboot_type),
               'compute_reboot_instance', 'reboot.after_driver')
