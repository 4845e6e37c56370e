"""The libvirt driver: real guests under QEMU (TCG or KVM) through libvirt-python.

The instances' files (image cache, disks, disk.info, the ``<uuid>_resize`` copy) are
``instance_disks``'s; this driver adds, in each instance's directory::

    <instances_path>/<uuid>/console.log           the serial console (append mode)
    <instances_path>/<uuid>/libvirt.xml           the domain as last defined (for people)
    <instances_path>/<uuid>/disk.config           the config drive (configdrive.py), made
                                                  again from the record at each definition

Domains are persistent, named ``instance-<uuid>`` with the instance's uuid. A domain
belongs to this driver when its disks are under this driver's instances path, so several
compute services can share one libvirt (each with its own instances path) without
seeing each other's guests.

Every method is idempotent: each step checks what is already done (a defined domain, a
disk file, a renamed directory) before doing it.
"""
import contextlib
import os
import time

from oslo_log import log as logging
from oslo_utils import units

from svc_common.conf import CONF
from svc_common import exception
from svc_common import rescue_devices
from svc_common import states
from compute_svc.virt.disks import configdrive
from compute_svc.virt.disks import rbd_disks
from compute_svc.virt import driver
from compute_svc.virt.libvirt import config
from compute_svc.virt.libvirt import host as host_mod
from compute_svc.virt.disks import instance_disks
from compute_svc.virt.libvirt import live_migration

LOG = logging.getLogger(__name__)

CONSOLE_LOG = 'console.log'
CONFIG_DRIVE = 'disk.config'
RESCUE_METADATA = 'rescue'  # the domain's metadata key marking a rescue domain
_MAX_CONSOLE_BYTES = 1024 * 1024


