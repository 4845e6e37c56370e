"""The files of a host's instances: its image cache and each instance's disks, made,
moved between hosts on a resize, grown, put back on a revert and removed.

On disk, per host::

    <instances_path>/_base/<sha1(image id)>       cached images (imagecache.py)
    <instances_path>/_base/ephemeral_<GB>_ext4    generated ephemeral filesystems
    <instances_path>/_base/swap_<MB>              generated swap areas
    <instances_path>/locks/                       the cache's per-file locks
    <instances_path>/<uuid>/disk                  root disk (qcow2 overlay or flat raw)
    <instances_path>/<uuid>/disk.local            ephemeral disk, if the flavor has one
    <instances_path>/<uuid>/disk.swap             swap disk, if the flavor has one
    <instances_path>/<uuid>/disk.rescue           while rescued: the rescue image's disk
    <instances_path>/<uuid>/disk.info             JSON: each disk's format, its base and
                                                  where the base comes from; the boot files
    <instances_path>/<uuid>_resize/               the source's disks during a resize
    <instances_path>/.snapshots/<image id>        a snapshot captured, until uploaded

With ``[libvirt] images_type = rbd`` the disks themselves are RBD images in a Ceph pool
(rbd_disks.py); the directory keeps disk.info, and a resize snapshots them instead of
copying.

Nothing here knows about guests: the libvirt driver runs domains on these files, and the
fake driver can keep the same files (``[fake_driver]/disks``) so that the crash tests
check real disks moved by this code. Every step checks what is already done (a disk
file, a renamed directory, a recorded base) before doing it, so it can run again after
a crash.
"""
import os
import uuid as uuid_lib

from oslo_log import log as logging
from oslo_utils import units

from svc_common.conf import CONF
from svc_common import exception
from svc_common import faults
from svc_common import rescue_devices
from svc_common import states
from compute_svc.virt.disks import image_client as image_client_mod
from compute_svc.virt.disks import disk
from compute_svc.virt.disks import imagebackend
from compute_svc.virt.disks import imagecache
from compute_svc.virt.disks import rbd_disks
from compute_svc.virt.disks import images
from compute_svc.virt.disks import remotefs as remotefs_mod
from compute_svc.virt.disks import utils

LOG = logging.getLogger(__name__)

DISK_INFO = 'disk.info'
SNAPSHOT_DIR = '.snapshots'
# Instance disks in the order they are attached (vda, vdb, ...).
DISK_ORDER = ('disk', 'disk.local', 'disk.swap')
# A rescue's disk (made from the rescue image, attached first, the root disk second)
# and the prefix of its boot files' entries in disk.info's 'boot'.
RESCUE_DISK = 'disk.rescue'
RESCUE_PREFIX = 'rescue_'
# In disk.info's 'boot': a stable rescue's {'device': D, 'bus': B} (rescue_devices.py).
RESCUE_DEVICE = RESCUE_PREFIX + 'device'
BOOT_ROLES = (('kernel', 'kernel_id', 'aki'), ('ramdisk', 'ramdisk_id', 'ari'))
_IMAGE_CHECK_FIELDS = ('disk_format', 'size', 'checksum', 'os_hash_algo', 'os_hash_value')
_IMAGE_SOURCE_FIELDS = _IMAGE_CHECK_FIELDS + ('direct_url',)


def image_props(image_meta):
    """Image properties, whether top-level (Glance v2 records) or under 'properties'."""
    props = dict(image_meta.get('properties') or {})
    for key in ('kernel_id', 'ramdisk_id', 'os_command_line', 'hw_rescue_device',
                'hw_rescue_bus'):
        if image_meta.get(key):
            props[key] = image_meta[key]
    return props


def _image_source(image_meta):
    source = {k: image_meta[k] for k in _IMAGE_SOURCE_FIELDS
              if image_meta.get(k) is not None}
    source['image_id'] = image_meta['id']
    return source


