"""Snapshots and backups of an instance's root disk, uploaded to the image API.

The API creates the image record (queued, with the properties a Glance user expects),
writes its id (and a backup's type and rotation) into the instance's system_metadata
together with the task state ``image_snapshot`` or ``image_backup`` (one compare-and-
swap), and casts ``snapshot_instance`` here with nothing else. The task state then
records how far the snapshot got, each phase ending in a compare-and-swap:

    image_snapshot / image_backup   capture: the guest paused, its root disk's chain
                                    copied into one standalone qcow2 in the driver's
                                    snapshot directory, the guest running again
    image_pending_upload            the capture is complete on this host
    image_uploading                 sending it to the image API (queued -> saving ->
                                    active); a backup then rotates: only the newest
                                    ``rotation`` backups of its type for the server stay
                                    (one still in use stays too, logged); then no task
                                    (the vm_state never changed)

Disks on the storage of the image API's store (RBD disks cloned from its images) are
captured there instead, through the same task states: the copy is made inside the
cluster and the image API is given its location; nothing passes through this host.
Shelve (compute_svc/shelve.py) runs the same phases under its own task states.

A second delivery, start-up recovery and the reconciler's copy start at the phase SQL
records. The capture outlives a crash; one that is missing is taken again. An upload
cut short leaves the image queued (the image API sees fewer bytes than announced), and
is sent again; an image found ``saving`` (its upload's receiver died too) is given a
grace period, then deleted and the snapshot abandoned — never left saving. Any other
failure also deletes the image, records a fault and ends the task with the server as
it was; an image deleted by its owner meanwhile just ends the task.
"""
import dataclasses
import os
import time

from oslo_log import log as logging

from svc_common import exception
from svc_common import faults
from svc_common import instance_events as events
from svc_common import notifications
from svc_common import states
from svc_common import step_runner

LOG = logging.getLogger(__name__)
T = states.TaskState

# system_metadata keys the API sets with the task state; they go when it ends.
IMAGE_ID = states.SNAPSHOT_IMAGE_ID
BACKUP_TYPE = states.SNAPSHOT_BACKUP_TYPE
BACKUP_ROTATION = states.SNAPSHOT_BACKUP_ROTATION
KEYS = (IMAGE_ID, BACKUP_TYPE, BACKUP_ROTATION)

CAPTURE_TASKS = (T.IMAGE_SNAPSHOT, T.IMAGE_BACKUP)
# Errors that leave the task state for the reconciler (or start-up recovery) to resume,
# beyond the conductor or database away (the step runner's own): the image API away (an
# upload it did not take, say because it died: the image may be left saving, which the
# resumed step resolves).
RETRYABLE = (exception.ImageServiceUnreachable,)
SAVING_GRACE = 10.0  # seconds an image may stay 'saving' before it is given up


def snapshot_instance(manager, context, instance):
    instance = step_runner.current(context, instance, 'snapshot', states.SNAPSHOT_TASKS,
                                   'Snapshot')
    if instance is None:
        return
    image_id = instance.system_metadata.get(IMAGE_ID)
    backup = BACKUP_TYPE in instance.system_metadata
    event = 'compute_backup_instance' if backup else 'compute_snapshot_instance'
    notifications.notify_instance(context, instance, 'snapshot', 'start', manager.host)
    image_gone = []

    def work():
        if not image_id:
            raise exception.SnapshotAbandoned(image_id=None, reason='no image recorded')
        try:
            _run_phases(manager, context, instance, image_id)
        except exception.ImageNotFound:
            LOG.info('Image %s deleted during the snapshot; nothing to upload', image_id,
                     instance=instance)
            image_gone.append(image_id)
            discard(manager, context, image_id, delete_image=False)
            _end(instance)

    def deleted(error):
        LOG.info('Image %s deleted with the instance', image_id, instance=instance)
        discard(manager, context, image_id)

    def failed(error):
        LOG.exception('Snapshot to image %s failed', image_id, instance=instance)
        events.record_fault(context, instance, error, manager.host)
        discard(manager, context, image_id)
        _end(instance, quiet=True)
        notifications.notify_instance(context, instance, 'snapshot', 'error', manager.host)

    outcome = step_runner.run(context, instance, event, manager.host, work,
                              on_failure=failed, on_deleted=deleted,
                              on_superseded=step_runner.log_only, interrupted=RETRYABLE,
                              what='Snapshot', reraise=True)
    if outcome == step_runner.Outcome.DONE and not image_gone:
        notifications.notify_instance(context, instance, 'snapshot', 'end', manager.host)
        LOG.info('Snapshot uploaded as image %s', image_id, instance=instance)


def _path(manager, image_id):
    return os.path.join(manager.driver.snapshot_dir(), image_id)


@dataclasses.dataclass(frozen=True)
class Phases:
    """The task states of an operation that captures a disk and uploads it, and the
    operation (``svc_common.operations``; its name prefixes the fault points
    <operation>.after_capture, .during_upload, .after_upload)."""
    capture: tuple
    pending: states.TaskState
    uploading: states.TaskState
    operation: str


SNAPSHOT = Phases(CAPTURE_TASKS, T.IMAGE_PENDING_UPLOAD, T.IMAGE_UPLOADING, 'snapshot')


