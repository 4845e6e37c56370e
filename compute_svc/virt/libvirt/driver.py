"""The libvirt driver: real guests under QEMU (TCG or KVM) through libvirt-python.

On disk, per host::

    <instances_path>/_base/<sha1(image id)>       cached images (imagecache.py)
    <instances_path>/_base/ephemeral_<GB>_ext4    generated ephemeral filesystems
    <instances_path>/_base/swap_<MB>              generated swap areas
    <instances_path>/locks/                       the cache's per-file locks
    <instances_path>/<uuid>/disk                  root disk (qcow2 overlay or flat raw)
    <instances_path>/<uuid>/disk.local            ephemeral disk, if the flavor has one
    <instances_path>/<uuid>/disk.swap             swap disk, if the flavor has one
    <instances_path>/<uuid>/disk.info             JSON: each disk's format, its base and
                                                  where the base comes from; the boot files
    <instances_path>/<uuid>/console.log           the serial console (append mode)
    <instances_path>/<uuid>/libvirt.xml           the domain as last defined (for people)
    <instances_path>/<uuid>_resize/               the source's disks during a resize

Domains are persistent, named ``instance-<uuid>`` with the instance's uuid. A domain
belongs to this driver when its disks are under this driver's instances path, so several
compute services can share one libvirt (each with its own instances path) without
seeing each other's guests.

Every method is idempotent: each step checks what is already done (a defined domain, a
disk file, a renamed directory) before doing it.
"""
import os
import time
import uuid as uuid_lib

from oslo_log import log as logging
from oslo_utils import units

from svc_common.conf import CONF
from svc_common import exception
from compute_svc import image_client as image_client_mod
from compute_svc.virt import driver
from compute_svc.virt.libvirt import config
from compute_svc.virt.libvirt import disk
from compute_svc.virt.libvirt import host as host_mod
from compute_svc.virt.libvirt import imagebackend
from compute_svc.virt.libvirt import imagecache
from compute_svc.virt.libvirt import images
from compute_svc.virt.libvirt import remotefs as remotefs_mod
from compute_svc.virt.libvirt import utils

LOG = logging.getLogger(__name__)

DISK_INFO = 'disk.info'
CONSOLE_LOG = 'console.log'
# Instance disks in the order they are attached (vda, vdb, ...).
DISK_ORDER = ('disk', 'disk.local', 'disk.swap')
_BOOT_ROLES = (('kernel', 'kernel_id', 'aki'), ('ramdisk', 'ramdisk_id', 'ari'))
_IMAGE_CHECK_FIELDS = ('disk_format', 'size', 'checksum', 'os_hash_algo', 'os_hash_value')
_MAX_CONSOLE_BYTES = 1024 * 1024


def _image_props(image_meta):
    """Image properties, whether top-level (Glance v2 records) or under 'properties'."""
    props = dict(image_meta.get('properties') or {})
    for key in ('kernel_id', 'ramdisk_id', 'os_command_line'):
        if image_meta.get(key):
            props[key] = image_meta[key]
    return props