def uuid_lib_like(name):
    try:
        return str(uuid_lib.UUID(name)) == name
    except ValueError:
        return False


def reverting(instance):
    """Whether an instance's destination is being left by a revert: it then leaves the
    shared RBD disks to the source, which rolls them back to their resize snapshot."""
    return (instance.obj_attr_is_set('task_state') and
            instance.task_state == states.TaskState.RESIZE_REVERTING)


def report_progress(instance, percent):
    """Record a move's progress on the instance, when it is bound to a context."""
    if getattr(instance, '_context', None) is None:
        return
    try:
        instance.progress = percent
        instance.save()
    except Exception as error:  # progress is informative: never fail a move for it
        LOG.warning('Could not record progress %s%%: %s', percent, error, instance=instance)


class InstanceDisks:
    """The instances path of one compute host."""

    def __init__(self, host, instances_path=None, image_client=None, remotefs=None):
        """``instances_path`` and ``remotefs`` default to the config (a host's own path
        can be set in ``[libvirt]/instances_paths_by_host``)."""
        self.host = host
        path = instances_path or CONF.libvirt.instances_paths_by_host.get(
            host, CONF.compute.instances_path)
        self.instances_path = os.path.realpath(path)
        self.cache = imagecache.ImageCache(self.instances_path,
                                           CONF.libvirt.image_cache_subdirectory_name)
        self.cache_manager = imagecache.ImageCacheManager(
            self.cache, self.instances_path,
            CONF.libvirt.remove_unused_original_minimum_age_seconds,
            CONF.libvirt.remove_unused_base_images)
        self.remotefs = remotefs or remotefs_mod.from_config(self.instances_path)
        self._image_client = image_client
        self._rbd = None

    @property
    def rbd(self):
        """The RBD pool of this host's instance disks (rbd_disks.RbdDisks)."""
        if self._rbd is None:
            self._rbd = rbd_disks.RbdDisks(self.host)
        return self._rbd

    reverting = staticmethod(reverting)

    @staticmethod
    def storage():
        """Where this host keeps instance disks: 'rbd' (the Ceph pool every RBD host
        shares) or 'file' (its instances path; qcow2 and flat disks move between such
        hosts, RBD disks and files do not: compute_svc/disk_storage.py)."""
        return 'rbd' if CONF.libvirt.images_type == 'rbd' else 'file'

    @staticmethod
    def uses_rbd(info=None):
        return CONF.libvirt.images_type == 'rbd' or bool(
            info and any(rbd_disks.is_rbd(e) for e in info['disks'].values()))

    def ensure_trees(self):
        for path in (self.instances_path, self.cache.base_dir, self.cache.lock_path):
            utils.ensure_tree(path)

    @property
    def image_client(self):
        if self._image_client is None:
            self._image_client = image_client_mod.get_client()
        return self._image_client

    def inst_dir(self, uuid):
        return os.path.join(self.instances_path, uuid)

    def resize_dir(self, uuid):
        return self.inst_dir(uuid) + '_resize'

    def owns(self, paths):
        """Whether files at ``paths`` are under this instances path."""
        root = self.instances_path + os.sep
        return any(os.path.realpath(p).startswith(root) for p in paths)

    def instance_uuids(self):
        """Instances with disks here: a directory with disk.info (or its ``_resize``
        copy), or RBD images this host made."""
        uuids = set()
        names = os.listdir(self.instances_path) if os.path.isdir(self.instances_path) else []
        for name in names:
            uuid = name.removesuffix('_resize')
            if uuid_lib_like(uuid) and os.path.exists(os.path.join(
                    self.instances_path, name, DISK_INFO)):
                uuids.add(uuid)
        if CONF.libvirt.images_type == 'rbd':
            uuids |= self.rbd.owned_uuids()
        return sorted(uuids)

    def exist(self, uuid):
        """Whether the instance's disks are here (its disk.info is)."""
        return os.path.exists(os.path.join(self.inst_dir(uuid), DISK_INFO))

    @staticmethod
    def read_info(inst_dir):
        info = utils.read_json(os.path.join(inst_dir, DISK_INFO)) or {}
        info.setdefault('version', 1)
        info.setdefault('disks', {})
        info.setdefault('boot', {})
        return info

    @staticmethod
    def write_info(inst_dir, info):
        utils.write_json_atomic(os.path.join(inst_dir, DISK_INFO), info)

    def usable_bytes(self):
        """What instances can have: the free space plus what they (and the cache)
        already hold; usage is then accounted by the claims, not here."""
        if CONF.libvirt.images_type == 'rbd':
            return self.rbd.capacity_bytes()  # the pool's, not this host's filesystem
        utils.ensure_tree(self.instances_path)
        stat = os.statvfs(self.instances_path)
        return stat.f_bavail * stat.f_frsize + utils.tree_allocated_bytes(self.instances_path)

    # -- bases -----------------------------------------------------------------------
    def _fetcher(self, context, source, max_size=None):
        """A function making the base described by ``source`` (a disk.info 'source')
        into a .part file; returns the base's info for the cache."""
        if 'image_id' in source:
            meta = {k: source[k] for k in _IMAGE_CHECK_FIELDS if source.get(k) is not None}

            def fetch(part):
                return images.fetch_to_base(self.image_client, context, source['image_id'],
                                            meta, part, max_size,
                                            CONF.libvirt.force_raw_images)
            return fetch
        if 'ephemeral_gb' in source:
            size = source['ephemeral_gb'] * units.Gi

            def make_ephemeral(part):
                disk.make_ext4(part, size, source.get('label', 'ephemeral0'))
                return {'format': 'raw', 'virtual_size': size}
            return make_ephemeral
        if 'swap_mb' in source:
            size = source['swap_mb'] * units.Mi

            def make_swap(part):
                disk.make_swap(part, size)
                return {'format': 'raw', 'virtual_size': size}
            return make_swap
        raise ValueError('unknown base source %r' % (source,))

    @staticmethod
    def _base_name(source):
        if 'image_id' in source:
            return utils.cache_name(source['image_id'])
        if 'ephemeral_gb' in source:
            return 'ephemeral_%d_ext4' % source['ephemeral_gb']
        return 'swap_%d' % source['swap_mb']

    def _use_base(self, context, source, max_size, use):
        """``use(base)`` with the base of ``source`` in the cache (fetched if missing);
        returns the base."""
        with self.cache.use(self._base_name(source),
                            self._fetcher(context, source, max_size)) as base:
            use(base)
            return base

    def _ensure_base(self, context, source, max_size=None):
        name = self._base_name(source)
        with self.cache.use(name, self._fetcher(context, source, max_size)) as base:
            return base

    def _boot_source(self, context, image_id, disk_format, image_meta):
        """A kernel's or ramdisk's record for verifying its download; the format is the
        role's, whatever the record says. The record comes with the boot request (the
        API found the caller may see it) or from the image API asked as the caller; a
        host reading the image store directly (no API endpoint) has no other way to
        know that the caller may read it, and refuses."""
        record = (image_meta.get('boot_files') or {}).get(image_id)
        if record is None:
            try:
                record = self.image_client.show(context, image_id)
            except exception.ImageDownloadFailed as error:
                raise exception.ImageNotFound(image_id=image_id) from error
        source = {k: record[k] for k in _IMAGE_CHECK_FIELDS if record.get(k) is not None}
        return dict(source, image_id=image_id, disk_format=disk_format)

    def boot_file(self, info, role):
        """Path of the cached kernel or ramdisk the instance boots, or None."""
        boot = info['boot'].get(role)
        return self.cache.path(boot['base']) if boot else None

    # -- making disks ----------------------------------------------------------------
    def _wanted_disks(self, instance, image_meta):
        """(name, source, size) of the disks an instance of this flavor has."""
        flavor = instance.flavor
        wanted = []
        if image_meta is not None:
            wanted.append(('disk', _image_source(image_meta), flavor.root_gb * units.Gi or None))
        if flavor.ephemeral_gb:
            wanted.append(('disk.local', {'ephemeral_gb': flavor.ephemeral_gb,
                                          'label': 'ephemeral0'},
                           flavor.ephemeral_gb * units.Gi))
        if flavor.swap:
            wanted.append(('disk.swap', {'swap_mb': flavor.swap}, flavor.swap * units.Mi))
        return wanted

    def _create_disk(self, context, inst_dir, info, name, source, size):
        if CONF.libvirt.images_type == 'rbd':
            entry = self.rbd.create(os.path.basename(inst_dir), name, source, size,
                                    lambda use: self._use_base(context, source, size, use))
            info['disks'][name] = dict(entry, source=source)
            self.write_info(inst_dir, info)
            return
        backend = imagebackend.backend(CONF.libvirt.images_type)
        image = backend(os.path.join(inst_dir, name))
        if os.path.exists(image.path):
            os.unlink(image.path)  # made before a crash, never recorded: make it again
        base = image.create(self.cache, self._base_name(source),
                            self._fetcher(context, source, size), size)
        info['disks'][name] = dict(image.describe(base), source=source)
        self.write_info(inst_dir, info)

    def create(self, context, instance, image_meta):
        """Make the instance's disks (and fetch its boot files); returns its disk.info.
        Disks recorded in disk.info by an earlier attempt are kept. ``image_meta``
        None: the image the instance's record names."""
        if image_meta is None:
            image_meta = self.image_client.show(context, instance.image_ref)
        inst_dir = utils.ensure_tree(self.inst_dir(instance.uuid))
        info = self.read_info(inst_dir)
        self._fetch_boot_files(context, info, image_meta)
        self.write_info(inst_dir, info)
        min_disk = (image_meta.get('min_disk') or 0) * units.Gi
        if instance.flavor.root_gb and min_disk > instance.flavor.root_gb * units.Gi:
            raise exception.FlavorDiskSmallerThanMinDisk(
                flavor_size=instance.flavor.root_gb * units.Gi, image_min_disk=min_disk)
        for name, source, size in self._wanted_disks(instance, image_meta):
            if name not in info['disks']:
                self._create_disk(context, inst_dir, info, name, source, size)
        return info

    def _fetch_boot_files(self, context, info, image_meta, prefix=''):
        """Fetch the kernel and ramdisk ``image_meta`` names into the cache and record
        them (and the command line) in ``info['boot']`` as ``<prefix><role>``."""
        props = image_props(image_meta)
        for role, key, disk_format in BOOT_ROLES:
            if props.get(key):
                boot = info['boot'].get(prefix + role)
                source = boot['source'] if boot else self._boot_source(
                    context, props[key], disk_format, image_meta)
                base = self._ensure_base(context, source)
                info['boot'][prefix + role] = {'base': base.name, 'source': source}
        if props.get('kernel_id'):
            info['boot'][prefix + 'cmdline'] = (props.get('os_command_line') or
                                                CONF.libvirt.default_kernel_cmdline)

    # -- rescue ----------------------------------------------------------------------
    def create_rescue(self, context, uuid, image_meta):
        """Make ``disk.rescue`` from the rescue image (its own size) and fetch that
        image's boot files, recorded in disk.info as ``rescue_kernel``,
        ``rescue_ramdisk`` and ``rescue_cmdline``, and a stable rescue's device as
        ``rescue_device``; returns disk.info. Kept when made before (a second run)."""
        inst_dir = self.inst_dir(uuid)
        if not self.exist(uuid):
            raise exception.InstanceNotFound(instance_id=uuid)
        info = self.read_info(inst_dir)
        if RESCUE_DISK in info['disks']:
            return info
        self._fetch_boot_files(context, info, image_meta, RESCUE_PREFIX)
        stable = rescue_devices.stable_device(image_props(image_meta))
        if stable:  # written with the disk's entry
            info['boot'][RESCUE_DEVICE] = stable
        self._create_disk(context, inst_dir, info, RESCUE_DISK, _image_source(image_meta),
                          None)
        return info

    def remove_rescue(self, uuid):
        """The rescue disk and boot files go from disk.info, then the file goes."""
        inst_dir = self.inst_dir(uuid)
        if not self.exist(uuid):
            return
        info = self.read_info(inst_dir)
        entry = info['disks'].pop(RESCUE_DISK, None)
        if entry and rbd_disks.is_rbd(entry):
            self.rbd.remove_one(entry)
        info['boot'] = {k: v for k, v in info['boot'].items()
                        if not k.startswith(RESCUE_PREFIX)}
        self.write_info(inst_dir, info)
        path = os.path.join(inst_dir, RESCUE_DISK)
        if os.path.exists(path):
            os.unlink(path)

    def _disk_image(self, inst_dir, info, name):
        return imagebackend.for_existing(os.path.join(inst_dir, name),
                                         info['disks'][name]['format'])

    def attach_bases(self, context, uuid):
        """Make sure every base the instance's disks need is in this host's cache and
        that the disks point at it (they may come from a host with another instances
        path); returns its disk.info. InstanceNotFound when its disks are not here."""
        inst_dir = self.inst_dir(uuid)
        if not self.exist(uuid):
            raise exception.InstanceNotFound(instance_id=uuid)
        info = self.read_info(inst_dir)
        for name, disk_info in info['disks'].items():
            if disk_info['format'] == 'qcow2' and disk_info.get('base'):
                image = self._disk_image(inst_dir, info, name)
                image.attach_to_base(self._ensure_base(context, disk_info['source']))
        for role, _key, _fmt in BOOT_ROLES:
            boot = info['boot'].get(role)
            if boot:
                self._ensure_base(context, boot['source'])
        return info

    def remove(self, uuid, preserve_ephemeral=False, keep_snapshotted=False):
        """The instance's disks go, and a pre-resize copy kept here with them.

        ``preserve_ephemeral`` (a rebuild's) keeps the ephemeral disk: disk.info then
        records it alone, without the old image's boot files, before the rest goes, so
        that the rebuild's ``create`` makes the others again and a crash midway leaves
        nothing that a second run would not remove.

        RBD disks go too, except, with ``keep_snapshotted`` (a revert's destination),
        those holding a resize snapshot: the source rolls them back."""
        inst_dir = self.inst_dir(uuid)
        info = self.read_info(inst_dir) if preserve_ephemeral and self.exist(uuid) else None
        kept = {n: d for n, d in info['disks'].items() if n == 'disk.local'} if info else {}
        if self.uses_rbd(self.read_info(inst_dir)) or self.uses_rbd(
                self.read_info(self.resize_dir(uuid))):
            self.rbd.remove_instance(uuid, keep=kept, keep_snapshotted=keep_snapshotted)
        utils.remove_tree(self.resize_dir(uuid))
        if not kept:
            utils.remove_tree(inst_dir)
            return
        self.write_info(inst_dir, dict(info, disks=kept, boot={}))
        for name in os.listdir(inst_dir):
            path = os.path.join(inst_dir, name)
            if name not in kept and name != DISK_INFO and os.path.isfile(path):
                os.unlink(path)

    # -- snapshots -------------------------------------------------------------------
    def snapshot_dir(self):
        """Captures waiting for their upload (a hidden directory: not an instance's)."""
        return os.path.join(self.instances_path, SNAPSHOT_DIR)

    def root_entry(self, uuid):
        """disk.info's entry of the instance's root disk (None without one)."""
        return self.read_info(self.inst_dir(uuid))['disks'].get('disk')

    def capture_root(self, uuid, path):
        """A standalone qcow2 of the instance's root disk at ``path`` (its base merged
        in), written beside it and renamed when complete. The caller makes sure that
        nothing writes the disk meanwhile (a paused guest has flushed what it wrote)."""
        inst_dir = self.inst_dir(uuid)
        info = self.read_info(inst_dir)
        if 'disk' not in info['disks']:
            raise exception.InstanceNotFound(instance_id=uuid)
        utils.ensure_tree(os.path.dirname(path))
        part = path + '.part'
        try:
            entry = info['disks']['disk']
            source = (self.rbd.qemu_path(entry) if rbd_disks.is_rbd(entry)
                      else os.path.join(inst_dir, 'disk'))
            disk.capture(source, entry['format'], part)
            os.replace(part, path)
        finally:
            if os.path.exists(part):
                os.unlink(part)

    def detach_root_from_image(self, uuid):
        """Merge the root disk's base into it (a standalone qcow2, recorded without a
        base; an RBD clone flattened): what it was made from may be deleted (an
        unshelve's shelved image), and a move to another host must not need to fetch
        it. Done again, nothing changes."""
        inst_dir = self.inst_dir(uuid)
        info = self.read_info(inst_dir)
        entry = info['disks'].get('disk')
        if entry and rbd_disks.is_rbd(entry):
            info['disks']['disk'] = self.rbd.detach_from_image(entry)
            self.write_info(inst_dir, info)
            return
        if not entry or entry['format'] != 'qcow2' or not entry.get('base'):
            return
        path = os.path.join(inst_dir, 'disk')
        standalone = path + '.standalone'
        try:
            disk.flatten(path, standalone)
            os.replace(standalone, path)
        finally:
            if os.path.exists(standalone):
                os.unlink(standalone)
        entry.update(base=None, base_format=None)
        self.write_info(inst_dir, info)

    # -- resize and cold migration ---------------------------------------------------
    def prepare_target(self, context, instance, flavor):
        """On the destination: fetch the image's base (and kernel/ramdisk) into this
        host's cache now, so that only the overlay has to travel and a too-small flavor
        fails before the guest is stopped."""
        try:
            image_meta = self.image_client.show(context, instance.image_ref)
        except exception.ImageDownloadFailed as error:
            LOG.info('Not pre-fetching the image: %s', error, instance=instance)
            return
        props = image_props(image_meta)
        for _role, key, disk_format in BOOT_ROLES:
            if props.get(key):
                self._ensure_base(context, self._boot_source(context, props[key],
                                                             disk_format, image_meta))
        if CONF.libvirt.images_type == 'qcow2':  # (flat and rbd disks need no base)
            self._ensure_base(context, _image_source(image_meta),
                              flavor.root_gb * units.Gi or None)

    def shared_with(self, dest_host, uuid):
        """Same host, or an instances path both hosts see: a marker file made in the
        instance's directory there is visible here. Makes that directory there (so an
        unreachable destination fails here, before anything is stopped)."""
        if dest_host in (self.host, CONF.libvirt.migration_address):
            return True
        self.remotefs.make_dir(dest_host, uuid)
        marker = os.path.join(uuid, '.nimbus-shared-check-%s' % uuid_lib.uuid4().hex)
        self.remotefs.create_file(dest_host, marker)
        local = os.path.join(self.instances_path, marker)
        shared = os.path.exists(local)
        try:
            self.remotefs.remove(dest_host, marker)
        finally:
            if os.path.exists(local):
                os.unlink(local)
        return shared

    def move_out(self, instance, dest_host, shared, progress_cb=None):
        """Keep the (stopped) instance's disks as ``<uuid>_resize`` and give the
        destination a copy of what it lacks.

        To another host travel the instance's own files only: a qcow2 disk made from an
        image goes as its overlay (the destination gets the same base, checked against
        the image's hash, from its cache or the image API); a disk on a generated base
        (ephemeral filesystem, swap) goes flattened, because a base made again elsewhere
        would not be the same bytes; flat disks go as they are (sparse).

        Same host or shared instances path: nothing travels; the files are copied locally
        into ``<uuid>`` so the originals stay untouched for a revert (for qcow2, the
        overlays only). Returns what moved: {'shared', 'bytes_sent', 'sent', 'files'}."""
        uuid = instance.uuid
        inst_dir, resize_dir = self.inst_dir(uuid), self.resize_dir(uuid)
        progress_cb = progress_cb or (lambda percent: report_progress(instance, percent))
        current = self.read_info(resize_dir if os.path.exists(resize_dir) else inst_dir)
        if self.uses_rbd(current):  # shared by every host: snapshotted, never copied
            self.rbd.snapshot_for_resize(current)
        if not os.path.exists(resize_dir):
            os.rename(inst_dir, resize_dir)
        elif os.path.exists(inst_dir):
            utils.remove_tree(inst_dir)  # a copy interrupted by a crash: start it again
        if shared:
            utils.ensure_tree(inst_dir)
        outgoing = self._outgoing_files(resize_dir, shared)
        total = sum(os.path.getsize(src) for src, _name in outgoing) or 1
        sent, done = {}, 0
        try:
            for src, name in outgoing:
                if shared:
                    utils.sparse_copy(src, os.path.join(inst_dir, name))
                else:
                    sent[name] = self.remotefs.copy_to(src, dest_host,
                                                       os.path.join(uuid, name))
                done += os.path.getsize(src)
                progress_cb(int(100 * done / total))
                faults.point('resize_instance.during_disk_copy')  # disk.info not there yet
        finally:
            for src, name in outgoing:
                if os.path.basename(src) != name:  # made for the trip
                    os.unlink(src)
        LOG.info('Disks of the instance moved to %s (%s, %d bytes sent)', dest_host,
                 'shared storage' if shared else 'copied', sum(sent.values()),
                 instance=instance)
        return {'shared': shared, 'bytes_sent': sum(sent.values()), 'sent': sent,
                'files': [name for _src, name in outgoing]}

    def _outgoing_files(self, resize_dir, shared):
        """(local path, name at the destination) of what the destination needs; disk.info
        goes last, so its arrival means the disks are all there."""
        info = self.read_info(resize_dir)
        names = [n for n in DISK_ORDER if n in info['disks'] and
                 not rbd_disks.is_rbd(info['disks'][n])]
        if shared:  # the same bases are there
            return [(os.path.join(resize_dir, n), n) for n in names + [DISK_INFO]]
        outgoing = []
        for name in names:
            src = os.path.join(resize_dir, name)
            entry = info['disks'][name]
            if entry['format'] == 'qcow2' and entry.get('base') and \
                    'image_id' not in entry['source']:
                flat = src + '.outgoing'
                disk.flatten(src, flat)
                entry.update(base=None, base_format=None)
                src = flat
            outgoing.append((src, name))
        dest_info = os.path.join(resize_dir, DISK_INFO + '.outgoing')
        utils.write_json_atomic(dest_info, info)
        return outgoing + [(dest_info, DISK_INFO)]

    # -- live migration ----------------------------------------------------------------
    def prepare_incoming(self, context, instance):
        """On the destination of a block live migration: the bases in this host's cache
        and the instance's disks made over them, for the source to copy its data into
        (libvirt's incremental disk copy needs the same disks with the same bases)."""
        self.prepare_target(context, instance, instance.flavor)
        return self.create(context, instance, None)

    def copy_out(self, instance, dest_host):
        """Copy the instance's disks as they are now to ``dest_host`` (what a block
        migration's disk copy does; disk.info last). The originals stay here."""
        self.drop_outgoing(instance.uuid)
        outgoing = self._outgoing_files(self.inst_dir(instance.uuid), shared=False)
        try:
            for src, name in outgoing:
                self.remotefs.copy_to(src, dest_host, os.path.join(instance.uuid, name))
                faults.point('live_migration.during_disk_copy')
        finally:
            for src, name in outgoing:
                if os.path.basename(src) != name:
                    os.unlink(src)

    def drop_outgoing(self, uuid):
        """Remove what a copy interrupted by a crash left made for the trip."""
        inst_dir = self.inst_dir(uuid)
        if os.path.isdir(inst_dir):
            for name in os.listdir(inst_dir):
                if name.endswith('.outgoing'):
                    os.unlink(os.path.join(inst_dir, name))

    def adopt(self, context, instance, resize_instance):
        """On the destination: take the arrived disks (bases from this host's cache)
        and, when resizing, grow them to ``instance.flavor``; returns their disk.info."""
        uuid = instance.uuid
        if not self.exist(uuid):
            raise exception.ResizeError(
                reason='the disks of %s have not arrived on %s' % (uuid, self.host))
        info = self.attach_bases(context, uuid)
        if resize_instance:
            self._grow(context, instance, self.inst_dir(uuid), info)
        return info

    def _grow(self, context, instance, inst_dir, info):
        flavor = instance.flavor
        if flavor.root_gb and 'disk' in info['disks']:
            self._grow_disk(inst_dir, info, 'disk', flavor.root_gb * units.Gi)
        if flavor.ephemeral_gb:
            if 'disk.local' in info['disks']:
                self._grow_disk(inst_dir, info, 'disk.local', flavor.ephemeral_gb * units.Gi)
            else:
                self._create_disk(context, inst_dir, info, 'disk.local',
                                  {'ephemeral_gb': flavor.ephemeral_gb, 'label': 'ephemeral0'},
                                  flavor.ephemeral_gb * units.Gi)
        swap = info['disks'].get('disk.swap')
        if swap and swap['source'].get('swap_mb') != flavor.swap:
            if rbd_disks.is_rbd(swap):  # a swap area holds no data
                self.rbd.remove_one(swap)
            else:
                os.unlink(os.path.join(inst_dir, 'disk.swap'))
            del info['disks']['disk.swap']
            self.write_info(inst_dir, info)
        if flavor.swap and 'disk.swap' not in info['disks']:
            self._create_disk(context, inst_dir, info, 'disk.swap',
                              {'swap_mb': flavor.swap}, flavor.swap * units.Mi)

    def _grow_disk(self, inst_dir, info, name, size):
        if rbd_disks.is_rbd(info['disks'][name]):
            self.rbd.resize(info['disks'][name], size)
        else:
            self._disk_image(inst_dir, info, name).resize(size)

    def restore(self, uuid):
        """On the source of a revert: put ``<uuid>_resize`` back as ``<uuid>`` (what a
        same-host resize made there goes). RBD disks are rolled back to their resize
        snapshot first."""
        inst_dir, resize_dir = self.inst_dir(uuid), self.resize_dir(uuid)
        if os.path.exists(resize_dir) and self.uses_rbd(self.read_info(resize_dir)):
            old = self.read_info(resize_dir)

            def remake(name, entry):
                self.rbd.remove_one(entry)
                self.rbd.create(uuid, name, entry['source'], None, lambda use: (
                    self._use_base(None, entry['source'], None, use)))
            self.rbd.roll_back(uuid, old, self.read_info(inst_dir), remake)
        if os.path.exists(resize_dir):
            utils.remove_tree(inst_dir)
            os.rename(resize_dir, inst_dir)

    def drop_resize_copy(self, uuid):
        """On the source of a confirmed resize: the pre-resize disks go (for RBD disks,
        their resize snapshot)."""
        resize_dir = self.resize_dir(uuid)
        if os.path.exists(resize_dir) and self.uses_rbd(self.read_info(resize_dir)):
            self.rbd.drop_snapshots(self.read_info(resize_dir))
        utils.remove_tree(resize_dir)
