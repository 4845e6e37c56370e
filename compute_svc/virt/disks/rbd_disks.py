"""Instance disks as RBD images in a Ceph pool (``[libvirt] images_type = rbd``).

Names in ``[libvirt] images_rbd_pool``::

    <uuid>_disk          root disk: a copy-on-write clone of the image's RBD snapshot when
                         the image API's RBD store is in this cluster, else an import of
                         the cached (inspected, raw) image
    <uuid>_disk.local    ephemeral disk, <uuid>_disk.swap  swap (imports of the cache's
                         generated bases)
    <uuid>_disk.config   the config drive
    <name>.part          an image being made; renamed when complete
    <name>@nimbus_resize the snapshot a resize takes before it touches the disk: a revert
                         rolls back to it, a confirm removes it
    <name>@nimbus_snapshot_<image id>
                         a createImage's point in time of the root disk, until its
                         copy in the image store is complete

The instance's directory (disk.info, console log) stays on the host; disk.info records
each RBD disk as ``{'backend': 'rbd', 'rbd': 'pool/name', ...}``, a clone's parent as
``cloned_from: 'pool/image@snap'`` (``detached_from`` once flattened: an unshelved disk
outlives its shelved image). The pool is shared by every compute host, so nothing is
copied on a resize or a cold migration.
"""
import os

from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import exception
from svc_common import rbd_utils
from compute_svc.virt.disks import disk

LOG = logging.getLogger(__name__)

RESIZE_SNAP = 'nimbus_resize'
CAPTURE_PREFIX = 'nimbus_snapshot_'
CONFIG_DRIVE = 'disk.config'


def is_rbd(entry):
    return entry.get('backend') == 'rbd'


