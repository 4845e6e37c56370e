"""Every state Nimbus records.

This is the only module that spells state values. Which operation may move an instance
from which state to which is in ``svc_common.operations``; ``Migration.save()`` checks
each status change against ``MIGRATION_TRANSITIONS`` below. A write neither table lists
fails loudly instead of leaving a record in a state nobody planned for.
"""
import enum
from typing import Any


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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
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

    def __str__(self) -> str:
        return self.value


class MigrationType(str, enum.Enum):
    RESIZE = 'resize'
    MIGRATION = 'migration'
    LIVE_MIGRATION = 'live-migration'

    def __str__(self) -> str:
        return self.value


# The task states of a snapshot (createImage, createBackup), in their order.
SNAPSHOT_TASKS = frozenset({TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP,
                            TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING})

# The task states of a shelve before it offloads, and the vm_states of a shelved server.
SHELVING_TASKS = frozenset({TaskState.SHELVING, TaskState.SHELVING_IMAGE_PENDING_UPLOAD,
                            TaskState.SHELVING_IMAGE_UPLOADING})
SHELVED_STATES = frozenset({VmState.SHELVED, VmState.SHELVED_OFFLOADED})

TERMINAL_MIGRATION_STATUSES = frozenset({
    MigrationStatus.CONFIRMED, MigrationStatus.REVERTED, MigrationStatus.ERROR,
    MigrationStatus.COMPLETED, MigrationStatus.FAILED, MigrationStatus.CANCELLED})
# A live migration under way (what GET /servers/{id}/migrations lists).
LIVE_MIGRATION_IN_PROGRESS = frozenset({
    MigrationStatus.QUEUED, MigrationStatus.PREPARING, MigrationStatus.RUNNING,
    MigrationStatus.POST_MIGRATING})

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


def migration_transition_allowed(old: str, new: str) -> bool:
    if old == new:
        return True
    return MigrationStatus(new) in MIGRATION_TRANSITIONS[MigrationStatus(old)]


def value(state: Any) -> Any:
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
