"""Server diagnostics on the compute host: what the hypervisor says about a running
guest, in the one driver-neutral shape of microversion 2.48 (the API derives the older,
flat shape from it)."""
from svc_common import exception
from svc_common import states


def get_diagnostics(manager, context, instance):
    """The guest's diagnostics; InstanceInvalidState (409) unless it is running (as
    Nova, a paused or stopped guest has none), NotImplementedError from a driver
    without them (501)."""
    power = manager.driver.get_info(instance).power_state
    if power != states.PowerState.RUNNING:
        raise exception.InstanceInvalidState(
            method='get_diagnostics', instance_uuid=instance.uuid, attr='power state',
            state=states.PowerState(power).name.lower())
    return manager.driver.get_diagnostics(instance)