class LibvirtDriver(driver.ComputeDriver):

    def __init__(self, instances_path=None, image_client=None, remotefs=None, uri=None,
                 host=None, vifs=None):
        """The arguments are for composing it differently (tests, several compute
        services in one process); by default everything comes from the config, and a
        guest's NICs from its instance's addresses (``vifs(context, instance)``)."""
        self.host = host or CONF.host
        self.vifs = vifs or driver.vifs_for
        self._explicit_path = instances_path
        self._explicit_remotefs = remotefs
        self._image_client = image_client
        self._hypervisor = host_mod.Host(uri or CONF.libvirt.connection_uri, self.host)
        self.virt_type = host_mod.resolve_virt_type(CONF.libvirt.virt_type)
        self._use_instances_path()
        self.live = live_migration.LiveMigrations(self)

    def _use_instances_path(self):
        self.disks = instance_disks.InstanceDisks(
            self.host, self._explicit_path, self._image_client, self._explicit_remotefs)

    # -- helpers ---------------------------------------------------------------------
    @property
    def instances_path(self):
        return self.disks.instances_path

    @property
    def cache(self):
        return self.disks.cache

    @property
    def remotefs(self):
        return self.disks.remotefs

    @property
    def image_client(self):
        return self.disks.image_client

    def _owns(self, guest):
        paths = guest.file_paths()
        if paths is None:
            return False  # gone: no one's
        return not paths or self.disks.owns(paths)

    def _guest(self, uuid):
        """This driver's domain of an instance, or None."""
        guest = self._hypervisor.lookup(uuid)
        return guest if guest is not None and self._owns(guest) else None

    def _existing_guest(self, instance):
        guest = self._guest(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    # -- the domain ------------------------------------------------------------------
    def _guest_config(self, instance, info, config_drive=None, rescue=False, vifs=()):
        """The domain of ``instance`` on the disks ``info`` records; ``rescue``: booted
        from the rescue disk with the rescue image's kernel and ramdisk, that disk
        first and the root disk second (legacy), or, when the rescue image asked for a
        stable device (svc_common/rescue_devices.py), every device where it was and the
        rescue device after them."""
        inst_dir = self.disks.inst_dir(instance.uuid)
        names = [n for n in instance_disks.DISK_ORDER if n in info['disks']]
        boot = instance_disks.RESCUE_PREFIX if rescue else ''
        stable = info['boot'].get(instance_disks.RESCUE_DEVICE) if rescue else None
        if rescue and not stable:
            names = [instance_disks.RESCUE_DISK, 'disk']
        disks = [self._disk(inst_dir, name, info['disks'][name], 'vd' + chr(ord('a') + i))
                 for i, name in enumerate(names)]
        if config_drive:
            on_rbd = not config_drive.startswith('/')
            disks.append(config.Disk(config_drive, 'raw', 'sda', bus='scsi', device='cdrom',
                                     rbd=self._rbd_source() if on_rbd else None))
        if stable:
            target = rescue_devices.target_dev(stable['bus'], {d.target_dev for d in disks})
            name = instance_disks.RESCUE_DISK
            disks.append(self._disk(inst_dir, name, info['disks'][name], target,
                                    bus=stable['bus'], device=stable['device'],
                                    boot_order=1))
        flavor = instance.flavor
        root_source = info['disks'].get('disk', {}).get('source', {})
        metadata = {'flavor': flavor.name, 'image': root_source.get('image_id'),
                    'host': self.host, 'root_gb': flavor.root_gb,
                    'ephemeral_gb': flavor.ephemeral_gb, 'swap_mb': flavor.swap}
        if rescue:
            metadata[RESCUE_METADATA] = 'True'
        return config.GuestConfig(
            uuid=instance.uuid, virt_type=self.virt_type, memory_mb=flavor.memory_mb,
            vcpus=flavor.vcpus, disks=disks, console_log=os.path.join(inst_dir, CONSOLE_LOG),
            kernel=self.disks.boot_file(info, boot + 'kernel'),
            initrd=self.disks.boot_file(info, boot + 'ramdisk'),
            cmdline=info['boot'].get(boot + 'cmdline'), metadata=metadata,
            interfaces=[config.Interface(v.bridge, v.mac_address) for v in vifs])

    def _disk(self, inst_dir, name, entry, target, **device):
        if rbd_disks.is_rbd(entry):
            return config.Disk(entry['rbd'], entry['format'], target, rbd=self._rbd_source(),
                               **device)
        return config.Disk(os.path.join(inst_dir, name), entry['format'], target, **device)

    def _rbd_source(self):
        return config.RbdSource(hosts=self.disks.rbd.cluster.mon_hosts(),
                                user=CONF.libvirt.rbd_user,
                                secret_uuid=CONF.libvirt.rbd_secret_uuid)

    def _config_drive(self, instance, vifs):
        """Make the instance's config drive from its record and NICs, when it has one;
        returns its path, or its 'pool/name' when the disks are RBD images (or None)."""
        path = os.path.join(self.disks.inst_dir(instance.uuid), CONFIG_DRIVE)
        on_rbd = CONF.libvirt.images_type == 'rbd'
        if not configdrive.required(instance):
            if os.path.exists(path):
                os.unlink(path)
            if on_rbd:
                self.disks.rbd.remove_config_drive(instance.uuid)
            return None
        configdrive.make(instance, path, vifs)
        if not on_rbd:
            return path
        try:
            return self.disks.rbd.put_config_drive(instance.uuid, path)
        finally:
            os.unlink(path)

    def _define_and_start(self, context, instance, info, power_on, rescue=False):
        inst_dir = self.disks.inst_dir(instance.uuid)
        vifs = self.vifs(context, instance)
        xml = self._guest_config(instance, info, self._config_drive(instance, vifs),
                                 rescue, vifs).to_xml()
        with open(os.path.join(inst_dir, 'libvirt.xml'), 'w') as f:
            f.write(xml)
        open(os.path.join(inst_dir, CONSOLE_LOG), 'a').close()
        guest = self._hypervisor.define(xml)
        if power_on:
            guest.start()
        return guest

    def _redefine(self, context, instance, power_on):
        """Define the domain again from what is on disk (for a lost definition)."""
        info = self.disks.attach_bases(context, instance.uuid)
        return self._define_and_start(context, instance, info, power_on)

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
        self.disks.ensure_trees()
        self._hypervisor.connection()
        LOG.info('libvirt driver on %s: %s, virt_type %s (configured %s), instances in %s',
                 self.host, self._hypervisor.uri, self.virt_type, CONF.libvirt.virt_type,
                 self.instances_path)

    def cleanup_host(self, host):
        self._hypervisor.close()

    def get_available_resource(self):
        cpus, memory_mb = self._hypervisor.resources()
        return driver.HostResources(
            hypervisor_type='QEMU', hypervisor_version=self._hypervisor.hypervisor_version(),
            hypervisor_hostname=self.host, vcpus=cpus, memory_mb=memory_mb,
            local_gb=self.disks.usable_bytes() // units.Gi,
            host_ip=CONF.my_ip)

    def list_instance_uuids(self):
        return [g.uuid for g in self._hypervisor.guests() if self._owns(g)]

    def list_disk_uuids(self):
        return self.disks.instance_uuids()

    def rbd_instance_disks(self):
        return self.disks if CONF.libvirt.images_type == 'rbd' else None

    def disk_storage(self):
        return self.disks.storage()

    def spawn(self, context, instance, image_meta, power_on=True):
        guest = self._guest(instance.uuid)
        if guest is not None:  # built before: just make sure it runs
            if power_on:
                guest.start()
            return
        if image_meta is None:
            image_meta = self.image_client.show(context, instance.image_ref)
        started = time.monotonic()
        info = self.disks.create(context, instance, image_meta)
        self._define_and_start(context, instance, info, power_on)
        LOG.info('Spawned guest (disks and domain in %.2fs)', time.monotonic() - started,
                 instance=instance)

    def destroy(self, context, instance, destroy_disks=True, preserve_ephemeral=False):
        guest = self._guest(instance.uuid)
        if guest is not None:
            guest.destroy()
            guest.undefine()
        if destroy_disks:
            self.disks.remove(instance.uuid, preserve_ephemeral,
                              keep_snapshotted=instance_disks.reverting(instance))

    def create_disks(self, context, instance, image_meta):
        self.disks.create(context, instance, image_meta)

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
        else:  # a hard reboot: a paused guest stopped, a suspended one's state dropped
            guest.destroy()
            guest.drop_managed_save()
        # Define again from the files: a hard reboot also repairs a stale definition.
        self._redefine(context, instance, power_on=True)

    # -- pause/unpause, suspend/resume ------------------------------------------------
    def pause(self, context, instance):
        self._existing_guest(instance).pause()

    def unpause(self, context, instance):
        self._existing_guest(instance).unpause()

    def suspend(self, context, instance):
        """libvirt's managed save: the guest's memory goes to a file libvirt keeps with
        the domain, and the domain stops."""
        self._existing_guest(instance).managed_save()

    def resume(self, context, instance):
        """Start the domain: libvirt restores it from the managed save image, so the
        guest goes on where it was. A guest already running is left alone."""
        guest = self._existing_guest(instance)
        if not guest.is_active() and not guest.has_managed_save():
            LOG.warning('No saved state to resume from: the guest boots again',
                        instance=instance)
        guest.start()

    def get_diagnostics(self, instance):
        return self._existing_guest(instance).diagnostics(self.virt_type)

    # -- rescue ----------------------------------------------------------------------
    def _is_rescue(self, guest):
        return config.read_metadata(guest.xml()).get(RESCUE_METADATA) == 'True'

    def rescue(self, context, instance, rescue_image_id):
        """Stop the guest (gracefully, within the shutdown timeout), make the rescue
        disk from ``rescue_image_id`` and start the rescue domain on it, with the root
        disk attached second. Run again, it starts a rescue domain that is not running
        and leaves a running one alone."""
        guest = self._guest(instance.uuid)
        if guest is not None and self._is_rescue(guest):
            guest.start()
            return
        info = self.disks.attach_bases(context, instance.uuid)
        if guest is not None:
            self._stop(guest, CONF.libvirt.shutdown_timeout)
        if instance_disks.RESCUE_DISK not in info['disks']:
            image_meta = self.image_client.show(context, rescue_image_id)
            info = self.disks.create_rescue(context, instance.uuid, image_meta)
        self._define_and_start(context, instance, info, power_on=True, rescue=True)

    def unrescue(self, context, instance):
        """Stop the rescue domain, start the guest on its own disks again, then remove
        the rescue disk. Run again, it starts a guest that is not running and removes
        what is left of the rescue."""
        guest = self._guest(instance.uuid)
        if guest is None or self._is_rescue(guest):
            if guest is not None:
                guest.destroy()
            self._redefine(context, instance, power_on=True)
        else:
            guest.start()
        self.disks.remove_rescue(instance.uuid)

    def get_console_output(self, context, instance):
        path = os.path.join(self.disks.inst_dir(instance.uuid), CONSOLE_LOG)
        try:
            with open(path, 'rb') as f:
                f.seek(max(0, os.path.getsize(path) - _MAX_CONSOLE_BYTES))
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            raise exception.ConsoleNotAvailable(instance_id=instance.uuid) from None

    # -- snapshots -------------------------------------------------------------------
    def snapshot_dir(self):
        return self.disks.snapshot_dir()

    @contextlib.contextmanager
    def _held_still(self, instance):
        """A running guest paused (QEMU drains and flushes its disks when its vCPUs
        stop), then running again; a guest an interrupted capture left paused runs
        again as well (an ACTIVE server's)."""
        guest = self._guest(instance.uuid)
        if guest is not None:
            guest.pause()
        try:
            yield
        finally:
            if guest is not None and instance.vm_state == states.VmState.ACTIVE:
                guest.unpause()

    def snapshot(self, context, instance, path):
        """The root disk's chain copied into one qcow2, the guest held still."""
        with self._held_still(instance):
            self.disks.capture_root(instance.uuid, path)

    def snapshot_to_image_store(self, context, instance, image_id):
        """RBD disks cloned from the image store: copied in the cluster, the guest
        held still only while the disk's snapshot is taken."""
        return self.disks.rbd.snapshot_to_store(self.disks.root_entry(instance.uuid),
                                                image_id, lambda: self._held_still(instance))

    def detach_root_from_image(self, context, instance):
        self.disks.detach_root_from_image(instance.uuid)

    # -- image cache -----------------------------------------------------------------
    def manage_image_cache(self):
        return self.disks.cache_manager.run()

    def periodic_tasks(self):
        """(interval, callable) pairs for the compute manager to schedule."""
        interval = CONF.libvirt.image_cache_manager_interval
        return [(interval, self.manage_image_cache)] if interval else []

    # -- resize and cold migration ---------------------------------------------------
    def migration_address(self):
        return CONF.libvirt.migration_address or self.host

    def prepare_migration_target(self, context, instance, flavor):
        self.disks.prepare_target(context, instance, flavor)

    def migrate_disk_and_power_off(self, context, instance, dest_host, flavor,
                                   progress_cb=None):
        """Stop the guest, then move its disks (``InstanceDisks.move_out``): whether the
        destination shares this instances path is found out before the guest stops, so
        an unreachable destination fails with the guest still running."""
        old = instance.flavor
        if flavor.root_gb < old.root_gb or flavor.ephemeral_gb < old.ephemeral_gb:
            raise exception.ResizeError(reason='Unable to resize disk down.')
        shared = self.disks.shared_with(dest_host, instance.uuid)
        guest = self._guest(instance.uuid)
        if guest is not None:
            self._stop(guest, CONF.libvirt.shutdown_timeout)
        return self.disks.move_out(instance, dest_host, shared, progress_cb)

    def finish_migration(self, context, migration, instance, image_meta, resize_instance,
                         power_on=True):
        """On the destination: adopt the arrived disks (bases from this host's cache),
        grow them to ``instance.flavor`` (the new flavor, already applied by the
        caller) when resizing, define and start the guest."""
        guest = self._guest(instance.uuid)
        if guest is not None and guest.is_active():
            return  # finished before
        info = self.disks.adopt(context, instance, resize_instance)
        self._define_and_start(context, instance, info, power_on)

    def finish_revert_migration(self, context, instance, migration, power_on=True):
        """On the source: put ``<uuid>_resize`` back and start the guest as it was
        (``instance.flavor`` is the old flavor again). Run again (a crash after the guest
        was back), it leaves a running guest alone once the copy is restored: only this
        step starts a guest on the restored disks."""
        guest = self._guest(instance.uuid)
        restored = not os.path.exists(self.disks.resize_dir(instance.uuid))
        if guest is not None and restored and guest.is_active():
            return  # finished before
        if guest is not None:
            guest.destroy()  # the resized guest, when the resize stayed on this host
        self.disks.restore(instance.uuid)
        self._redefine(context, instance, power_on)

    def confirm_migration(self, context, migration, instance):
        """On the source: drop ``<uuid>_resize`` and, when the instance left this host,
        its old domain here. ``instance`` is None when it was deleted meanwhile."""
        uuid = instance.uuid if instance is not None else migration.instance_uuid
        self.disks.drop_resize_copy(uuid)
        moved = migration is not None and migration.dest_compute != self.host
        if moved:
            guest = self._guest(uuid)  # still pointing at this host's (removed) files
            if guest is not None:
                guest.destroy()
                guest.undefine()

    # -- live migration (libvirt/live_migration.py) ------------------------------------
    def check_can_live_migrate_destination(self, context, instance, block_migration):
        return self.live.check_destination(context, instance, block_migration)

    def check_can_live_migrate_source(self, context, instance, migrate_data):
        return self.live.check_source(context, instance, migrate_data)

    def pre_live_migration(self, context, instance, migrate_data):
        return self.live.pre(context, instance, migrate_data)

    def live_migration(self, context, instance, dest, migrate_data):
        self.live.migrate(context, instance, dest, migrate_data)

    def live_migration_moved(self, context, instance):
        return self.live.moved(context, instance)

    def live_migration_force_complete(self, instance):
        self.live.force_complete(instance)

    def live_migration_abort(self, instance):
        self.live.abort(instance)

    def post_live_migration(self, context, instance, migrate_data):
        self.live.post(context, instance, migrate_data)

    def post_live_migration_at_destination(self, context, instance, migrate_data):
        self.live.post_at_destination(context, instance, migrate_data)

    def rollback_live_migration(self, context, instance, migrate_data):
        self.live.rollback(context, instance, migrate_data)

    def rollback_live_migration_at_destination(self, context, instance, migrate_data):
        self.live.rollback_at_destination(context, instance, migrate_data)
