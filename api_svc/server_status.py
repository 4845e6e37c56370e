"""The server 'status' clients see, from (vm_state, task_state): the one mapping.

Most task states leave the status of their vm_state alone; the ones listed per
vm_state override it (a rebooting ACTIVE server is REBOOT, a resizing one RESIZE).
"""
from svc_common import states

V, T = states.VmState, states.TaskState

_RESIZING = {T.RESIZE_PREP: 'RESIZE', T.RESIZE_MIGRATING: 'RESIZE',
             T.RESIZE_MIGRATED: 'RESIZE', T.RESIZE_FINISH: 'RESIZE'}
_REBUILDING = {T.REBUILDING: 'REBUILD', T.REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
               T.REBUILD_SPAWNING: 'REBUILD'}

# vm_state -> (status, {task_state: status overriding it})
_STATUS = {
    V.BUILDING: ('BUILD', {}),
    V.ACTIVE: ('ACTIVE', dict(_RESIZING, **_REBUILDING, **{T.REBOOTING: 'REBOOT',
                                                           T.REBOOTING_HARD: 'HARD_REBOOT',
                                                           T.MIGRATING: 'MIGRATING'})),
    V.STOPPED: ('SHUTOFF', dict(_RESIZING, **_REBUILDING,
                                **{T.REBOOTING_HARD: 'HARD_REBOOT'})),
    V.RESIZED: ('VERIFY_RESIZE', {T.RESIZE_REVERTING: 'REVERT_RESIZE'}),
    V.ERROR: ('ERROR', dict(_REBUILDING, **{T.REBOOTING_HARD: 'HARD_REBOOT'})),
    V.PAUSED: ('PAUSED', {T.REBOOTING_HARD: 'HARD_REBOOT', T.MIGRATING: 'MIGRATING'}),
    V.SUSPENDED: ('SUSPENDED', {T.REBOOTING_HARD: 'HARD_REBOOT'}),
    V.RESCUED: ('RESCUE', {}),
    V.SOFT_DELETED: ('SOFT_DELETED', {}),
    V.DELETED: ('DELETED', {}),
    V.SHELVED: ('SHELVED', {}),
    V.SHELVED_OFFLOADED: ('SHELVED_OFFLOADED', {}),
}

# Statuses during which Nova shows a 'progress' field.
PROGRESS_STATUSES = frozenset({'ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE',
                               'MIGRATING'})

# Statuses that carry the last fault.
FAULT_STATUSES = frozenset({'ERROR', 'DELETED'})

ALL_STATUSES = frozenset(
    {default for default, _ in _STATUS.values()} |
    {status for _, overrides in _STATUS.values() for status in overrides.values()})


def status_of(vm_state, task_state):
    default, overrides = _STATUS.get(V(vm_state), ('UNKNOWN', {}))
    if task_state is None:
        return default
    return overrides.get(T(task_state), default)


def states_for(statuses):
    """The (vm_state, task_state) pairs whose servers show one of ``statuses``
    (upper-case), as {vm_state: None (with any task state) or [task states, None for
    no task]} — the InstanceList filter 'vm_task_states'."""
    wanted = set(statuses)
    result = {}
    for vm in _STATUS:
        tasks = [t for t in [None] + [t.value for t in T] if status_of(vm, t) in wanted]
        if len(tasks) == len(T) + 1:
            result[vm.value] = None
        elif tasks:
            result[vm.value] = tasks
    return result
