"""The interface every hypervisor driver implements.

Every method must be safe to call again after a crash or a redelivered message: spawning
a guest that exists, destroying one that is gone, powering off one that is off all
succeed without doing the work twice.
"""
import abc
import dataclasses
import ipaddress
import os

from svc_common.conf import CONF

from svc_common import exception
from svc_common import objects


@dataclasses.dataclass
class HostResources:
    hypervisor_type: str
    hypervisor_version: int
    hypervisor_hostname: str
    vcpus: int
    memory_mb: int
    local_gb: int
    host_ip: str | None = None


@dataclasses.dataclass
class GuestInfo:
    power_state: int


@dataclasses.dataclass(frozen=True)
class Vif:
    """A guest NIC: one per fixed address the instance holds on a network with a host
    bridge (an address on a network without one is the instance's all the same, but no
    device carries it)."""
    network_id: str   # the network's uuid
    bridge: str
    mac_address: str
    address: str      # the fixed IPv4 address
    cidr: str
    gateway: str | None

    @property
    def netmask(self):
        return str(ipaddress.IPv4Network(self.cidr).netmask)


def vifs_for(context, instance) -> list:
    """The instance's NICs in the order its addresses were allocated, read from its
    allocations each time a guest is defined (so a moved or rebuilt guest gets the NICs
    its addresses say): those the step read with the instance (``fixed_ips``, see
    step_runner.current's ``with_nics``), else read now."""
    fixed_ips = (instance.fixed_ips if instance.obj_attr_is_set('fixed_ips')
                 else objects.FixedIPList.get_by_instance(context, instance.uuid))
    return [Vif(network_id=ip.network.uuid, bridge=ip.network.bridge,
                mac_address=ip.mac_address, address=ip.address, cidr=ip.network.cidr,
                gateway=ip.network.gateway)
            for ip in fixed_ips if ip.network.bridge]


