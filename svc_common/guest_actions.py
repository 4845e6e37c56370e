"""Server actions that are one step on the server's host, with one task state each:
holding a running guest and letting it go on (pause/unpause: the guest stopped in
memory; suspend/resume: its memory saved to disk by the hypervisor, the server keeping
its host and its claims; the guest is never restarted), and rescue/unrescue (the guest
booted from a rescue image with its own root disk attached (second, or where it was for
a stable device rescue: svc_common/rescue_devices.py), then back on its own
disks), and the soft delete and restore of a server kept restorable by
[DEFAULT]/reclaim_instance_interval (its guest stopped and started again; its claims
stay until its host reclaims it, compute_svc/reclaim.py).

The API writes the task state (and, for a rescue, the rescue image in system_metadata
under RESCUE_IMAGE) before it casts the step (``<name>_instance``) that
compute_svc/guest_actions.py runs:

    pausing      driver.pause      ->  paused,    power state paused
    unpausing    driver.unpause    ->  active,    running
    suspending   driver.suspend    ->  suspended, shutdown (nothing runs; state saved)
    resuming     driver.resume     ->  active,    running
    rescuing     driver.rescue     ->  rescued,   running (the rescue guest); a failure
                                       leaves ERROR (the guest may be half-way)
    unrescuing   driver.unrescue   ->  active,    running; a failure: ERROR
    soft-deleting  driver.power_off  ->  soft-delete, shutdown
    restoring      driver.power_on   ->  active,    running
"""
import dataclasses

from svc_common import operations
from svc_common import states

P = states.PowerState

# system_metadata key holding the image a rescue boots.
RESCUE_IMAGE = 'rescue_image_ref'


@dataclasses.dataclass(frozen=True)
class GuestAction:
    """What the operations table does not say: the guest's power state once the step
    is done, and whether a failure leaves ERROR instead of the state before. The task
    state and the vm_state the step ends in are read from the operation's rows."""
    name: str        # the operation's
    power_state: P
    fail_to_error: bool = False

    @property
    def task_state(self) -> states.TaskState:
        return operations.get(self.name).task_state

    @property
    def vm_state(self) -> states.VmState:
        """Where the step takes the server."""
        return operations.get(self.name).ends_in(self.task_state)


ACTIONS = {action.name: action for action in [
    GuestAction('pause', P.PAUSED),
    GuestAction('unpause', P.RUNNING),
    GuestAction('suspend', P.SHUTDOWN),
    GuestAction('resume', P.RUNNING),
    GuestAction('rescue', P.RUNNING, fail_to_error=True),
    GuestAction('unrescue', P.RUNNING, fail_to_error=True),
    GuestAction('soft_delete', P.SHUTDOWN),
    GuestAction('restore', P.RUNNING),
]}
