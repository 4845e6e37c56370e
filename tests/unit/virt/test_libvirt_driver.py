"""The driver's logic against libvirt's test:///default hypervisor (no QEMU): real disks
and image cache in a temporary instances path, fake image API."""
import json
import os

import pytest

pytest.importorskip('libvirt', reason='libvirt-python missing: run tools/install-libvirt')

from svc_common.conf import CONF  # noqa: E402
from svc_common import exception  # noqa: E402
from svc_common import states  # noqa: E402
from compute_svc.virt.disks import disk  # noqa: E402
from compute_svc.virt.libvirt import driver as libvirt_driver  # noqa: E402
from compute_svc.virt.disks import remotefs  # noqa: E402
from compute_svc.virt.disks import utils  # noqa: E402
from tests.libvirt import hostile_images  # noqa: E402
from tests.unit.virt import fakes  # noqa: E402

GiB, MiB = 1024 ** 3, 1024 ** 2
P = states.PowerState


@pytest.fixture
def images(tmp_path):
    client = fakes.FakeImageClient()
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'vmlinuz').write_bytes(b'\x7fELF' + b'kernel' * 1000)
    (src / 'initrd').write_bytes(b'070701' + b'initrd' * 1000)
    disk.make_ext4(str(src / 'root.raw'), 8 * MiB, 'root')
    kernel = client.add(str(src / 'vmlinuz'), 'aki')
    ramdisk = client.add(str(src / 'initrd'), 'ari')
    root = client.add(str(src / 'root.raw'), 'raw', kernel_id=kernel['id'],
                      ramdisk_id=ramdisk['id'], os_command_line='console=ttyS0 quiet')
    client.root, client.kernel, client.ramdisk = root, kernel, ramdisk
    return client


@pytest.fixture
def make_driver(tmp_path, images):
    drivers = []
    roots = {'hostA': str(tmp_path / 'hostA'), 'hostB': str(tmp_path / 'hostB')}

    def make(host='hostA'):
        drv = libvirt_driver.LibvirtDriver(
            instances_path=roots[host], image_client=images,
            remotefs=remotefs.LocalTransport(roots[host], roots), uri='test:///default',
            host=host, vifs=lambda context, instance: [])
        drv.init_host(host)
        drivers.append(drv)
        return drv
    yield make
    for drv in drivers:
        for guest in drv._hypervisor.guests():
            if drv._owns(guest):
                guest.destroy()
                guest.undefine()


def _instance(images, **flavor):
    return fakes.instance(images.root['id'], fakes.flavor(**flavor))


def test_spawn_builds_disks_and_a_running_domain(make_driver, images):
    drv = make_driver()
    inst = _instance(images, ephemeral_gb=1, swap=16)
    drv.spawn(None, inst, images.root)
    assert drv.list_instance_uuids() == [inst.uuid]
    assert drv.get_info(inst).power_state == P.RUNNING
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    assert sorted(os.listdir(inst_dir)) == ['console.log', 'disk', 'disk.info', 'disk.local',
                                            'disk.swap', 'libvirt.xml']
    info = json.load(open(os.path.join(inst_dir, 'disk.info')))
    root_base = utils.cache_name(images.root['id'])
    assert info['disks']['disk']['base'] == root_base
    assert info['disks']['disk.local']['base'] == 'ephemeral_1_ext4'
    assert info['disks']['disk.swap']['base'] == 'swap_16'
    assert info['boot']['cmdline'] == 'console=ttyS0 quiet'
    assert disk.qcow2_backing_file(os.path.join(inst_dir, 'disk')) == drv.cache.path(root_base)
    xml = open(os.path.join(inst_dir, 'libvirt.xml')).read()
    assert drv.cache.path(utils.cache_name(images.kernel['id'])) in xml
    assert "<domain xmlns:nimbus" in xml and 'type="qemu"' in xml


def test_spawn_and_destroy_are_idempotent(make_driver, images):
    drv = make_driver()
    inst = _instance(images)
    drv.spawn(None, inst, None)  # no record given: the driver asks the image API
    drv.power_off(inst)
    drv.spawn(None, inst, images.root)  # exists: only made to run
    assert drv.get_info(inst).power_state == P.RUNNING
    assert set(images.downloads.values()) == {1}
    drv.destroy(None, inst)
    drv.destroy(None, inst)
    assert drv.list_instance_uuids() == []
    assert not os.path.exists(os.path.join(drv.instances_path, inst.uuid))
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)


