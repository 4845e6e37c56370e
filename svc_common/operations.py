"""Every operation and the state changes it may make: the one table that decides.

Each operation lists its rows, (vm_state, task_state) it may move an instance from ->
(vm_state, task_state) it moves it to. Every state-changing ``Instance.save()`` names
its operation and is refused unless one of that operation's rows has the change. The
rest is read from here too:

- the API's guards: ``start_vm_states`` (the vm_states an operation may start from)
  and ``may_start``;
- the handlers' "already done?" check: ``Operation.pending`` (is the instance still in
  a task state this operation moves on from?);
- the recovery table: ``RESUME`` (the step that resumes each task state; the steps
  themselves are in ``svc_common.next_step``).

Adding an operation is one ``Operation`` in ``OPERATIONS`` (its rows; for each task
state it introduces, the compute RPC method that resumes it) plus that task state in
``states.TaskState``; README's "Adding an operation" says the rest.
"""
import dataclasses
import functools
from typing import Any, Iterable, Mapping, Optional, Union

from svc_common import states

V, T = states.VmState, states.TaskState
ANY_VM = frozenset(set(V) - {V.DELETED})
ANY_TASK = frozenset(set(T) | {None})
SAME = 'same'  # "vm_state does not change"

TaskStates = Union[states.TaskState, None, frozenset, set, tuple]
Pair = tuple  # (vm_state, task_state)


def _as_set(value: Any) -> frozenset:
    return frozenset(value) if isinstance(value, (set, frozenset, tuple, list)) \
        else frozenset({value})


@dataclasses.dataclass(frozen=True)
class Resume:
    """How a task state is resumed: a compute RPC method cast to the instance's host
    (``step``, with ``kwargs``), or, when that depends on more than the task state, a
    resolver of ``svc_common.next_step`` named by ``resolver``."""
    step: Optional[str] = None
    kwargs: Mapping = dataclasses.field(default_factory=dict)
    resolver: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str
    # (vm_state from, task_state from, vm_state to, task_state to); each side of a row
    # may be a set, and vm_state to may be SAME.
    rows: tuple
    resume: Mapping = dataclasses.field(default_factory=dict)  # TaskState -> Resume

    @functools.cached_property
    def pairs(self) -> frozenset:
        """Every allowed ((vm, task), (vm, task)) change, rows expanded (once: every
        state-changing save asks)."""
        found: set = set()
        for vm_from, task_from, vm_to, task_to in self.rows:
            for vm in _as_set(vm_from):
                for task in _as_set(task_from):
                    targets = {vm} if vm_to == SAME else _as_set(vm_to)
                    found.update(((vm, task), (target, task_to)) for target in targets)
        return frozenset(found)

    def allows(self, old: Pair, new: Pair) -> bool:
        """Whether this operation may change ``old`` into ``new`` (strings, enums or
        None); staying put is always allowed."""
        old, new = _pair(old), _pair(new)
        return old == new or (old, new) in self.pairs

    @property
    def task_states(self) -> tuple:
        """The task states this operation moves an instance on from."""
        return tuple(sorted({old[1] for old, new in self.pairs
                             if old[1] is not None and old != new}))

    def start_vm_states(self, task_state: states.TaskState) -> frozenset:
        """The vm_states from which (no task) this operation starts ``task_state``."""
        return frozenset(old[0] for old, new in self.pairs
                         if old[1] is None and new[1] == task_state)

    @property
    def task_state(self) -> states.TaskState:
        """The one task state of an operation of one step."""
        if len(self.task_states) != 1:
            raise ValueError('%s has task states %s' % (self.name, self.task_states))
        return self.task_states[0]

    def ends_in(self, task_state: states.TaskState) -> states.VmState:
        """The vm_state a step finishing ``task_state`` leaves the instance in when it
        succeeds: the one its rows move to, other than where it started and ERROR."""
        found = {new[0] for old, new in self.pairs
                 if old[1] == task_state and new[1] is None and new[0] not in (old[0], V.ERROR)}
        if len(found) != 1:
            raise ValueError('%s ends %s in %s' % (self.name, task_state, sorted(found)))
        return found.pop()

    def pending(self, instance: Any, task_state: TaskStates) -> bool:
        """Whether ``instance`` is still where a step of this operation that finishes
        ``task_state`` (one or several) has work: in that task state, with a vm_state
        some row moves on from. False means the step was done already (or someone
        else moved the instance on)."""
        current = _pair((instance.vm_state, instance.task_state))
        wanted = _as_set(task_state)
        return current[1] in wanted and any(
            old == current for old, new in self.pairs if new != old)


