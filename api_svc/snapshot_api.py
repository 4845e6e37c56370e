"""createImage and createBackup, the API's part: make the image record the compute host
fills, and start the snapshot with one compare-and-swap that names the image.

The steps after the cast live in compute_svc/snapshot.py.
"""
from oslo_log import log as logging

from api_svc import compute_api
from api_svc.images import store as image_store
from api_svc import quota
from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)
T = states.TaskState

ACTION_CREATE_IMAGE, ACTION_CREATE_BACKUP = 'createImage', 'createBackup'

# Properties of the server's image a snapshot does not inherit (they describe the
# snapshot itself, or another image's upload).
_NOT_INHERITED = frozenset({'instance_uuid', 'image_type', 'backup_type', 'user_id',
                            'base_image_ref', 'image_location', 'image_state',
                            'owner_id', 'img_signature', 'img_signature_hash_method',
                            'img_signature_key_type', 'img_signature_certificate_uuid'})
# What the captured disk is uploaded as (compute_svc/virt: a standalone qcow2).
SNAPSHOT_DISK_FORMAT, SNAPSHOT_CONTAINER_FORMAT = 'qcow2', 'bare'


class SnapshotAPI:

    def __init__(self, compute_client):
        self.compute = compute_client

    def create_image(self, context, instance, name, metadata=None):
        """Snapshot ``instance`` into a new image named ``name``; returns the image."""
        return self._snapshot(context, instance, name, metadata, 'snapshot',
                              T.IMAGE_SNAPSHOT, ACTION_CREATE_IMAGE, {})

    def backup(self, context, instance, name, backup_type, rotation, metadata=None):
        """A backup image of ``instance``; once it is uploaded, only the newest
        ``rotation`` backups of ``backup_type`` of this server stay."""
        extra = {states.SNAPSHOT_BACKUP_TYPE: backup_type,
                 states.SNAPSHOT_BACKUP_ROTATION: str(rotation)}
        return self._snapshot(context, instance, name, metadata, 'backup',
                              T.IMAGE_BACKUP, ACTION_CREATE_BACKUP, extra,
                              {'backup_type': backup_type})

    def _snapshot(self, context, instance, name, metadata, image_type, task_state, action,
                  system_metadata, extra_properties=None):
        method = 'createImage' if task_state == T.IMAGE_SNAPSHOT else 'createBackup'
        previous = compute_api.check_can_start(instance, method, task_state, 'snapshot')
        image = create_snapshot_image(context, instance, name, image_type,
                                      dict(extra_properties or {}, **(metadata or {})))
        start_filling(context, instance, image, previous, task_state, action,
                      dict(system_metadata, **{states.SNAPSHOT_IMAGE_ID: image.id}),
                      'snapshot')
        self.compute.snapshot_instance(context, instance)
        LOG.info('%s of the server into image %s started', method, image.id,
                 instance=instance)
        return image


def create_snapshot_image(context, instance, name, image_type, extra_properties=None):
    """The (queued) image a snapshot of ``instance`` is uploaded to."""
    properties = snapshot_properties(context, instance, image_type)
    properties.update(extra_properties or {})
    quota.check_metadata_items(context, context.project_id, properties)
    return image_store.create(context, {
        'name': name, 'disk_format': SNAPSHOT_DISK_FORMAT,
        'container_format': SNAPSHOT_CONTAINER_FORMAT,
        'visibility': str(image_store.Visibility.PRIVATE),
        'min_disk': _min_disk(context, instance), 'min_ram': _min_ram(context, instance),
    }, properties)


def start_filling(context, instance, image, previous, task_state, action, system_metadata,
                  operation):
    """Start the operation that fills ``image``: ``task_state`` with ``system_metadata``
    (naming the image) in one compare-and-swap from ``previous``, and its instance
    action. An image no operation will fill (the swap lost) is deleted."""
    instance.system_metadata = dict(instance.system_metadata, **system_metadata)
    instance.task_state = task_state.value
    try:
        instance.save(expected_task_state=previous, operation=operation)
    except exception.NimbusException:
        image_store.delete(context, image.id)
        raise
    objects.InstanceAction.action_start(context, instance.uuid, action)


def snapshot_properties(context, instance, image_type):
    """The image properties of a snapshot: those of the server's image (so that it boots
    the same way: kernel, ramdisk, command line), and what a Glance user expects of a
    snapshot."""
    prefix = compute_api.IMAGE_PREFIX
    properties = {key[len(prefix):]: value
                  for key, value in (instance.system_metadata or {}).items()
                  if key.startswith(prefix) and value is not None}
    properties = {k: v for k, v in properties.items() if k not in _NOT_INHERITED}
    properties.update({'instance_uuid': instance.uuid, 'image_type': image_type,
                       'base_image_ref': instance.image_ref or '',
                       'user_id': context.user_id, 'owner_id': context.project_id})
    return properties


def _base_image(context, instance):
    try:
        return image_store.get(context.elevated(), instance.image_ref)
    except exception.ImageNotFound:
        return None


def _min_disk(context, instance):
    """The root disk the snapshot needs: the flavor's (its data fills that), at least
    what the server's image asked for."""
    image = _base_image(context, instance)
    return max(instance.flavor.root_gb or 0, image.min_disk if image else 0)


def _min_ram(context, instance):
    image = _base_image(context, instance)
    return image.min_ram if image else 0
