"""Every state Nimbus records, and the transitions each operation may make.

This is the only module that spells state values. ``Instance.save()`` and
``Migration.save()`` check each change against the tables below, so a write the table
does not list fails loudly instead of leaving a record in a state nobody planned for.
"""
import enum


class VmState(str, enum.Enum):
    ACTIVE = 'active'
    BUILDING = 'building'
    STOPPED = 'stopped'
    RESIZED = 'resized'
    PAUSED = 'paused'
    SUSPENDED = 'suspended'
    RESCUED = 'rescued'
    SOFT_DELETED = 'soft-delete'
    ERROR = 'error'
    DELETED = 'deleted'
    SHELVED = 'shelved'
    SHELVED_OFFLOADED = 'shelved_offloaded'

    def __str__(self):
        return self.value


class TaskState(str, enum.Enum):
    SCHEDULING = 'scheduling'
    SPAWNING = 'spawning'
    POWERING_OFF = 'powering-off'
    POWERING_ON = 'powering-on'
    REBOOTING = 'rebooting'
    REBOOTING_HARD = 'rebooting_hard'
    DELETING = 'deleting'
    RESIZE_PREP = 'resize_prep'
    RESIZE_MIGRATING = 'resize_migrating'
    RESIZE_MIGRATED = 'resize_migrated'
    RESIZE_FINISH = 'resize_finish'
    RESIZE_REVERTING = 'resize_reverting'
    RESIZE_CONFIRMING = 'resize_confirming'
    REBUILDING = 'rebuilding'
    REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
    REBUILD_SPAWNING = 'rebuild_spawning'
    IMAGE_SNAPSHOT = 'image_snapshot'
    IMAGE_BACKUP = 'image_backup'
    IMAGE_PENDING_UPLOAD = 'image_pending_upload'
    IMAGE_UPLOADING = 'image_uploading'
    PAUSING = 'pausing'
    UNPAUSING = 'unpausing'
    SUSPENDING = 'suspending'
    RESUMING = 'resuming'
    MIGRATING = 'migrating'  # a live migration (compute_svc/live_migration.py)
    SHELVING = 'shelving'
    SHELVING_IMAGE_PENDING_UPLOAD = 'shelving_image_pending_upload'
    SHELVING_IMAGE_UPLOADING = 'shelving_image_uploading'
    SHELVING_OFFLOADING = 'shelving_offloading'
    UNSHELVING = 'unshelving'
    RESCUING = 'rescuing'
    UNRESCUING = 'unrescuing'
    SOFT_DELETING = 'soft-deleting'
    RESTORING = 'restoring'

    def __str__(self):
        return self.value


class PowerState(enum.IntEnum):
    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


class MigrationStatus(str, enum.Enum):
    PRE_MIGRATING = 'pre-migrating'
    MIGRATING = 'migrating'
    POST_MIGRATING = 'post-migrating'
    FINISHED = 'finished'
    CONFIRMING = 'confirming'
    CONFIRMED = 'confirmed'
    REVERTING = 'reverting'
    REVERTED = 'reverted'
    ERROR = 'error'
    # A live migration's own statuses (with POST_MIGRATING and ERROR above).
    ACCEPTED = 'accepted'
    QUEUED = 'queued'
    PREPARING = 'preparing'
    RUNNING = 'running'
    COMPLETED = 'completed'
    FAILED = 'failed'
    CANCELLED = 'cancelled'

    def __str__(self):
        return self.value


class MigrationType(str, enum.Enum):
    RESIZE = 'resize'
    MIGRATION = 'migration'
    LIVE_MIGRATION = 'live-migration'

    def __str__(self):
        return self.value


TERMINAL_MIGRATION_STATUSES = frozenset({
    MigrationStatus.CONFIRMED, MigrationStatus.REVERTED, MigrationStatus.ERROR,
    MigrationStatus.COMPLETED, MigrationStatus.FAILED, MigrationStatus.CANCELLED})