def test_power_and_reboot(make_driver, images):
    drv = make_driver()
    inst = _instance(images)
    drv.spawn(None, inst, images.root, power_on=False)
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    drv.power_on(None, inst)
    drv.power_on(None, inst)
    assert drv.get_info(inst).power_state == P.RUNNING
    drv.power_off(inst, timeout=5)
    drv.power_off(inst)
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    drv.reboot(None, inst, 'HARD')
    assert drv.get_info(inst).power_state == P.RUNNING
    drv.reboot(None, inst, 'SOFT')
    assert drv.get_info(inst).power_state == P.RUNNING
    # A lost definition comes back from the files on power on.
    guest = drv._guest(inst.uuid)
    guest.destroy()
    guest.undefine()
    drv.power_on(None, inst)
    assert drv.get_info(inst).power_state == P.RUNNING


def test_a_hard_reboot_of_a_paused_or_suspended_guest_starts_it_afresh(make_driver,
                                                                        images, monkeypatch):
    from compute_svc.virt.libvirt import guest as guest_mod
    restored = []  # starts that would have restored a saved state instead of booting
    real_start = guest_mod.Guest.start
    monkeypatch.setattr(guest_mod.Guest, 'start', lambda self: (
        restored.append(self.has_managed_save()), real_start(self))[1])
    drv = make_driver()
    inst = _instance(images)
    drv.spawn(None, inst, images.root)
    drv.pause(None, inst)
    drv.reboot(None, inst, 'HARD')
    assert drv.get_info(inst).power_state == P.RUNNING
    drv.suspend(None, inst)
    assert drv._existing_guest(inst).has_managed_save()
    drv.reboot(None, inst, 'HARD')
    assert drv.get_info(inst).power_state == P.RUNNING
    assert not drv._existing_guest(inst).has_managed_save()
    assert not any(restored)  # the saved state was dropped, not restored


def test_console_output(make_driver, images):
    drv = make_driver()
    inst = _instance(images)
    with pytest.raises(exception.ConsoleNotAvailable):
        drv.get_console_output(None, inst)
    drv.spawn(None, inst, images.root)
    with open(os.path.join(drv.instances_path, inst.uuid, 'console.log'), 'a') as f:
        f.write('NIMBUS ready\n')
    assert drv.get_console_output(None, inst) == 'NIMBUS ready\n'


def test_compute_services_sharing_libvirt_see_only_their_guests(make_driver, images):
    a, b = make_driver('hostA'), make_driver('hostB')
    inst = _instance(images)
    a.spawn(None, inst, images.root)
    assert b.list_instance_uuids() == []
    with pytest.raises(exception.InstanceNotFound):
        b.get_info(inst)
    b.destroy(None, inst)  # not b's: left alone
    assert a.get_info(inst).power_state == P.RUNNING


def test_a_domain_gone_while_the_guests_are_listed_is_no_ones(make_driver, images,
                                                              monkeypatch):
    """Another compute service on this libvirtd removes its guest between our listing
    of the domains and our look at one of them."""
    a, b = make_driver('hostA'), make_driver('hostB')
    mine, theirs = _instance(images), _instance(images)
    a.spawn(None, mine, images.root)
    b.spawn(None, theirs, images.root)
    listed = a._hypervisor.guests()
    b.destroy(None, theirs, destroy_disks=True)
    monkeypatch.setattr(a._hypervisor, 'guests', lambda: listed)
    assert a.list_instance_uuids() == [mine.uuid]


def test_available_resources(make_driver):
    drv = make_driver()
    res = drv.get_available_resource()
    assert res.hypervisor_type == 'QEMU' and res.hypervisor_hostname == 'hostA'
    assert res.vcpus > 0 and res.memory_mb > 0 and res.local_gb > 0
    assert res.host_ip == CONF.my_ip
    assert drv.migration_address() == 'hostA'
    CONF.set_override('migration_address', '192.0.2.9', group='libvirt')
    try:
        assert drv.migration_address() == '192.0.2.9'
    finally:
        CONF.clear_override('migration_address', group='libvirt')