def _task(value: Any) -> Optional[states.TaskState]:
    return None if value is None else T(value)


def _pair(pair: Pair) -> Pair:
    return (V(pair[0]), _task(pair[1]))


REBUILDABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR})
MOVABLE = frozenset({V.ACTIVE, V.STOPPED})
SNAPSHOTTABLE = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED})
SHELVABLE = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED})
RESCUABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR})
HARD_REBOOTABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR, V.PAUSED, V.SUSPENDED})
# A paused server moves paused and stays paused on the destination.
LIVE_MIGRATABLE = frozenset({V.ACTIVE, V.PAUSED})
SOFT_DELETABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR, V.PAUSED, V.SUSPENDED})
_RESIZE = Resume(resolver='resize')
_SNAPSHOT = Resume('snapshot_instance')
_SHELVE = Resume('shelve_instance')


def _one_step(name: str, vm_from: states.VmState, task: states.TaskState,
              vm_to: states.VmState, step: str) -> Operation:
    """An operation of one compute step: from ``vm_from`` (no task) to ``task``, then to
    ``vm_to`` when the step succeeds or back to ``vm_from`` when it fails; ``step``
    resumes it."""
    return Operation(name, (
        (vm_from, None, vm_from, task),
        (vm_from, task, {vm_to, vm_from}, None),
    ), {task: Resume(step)})