# A live migration under way (what GET /servers/{id}/migrations lists).
LIVE_MIGRATION_IN_PROGRESS = frozenset({
    MigrationStatus.QUEUED, MigrationStatus.PREPARING, MigrationStatus.RUNNING,
    MigrationStatus.POST_MIGRATING})

# Task states in which an instance still owes work to a compute host. Start-up recovery
# and the reconciler consult this; every member needs a row in their tables.
ALL_TASK_STATES = frozenset(TaskState)

V, T = VmState, TaskState
ANY_VM = frozenset(set(VmState) - {VmState.DELETED})
ANY_TASK = frozenset(set(TaskState) | {None})


def _rows(vm_from, task_from, vm_to, task_to):
    """Expand a row whose sides may be sets into single (from, to) pairs."""
    def as_set(value):
        return value if isinstance(value, (set, frozenset)) else {value}
    pairs = set()
    for vm in as_set(vm_from):
        for task in as_set(task_from):
            target_vm = vm if vm_to is SAME else vm_to
            pairs.add(((vm, task), (target_vm, task_to)))
    return pairs


SAME = object()  # "vm_state does not change"
REBUILDABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR})
HARD_REBOOTABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR, V.PAUSED, V.SUSPENDED})
LIVE_MIGRATABLE = frozenset({V.ACTIVE, V.PAUSED})
SNAPSHOTTABLE = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED})
SNAPSHOT_TASKS = frozenset({T.IMAGE_SNAPSHOT, T.IMAGE_BACKUP, T.IMAGE_PENDING_UPLOAD,
                            T.IMAGE_UPLOADING})
SHELVABLE = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED})
SHELVING_TASKS = frozenset({T.SHELVING, T.SHELVING_IMAGE_PENDING_UPLOAD,
                            T.SHELVING_IMAGE_UPLOADING})
SHELVED_STATES = frozenset({V.SHELVED, V.SHELVED_OFFLOADED})
RESCUABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR})
# What a delete with [DEFAULT]/reclaim_instance_interval keeps restorable (a rescued or
# resized server, or one never launched, is deleted at once).
SOFT_DELETABLE = frozenset({V.ACTIVE, V.STOPPED, V.ERROR, V.PAUSED, V.SUSPENDED})

