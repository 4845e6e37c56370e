"""Keeping the records in step with the hypervisor: a guest that shut itself down (or
crashed) shows SHUTOFF, as an operator expects, instead of ACTIVE forever."""
from oslo_log import log as logging

from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)
V, P = states.VmState, states.PowerState


def sync_power_states(manager):
    """For each idle instance of this host, record the guest's power state; an ACTIVE
    instance whose guest is off becomes STOPPED. Instances with a task are left to it."""
    context = nimbus_context.get_admin_context()
    changed = 0
    for instance in objects.InstanceList.get_by_filters(context, {'host': manager.host}):
        if instance.task_state is not None or instance.vm_state not in (V.ACTIVE, V.STOPPED):
            continue
        try:
            power = manager.driver.get_info(instance).power_state
        except exception.InstanceNotFound:
            power = P.NOSTATE
        if power == instance.power_state:
            continue
        instance.power_state = power
        if instance.vm_state == V.ACTIVE and power in (P.SHUTDOWN, P.CRASHED, P.NOSTATE):
            LOG.warning('Guest is off (power state %s): recording the server as stopped',
                        power, instance=instance)
            instance.vm_state = V.STOPPED
        try:
            instance.save(expected_task_state=None, operation='sync_power_state')
            changed += 1
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound,
                exception.InstanceInvalidState):
            pass  # an operation started meanwhile: it owns the instance now
    return changed