class LibvirtDriver(driver.ComputeDriver):

    def __init__(self, instances_path=None, image_client=None, remotefs=None, uri=None,
                 host=None):
        """The arguments are for composing it differently (tests, several compute
        services in one process); by default everything comes from the config."""
        self.host = host or CONF.host
        self._explicit_path = instances_path
        self._explicit_remotefs = remotefs
        self._image_client = image_client
        self._hypervisor = host_mod.Host(uri or CONF.libvirt.connection_uri, self.host)
        self.virt_type = host_mod.resolve_virt_type(CONF.libvirt.virt_type)
        self._use_instances_path()

    def _use_instances_path(self):
        path = self._explicit_path or CONF.libvirt.instances_paths_by_host.get(
            self.host, CONF.compute.instances_path)
        self.instances_path = os.path.realpath(path)
        self.cache = imagecache.ImageCache(self.instances_path,
                                           CONF.libvirt.image_cache_subdirectory_name)
        self.cache_manager = imagecache.ImageCacheManager(
            self.cache, self.instances_path,
            CONF.libvirt.remove_unused_original_minimum_age_seconds,
            CONF.libvirt.remove_unused_base_images)
        self.remotefs = self._explicit_remotefs or remotefs_mod.from_config(
            self.instances_path)

    # -- helpers ---------------------------------------------------------------------
    @property
    def image_client(self):
        if self._image_client is None:
            self._image_client = image_client_mod.get_client()
        return self._image_client

    def _inst_dir(self, uuid):
        return os.path.join(self.instances_path, uuid)

    def _resize_dir(self, uuid):
        return self._inst_dir(uuid) + '_resize'

    def _owns(self, guest):
        paths = guest.disk_paths()
        root = self.instances_path + os.sep
        return not paths or any(os.path.realpath(p).startswith(root) for p in paths)

    def _guest(self, uuid):
        """This driver's domain of an instance, or None."""
        guest = self._hypervisor.lookup(uuid)
        return guest if guest is not None and self._owns(guest) else None

    def _existing_guest(self, instance):
        guest = self._guest(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    @staticmethod
    def _read_disk_info(inst_dir):
        info = utils.read_json(os.path.join(inst_dir, DISK_INFO)) or {}
        info.setdefault('version', 1)
        info.setdefault('disks', {})
        info.setdefault('boot', {})
        return info

    @staticmethod
    def _write_disk_info(inst_dir, info):
        utils.write_json_atomic(os.path.join(inst_dir, DISK_INFO), info)

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

    def _ensure_base(self, context, source, max_size=None):
        name = self._base_name(source)
        with self.cache.use(name, self._fetcher(context, source, max_size)) as base:
            return base

    def _boot_source(self, context, image_id, disk_format):
        """A kernel's or ramdisk's record for verifying its download (if the image API
        can give it); the format is the role's, whatever the record says."""
        record = {}
        try:
            record = self.image_client.show(context, image_id)
        except exception.ImageDownloadFailed:
            pass  # no image API endpoint (all-in-one store): data only
        source = {k: record[k] for k in _IMAGE_CHECK_FIELDS if record.get(k) is not None}
        return dict(source, image_id=image_id, disk_format=disk_format)

    def _ensure_boot_files(self, context, info):
        for role, _key, _fmt in _BOOT_ROLES:
            boot = info['boot'].get(role)
            if boot:
                self._ensure_base(context, boot['source'])

    # -- disks -----------------------------------------------------------------------
    def _wanted_disks(self, instance, image_meta):
        """(name, source, size) of the disks an instance of this flavor has."""
        flavor = instance.flavor
        wanted = []
        if image_meta is not None:
            source = {k: image_meta[k] for k in _IMAGE_CHECK_FIELDS
                      if image_meta.get(k) is not None}
            source['image_id'] = image_meta['id']
            wanted.append(('disk', source, flavor.root_gb * units.Gi or None))
        if flavor.ephemeral_gb:
            wanted.append(('disk.local', {'ephemeral_gb': flavor.ephemeral_gb,
                                          'label': 'ephemeral0'},
                           flavor.ephemeral_gb * units.Gi))
        if flavor.swap:
            wanted.append(('disk.swap', {'swap_mb': flavor.swap}, flavor.swap * units.Mi))
        return wanted

    def _create_disk(self, context, inst_dir, info, name, source, size):
        backend = imagebackend.backend(CONF.libvirt.images_type)
        image = backend(os.path.join(inst_dir, name))
        if os.path.exists(image.path):
            os.unlink(image.path)  # made before a crash, never recorded: make it again
        base = image.create(self.cache, self._base_name(source),
                            self._fetcher(context, source, size), size)
        info['disks'][name] = dict(image.describe(base), source=source)
        self._write_disk_info(inst_dir, info)

    def _create_disks(self, context, instance, image_meta, inst_dir):
        info = self._read_disk_info(inst_dir)
        props = _image_props(image_meta)
        for role, key, disk_format in _BOOT_ROLES:
            if props.get(key):
                boot = info['boot'].get(role)
                source = boot['source'] if boot else self._boot_source(context, props[key],
                                                                        disk_format)
                base = self._ensure_base(context, source)
                info['boot'][role] = {'base': base.name, 'source': source}
        if props.get('kernel_id'):
            info['boot']['cmdline'] = (props.get('os_command_line') or
                                       CONF.libvirt.default_kernel_cmdline)
        self._write_disk_info(inst_dir, info)
        min_disk = (image_meta.get('min_disk') or 0) * units.Gi
        if instance.flavor.root_gb and min_disk > instance.flavor.root_gb * units.Gi:
            raise exception.FlavorDiskSmallerThanMinDisk(
                flavor_size=instance.flavor.root_gb * units.Gi, image_min_disk=min_disk)
        for name, source, size in self._wanted_disks(instance, image_meta):
            if name not in info['disks']:
                self._create_disk(context, inst_dir, info, name, source, size)
        return info

    def _disk_image(self, inst_dir, info, name):
        return imagebackend.for_existing(os.path.join(inst_dir, name),
                                         info['disks'][name]['format'])

    def _attach_bases(self, context, inst_dir, info):
        """Make sure every base the disks need is in this host's cache and that the
        disks point at it (they may come from a host with another instances path)."""
        for name, disk_info in info['disks'].items():
            if disk_info['format'] == 'qcow2' and disk_info.get('base'):
                image = self._disk_image(inst_dir, info, name)
                image.attach_to_base(self._ensure_base(context, disk_info['source']))
        self._ensure_boot_files(context, info)

    # -- the domain ------------------------------------------------------------------
    def _guest_config(self, instance, inst_dir, info):
        names = [n for n in DISK_ORDER if n in info['disks']]
        disks = [config.Disk(os.path.join(inst_dir, name), info['disks'][name]['format'],
                             'vd' + chr(ord('a') + i)) for i, name in enumerate(names)]
        boot = info['boot']
        flavor = instance.flavor
        root_source = info['disks'].get('disk', {}).get('source', {})
        return config.GuestConfig(
            uuid=instance.uuid, virt_type=self.virt_type, memory_mb=flavor.memory_mb,
            vcpus=flavor.vcpus, disks=disks, console_log=os.path.join(inst_dir, CONSOLE_LOG),
            kernel=self.cache.path(boot['kernel']['base']) if boot.get('kernel') else None,
            initrd=self.cache.path(boot['ramdisk']['base']) if boot.get('ramdisk') else None,
            cmdline=boot.get('cmdline'),
            metadata={'flavor': flavor.name, 'image': root_source.get('image_id'),
                      'host': self.host, 'root_gb': flavor.root_gb,
                      'ephemeral_gb': flavor.ephemeral_gb, 'swap_mb': flavor.swap})

    def _define_and_start(self, instance, inst_dir, info, power_on):
        xml = self._guest_config(instance, inst_dir, info).to_xml()
        with open(os.path.join(inst_dir, 'libvirt.xml'), 'w') as f:
            f.write(xml)
        open(os.path.join(inst_dir, CONSOLE_LOG), 'a').close()
        guest = self._hypervisor.define(xml)
        if power_on:
            guest.start()
        return guest

    def _redefine(self, context, instance, power_on):
        """Define the domain again from what is on disk (for a lost definition)."""
        inst_dir = self._inst_dir(instance.uuid)
        if not os.path.exists(os.path.join(inst_dir, DISK_INFO)):
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        info = self._read_disk_info(inst_dir)
        self._attach_bases(context, inst_dir, info)
        return self._define_and_start(instance, inst_dir, info, power_on)

    def _stop(self, guest, timeout):
        """Power off: ACPI first for up to ``timeout`` seconds, then hard."""
        if not guest.is_active():
            return
        if timeout:
            deadline = time.monotonic() + timeout
            next_press = 0.0
            while time.monotonic() < deadline:
                if time.monotonic() >= next_press:
                    guest.shutdown()  # again now and then: an early press can be missed
                    next_press = time.monotonic() + CONF.libvirt.shutdown_retry_interval
                if not guest.is_active():
                    return
                time.sleep(0.2)
            LOG.info('Guest %s did not shut down within %ss; stopping it', guest.uuid,
                     timeout)
        guest.destroy()

    # -- ComputeDriver ---------------------------------------------------------------
    def init_host(self, host):
        if host and host != self.host:
            self.host = host
            self._hypervisor.host_name = host
            self._use_instances_path()
        for path in (self.instances_path, self.cache.base_dir, self.cache.lock_path):
            utils.ensure_tree(path)
        self._hypervisor.connection()
        LOG.info('libvirt driver on %s: %s, virt_type %s (configured %s), instances in %s',
                 self.host, self._hypervisor.uri, self.virt_type, CONF.libvirt.virt_type,
                 self.instances_path)

    def cleanup_host(self, host):
        self._hypervisor.close()

    def get_available_resource(self):
        cpus, memory_mb = self._hypervisor.resources()
        utils.ensure_tree(self.instances_path)
        stat = os.statvfs(self.instances_path)
        # What instances can have: the free space plus what they (and the cache) already
        # hold; usage is then accounted by the claims, not here.
        usable = stat.f_bavail * stat.f_frsize + utils.tree_allocated_bytes(
            self.instances_path)
        return driver.HostResources(
            hypervisor_type='QEMU', hypervisor_version=self._hypervisor.hypervisor_version(),
            hypervisor_hostname=self.host, vcpus=cpus, memory_mb=memory_mb,
            local_gb=usable // units.Gi,
            host_ip=CONF.libvirt.migration_address or self.host)

    def list_instance_uuids(self):
        return [g.uuid for g in self._hypervisor.guests() if self._owns(g)]

    def spawn(self, context, instance, image_meta, power_on=True):
        guest = self._guest(instance.uuid)
        if guest is not None:  # built before: just make sure it runs
            if power_on:
                guest.start()
            return
        if image_meta is None:
            image_meta = self.image_client.show(context, instance.image_ref)
        inst_dir = utils.ensure_tree(self._inst_dir(instance.uuid))
        started = time.monotonic()
        info = self._create_disks(context, instance, image_meta, inst_dir)
        self._define_and_start(instance, inst_dir, info, power_on)
        LOG.info('Spawned guest (disks and domain in %.2fs)', time.monotonic() - started,
                 instance=instance)

    def destroy(self, context, instance, destroy_disks=True):
        guest = self._guest(instance.uuid)
        if guest is not None:
            guest.destroy()
            guest.undefine()
        if destroy_disks:
            utils.remove_tree(self._inst_dir(instance.uuid))

    def get_info(self, instance):
        return driver.GuestInfo(power_state=self._existing_guest(instance).power_state())

    def power_off(self, instance, timeout=0):
        self._stop(self._existing_guest(instance), timeout)

    def power_on(self, context, instance):
        guest = self._guest(instance.uuid)
        if guest is None:
            self._redefine(context, instance, power_on=True)
        else:
            guest.start()

    def reboot(self, context, instance, reboot_type):
        guest = self._existing_guest(instance)
        if reboot_type == 'SOFT' and guest.is_active():
            self._stop(guest, CONF.libvirt.shutdown_timeout)
        else:
            guest.destroy()
        # Define again from the files: a hard reboot also repairs a stale definition.
        self._redefine(context, instance, power_on=True)

    def get_console_output(self, context, instance):
        path = os.path.join(self._inst_dir(instance.uuid), CONSOLE_LOG)
        try:
            with open(path, 'rb') as f:
                f.seek(max(0, os.path.getsize(path) - _MAX_CONSOLE_BYTES))
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            raise exception.ConsoleNotAvailable(instance_id=instance.uuid) from None

    # -- image cache -----------------------------------------------------------------
    def manage_image_cache(self):
        return self.cache_manager.run()

    def periodic_tasks(self):
        """(interval, callable) pairs for the compute manager to schedule."""
        interval = CONF.libvirt.image_cache_manager_interval
        return [(interval, self.manage_image_cache)] if interval else []

    # -- resize and cold migration ---------------------------------------------------
    def prepare_migration_target(self, context, instance, flavor):
        """Fetch the image's base (and kernel/ramdisk) into this host's cache now, so
        that only the overlay has to travel and a too-small flavor fails before the
        guest is stopped."""
        try:
            image_meta = self.image_client.show(context, instance.image_ref)
        except exception.ImageDownloadFailed as error:
            LOG.info('Not pre-fetching the image: %s', error, instance=instance)
            return
        props = _image_props(image_meta)
        for _role, key, disk_format in _BOOT_ROLES:
            if props.get(key):
                self._ensure_base(context, self._boot_source(context, props[key],
                                                             disk_format))
        if CONF.libvirt.images_type == 'qcow2':
            source = {k: image_meta[k] for k in _IMAGE_CHECK_FIELDS
                      if image_meta.get(k) is not None}
            source['image_id'] = image_meta['id']
            self._ensure_base(context, source, flavor.root_gb * units.Gi or None)

    def _is_shared_with(self, dest_host, uuid):
        """Same host, or an instances path both hosts see: a marker file made in the
        instance's directory there is visible here. Makes that directory there."""
        if dest_host in (self.host, CONF.libvirt.migration_address):
            return True
        self.remotefs.make_dir(dest_host, uuid)  # fails early, before the guest stops
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

    def _report_progress(self, instance, progress_cb, percent):
        if progress_cb is not None:
            progress_cb(percent)
            return
        if getattr(instance, '_context', None) is None:
            return
        try:
            instance.progress = percent
            instance.save()
        except Exception as error:  # progress is informative: never fail a move for it
            LOG.warning('Could not record progress %s%%: %s', percent, error,
                        instance=instance)

    def migrate_disk_and_power_off(self, context, instance, dest_host, flavor,
                                   progress_cb=None):
        """Stop the guest, keep its disks as ``<uuid>_resize`` and give the destination
        a copy of what it lacks.

        To another host travel the instance's own files only: a qcow2 disk made from an
        image goes as its overlay (the destination gets the same base, checked against
        the image's hash, from its cache or the image API); a disk on a generated base
        (ephemeral filesystem, swap) goes flattened, because a base made again elsewhere
        would not be the same bytes; flat disks go as they are (sparse).

        Same host or shared instances path: nothing travels; the files are copied locally
        into ``<uuid>`` so the originals stay untouched for a revert (for qcow2, the
        overlays only). Returns what moved: {'shared', 'bytes_sent', 'files'}."""
        old = instance.flavor
        if flavor.root_gb < old.root_gb or flavor.ephemeral_gb < old.ephemeral_gb:
            raise exception.ResizeError(reason='Unable to resize disk down.')
        uuid = instance.uuid
        inst_dir, resize_dir = self._inst_dir(uuid), self._resize_dir(uuid)
        shared = self._is_shared_with(dest_host, uuid)
        guest = self._guest(uuid)
        if guest is not None:
            self._stop(guest, CONF.libvirt.shutdown_timeout)
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
                self._report_progress(instance, progress_cb, int(100 * done / total))
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
        """(local path, name at the destination) of what the destination needs."""
        info = self._read_disk_info(resize_dir)
        names = [n for n in DISK_ORDER if n in info['disks']]
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

    def finish_migration(self, context, migration, instance, image_meta, resize_instance,
                         power_on=True):
        """On the destination: adopt the arrived disks (bases from this host's cache),
        grow them to ``instance.flavor`` (the new flavor, already applied by the
        caller) when resizing, define and start the guest."""
        uuid = instance.uuid
        guest = self._guest(uuid)
        if guest is not None and guest.is_active():
            return  # finished before
        inst_dir = self._inst_dir(uuid)
        if not os.path.exists(os.path.join(inst_dir, DISK_INFO)):
            raise exception.ResizeError(
                reason='the disks of %s have not arrived on %s' % (uuid, self.host))
        info = self._read_disk_info(inst_dir)
        self._attach_bases(context, inst_dir, info)
        if resize_instance:
            self._resize_disks(context, instance, inst_dir, info)
        self._define_and_start(instance, inst_dir, info, power_on)

    def _resize_disks(self, context, instance, inst_dir, info):
        flavor = instance.flavor
        if flavor.root_gb and 'disk' in info['disks']:
            self._disk_image(inst_dir, info, 'disk').resize(flavor.root_gb * units.Gi)
        if flavor.ephemeral_gb:
            if 'disk.local' in info['disks']:
                self._disk_image(inst_dir, info, 'disk.local').resize(
                    flavor.ephemeral_gb * units.Gi)
            else:
                self._create_disk(context, inst_dir, info, 'disk.local',
                                  {'ephemeral_gb': flavor.ephemeral_gb, 'label': 'ephemeral0'},
                                  flavor.ephemeral_gb * units.Gi)
        swap = info['disks'].get('disk.swap')
        if swap and swap['source'].get('swap_mb') != flavor.swap:
            os.unlink(os.path.join(inst_dir, 'disk.swap'))  # a swap area holds no data
            del info['disks']['disk.swap']
            self._write_disk_info(inst_dir, info)
        if flavor.swap and 'disk.swap' not in info['disks']:
            self._create_disk(context, inst_dir, info, 'disk.swap',
                              {'swap_mb': flavor.swap}, flavor.swap * units.Mi)

    def finish_revert_migration(self, context, instance, migration, power_on=True):
        """On the source: put ``<uuid>_resize`` back and start the guest as it was
        (``instance.flavor`` is the old flavor again)."""
        uuid = instance.uuid
        inst_dir, resize_dir = self._inst_dir(uuid), self._resize_dir(uuid)
        guest = self._guest(uuid)
        if guest is not None:
            guest.destroy()  # the resized guest, when the resize stayed on this host
        if os.path.exists(resize_dir):
            utils.remove_tree(inst_dir)
            os.rename(resize_dir, inst_dir)
        self._redefine(context, instance, power_on)

    def confirm_migration(self, context, migration, instance):
        """On the source: drop ``<uuid>_resize`` and, when the instance left this host,
        its old domain here. ``instance`` is None when it was deleted meanwhile."""
        uuid = instance.uuid if instance is not None else migration.instance_uuid
        utils.remove_tree(self._resize_dir(uuid))
        moved = migration is not None and migration.dest_compute != self.host
        if moved:
            guest = self._guest(uuid)  # still pointing at this host's (removed) files
            if guest is not None:
                guest.destroy()
                guest.undefine()