# operation -> rows of (vm_state from, task_state from, vm_state to, task_state to)
INSTANCE_TRANSITIONS = {
    'build': [
        (V.BUILDING, T.SCHEDULING, V.BUILDING, T.SPAWNING),
        (V.BUILDING, T.SPAWNING, V.ACTIVE, None),
        (V.BUILDING, {T.SCHEDULING, T.SPAWNING}, V.ERROR, None),
    ],
    'stop': [
        (V.ACTIVE, None, V.ACTIVE, T.POWERING_OFF),
        (V.ACTIVE, T.POWERING_OFF, V.STOPPED, None),
        (V.ACTIVE, T.POWERING_OFF, V.ACTIVE, None),
    ],
    'start': [
        (V.STOPPED, None, V.STOPPED, T.POWERING_ON),
        (V.STOPPED, T.POWERING_ON, V.ACTIVE, None),
        (V.STOPPED, T.POWERING_ON, V.STOPPED, None),
    ],
    # A hard reboot also boots a paused or suspended server's guest afresh (whatever
    # it held in memory is gone); a failed one leaves the server as it was.
    'reboot': [
        (V.ACTIVE, None, V.ACTIVE, T.REBOOTING),
        (HARD_REBOOTABLE, {None, T.REBOOTING}, SAME, T.REBOOTING_HARD),
        (HARD_REBOOTABLE, {T.REBOOTING, T.REBOOTING_HARD}, V.ACTIVE, None),
        (HARD_REBOOTABLE, T.REBOOTING_HARD, SAME, None),
        ({V.ACTIVE, V.STOPPED}, {T.REBOOTING, T.REBOOTING_HARD}, V.ERROR, None),
    ],
    'delete': [
        (ANY_VM, ANY_TASK, SAME, T.DELETING),
        (ANY_VM, ANY_TASK, V.DELETED, None),
    ],
    'resize': [
        ({V.ACTIVE, V.STOPPED}, None, SAME, T.RESIZE_PREP),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_PREP, SAME, None),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_PREP, SAME, T.RESIZE_MIGRATING),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_MIGRATING, SAME, T.RESIZE_MIGRATED),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_MIGRATING, SAME, None),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_MIGRATED, SAME, T.RESIZE_FINISH),
        ({V.ACTIVE, V.STOPPED}, T.RESIZE_FINISH, V.RESIZED, None),
    ],
    'confirm_resize': [
        (V.RESIZED, None, V.RESIZED, T.RESIZE_CONFIRMING),
        (V.RESIZED, T.RESIZE_CONFIRMING, {V.ACTIVE, V.STOPPED}, None),
    ],
    'revert_resize': [
        (V.RESIZED, None, V.RESIZED, T.RESIZE_REVERTING),
        (V.RESIZED, T.RESIZE_REVERTING, {V.ACTIVE, V.STOPPED}, None),
    ],
    # A rebuild keeps the vm_state through its phases; a server in ERROR comes back
    # ACTIVE, a stopped one stays stopped.
    'rebuild': [
        (REBUILDABLE, None, SAME, T.REBUILDING),
        (REBUILDABLE, T.REBUILDING, SAME, T.REBUILD_BLOCK_DEVICE_MAPPING),
        (REBUILDABLE, T.REBUILD_BLOCK_DEVICE_MAPPING, SAME, T.REBUILD_SPAWNING),
        ({V.ACTIVE, V.ERROR}, T.REBUILD_SPAWNING, V.ACTIVE, None),
        (V.STOPPED, T.REBUILD_SPAWNING, V.STOPPED, None),
    ],
    # createImage (image_snapshot) and createBackup (image_backup): capture the disk,
    # then upload it; the vm_state stays. Any phase may end (done, or given up with the
    # image deleted).
    'snapshot': [
        (SNAPSHOTTABLE, None, SAME, T.IMAGE_SNAPSHOT),
        (SNAPSHOTTABLE, None, SAME, T.IMAGE_BACKUP),
        (SNAPSHOTTABLE, {T.IMAGE_SNAPSHOT, T.IMAGE_BACKUP}, SAME, T.IMAGE_PENDING_UPLOAD),
        (SNAPSHOTTABLE, T.IMAGE_PENDING_UPLOAD, SAME, T.IMAGE_UPLOADING),
        (SNAPSHOTTABLE, SNAPSHOT_TASKS, SAME, None),
    ],
    # Holding a running guest: paused in memory, or suspended (its memory saved to disk,
    # its resources kept). A failed step leaves the server as it was.
    'pause': [
        (V.ACTIVE, None, V.ACTIVE, T.PAUSING),
        (V.ACTIVE, T.PAUSING, {V.PAUSED, V.ACTIVE}, None),
    ],
    'unpause': [
        (V.PAUSED, None, V.PAUSED, T.UNPAUSING),
        (V.PAUSED, T.UNPAUSING, {V.ACTIVE, V.PAUSED}, None),
    ],
    'suspend': [
        (V.ACTIVE, None, V.ACTIVE, T.SUSPENDING),
        (V.ACTIVE, T.SUSPENDING, {V.SUSPENDED, V.ACTIVE}, None),
    ],
    'resume': [
        (V.SUSPENDED, None, V.SUSPENDED, T.RESUMING),
        (V.SUSPENDED, T.RESUMING, {V.ACTIVE, V.SUSPENDED}, None),
    ],
    # Live migration: the vm_state stays; the host changes under 'migrating'.
    # A paused server moves paused and stays paused on the destination.
    'live_migrate': [
        (LIVE_MIGRATABLE, None, SAME, T.MIGRATING),
        (LIVE_MIGRATABLE, T.MIGRATING, SAME, None),
    ],
    # shelve: power off, capture and upload the disk (the snapshot's phases with the
    # shelving task states), then SHELVED (or on to the offload at once); a failure
    # leaves the server as it was.
    'shelve': [
        (SHELVABLE, None, SAME, T.SHELVING),
        (SHELVABLE, T.SHELVING, SAME, T.SHELVING_IMAGE_PENDING_UPLOAD),
        (SHELVABLE, T.SHELVING_IMAGE_PENDING_UPLOAD, SAME, T.SHELVING_IMAGE_UPLOADING),
        (SHELVABLE, T.SHELVING_IMAGE_UPLOADING, V.SHELVED, None),
        (SHELVABLE, T.SHELVING_IMAGE_UPLOADING, SAME, T.SHELVING_OFFLOADING),
        (SHELVABLE, SHELVING_TASKS, SAME, None),
    ],
    # shelveOffload (asked for, the periodic after shelved_offload_time, or a shelve's
    # own last phase when the time is 0: the server is SHELVED only once offloaded): the
    # guest, its disks and its claims go, and the host with them.
    'shelve_offload': [
        (V.SHELVED, None, V.SHELVED, T.SHELVING_OFFLOADING),
        (SHELVABLE | {V.SHELVED}, T.SHELVING_OFFLOADING, V.SHELVED_OFFLOADED, None),
        (SHELVABLE | {V.SHELVED}, T.SHELVING_OFFLOADING, V.SHELVED, None),
    ],
    # unshelve: a shelved server's guest starts again on its host; an offloaded one is
    # scheduled again and spawned from the shelved image.
    'unshelve': [
        ({V.SHELVED, V.SHELVED_OFFLOADED}, None, SAME, T.UNSHELVING),
        (V.SHELVED, T.UNSHELVING, V.ACTIVE, None),
        (V.SHELVED, T.UNSHELVING, V.SHELVED, None),
        (V.SHELVED_OFFLOADED, T.UNSHELVING, V.SHELVED_OFFLOADED, T.SPAWNING),
        (V.SHELVED_OFFLOADED, T.SPAWNING, V.ACTIVE, None),
        (V.SHELVED_OFFLOADED, {T.UNSHELVING, T.SPAWNING}, V.SHELVED_OFFLOADED, None),
    ],
    # A rescue boots a rescue image with the root disk attached second; a failure half-way
    # leaves ERROR (the guest may be neither).
    'rescue': [
        (RESCUABLE, None, SAME, T.RESCUING),
        (RESCUABLE, T.RESCUING, V.RESCUED, None),
    ],
    'unrescue': [
        (V.RESCUED, None, V.RESCUED, T.UNRESCUING),
        (V.RESCUED, T.UNRESCUING, V.ACTIVE, None),
    ],
    # A delete that keeps the server restorable until its host reclaims it: the guest
    # is stopped, the claims stay. A failure leaves the server as it was.
    'soft_delete': [
        (SOFT_DELETABLE, None, SAME, T.SOFT_DELETING),
        (SOFT_DELETABLE, T.SOFT_DELETING, {V.SOFT_DELETED}, None),
        (SOFT_DELETABLE, T.SOFT_DELETING, SAME, None),
    ],
    'restore': [
        (V.SOFT_DELETED, None, V.SOFT_DELETED, T.RESTORING),
        (V.SOFT_DELETED, T.RESTORING, {V.ACTIVE, V.SOFT_DELETED}, None),
    ],
    # The periodic power-state sync: a guest found off is recorded as stopped.
    'sync_power_state': [
        (V.ACTIVE, None, V.STOPPED, None),
    ],
    # Any operation that fails beyond repair ends here, with a fault recorded.
    'fail': [
        (ANY_VM, ANY_TASK, V.ERROR, None),
    ],
    # os-resetState, the operator's escape hatch: whatever was under way is abandoned.
    'reset_state': [
        (ANY_VM, ANY_TASK, {V.ACTIVE, V.ERROR}, None),
    ],
}