def test_hostile_image_leaves_nothing_behind(make_driver, images, tmp_path):
    drv = make_driver()
    _secret, cases = hostile_images.build(str(tmp_path / 'corpus'))
    case = {c.name: c for c in cases}['raw-declared-but-qcow2']
    record = images.add(case.path, case.disk_format)
    inst = fakes.instance(record['id'], fakes.flavor(root_gb=1))
    with pytest.raises(exception.ImageUnacceptable, match='declared raw but'):
        drv.spawn(None, inst, record)
    drv.destroy(None, inst)  # what the compute manager does after a failed build
    assert drv.list_instance_uuids() == []
    assert drv.cache.names() == []


# -- resize and cold migration ----------------------------------------------------------------
def _resize_to(inst, **flavor):
    old = inst.flavor
    new = fakes.flavor(name='big', **flavor)
    return old, new


def test_shrinking_a_disk_is_refused_before_anything_changes(make_driver, images):
    drv = make_driver()
    inst = _instance(images, root_gb=2, ephemeral_gb=1)
    drv.spawn(None, inst, images.root)
    for smaller in (fakes.flavor(root_gb=1, ephemeral_gb=1),
                    fakes.flavor(root_gb=2, ephemeral_gb=0)):
        with pytest.raises(exception.ResizeError, match='resize disk down'):
            drv.migrate_disk_and_power_off(None, inst, 'hostA', smaller)
    assert drv.get_info(inst).power_state == P.RUNNING
    assert not os.path.exists(os.path.join(drv.instances_path, inst.uuid + '_resize'))


def test_resize_on_the_same_host_extend_revert_confirm(make_driver, images):
    drv = make_driver()
    inst = _instance(images)
    drv.spawn(None, inst, images.root)
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    migration = fakes.Migration(inst.uuid, 'hostA', 'hostA')
    old, new = _resize_to(inst, root_gb=1, ephemeral_gb=1)

    moved = drv.migrate_disk_and_power_off(None, inst, 'hostA', new)
    drv.migrate_disk_and_power_off(None, inst, 'hostA', new)  # again: same result
    assert moved['shared'] is True and moved['bytes_sent'] == 0
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    assert os.path.exists(inst_dir + '_resize/disk') and os.path.exists(inst_dir + '/disk')

    inst.flavor = new
    drv.finish_migration(None, migration, inst, None, True)
    drv.finish_migration(None, migration, inst, None, True)
    assert drv.get_info(inst).power_state == P.RUNNING
    assert disk.virtual_size(inst_dir + '/disk', 'qcow2') == GiB
    assert disk.virtual_size(inst_dir + '/disk.local', 'qcow2') == GiB
    assert disk.virtual_size(inst_dir + '_resize/disk', 'qcow2') == 8 * MiB

    inst.flavor = old
    drv.finish_revert_migration(None, inst, migration)
    drv.finish_revert_migration(None, inst, migration)
    assert not os.path.exists(inst_dir + '_resize')
    assert disk.virtual_size(inst_dir + '/disk', 'qcow2') == 8 * MiB
    assert not os.path.exists(inst_dir + '/disk.local')
    assert drv.get_info(inst).power_state == P.RUNNING

    drv.migrate_disk_and_power_off(None, inst, 'hostA', new)
    inst.flavor = new
    drv.finish_migration(None, migration, inst, None, True)
    drv.confirm_migration(None, migration, inst)
    drv.confirm_migration(None, migration, None)
    assert not os.path.exists(inst_dir + '_resize')
    assert drv.get_info(inst).power_state == P.RUNNING  # same host: the guest stays


