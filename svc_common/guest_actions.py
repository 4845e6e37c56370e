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

from svc_common import states

T, V, P = states.TaskState, states.VmState, states.PowerState

# system_metadata key holding the image a rescue boots.
RESCUE_IMAGE = 'rescue_image_ref'


@dataclasses.dataclass(frozen=True)
class GuestAction:
    task_state: T
    vm_state: V      # where the step takes the server
    power_state: P   # the guest's power state then
    fail_to_error: bool = False  # a failure leaves ERROR, not the state before


ACTIONS = {
    'pause': GuestAction(T.PAUSING, V.PAUSED, P.PAUSED),
    'unpause': GuestAction(T.UNPAUSING, V.ACTIVE, P.RUNNING),
    'suspend': GuestAction(T.SUSPENDING, V.SUSPENDED, P.SHUTDOWN),
    'resume': GuestAction(T.RESUMING, V.ACTIVE, P.RUNNING),
    'rescue': GuestAction(T.RESCUING, V.RESCUED, P.RUNNING, fail_to_error=True),
    'unrescue': GuestAction(T.UNRESCUING, V.ACTIVE, P.RUNNING, fail_to_error=True),
    'soft_delete': GuestAction(T.SOFT_DELETING, V.SOFT_DELETED, P.SHUTDOWN),
    'restore': GuestAction(T.RESTORING, V.ACTIVE, P.RUNNING),
}