def capture_and_upload(manager, context, instance, image_id, phases, before_capture=None):
    """From the phase the task state records to image ``image_id`` complete in the
    image API; the task state is then ``phases.uploading`` and the capture gone.
    ``before_capture`` (shelve: power off) runs first in the capture phase, once.

    Disks on the storage of the image API's store (RBD disks cloned from its RBD
    images) are captured there (``driver.snapshot_to_image_store``) and the image API
    is handed the location: nothing is captured on this host nor uploaded. Others are
    captured on this host and uploaded; a capture on this host under way goes on."""
    capture = _Capture(manager, context, instance, image_id)
    if instance.task_state in phases.capture:
        if before_capture is not None:
            before_capture()
        capture.take()
        faults.point(phases.operation + '.after_capture')
        _advance(instance, instance.task_state, phases.pending, phases.operation)
    if instance.task_state == phases.pending:
        capture.ensure()
        _advance(instance, phases.pending, phases.uploading, phases.operation)
    client = manager.image_client
    if _settled_status(client, context, image_id) != 'active':
        capture.hand_over(client, phases.operation + '.during_upload')
        faults.point(phases.operation + '.after_upload')
    _remove(capture.path)


class _Capture:
    """The capture of one image: its location in the image store when it was made
    there, else a file on this host (each made again when missing)."""

    def __init__(self, manager, context, instance, image_id):
        self._manager, self._context = manager, context
        self._instance, self._image_id = instance, image_id
        self.path = _path(manager, image_id)
        self.location = None

    def take(self):
        driver = self._manager.driver
        if not os.path.exists(self.path):
            self.location = driver.snapshot_to_image_store(self._context, self._instance,
                                                           self._image_id)
            if self.location is not None:
                return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        driver.snapshot(self._context, self._instance, self.path)

    def ensure(self):
        if self.location is None and not os.path.exists(self.path):
            self.take()

    def hand_over(self, client, upload_point):
        """The image API gets the location, or the file's data (passing
        ``upload_point`` half way)."""
        self.ensure()
        if self.location is not None:
            client.add_location(self._context, self._image_id, self.location)
            return
        client.upload(self._context, self._image_id, self.path,
                      reader=lambda source: _FaultingReader(source, upload_point))


def _run_phases(manager, context, instance, image_id):
    capture_and_upload(manager, context, instance, image_id, SNAPSHOT)
    if BACKUP_TYPE in instance.system_metadata:
        _rotate(manager.image_client, context, instance)
    _end(instance)


def _settled_status(client, context, image_id):
    """The image's status once it is not 'saving'; an image still saving after the
    grace period (whoever received its data died) is deleted and the snapshot given
    up."""
    deadline = time.monotonic() + SAVING_GRACE
    while True:
        status = client.record(context, image_id).get('status')
        if status != 'saving':
            return status
        if time.monotonic() >= deadline:
            raise exception.SnapshotAbandoned(image_id=image_id,
                                              reason='its upload never completed')
        time.sleep(0.5)


def _rotate(client, context, instance):
    """Keep the newest ``rotation`` backups of this type for this server.

    An older backup the image API will not delete now is kept, with a warning naming
    it and why: on an RBD store, a server booted from it holds it (its disk is a
    copy-on-write clone of the backup's data); or its owner protected it. It is still
    one of this server's backups, so a later rotation deletes it once it can. The
    backup just made stands either way; only an image API that cannot be reached
    leaves the step to be resumed (and rotated) later."""
    backup_type = instance.system_metadata[BACKUP_TYPE]
    rotation = int(instance.system_metadata.get(BACKUP_ROTATION) or 0)
    current = instance.system_metadata[IMAGE_ID]
    # The image API lists newest first (its timestamps are finer than the ones it
    # shows); the backup just made is the newest of this server's, whatever they show.
    older = [image['id'] for image in client.list_owned(context)
             if image.get('instance_uuid') == instance.uuid
             and image.get('image_type') == 'backup'
             and image.get('backup_type') == backup_type and image['id'] != current]
    for image_id in ([current] + older)[rotation:]:
        LOG.info('Rotating out backup %s (%s, keeping %d)', image_id, backup_type,
                 rotation, instance=instance)
        try:
            client.delete(context, image_id)
        except exception.ImageServiceUnreachable:
            raise
        except exception.NimbusException as error:
            LOG.warning('Backup %s (%s) is kept beyond the rotation of %d, the image API '
                        'would not delete it now: %s', image_id, backup_type, rotation,
                        error, instance=instance)


def _advance(instance, current, following, operation):
    instance.task_state = following
    instance.save(expected_task_state=current, operation=operation)


def _end(instance, quiet=False):
    """No task any more, and the snapshot's keys gone from system_metadata."""
    current = instance.task_state
    instance.system_metadata = {k: v for k, v in instance.system_metadata.items()
                                if k not in KEYS}
    instance.task_state = None
    try:
        step_runner.final_save(instance, expected_task_state=current, operation='snapshot')
    except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
        if not quiet:
            raise


def discard(manager, context, image_id, delete_image=True):
    """Remove the capture and (unless it is gone already) the image: a snapshot that
    ends without an upload leaves neither behind."""
    if not image_id:
        return
    _remove(_path(manager, image_id))
    if delete_image:
        try:
            manager.image_client.delete(context, image_id)
        except Exception as error:  # the image API may be down: an operator's to clean
            LOG.warning('Could not delete image %s: %s', image_id, error)


def _remove(path):
    for name in (path, path + '.part'):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass


class _FaultingReader:
    """The capture as the upload reads it, passing the fault point ``point`` once half
    of it is sent."""

    def __init__(self, source, point):
        self._source = source
        self._point = point
        self._half = os.fstat(source.fileno()).st_size // 2
        self._sent = 0

    def read(self, size=-1):
        chunk = self._source.read(size)
        before, self._sent = self._sent, self._sent + len(chunk)
        if before < self._half <= self._sent:
            faults.point(self._point)
        return chunk