def test_cold_migration_sends_only_the_overlay(make_driver, images):
    a, b = make_driver('hostA'), make_driver('hostB')
    inst = _instance(images)
    a.spawn(None, inst, images.root)
    overlay = os.path.join(a.instances_path, inst.uuid, 'disk')
    utils.execute('qemu-io', '-f', 'qcow2', '-c', 'write -P 0x5a 1M 3M', overlay)
    overlay_bytes = utils.allocated_bytes(overlay)
    migration = fakes.Migration(inst.uuid, 'hostA', 'hostB')
    _old, new = _resize_to(inst, root_gb=1)

    b.prepare_migration_target(None, inst, new)
    root_base = utils.cache_name(images.root['id'])
    assert b.cache.read(root_base) is not None
    assert images.downloads[images.root['id']] == 2  # B fetched its own copy

    moved = a.migrate_disk_and_power_off(None, inst, 'hostB', new)
    assert moved['shared'] is False and moved['files'] == ['disk', 'disk.info']
    info_bytes = os.path.getsize(os.path.join(a.instances_path, inst.uuid + '_resize',
                                              'disk.info'))
    assert 3 * MiB < moved['bytes_sent'] <= overlay_bytes + info_bytes
    assert sorted(os.listdir(os.path.join(b.instances_path, inst.uuid))) == [
        'disk', 'disk.info']

    inst.flavor = new
    b.finish_migration(None, migration, inst, None, True)
    b_disk = os.path.join(b.instances_path, inst.uuid, 'disk')
    assert disk.qcow2_backing_file(b_disk) == b.cache.path(root_base)
    assert disk.virtual_size(b_disk, 'qcow2') == GiB
    assert b.list_instance_uuids() == [inst.uuid] and a.list_instance_uuids() == []
    out, _ = utils.execute('qemu-io', '-f', 'qcow2', '-r', '-c', 'read -P 0x5a 1M 3M', b_disk)
    assert 'read 3145728/3145728' in out

    a.confirm_migration(None, migration, inst)
    assert not os.path.exists(os.path.join(a.instances_path, inst.uuid + '_resize'))
    assert b.get_info(inst).power_state == P.RUNNING  # B's guest is not A's to remove


def test_cold_migration_revert_brings_the_source_back(make_driver, images):
    a, b = make_driver('hostA'), make_driver('hostB')
    inst = _instance(images)
    a.spawn(None, inst, images.root)
    migration = fakes.Migration(inst.uuid, 'hostA', 'hostB')
    old, new = _resize_to(inst, root_gb=1)
    a.migrate_disk_and_power_off(None, inst, 'hostB', new)
    inst.flavor = new
    b.finish_migration(None, migration, inst, None, True)

    b.destroy(None, inst, destroy_disks=True)  # revert_resize on the destination
    inst.flavor = old
    a.finish_revert_migration(None, inst, migration)
    started = a._guest(inst.uuid)._domain.ID()
    # Again, as after a crash once the guest was back: the running guest is left alone
    # (stopping it hard could lose what it was writing).
    a.finish_revert_migration(None, inst, migration)
    assert a._guest(inst.uuid)._domain.ID() == started
    assert a.list_instance_uuids() == [inst.uuid]
    assert a.get_info(inst).power_state == P.RUNNING
    assert disk.virtual_size(os.path.join(a.instances_path, inst.uuid, 'disk'),
                             'qcow2') == 8 * MiB
    assert not os.path.exists(os.path.join(b.instances_path, inst.uuid))


def test_each_compute_service_on_one_machine_has_its_own_instances_path(tmp_path, images):
    paths = {'host1': str(tmp_path / 'one'), 'host2': str(tmp_path / 'two')}
    CONF.set_override('instances_paths_by_host', paths, group='libvirt')
    try:
        drivers = {}
        for host in paths:
            drv = libvirt_driver.LibvirtDriver(image_client=images, uri='test:///default')
            drv.init_host(host)
            drivers[host] = drv
        assert {h: d.instances_path for h, d in drivers.items()} == paths
        assert drivers['host2'].cache.base_dir == os.path.join(paths['host2'], '_base')
        assert drivers['host1'].remotefs.root('host2') == paths['host2']
    finally:
        CONF.clear_override('instances_paths_by_host', group='libvirt')