def _expand(table):
    allowed = {}
    for operation, rows in table.items():
        for vm_from, task_from, vm_to, task_to in rows:
            targets = vm_to if isinstance(vm_to, (set, frozenset)) else {vm_to}
            for target in targets:
                for pair in _rows(vm_from, task_from, target, task_to):
                    allowed.setdefault(pair, set()).add(operation)
    return allowed


ALLOWED_INSTANCE_TRANSITIONS = _expand(INSTANCE_TRANSITIONS)

MIGRATION_TRANSITIONS = {
    MigrationStatus.PRE_MIGRATING: {MigrationStatus.MIGRATING, MigrationStatus.ERROR},
    MigrationStatus.MIGRATING: {MigrationStatus.POST_MIGRATING, MigrationStatus.ERROR},
    MigrationStatus.POST_MIGRATING: {MigrationStatus.FINISHED, MigrationStatus.COMPLETED,
                                     MigrationStatus.ERROR},
    MigrationStatus.FINISHED: {MigrationStatus.CONFIRMING, MigrationStatus.REVERTING,
                               MigrationStatus.CONFIRMED, MigrationStatus.ERROR},
    MigrationStatus.CONFIRMING: {MigrationStatus.CONFIRMED, MigrationStatus.ERROR},
    MigrationStatus.REVERTING: {MigrationStatus.REVERTED, MigrationStatus.ERROR},
    MigrationStatus.CONFIRMED: set(),
    MigrationStatus.REVERTED: set(),
    MigrationStatus.ERROR: set(),
    # live migration: accepted (API) -> queued (conductor chose the destination) ->
    # preparing (source) -> running (the guest moves) -> post-migrating -> completed;
    # failed when rolled back, cancelled when aborted, error when it could not start.
    MigrationStatus.ACCEPTED: {MigrationStatus.QUEUED, MigrationStatus.ERROR},
    MigrationStatus.QUEUED: {MigrationStatus.PREPARING, MigrationStatus.FAILED,
                             MigrationStatus.CANCELLED, MigrationStatus.ERROR},
    MigrationStatus.PREPARING: {MigrationStatus.RUNNING, MigrationStatus.FAILED,
                                MigrationStatus.CANCELLED, MigrationStatus.ERROR},
    MigrationStatus.RUNNING: {MigrationStatus.POST_MIGRATING, MigrationStatus.FAILED,
                              MigrationStatus.CANCELLED, MigrationStatus.ERROR},
    MigrationStatus.COMPLETED: set(),
    MigrationStatus.FAILED: set(),
    MigrationStatus.CANCELLED: set(),
}