_OPERATIONS = [
    Operation('build', (
        (V.BUILDING, T.SCHEDULING, V.BUILDING, T.SPAWNING),
        (V.BUILDING, T.SPAWNING, V.ACTIVE, None),
        (V.BUILDING, {T.SCHEDULING, T.SPAWNING}, V.ERROR, None),
    ), {T.SCHEDULING: Resume(resolver='schedule'),
        T.SPAWNING: Resume(resolver='spawn')}),
    _one_step('stop', V.ACTIVE, T.POWERING_OFF, V.STOPPED, 'stop_instance'),
    _one_step('start', V.STOPPED, T.POWERING_ON, V.ACTIVE, 'start_instance'),
    # A hard reboot also boots a paused or suspended server's guest afresh (whatever
    # it held in memory is gone); a failed one leaves the server as it was.
    Operation('reboot', (
        (V.ACTIVE, None, V.ACTIVE, T.REBOOTING),
        (HARD_REBOOTABLE, {None, T.REBOOTING}, SAME, T.REBOOTING_HARD),
        (HARD_REBOOTABLE, {T.REBOOTING, T.REBOOTING_HARD}, V.ACTIVE, None),
        (HARD_REBOOTABLE, {T.REBOOTING, T.REBOOTING_HARD}, SAME, None),
        ({V.ACTIVE, V.STOPPED}, {T.REBOOTING, T.REBOOTING_HARD}, V.ERROR, None),
    ), {T.REBOOTING: Resume('reboot_instance', {'reboot_type': 'SOFT'}),
        T.REBOOTING_HARD: Resume('reboot_instance', {'reboot_type': 'HARD'})}),
    Operation('delete', (
        (ANY_VM, ANY_TASK, SAME, T.DELETING),
        (ANY_VM, ANY_TASK, V.DELETED, None),
    ), {T.DELETING: Resume(resolver='delete')}),
    Operation('resize', (
        (MOVABLE, None, SAME, T.RESIZE_PREP),
        (MOVABLE, T.RESIZE_PREP, SAME, None),
        (MOVABLE, T.RESIZE_PREP, SAME, T.RESIZE_MIGRATING),
        (MOVABLE, T.RESIZE_MIGRATING, SAME, T.RESIZE_MIGRATED),
        (MOVABLE, T.RESIZE_MIGRATING, SAME, None),
        (MOVABLE, T.RESIZE_MIGRATED, SAME, T.RESIZE_FINISH),
        (MOVABLE, T.RESIZE_FINISH, V.RESIZED, None),
    ), {T.RESIZE_PREP: _RESIZE, T.RESIZE_MIGRATING: _RESIZE,
        T.RESIZE_MIGRATED: _RESIZE, T.RESIZE_FINISH: _RESIZE}),
    Operation('confirm_resize', (
        (V.RESIZED, None, V.RESIZED, T.RESIZE_CONFIRMING),
        (V.RESIZED, T.RESIZE_CONFIRMING, MOVABLE, None),
    ), {T.RESIZE_CONFIRMING: _RESIZE}),
    Operation('revert_resize', (
        (V.RESIZED, None, V.RESIZED, T.RESIZE_REVERTING),
        (V.RESIZED, T.RESIZE_REVERTING, MOVABLE, None),
    ), {T.RESIZE_REVERTING: _RESIZE}),
    # A rebuild keeps the vm_state through its phases; a server in ERROR comes back
    # ACTIVE, a stopped one stays stopped.
    Operation('rebuild', (
        (REBUILDABLE, None, SAME, T.REBUILDING),
        (REBUILDABLE, T.REBUILDING, SAME, T.REBUILD_BLOCK_DEVICE_MAPPING),
        (REBUILDABLE, T.REBUILD_BLOCK_DEVICE_MAPPING, SAME, T.REBUILD_SPAWNING),
        ({V.ACTIVE, V.ERROR}, T.REBUILD_SPAWNING, V.ACTIVE, None),
        (V.STOPPED, T.REBUILD_SPAWNING, V.STOPPED, None),
    ), {T.REBUILDING: Resume('rebuild_instance'),
        T.REBUILD_BLOCK_DEVICE_MAPPING: Resume('rebuild_instance'),
        T.REBUILD_SPAWNING: Resume('rebuild_instance')}),
    # createImage (image_snapshot) and createBackup (image_backup): capture the disk,
    # then upload it; the vm_state stays. Any phase may end (done, or given up with the
    # image deleted).
    Operation('snapshot', (
        (SNAPSHOTTABLE, None, SAME, T.IMAGE_SNAPSHOT),
        (SNAPSHOTTABLE, None, SAME, T.IMAGE_BACKUP),
        (SNAPSHOTTABLE, {T.IMAGE_SNAPSHOT, T.IMAGE_BACKUP}, SAME, T.IMAGE_PENDING_UPLOAD),
        (SNAPSHOTTABLE, T.IMAGE_PENDING_UPLOAD, SAME, T.IMAGE_UPLOADING),
        (SNAPSHOTTABLE, states.SNAPSHOT_TASKS, SAME, None),
    ), {T.IMAGE_SNAPSHOT: _SNAPSHOT, T.IMAGE_BACKUP: _SNAPSHOT,
        T.IMAGE_PENDING_UPLOAD: _SNAPSHOT, T.IMAGE_UPLOADING: _SNAPSHOT}),
    # Holding a running guest: paused in memory, or suspended (its memory saved to disk,
    # its resources kept). A failed step leaves the server as it was.
    _one_step('pause', V.ACTIVE, T.PAUSING, V.PAUSED, 'pause_instance'),
    _one_step('unpause', V.PAUSED, T.UNPAUSING, V.ACTIVE, 'unpause_instance'),
    _one_step('suspend', V.ACTIVE, T.SUSPENDING, V.SUSPENDED, 'suspend_instance'),
    _one_step('resume', V.SUSPENDED, T.RESUMING, V.ACTIVE, 'resume_instance'),
    # Live migration: the task state stays migrating while the migration record moves
    # on; the step that resumes it depends on the record (svc_common.next_step).
    Operation('live_migrate', (
        (LIVE_MIGRATABLE, None, SAME, T.MIGRATING),
        (LIVE_MIGRATABLE, T.MIGRATING, SAME, None),
    ), {T.MIGRATING: Resume(resolver='live_migrate')}),
    # shelve: power off, capture and upload the disk (the snapshot's phases with the
    # shelving task states), then SHELVED (or on to the offload at once); a failure
    # leaves the server as it was.
    Operation('shelve', (
        (SHELVABLE, None, SAME, T.SHELVING),
        (SHELVABLE, T.SHELVING, SAME, T.SHELVING_IMAGE_PENDING_UPLOAD),
        (SHELVABLE, T.SHELVING_IMAGE_PENDING_UPLOAD, SAME, T.SHELVING_IMAGE_UPLOADING),
        (SHELVABLE, T.SHELVING_IMAGE_UPLOADING, V.SHELVED, None),
        (SHELVABLE, T.SHELVING_IMAGE_UPLOADING, SAME, T.SHELVING_OFFLOADING),
        (SHELVABLE, states.SHELVING_TASKS, SAME, None),
    ), {T.SHELVING: _SHELVE, T.SHELVING_IMAGE_PENDING_UPLOAD: _SHELVE,
        T.SHELVING_IMAGE_UPLOADING: _SHELVE}),
    # shelveOffload (asked for, the periodic after shelved_offload_time, or a shelve's
    # own last phase when the time is 0: the server is SHELVED only once offloaded): the
    # guest, its disks and its claims go, and the host with them.
    Operation('shelve_offload', (
        (V.SHELVED, None, V.SHELVED, T.SHELVING_OFFLOADING),
        (SHELVABLE | {V.SHELVED}, T.SHELVING_OFFLOADING, V.SHELVED_OFFLOADED, None),
        (SHELVABLE | {V.SHELVED}, T.SHELVING_OFFLOADING, V.SHELVED, None),
    ), {T.SHELVING_OFFLOADING: Resume('shelve_offload_instance')}),
    # unshelve: a shelved server's guest starts again on its host; an offloaded one is
    # scheduled again and spawned from the shelved image (its spawning is resumed by
    # the build's resolver, which reads the vm_state).
    Operation('unshelve', (
        (states.SHELVED_STATES, None, SAME, T.UNSHELVING),
        (V.SHELVED, T.UNSHELVING, V.ACTIVE, None),
        (V.SHELVED, T.UNSHELVING, V.SHELVED, None),
        (V.SHELVED_OFFLOADED, T.UNSHELVING, V.SHELVED_OFFLOADED, T.SPAWNING),
        (V.SHELVED_OFFLOADED, T.SPAWNING, V.ACTIVE, None),
        (V.SHELVED_OFFLOADED, {T.UNSHELVING, T.SPAWNING}, V.SHELVED_OFFLOADED, None),
    ), {T.UNSHELVING: Resume(resolver='unshelve')}),
    # A rescue boots a rescue image with the root disk attached second; a failure
    # half-way leaves ERROR (the guest may be neither).
    Operation('rescue', (
        (RESCUABLE, None, SAME, T.RESCUING),
        (RESCUABLE, T.RESCUING, V.RESCUED, None),
    ), {T.RESCUING: Resume('rescue_instance')}),
    Operation('unrescue', (
        (V.RESCUED, None, V.RESCUED, T.UNRESCUING),
        (V.RESCUED, T.UNRESCUING, V.ACTIVE, None),
    ), {T.UNRESCUING: Resume('unrescue_instance')}),
    # A delete that keeps the server restorable until its host reclaims it: the guest
    # is stopped, the claims stay. A failure leaves the server as it was.
    Operation('soft_delete', (
        (SOFT_DELETABLE, None, SAME, T.SOFT_DELETING),
        (SOFT_DELETABLE, T.SOFT_DELETING, V.SOFT_DELETED, None),
        (SOFT_DELETABLE, T.SOFT_DELETING, SAME, None),
    ), {T.SOFT_DELETING: Resume('soft_delete_instance')}),
    _one_step('restore', V.SOFT_DELETED, T.RESTORING, V.ACTIVE, 'restore_instance'),
    # The periodic power-state sync: a guest found off is recorded as stopped.
    Operation('sync_power_state', (
        (V.ACTIVE, None, V.STOPPED, None),
    )),
    # Any operation that fails beyond repair ends here, with a fault recorded.
    Operation('fail', (
        (ANY_VM, ANY_TASK, V.ERROR, None),
    )),
    # os-resetState, the operator's escape hatch: whatever was under way is abandoned.
    Operation('reset_state', (
        (ANY_VM, ANY_TASK, {V.ACTIVE, V.ERROR}, None),
    )),
]