class RbdDisks:

    def __init__(self, host):
        self.host = host
        self.cluster = rbd_utils.RbdCluster(
            CONF.libvirt.images_rbd_ceph_conf, CONF.libvirt.images_rbd_pool,
            CONF.libvirt.rbd_user, CONF.libvirt.rbd_connect_timeout)
        self._fsid = None

    @staticmethod
    def name(uuid, disk_name):
        return '%s_%s' % (uuid, disk_name)

    def fsid(self):
        if self._fsid is None:
            self._fsid = self.cluster.fsid()
        return self._fsid

    def clone_parent(self, source):
        """(pool, image, snap) to clone for an image ``source`` (disk.info's), or None
        when its data is not a raw image in this cluster's RBD store."""
        parsed = rbd_utils.parse_location(source.get('direct_url'))
        if parsed is None or source.get('disk_format') != 'raw':
            return None
        fsid, pool, image, snap = parsed
        if fsid != self.fsid():
            LOG.info('Image %s is in another Ceph cluster (%s): importing it',
                     source.get('image_id'), fsid)
            return None
        return pool, image, snap

    # -- making -------------------------------------------------------------------------
    def create(self, uuid, disk_name, source, size, use_base):
        """Make disk ``disk_name`` of instance ``uuid``; returns its disk.info entry.
        ``use_base(callback)`` runs ``callback(base)`` with the cached base the disk is
        made from (fetched if needed), for an import."""
        cluster, name = self.cluster, self.name(uuid, disk_name)
        part = name + '.part'
        cluster.remove(name)  # made before a crash, never recorded: made again
        cluster.remove(part)
        entry = {'format': 'raw', 'backend': 'rbd', 'rbd': '%s/%s' % (cluster.pool, name),
                 'base': None, 'base_format': None, 'base_needed': False}
        parent = self.clone_parent(source)
        if parent is not None:
            image_size = cluster.size(parent[1], pool=parent[0])
            if size and image_size > size:
                raise exception.FlavorDiskSmallerThanImage(flavor_size=size,
                                                           image_size=image_size)
            cluster.clone(*parent, part, owner=self.host)
            entry['cloned_from'] = '%s/%s@%s' % parent
        else:
            def import_base(base):
                if size and base.virtual_size > size:
                    raise exception.FlavorDiskSmallerThanImage(
                        flavor_size=size, image_size=base.virtual_size)
                if base.format == 'raw':
                    entry['imported_bytes'] = cluster.import_file(base.path, part,
                                                                  owner=self.host)
                    return
                raw = base.path + '.%s.raw' % uuid
                try:
                    disk.copy_to_raw(base.path, base.format, raw)
                    entry['imported_bytes'] = cluster.import_file(raw, part,
                                                                  owner=self.host)
                finally:
                    if os.path.exists(raw):
                        os.unlink(raw)
            base = use_base(import_base)
            entry.update(base=base.name, base_format=base.format)
        if size:
            cluster.resize(part, size)
        cluster.rename(part, name)
        LOG.info('RBD disk %s %s', entry['rbd'],
                 'cloned from %s' % entry['cloned_from'] if parent else 'imported')
        return entry

    def resize(self, entry, size):
        return self.cluster.resize(entry['rbd'].split('/', 1)[1], size)

    def qemu_path(self, entry):
        """The disk as qemu-img names it (its rbd driver, through librbd)."""
        user = ':id=%s' % CONF.libvirt.rbd_user if CONF.libvirt.rbd_user else ''
        return 'rbd:%s:conf=%s%s' % (entry['rbd'], self.cluster.ceph_conf, user)

    def remove_one(self, entry):
        self.cluster.remove(entry['rbd'].split('/', 1)[1])

    def put_config_drive(self, uuid, iso_path):
        """The config drive made at ``iso_path`` goes to RBD (replacing the last one);
        returns its 'pool/name'."""
        name = self.name(uuid, CONFIG_DRIVE)
        self.cluster.remove(name)
        self.cluster.import_file(iso_path, name, owner=self.host)
        return '%s/%s' % (self.cluster.pool, name)

    def remove_config_drive(self, uuid):
        self.cluster.remove(self.name(uuid, CONFIG_DRIVE))

    # -- removing -----------------------------------------------------------------------
    def images_of(self, uuid):
        return self.cluster.list(uuid + '_')

    def owned_uuids(self):
        """Instances whose RBD images this host made (their owner metadata)."""
        return {name.split('_', 1)[0] for name, image in self.cluster.describe().items()
                if '_' in name and image['owner'] == self.host}

    def remove_instance(self, uuid, keep=(), keep_snapshotted=False):
        """Remove the RBD images of an instance (those made halfway too), except the
        disks named in ``keep`` and, with ``keep_snapshotted``, those holding a resize
        snapshot (a revert hands them back to the source host)."""
        kept = {self.name(uuid, n) for n in keep}
        for name in self.images_of(uuid):
            if name in kept or name.removesuffix('.part') in kept:
                continue
            if keep_snapshotted and self.cluster.has_snap(name, RESIZE_SNAP):
                continue
            self.cluster.remove(name)

    # -- resize -------------------------------------------------------------------------
    def snapshot_for_resize(self, info):
        for entry in info['disks'].values():
            if is_rbd(entry):
                self.cluster.snap_create(entry['rbd'].split('/', 1)[1], RESIZE_SNAP)

    def roll_back(self, uuid, old_info, new_info, remake):
        """Put the disks back as ``old_info`` had them: roll back to the resize
        snapshot; remove disks the resize added; a disk the resize made again (swap)
        is made again as it was (``remake(name, entry)``)."""
        old = {n: e for n, e in old_info['disks'].items() if is_rbd(e)}
        for name, entry in new_info['disks'].items():
            if is_rbd(entry) and name not in old:
                self.remove_one(entry)
        for name, entry in old.items():
            rbd_name = entry['rbd'].split('/', 1)[1]
            if self.cluster.snap_rollback(rbd_name, RESIZE_SNAP):
                continue
            if not self.cluster.exists(rbd_name) or (
                    name == 'disk.swap' and new_info['disks'].get(name) != entry):
                remake(name, entry)

    def drop_snapshots(self, info):
        for entry in info['disks'].values():
            if is_rbd(entry):
                self.cluster.snap_remove(entry['rbd'].split('/', 1)[1], RESIZE_SNAP)

    def detach_from_image(self, entry):
        """The clone ``entry`` made independent of the image it was cloned from (what
        it shares with it copied in the cluster), so that image may be deleted; returns
        the entry to record. Done again, nothing changes."""
        if not entry.get('cloned_from'):
            return entry
        self.cluster.flatten(entry['rbd'].split('/', 1)[1])
        LOG.info('RBD disk %s detached from %s', entry['rbd'], entry['cloned_from'])
        return dict(entry, cloned_from=None, detached_from=entry['cloned_from'])

    # -- snapshots into the image store ------------------------------------------------
    def snapshot_to_store(self, entry, image_id, held_still):
        """The root disk ``entry`` as image ``image_id`` of the image API's RBD store,
        copied inside the cluster (nothing passes through this host): a snapshot of the
        disk (taken ``with held_still():``), cloned into the store's pool, flattened so
        that it depends on no instance, with the store's protected snapshot; then the
        disk's snapshot goes. Returns the image's location, or None when the disk is not
        made as a clone of an image in that store (its pool is known from the clone's
        parent, and still after the clone was detached from it). Run again after a
        crash, it finishes what is missing (a copy cut short is made again from the
        disk's snapshot)."""
        origin = entry and is_rbd(entry) and (entry.get('cloned_from') or
                                              entry.get('detached_from'))
        if not origin:
            return None
        pool = origin.split('/', 1)[0]
        name, snap, cluster = entry['rbd'].split('/', 1)[1], CAPTURE_PREFIX + image_id, \
            self.cluster
        if not cluster.has_snap(image_id, rbd_utils.IMAGE_SNAP, pool=pool):
            with held_still():  # (a guest a crash left paused runs again too)
                cluster.snap_create(name, snap, protect=True)  # kept if taken before
            cluster.remove(image_id, pool=pool)  # a copy a crash cut short
            cluster.clone(cluster.pool, name, snap, image_id, pool=pool)
            cluster.flatten(image_id, pool=pool)
            cluster.snap_create(image_id, rbd_utils.IMAGE_SNAP, protect=True, pool=pool)
        cluster.snap_remove(name, snap)
        LOG.info('RBD disk %s copied in the cluster as image %s/%s', entry['rbd'], pool,
                 image_id)
        return rbd_utils.location(self.fsid(), pool, image_id, rbd_utils.IMAGE_SNAP)

    # -- the host -----------------------------------------------------------------------
    def capacity_bytes(self):
        total, _free = self.cluster.capacity()
        return total