def instance_transition_allowed(old, new):
    """old and new are (vm_state, task_state) pairs of strings, enums or None."""
    if old == new:
        return True
    key = ((VmState(old[0]), _task(old[1])), (VmState(new[0]), _task(new[1])))
    return key in ALLOWED_INSTANCE_TRANSITIONS


def migration_transition_allowed(old, new):
    if old == new:
        return True
    return MigrationStatus(new) in MIGRATION_TRANSITIONS[MigrationStatus(old)]


def _task(value):
    return None if value is None else TaskState(value)


def value(state):
    """The string (or int) stored in SQL for an enum member."""
    return None if state is None else (state.value if isinstance(state, enum.Enum) else state)


# system_metadata key the API sets when a rebuild is to keep the ephemeral disk ('True').
PRESERVE_EPHEMERAL = 'rebuild_preserve_ephemeral'
# system_metadata keys the API sets with image_snapshot/image_backup: the image the
# snapshot fills, and a backup's type and rotation; they go when the snapshot ends.
SNAPSHOT_IMAGE_ID = 'snapshot_image_id'
SNAPSHOT_BACKUP_TYPE = 'snapshot_backup_type'
SNAPSHOT_BACKUP_ROTATION = 'snapshot_backup_rotation'
# system_metadata keys of shelving (the first three as Nova names them): the shelved
# image, when and where the server was shelved, and the host an unshelve asked for
# (microversion 2.91) until it is done.
SHELVED_IMAGE_ID = 'shelved_image_id'
SHELVED_AT = 'shelved_at'
SHELVED_HOST = 'shelved_host'
UNSHELVE_HOST = 'unshelve_host'