def test_a_cross_host_copy_reports_progress_on_the_instance(make_driver, images, ctx):
    from svc_common import objects
    a = make_driver('hostA')
    flavor = fakes.flavor(ephemeral_gb=1)
    inst = objects.Instance(context=ctx, uuid=fakes.instance('x', flavor).uuid,
                            flavor=flavor, image_ref=images.root['id'],
                            vm_state=states.VmState.ACTIVE, project_id='p', user_id='u')
    inst.create()
    a.spawn(ctx, inst, images.root)
    seen = []
    a.migrate_disk_and_power_off(ctx, inst, 'hostB', flavor, progress_cb=seen.append)
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) == 3  # 2 disks + info
    a.finish_revert_migration(ctx, inst, None)
    a.migrate_disk_and_power_off(ctx, inst, 'hostB', flavor)  # no callback: the record
    assert objects.Instance.get_by_uuid(ctx, inst.uuid).progress == 100


def test_disks_on_generated_bases_travel_flattened(make_driver, images):
    """An ephemeral or swap base made again on another host would not be the same bytes
    (new filesystem UUID, times), so those disks go whole; the root overlay goes alone."""
    a, b = make_driver('hostA'), make_driver('hostB')
    flavor = fakes.flavor(ephemeral_gb=1, swap=8)
    inst = _instance(images, ephemeral_gb=1, swap=8)
    a.spawn(None, inst, images.root)
    src_dir = os.path.join(a.instances_path, inst.uuid)
    utils.execute('qemu-io', '-f', 'qcow2', '-c', 'write -P 0x33 300M 1M',
                  os.path.join(src_dir, 'disk.local'))
    moved = a.migrate_disk_and_power_off(None, inst, 'hostB', flavor)
    assert moved['files'] == ['disk', 'disk.local', 'disk.swap', 'disk.info']
    assert sorted(os.listdir(src_dir + '_resize')) == [  # as it was, nothing left over
        'console.log', 'disk', 'disk.info', 'disk.local', 'disk.swap', 'libvirt.xml']

    b.finish_migration(None, fakes.Migration(inst.uuid, 'hostA', 'hostB'), inst, None,
                       False, power_on=False)
    dst_dir = os.path.join(b.instances_path, inst.uuid)
    info = json.load(open(os.path.join(dst_dir, 'disk.info')))
    assert info['disks']['disk']['base'] == utils.cache_name(images.root['id'])
    assert info['disks']['disk.local']['base'] is None
    assert disk.qcow2_backing_file(os.path.join(dst_dir, 'disk.local')) is None
    for name in ('disk', 'disk.local', 'disk.swap'):
        utils.execute('qemu-img', 'compare', '-f', 'qcow2', '-F', 'qcow2',
                      os.path.join(src_dir + '_resize', name), os.path.join(dst_dir, name))
    assert b.cache.names() == sorted([utils.cache_name(images.root['id']),
                                      utils.cache_name(images.kernel['id']),
                                      utils.cache_name(images.ramdisk['id'])])


def test_another_host_on_the_same_instances_path_is_shared_storage(make_driver, images):
    a = make_driver('hostA')
    a.remotefs.roots['hostC'] = a.instances_path  # hostC mounts the same instances path
    inst = _instance(images)
    a.spawn(None, inst, images.root)
    moved = a.migrate_disk_and_power_off(None, inst, 'hostC', inst.flavor)
    assert moved['shared'] is True and moved['bytes_sent'] == 0
    inst_dir = os.path.join(a.instances_path, inst.uuid)
    assert sorted(os.listdir(inst_dir)) == ['disk', 'disk.info']
    assert not [n for n in os.listdir(inst_dir + '_resize') if 'shared-check' in n]