OPERATIONS = {op.name: op for op in _OPERATIONS}


def get(name: str) -> Operation:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise ValueError('unknown operation %r' % (name,)) from None


def allowed(operation: str, old: Pair, new: Pair) -> bool:
    return get(operation).allows(old, new)


@functools.lru_cache(maxsize=None)
def sources(operation: str, new_vm: Any, new_task: Any, task_states: frozenset,
            vm_states: Optional[frozenset]) -> dict:
    """Where a save of ``operation`` may find an instance: {task_state: vm_states}, the
    states among ``task_states`` and ``vm_states`` (None: any) that its rows change
    into ``new_vm`` and ``new_task`` (either SAME: not changed), or that have them
    already. Strings, as SQL stores them; what the save's compare-and-swap lists."""
    op = get(operation)
    found: dict = {}
    for task in task_states:
        for vm in (vm_states if vm_states is not None else frozenset(v.value for v in V)):
            new = (vm if new_vm == SAME else new_vm, task if new_task == SAME else new_task)
            if op.allows((vm, task), new):
                found.setdefault(task, set()).add(vm)
    return {task: frozenset(vms) for task, vms in found.items()}


def _resume_table(operations: Iterable[Operation]) -> dict:
    table = {}
    for op in operations:
        for task, resume in op.resume.items():
            if task in table:
                raise ValueError('%s is resumed by two operations' % task)
            table[task] = resume
    return table


# task state -> Resume: the recovery table's first column, one entry per task state.
RESUME = _resume_table(_OPERATIONS)
