"""Server actions that are one step on the server's host, with one task state each:
holding a running guest and letting it go on (pause/unpause: the guest stopped in
memory; suspend/resume: its memory saved to disk by the hypervisor, the server keeping
its host and its claims; the guest is never restarted).

The API writes the task state before it casts the step (``<name>_instance``) that
compute_svc/guest_actions.py runs:

    pausing      driver.pause      ->  paused,    power state paused
    unpausing    driver.unpause    ->  active,    running
    suspending   driver.suspend    ->  suspended, shutdown (nothing runs; state saved)
    resuming     driver.resume     ->  active,    running
"""
import dataclasses

from svc_common import states

T, V, P = states.TaskState, states.VmState, states.PowerState


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
}