def test_rebuild_steps_keep_only_the_preserved_ephemeral_disk(make_driver, images, tmp_path):
    """A rebuild's teardown with preserve_ephemeral keeps disk.local (the same file) and
    forgets the old image's disks and boot files; making the disks again from an image
    without a kernel adds a new root disk only. Each step runs twice, as after a crash."""
    drv = make_driver()
    inst = _instance(images, ephemeral_gb=1, swap=16)
    drv.spawn(None, inst, images.root)
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    local = os.stat(os.path.join(inst_dir, 'disk.local'))
    for _ in range(2):
        drv.destroy(None, inst, preserve_ephemeral=True)
    assert drv.list_instance_uuids() == []
    assert sorted(os.listdir(inst_dir)) == ['disk.info', 'disk.local']
    info = json.load(open(os.path.join(inst_dir, 'disk.info')))
    assert (sorted(info['disks']), info['boot']) == (['disk.local'], {})

    disk.make_ext4(str(tmp_path / 'other.raw'), 8 * MiB, 'other')
    other = images.add(str(tmp_path / 'other.raw'), 'raw')
    inst.image_ref = other['id']
    for _ in range(2):
        drv.create_disks(None, inst, None)  # the image the record names
    info = json.load(open(os.path.join(inst_dir, 'disk.info')))
    assert info['disks']['disk']['source']['image_id'] == other['id']
    assert sorted(info['disks']) == ['disk', 'disk.local', 'disk.swap']
    assert 'kernel' not in info['boot']
    assert os.stat(os.path.join(inst_dir, 'disk.local')).st_ino == local.st_ino
    drv.spawn(None, inst, None)
    assert drv.get_info(inst).power_state == P.RUNNING

    drv.destroy(None, inst, preserve_ephemeral=True)
    drv.destroy(None, inst)  # without preserve_ephemeral everything goes
    assert not os.path.exists(inst_dir)


def test_a_config_drive_is_a_cdrom_made_again_at_each_definition(make_driver, images):
    from compute_svc.virt.disks import configdrive
    drv = make_driver()
    inst = _instance(images)
    inst.config_drive, inst.hostname = 'True', 'first'
    drv.spawn(None, inst, images.root)
    path = os.path.join(drv.instances_path, inst.uuid, 'disk.config')
    xml = drv._existing_guest(inst).xml()
    assert path in config_paths(xml, 'cdrom')
    assert b'"hostname": "first"' in configdrive.read_iso(path)[1][
        'openstack/latest/meta_data.json']
    inst.hostname = 'second'
    drv.reboot(None, inst, 'HARD')
    assert b'"hostname": "second"' in configdrive.read_iso(path)[1][
        'openstack/latest/meta_data.json']
    inst.config_drive = ''
    drv.reboot(None, inst, 'HARD')
    assert not os.path.exists(path)
    assert config_paths(drv._existing_guest(inst).xml(), 'cdrom') == []


def config_paths(xml, device):
    from xml.etree import ElementTree as ET
    return [d.find('source').get('file') for d in ET.fromstring(xml).findall(
        "./devices/disk[@device='%s']" % device)]


def test_snapshot_pauses_a_running_guest_and_captures_one_standalone_qcow2(
        make_driver, images, tmp_path):
    drv = make_driver()
    inst = _instance(images)
    inst.vm_state = states.VmState.ACTIVE
    drv.spawn(None, inst, images.root)
    root = os.path.join(drv.instances_path, inst.uuid, 'disk')
    utils.execute('qemu-io', '-c', 'write -P 7 0 64k', root)  # what the guest wrote
    seen = []
    guest = drv._guest(inst.uuid)
    real_pause = type(guest).pause

    def pause(self):
        real_pause(self)
        seen.append(self.power_state())
    type(guest).pause = pause
    try:
        out = os.path.join(drv.snapshot_dir(), 'image-1')
        os.makedirs(drv.snapshot_dir(), exist_ok=True)
        drv.snapshot(None, inst, out)
    finally:
        type(guest).pause = real_pause
    assert seen == [P.PAUSED]  # captured while paused
    assert drv.get_info(inst).power_state == P.RUNNING  # and running again after
    assert disk.qcow2_backing_file(out) is None
    assert sorted(os.listdir(drv.snapshot_dir())) == ['image-1']
    view = tmp_path / 'view.raw'
    disk.copy_to_raw(out, 'qcow2', str(view))
    data = view.read_bytes()
    assert data[:65536] == b'\x07' * 65536
    with open(images.images[images.root['id']][1], 'rb') as f:
        f.seek(65536)
        assert data[65536:131072] == f.read(65536)  # the base's data merged in