class ComputeDriver(abc.ABC):

    def init_host(self, host):
        """Prepare the hypervisor connection; called once at service start."""

    @abc.abstractmethod
    def get_available_resource(self) -> HostResources:
        """What this host offers to instances."""

    @abc.abstractmethod
    def list_instance_uuids(self) -> list:
        """UUIDs of the guests that exist on this host."""

    def list_disk_uuids(self) -> list:
        """UUIDs of instances whose disks this host holds (a guest or not): what the
        reaper looks up besides the guests."""
        return []

    def rbd_instance_disks(self):
        """The InstanceDisks of this host when its disks are RBD images in a pool that
        every host shares (the reaper then looks there for leftovers), else None."""
        return None

    def disk_storage(self):
        """Where this host keeps instance disks: 'rbd' or 'file'; a move between hosts
        whose storage differs is refused (compute_svc/disk_storage.py). None: no disks
        (no constraint)."""
        return None

    @abc.abstractmethod
    def spawn(self, context, instance, image_meta, power_on=True):
        """Create the instance's disks and guest and start it."""

    @abc.abstractmethod
    def destroy(self, context, instance, destroy_disks=True, preserve_ephemeral=False):
        """Stop and remove the guest and (optionally) its disks, a pre-resize copy kept
        on this host included; a missing guest is fine. ``preserve_ephemeral`` (a
        rebuild's) keeps the ephemeral disk, and forgets the image's boot files."""

    def create_disks(self, context, instance, image_meta):
        """Make the instance's missing disks without a guest (a rebuild makes them
        before it spawns); ``image_meta`` None: the image the record names. ``spawn``
        makes whatever disks are missing too, so a driver may leave this out."""

    @abc.abstractmethod
    def get_info(self, instance) -> GuestInfo:
        """Power state of the guest; raises InstanceNotFound when there is none."""

    @abc.abstractmethod
    def power_off(self, instance, timeout=0):
        """Stop the guest (gracefully within ``timeout`` seconds, then hard)."""

    @abc.abstractmethod
    def power_on(self, context, instance):
        """Start a stopped guest."""

    @abc.abstractmethod
    def reboot(self, context, instance, reboot_type):
        """'SOFT' asks the guest; 'HARD' restarts it regardless."""

    # One-step guest actions (svc_common/guest_actions.py); each does nothing to a guest
    # already where it takes it.
    def pause(self, context, instance):
        """Stop the guest's CPUs, its memory kept in place."""
        raise NotImplementedError()

    def unpause(self, context, instance):
        raise NotImplementedError()

    def suspend(self, context, instance):
        """Save the guest's memory and device state to disk and stop it."""
        raise NotImplementedError()

    def resume(self, context, instance):
        """Start the guest again from the state ``suspend`` saved."""
        raise NotImplementedError()

    def rescue(self, context, instance, rescue_image_id):
        """Stop the guest and boot the rescue image instead, the instance's root disk
        attached second (or every disk where it was, for a rescue image that asks for a
        stable device: svc_common/rescue_devices.py)."""
        raise NotImplementedError()

    def unrescue(self, context, instance):
        """Back to the instance's own disks; the rescue image's disk goes."""
        raise NotImplementedError()

    def get_diagnostics(self, instance) -> dict:
        """A running guest's diagnostics in the shape of microversion 2.48 (state,
        driver, hypervisor, hypervisor_os, uptime, config_drive, num_cpus, num_disks,
        num_nics, memory_details, cpu_details, nic_details, disk_details; each disk's
        entry may add its device 'name', which the older shape uses)."""
        raise NotImplementedError()

    def get_console_output(self, context, instance) -> str:
        raise NotImplementedError()

    # Snapshots (see compute_svc/snapshot.py).
    def snapshot_dir(self):
        """Where a captured disk waits for its upload (it outlives a crash there)."""
        return os.path.join(CONF.compute.instances_path, '.snapshots')

    def snapshot_to_image_store(self, context, instance, image_id):
        """Make the root disk, as it is now, the image store's image ``image_id``
        without its data leaving the storage the disk and the store share; returns the
        image's location for the image API, or None when they share none (the capture
        is then uploaded)."""
        return None

    def snapshot(self, context, instance, path):
        """Write a standalone image (qcow2, no backing file) of the instance's root disk
        to ``path``, all of it or nothing. A running guest is paused for the capture (so
        that what its disk holds is consistent) and runs again afterwards; one found
        paused by an earlier, interrupted capture runs again too when ``instance`` is
        ACTIVE."""
        raise NotImplementedError()

    def detach_root_from_image(self, context, instance):
        """Make the root disk of a guest that is not running independent of the image
        it was made from (unshelve: the shelved image is deleted next)."""

    # Resize and cold migration (see compute_svc/resize.py).
    def migration_address(self):
        """Where the source of a resize to this host copies the disks (recorded as
        the migration's dest_host); None: the host name."""
        return None

    def prepare_migration_target(self, context, instance, flavor):
        """On the destination, before anything moves: make sure this host can take the
        instance (e.g. its image's base is in the local cache, so only the overlay needs
        copying). Raising here sends the resize to an alternate host."""

    def migrate_disk_and_power_off(self, context, instance, dest_host, flavor):
        raise NotImplementedError()

    def finish_migration(self, context, migration, instance, image_meta, resize_instance,
                         power_on=True):
        raise NotImplementedError()

    def confirm_migration(self, context, migration, instance):
        raise NotImplementedError()

    def finish_revert_migration(self, context, instance, migration, power_on=True):
        raise NotImplementedError()

    # Live migration (see compute_svc/live_migration.py). ``migrate_data`` is a dict of
    # primitives the checks make and the steps pass along (kept on the instance's record).
    def check_can_live_migrate_destination(self, context, instance, block_migration):
        """On the destination: can this host take the running guest? ``block_migration``
        is True, False or 'auto'. Returns the migrate data; raises
        MigrationPreCheckError."""
        raise exception.MigrationPreCheckError(
            reason='the %s driver cannot live-migrate' % type(self).__name__)

    def check_can_live_migrate_source(self, context, instance, migrate_data):
        """On the source: decide the block migration (disks not on storage both hosts
        share are copied) and check the request can be met; returns the migrate data."""
        raise exception.MigrationPreCheckError(
            reason='the %s driver cannot live-migrate' % type(self).__name__)

    def pre_live_migration(self, context, instance, migrate_data):
        """On the destination, before the guest moves: its disks' bases (and, for a block
        migration, disks to copy into) ready here; returns the migrate data."""
        return migrate_data

    def live_migration(self, context, instance, dest, migrate_data):
        """On the source: move the running guest to ``dest``; returns once it runs there.
        Raises LiveMigrationAborted (aborted) or another error (the guest stayed)."""
        raise NotImplementedError()

    def live_migration_moved(self, context, instance):
        """On the source, resuming a migration that was running: wait for a move still
        in progress, then whether the guest left this host."""
        raise NotImplementedError()

    def live_migration_force_complete(self, instance):
        """Make a running migration converge (pause the guest for the last copy)."""

    def live_migration_abort(self, instance):
        """Stop a running migration; the guest stays on the source."""

    def post_live_migration(self, context, instance, migrate_data):
        """On the source after the move: remove what is left of the guest here (its
        disks too unless they are on shared storage)."""

    def post_live_migration_at_destination(self, context, instance, migrate_data):
        """On the destination after the move: the guest is this host's now."""

    def rollback_live_migration(self, context, instance, migrate_data):
        """On the source after a failed or aborted move: the guest runs on here."""

    def rollback_live_migration_at_destination(self, context, instance, migrate_data):
        """On the destination after a failed or aborted move: remove what was prepared
        for the guest (the disks of a block migration)."""

    def periodic_tasks(self):
        """(interval, callable) pairs the compute service schedules for the driver."""
        return []

    def cleanup_host(self, host):
        """Release the hypervisor connection at service stop."""


def block_migration_of(requested, shared):
    """Whether a live migration copies the disks: 'auto' copies unless they are on
    storage both hosts share (``shared``: None when the guest has no local disks)."""
    if requested == 'auto':
        return shared is False
    if requested and shared:
        raise exception.MigrationPreCheckError(
            reason='block migration cannot be used with shared storage')
    if not requested and shared is False:
        raise exception.MigrationPreCheckError(
            reason='the instance\'s disks are not on shared storage: live migration '
                   'without block migration needs shared storage')
    return bool(requested)

