"""A hypervisor that keeps its guests in memory: for fast tests and benchmarks.

With ``[fake_driver]/state_file`` set it also writes them to that file after every
change and reads them back at start, so its guests outlive a crash or restart of the
compute service, as real guests do (the crash tests rely on that and read the file).

With ``[fake_driver]/disks`` its guests have real disks: made, moved to the destination
of a resize, kept as ``<uuid>_resize``, grown, put back and removed by the libvirt
driver's own disk code (``instance_disks``), in the same steps as the libvirt driver
(and the guests never write to them). The crash tests use that to check disk files.
"""
import contextlib
import json
import os
import threading
import time

from svc_common.conf import CONF
from svc_common import exception
from svc_common import states
from compute_svc.virt import driver
from compute_svc.virt.disks import rbd_live_migration
from compute_svc.virt import fake_console


def _hostname(instance):
    set_ = instance.obj_attr_is_set('hostname') and instance.hostname
    return set_ or instance.uuid


class FakeDriver(driver.ComputeDriver):

    def __init__(self, vifs=None):
        """``vifs(context, instance)``: a guest's NICs (default: from its instance's
        addresses)."""
        self.vifs = vifs or driver.vifs_for
        # uuid -> {'power_state': int, 'flavor': name, and the console (fake_console)}
        self._guests = {}
        self._resize_sources = {}  # uuid -> the guest kept on the source until confirm
        self._abort, self._force = set(), set()  # live migrations asked to abort/converge
        self._lock = threading.Lock()
        self.calls = []  # (method, uuid): lets tests count side effects
        self.fail_on = {}  # method name -> exception raised once (failure injection)
        self.host = None
        self.disks = None  # InstanceDisks, with [fake_driver]/disks
        self.storage = None  # the disk storage a host without disks claims (tests)

    def init_host(self, host):
        self.host = host
        if CONF.fake_driver.disks:
            from compute_svc.virt.disks import instance_disks
            self.disks = instance_disks.InstanceDisks(host)
            self.disks.ensure_trees()
        path = CONF.fake_driver.state_file
        if path and os.path.exists(path):
            with open(path) as state:
                saved = json.load(state)
            with self._lock:
                self._guests = saved['guests']
                self._resize_sources = saved['resize_sources']

    def _save(self):
        """Write the guests to the state file (called with the lock held)."""
        path = CONF.fake_driver.state_file
        if not path:
            return
        part = '%s.part' % path
        with open(part, 'w') as out:
            json.dump({'host': self.host, 'guests': self._guests,
                       'resize_sources': self._resize_sources}, out, sort_keys=True)
        os.replace(part, path)

    def get_available_resource(self):
        return driver.HostResources(
            hypervisor_type='fake', hypervisor_version=1000,
            hypervisor_hostname=self.host or CONF.host, vcpus=CONF.fake_driver.vcpus,
            memory_mb=CONF.fake_driver.memory_mb, local_gb=CONF.fake_driver.local_gb,
            host_ip=CONF.my_ip)

    def list_instance_uuids(self):
        """Guests, including a resize source's stopped pre-resize one (as libvirt still
        has that domain defined until the resize is confirmed)."""
        with self._lock:
            return sorted(set(self._guests) | set(self._resize_sources))

    def rbd_instance_disks(self):
        """With real disks on RBD (``[libvirt] images_type = rbd``), those disks."""
        if self.disks is not None and CONF.libvirt.images_type == 'rbd':
            return self.disks
        return None

    def disk_storage(self):
        """With real disks, theirs; without, what a test set as ``storage``."""
        return self.disks.storage() if self.disks is not None else self.storage

    def _record(self, method, instance):
        self.calls.append((method, instance.uuid))
        error = self.fail_on.pop(method, None)
        if error is not None:
            raise error

    def spawn(self, context, instance, image_meta, power_on=True):
        self._record('spawn', instance)
        if CONF.fake_driver.spawn_delay:
            time.sleep(CONF.fake_driver.spawn_delay)
        with self._lock:
            exists = instance.uuid in self._guests
        if self.disks is not None and not exists:
            if image_meta is None:
                image_meta = self.disks.image_client.show(context, instance.image_ref)
            self.disks.create(context, instance, image_meta)
        interfaces = self._interfaces(context, instance)
        with self._lock:
            self._guests.setdefault(instance.uuid, dict(
                power_state=states.PowerState.RUNNING if power_on
                else states.PowerState.SHUTDOWN, flavor=instance.flavor.name,
                interfaces=interfaces, **fake_console.new(_hostname(instance), power_on)))
            self._save()

    def destroy(self, context, instance, destroy_disks=True, preserve_ephemeral=False):
        self._record('destroy', instance)
        with self._lock:
            self._guests.pop(instance.uuid, None)
            if destroy_disks:
                self._resize_sources.pop(instance.uuid, None)
            self._save()
        if self.disks is not None and destroy_disks:
            self.disks.remove(instance.uuid, preserve_ephemeral,
                              keep_snapshotted=self.disks.reverting(instance))

    def create_disks(self, context, instance, image_meta):
        self._record('create_disks', instance)
        if self.disks is not None:
            self.disks.create(context, instance, image_meta)

    def _guest(self, instance):
        guest = self._guests.get(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    def _interfaces(self, context, instance):
        """The NICs a real guest would have, as the fake records them."""
        return [{'bridge': v.bridge, 'mac_address': v.mac_address, 'address': v.address}
                for v in self.vifs(context, instance)]

    def interfaces(self, uuid):
        """The NICs recorded for a guest of this host ([] for none or no guest)."""
        with self._lock:
            return list(self._guests.get(uuid, {}).get('interfaces', []))

    def get_info(self, instance):
        with self._lock:
            return driver.GuestInfo(power_state=self._guest(instance)['power_state'])

    def power_off(self, instance, timeout=0):
        self._record('power_off', instance)
        with self._lock:
            guest = self._guest(instance)
            guest['power_state'] = states.PowerState.SHUTDOWN
            fake_console.power_off(guest)
            self._save()

    def power_on(self, context, instance):
        self._record('power_on', instance)
        with self._lock:
            guest = self._guest(instance)
            if guest['power_state'] != states.PowerState.RUNNING:
                fake_console.boot(guest)
            guest['power_state'] = states.PowerState.RUNNING
            self._save()

    def reboot(self, context, instance, reboot_type):
        self._record('reboot', instance)
        with self._lock:
            guest = self._guest(instance)
            guest['power_state'] = states.PowerState.RUNNING
            guest['suspended'] = False  # a reboot boots afresh, whatever was saved
            fake_console.boot(guest, 'rebooted (%s)' % reboot_type)
            self._save()

    def _set_power(self, method, instance, power_state, suspended=False):
        self._record(method, instance)
        with self._lock:
            guest = self._guest(instance)
            guest['power_state'] = power_state
            guest['suspended'] = suspended
            self._save()

    def pause(self, context, instance):
        self._set_power('pause', instance, states.PowerState.PAUSED)

    def unpause(self, context, instance):
        self._set_power('unpause', instance, states.PowerState.RUNNING)

    def suspend(self, context, instance):
        self._set_power('suspend', instance, states.PowerState.SHUTDOWN, suspended=True)

    def resume(self, context, instance):
        self._set_power('resume', instance, states.PowerState.RUNNING)

    def rescue(self, context, instance, rescue_image_id):
        self._record('rescue', instance)
        with self._lock:
            guest = self._guest(instance)
            if guest.get('rescue_image') != rescue_image_id:
                fake_console.boot(guest, 'rescue from %s' % rescue_image_id)
            guest.update(power_state=states.PowerState.RUNNING, rescue_image=rescue_image_id)
            self._save()

    def unrescue(self, context, instance):
        self._record('unrescue', instance)
        with self._lock:
            guest = self._guest(instance)
            if guest.pop('rescue_image', None):
                fake_console.boot(guest, 'unrescued')  # the server's disk boots again
            guest['power_state'] = states.PowerState.RUNNING
            self._save()

    def get_diagnostics(self, instance):
        with self._lock:
            self._guest(instance)
        flavor = instance.flavor
        return {
            'state': 'running', 'driver': 'libvirt', 'hypervisor': 'fake',
            'hypervisor_os': 'fake', 'uptime': 46664, 'config_drive': False,
            'num_cpus': flavor.vcpus, 'num_disks': 1, 'num_nics': 0,
            'memory_details': {'maximum': flavor.memory_mb, 'used': flavor.memory_mb // 2},
            'cpu_details': [{'id': n, 'time': 17300000000, 'utilisation': 15}
                            for n in range(flavor.vcpus)],
            'nic_details': [],
            'disk_details': [{'name': 'vda', 'read_bytes': 262144, 'read_requests': 112,
                              'write_bytes': 5778432, 'write_requests': 488,
                              'errors_count': 0}],
        }

    def get_console_output(self, context, instance):
        with self._lock:
            return fake_console.output(self._guest(instance))

    def prepare_migration_target(self, context, instance, flavor):
        self._record('prepare_migration_target', instance)
        if self.disks is not None:
            self.disks.prepare_target(context, instance, flavor)

    def migrate_disk_and_power_off(self, context, instance, dest_host, flavor,
                                   progress_cb=None):
        self._record('migrate_disk_and_power_off', instance)
        if CONF.fake_driver.migrate_delay:
            time.sleep(CONF.fake_driver.migrate_delay)
        old = instance.flavor
        if flavor.root_gb < old.root_gb or flavor.ephemeral_gb < old.ephemeral_gb:
            raise exception.ResizeError(reason='unable to shrink disks')
        shared = (self.disks.shared_with(dest_host, instance.uuid)
                  if self.disks is not None else None)
        with self._lock:
            guest = self._guests.get(instance.uuid) or self._resize_sources.get(instance.uuid)
            if guest is None:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            guest['power_state'] = states.PowerState.SHUTDOWN
            self._resize_sources[instance.uuid] = dict(guest)
            if dest_host != self.host:
                self._guests.pop(instance.uuid, None)
            self._save()
        if self.disks is not None:
            return self.disks.move_out(instance, dest_host, shared, progress_cb)

    def finish_migration(self, context, migration, instance, image_meta, resize_instance,
                         power_on=True):
        self._record('finish_migration', instance)
        if self.disks is not None:
            self.disks.adopt(context, instance, resize_instance)
        interfaces = self._interfaces(context, instance)
        with self._lock:
            guest = self._guests.setdefault(instance.uuid, fake_console.new(
                _hostname(instance), powered_on=False))
            guest['flavor'] = instance.flavor.name
            guest['interfaces'] = interfaces
            guest['power_state'] = (states.PowerState.RUNNING if power_on
                                    else states.PowerState.SHUTDOWN)
            note = 'resized to %s' % instance.flavor.name
            (fake_console.boot if power_on else fake_console.append)(guest, note)
            self._save()

    def confirm_migration(self, context, migration, instance):
        self._record('confirm_migration', instance or migration)
        if self.disks is not None:
            self.disks.drop_resize_copy(migration.instance_uuid)
        with self._lock:
            self._resize_sources.pop(migration.instance_uuid, None)
            self._save()

    def finish_revert_migration(self, context, instance, migration, power_on=True):
        self._record('finish_revert_migration', instance)
        if self.disks is not None:
            self.disks.restore(instance.uuid)
            self.disks.attach_bases(context, instance.uuid)
        with self._lock:
            guest = self._resize_sources.pop(instance.uuid, None)
            if guest is None:
                guest = self._guests.get(instance.uuid)
            if guest is None:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            guest['power_state'] = (states.PowerState.RUNNING if power_on
                                    else states.PowerState.SHUTDOWN)
            if power_on:
                fake_console.boot(guest, 'resize reverted')
            self._guests[instance.uuid] = guest
            self._save()

    def snapshot_dir(self):
        if self.disks is not None:
            return self.disks.snapshot_dir()
        return super().snapshot_dir()

    def snapshot_to_image_store(self, context, instance, image_id):
        """With real disks on RBD cloned from the image store, the libvirt driver's
        copy inside the cluster."""
        if self.disks is None or CONF.libvirt.images_type != 'rbd':
            return None
        return self.disks.rbd.snapshot_to_store(self.disks.root_entry(instance.uuid),
                                                image_id, contextlib.nullcontext)

    def snapshot(self, context, instance, path):
        """With real disks, the root disk as the libvirt driver captures it; without,
        a few bytes naming the guest (a fake image)."""
        self._record('snapshot', instance)
        with self._lock:
            self._guest(instance)
        if self.disks is not None:
            self.disks.capture_root(instance.uuid, path)
            return
        part = path + '.part'
        with open(part, 'wb') as out:
            out.write(b'fake snapshot of %s\n' % instance.uuid.encode())
        os.replace(part, path)

    # -- live migration: the guest's record travels in the migrate data --------------
    def check_can_live_migrate_destination(self, context, instance, block_migration):
        self._record('check_can_live_migrate_destination', instance)
        return {'block_migration': block_migration}

    def check_can_live_migrate_source(self, context, instance, migrate_data):
        self._record('check_can_live_migrate_source', instance)
        with self._lock:
            guest = dict(self._guest(instance))
        shared, extra = None, {}  # no disks: nothing to share or copy
        if self.disks is not None:
            shared, extra = rbd_live_migration.check_source(
                self.disks, instance.uuid, migrate_data['dest_address'])
        block = driver.block_migration_of(migrate_data['block_migration'], shared)
        return dict(migrate_data, block_migration=block, shared_storage=bool(shared),
                    guest=guest, **extra)

    def pre_live_migration(self, context, instance, migrate_data):
        self._record('pre_live_migration', instance)
        if self.disks is not None and rbd_live_migration.receive(
                self.disks, context, instance.uuid, migrate_data):
            pass  # RBD disks: nothing to make
        elif self.disks is not None and migrate_data.get('block_migration'):
            self.disks.prepare_incoming(context, instance)
        with self._lock:
            self._guests.setdefault(instance.uuid, dict(
                migrate_data['guest'], power_state=states.PowerState.PAUSED, incoming=True))
            self._save()
        return migrate_data

    def live_migration(self, context, instance, dest, migrate_data):
        self._record('live_migration', instance)
        deadline = time.monotonic() + CONF.fake_driver.live_migrate_delay
        while time.monotonic() < deadline and instance.uuid not in self._force:
            if instance.uuid in self._abort:
                self._abort.discard(instance.uuid)
                raise exception.LiveMigrationAborted(instance_uuid=instance.uuid)
            time.sleep(0.05)
        self._force.discard(instance.uuid)
        self._abort.discard(instance.uuid)
        if self.disks is not None and migrate_data.get('block_migration'):
            self.disks.copy_out(instance, dest)
        with self._lock:
            self._guest(instance)
            self._guests.pop(instance.uuid)
            self._save()

    def live_migration_moved(self, context, instance):
        with self._lock:
            return instance.uuid not in self._guests

    def live_migration_force_complete(self, instance):
        self._force.add(instance.uuid)

    def live_migration_abort(self, instance):
        self._abort.add(instance.uuid)

    def post_live_migration(self, context, instance, migrate_data):
        self._record('post_live_migration', instance)
        if self.disks is not None and rbd_live_migration.leave(self.disks, instance.uuid,
                                                               migrate_data):
            return
        if self.disks is not None and migrate_data.get('block_migration'):
            self.disks.remove(instance.uuid)

    def post_live_migration_at_destination(self, context, instance, migrate_data):
        self._record('post_live_migration_at_destination', instance)
        if self.disks is not None and migrate_data.get('block_migration'):
            self.disks.attach_bases(context, instance.uuid)
        with self._lock:
            guest = self._guests.setdefault(instance.uuid, dict(migrate_data['guest']))
            guest.pop('incoming', None)
            guest['power_state'] = migrate_data['guest']['power_state']
            fake_console.append(guest, 'live-migrated to %s' % self.host)
            self._save()

    def rollback_live_migration(self, context, instance, migrate_data):
        self._record('rollback_live_migration', instance)
        if self.disks is not None:
            self.disks.drop_outgoing(instance.uuid)

    def rollback_live_migration_at_destination(self, context, instance, migrate_data):
        self._record('rollback_live_migration_at_destination', instance)
        with self._lock:
            if self._guests.get(instance.uuid, {}).get('incoming'):
                del self._guests[instance.uuid]
                self._save()
        if self.disks is not None and rbd_live_migration.leave(self.disks, instance.uuid,
                                                               migrate_data):
            return
        if self.disks is not None and migrate_data.get('block_migration'):
            self.disks.remove(instance.uuid)
    def detach_root_from_image(self, context, instance):
        self._record('detach_root_from_image', instance)
        if self.disks is not None:
            self.disks.detach_root_from_image(instance.uuid)

    def resize_leftovers(self):
        """UUIDs whose pre-resize guest this host still keeps (tests check cleanup)."""
        with self._lock:
            return set(self._resize_sources)