def test_snapshot_runs_a_guest_an_interrupted_capture_left_paused(make_driver, images):
    drv = make_driver()
    inst = _instance(images)
    inst.vm_state = states.VmState.ACTIVE
    drv.spawn(None, inst, images.root)
    drv._guest(inst.uuid).pause()
    assert drv.get_info(inst).power_state == P.PAUSED
    drv.snapshot(None, inst, os.path.join(drv.snapshot_dir(), 'image-2'))
    assert drv.get_info(inst).power_state == P.RUNNING


def _disk_targets(xml):
    from xml.etree import ElementTree as ET
    return [(d.find('source').get('file').rsplit('/', 1)[1], d.find('target').get('dev'),
             d.find('target').get('bus'), d.get('device'),
             d.find('boot').get('order') if d.find('boot') is not None else None)
            for d in ET.fromstring(xml).findall('devices/disk')]


def test_legacy_rescue_boots_the_rescue_disk_first_with_the_root_disk_second(
        make_driver, images):
    drv = make_driver()
    inst = _instance(images, ephemeral_gb=1)
    drv.spawn(None, inst, images.root)
    drv.rescue(None, inst, images.root['id'])
    assert _disk_targets(drv._existing_guest(inst).xml()) == [
        ('disk.rescue', 'vda', 'virtio', 'disk', None),
        ('disk', 'vdb', 'virtio', 'disk', None)]
    drv.unrescue(None, inst)
    assert _disk_targets(drv._existing_guest(inst).xml()) == [
        ('disk', 'vda', 'virtio', 'disk', None), ('disk.local', 'vdb', 'virtio', 'disk', None)]


@pytest.mark.parametrize('props, rescue_device', [
    ({'hw_rescue_bus': 'usb'}, ('disk.rescue', 'sda', 'usb', 'disk', '1')),
    ({'hw_rescue_device': 'disk', 'hw_rescue_bus': 'virtio'},
     ('disk.rescue', 'vdc', 'virtio', 'disk', '1')),
    ({'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'ide'},
     ('disk.rescue', 'hda', 'ide', 'cdrom', '1')),
])
def test_stable_device_rescue_keeps_every_disk_where_it_was(make_driver, images, tmp_path,
                                                            props, rescue_device):
    rescue_image = images.add(images.images[images.root['id']][1], 'raw',
                              kernel_id=images.kernel['id'], **props)
    drv = make_driver()
    inst = _instance(images, ephemeral_gb=1)
    drv.spawn(None, inst, images.root)
    drv.rescue(None, inst, rescue_image['id'])
    drv.rescue(None, inst, rescue_image['id'])  # a second delivery changes nothing
    xml = drv._existing_guest(inst).xml()
    assert _disk_targets(xml) == [('disk', 'vda', 'virtio', 'disk', None),
                                  ('disk.local', 'vdb', 'virtio', 'disk', None),
                                  rescue_device]
    drv.unrescue(None, inst)
    info = drv.disks.read_info(os.path.join(drv.instances_path, inst.uuid))
    assert not [key for key in info['boot'] if key.startswith('rescue_')]
    assert _disk_targets(drv._existing_guest(inst).xml()) == [
        ('disk', 'vda', 'virtio', 'disk', None), ('disk.local', 'vdb', 'virtio', 'disk', None)]


def test_the_domain_has_a_nic_per_vif_and_the_config_drive_their_addresses(make_driver,
                                                                           images):
    from compute_svc.virt import driver as driver_mod
    from compute_svc.virt.disks import configdrive
    from compute_svc.virt.libvirt import config
    vif = driver_mod.Vif('net-1', 'br-test', 'fa:16:3e:12:34:56', '10.1.0.5',
                         '10.1.0.0/24', '10.1.0.1')
    drv = make_driver()
    drv.vifs = lambda context, instance: [vif]
    inst = _instance(images)
    inst.config_drive = 'True'
    drv.spawn(None, inst, images.root)
    xml = drv._guest(inst.uuid).xml()
    assert config.interfaces(xml) == [('br-test', 'fa:16:3e:12:34:56')]
    _label, files = configdrive.read_iso(os.path.join(drv.instances_path, inst.uuid,
                                                      'disk.config'))
    data = json.loads(files['openstack/latest/network_data.json'])
    assert [(n['ip_address'], n['netmask']) for n in data['networks']] == [
        ('10.1.0.5', '255.255.255.0')]
