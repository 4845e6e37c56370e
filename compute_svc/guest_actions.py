"""Running the one-step guest actions of svc_common/guest_actions.py on this host.

A second delivery finds the task state gone and does nothing; start-up recovery and the
reconciler send the step again when a crash left the task state, and the drivers'
methods do nothing to a guest already where the step takes it. A failure leaves the
server as it was with a fault (or in ERROR, for actions that say so); an outage of the
conductor leaves the task state for the reconciler.
"""
from svc_common import guest_actions
from svc_common import notifications
from compute_svc import power


def _driver_call(manager, context, instance, name):
    if name == 'rescue':  # the image the API recorded, by default the server's own
        image_id = (instance.system_metadata or {}).get(
            guest_actions.RESCUE_IMAGE) or instance.image_ref
        return lambda: manager.driver.rescue(context, instance, image_id)
    if name == 'soft_delete':
        return lambda: manager.driver.power_off(instance)
    if name == 'restore':
        return lambda: manager.driver.power_on(context, instance)
    return lambda: getattr(manager.driver, name)(context, instance)


def run(manager, context, instance, name):
    """Do step ``name`` (a key of ACTIONS) of ``instance``, if its task state still asks
    for it: ``driver.<name>``, then the state change, with the action event
    ``compute_<name>_instance``, the fault point ``<name>.after_driver`` and the
    notifications ``instance.<name>.start|end|error``."""
    action = guest_actions.ACTIONS[name]
    event = 'compute_%s_instance' % name
    instance = power.current(context, instance, name, action.task_state, event,
                             manager.host)
    if instance is None:
        return
    notifications.notify_instance(context, instance, name, 'start', manager.host)
    try:
        done = power.finish(context, manager, instance, name, action.task_state,
                            action.power_state,
                            _driver_call(manager, context, instance, name),
                            event, '%s.after_driver' % name,
                            fail_to_error=action.fail_to_error)
    except Exception:
        notifications.notify_instance(context, instance, name, 'error', manager.host)
        raise
    if done:
        notifications.notify_instance(context, instance, name, 'end', manager.host)
