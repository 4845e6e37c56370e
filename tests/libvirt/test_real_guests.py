"""Real guests under QEMU through libvirt: boot, resize, revert, confirm, cold migration.

The demo guest (tools/build-demo-guest) prints what it sees on its serial console and
powers itself off, so every check here is what the guest itself reported.
"""
import os

from svc_common import objects
from svc_common import states
from compute_svc.virt.disks import disk
from compute_svc.virt.disks import utils
from tests.libvirt import guest_console
from tests.unit.virt import fakes

GiB, MiB = 1024 ** 3, 1024 ** 2
IMAGE_BYTES = 64 * MiB  # the demo guest's disk and ext4 filesystem
P = states.PowerState


def _flavor(name, root_gb=0, ephemeral_gb=0, swap=0):
    return fakes.flavor(name=name, root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=swap,
                        memory_mb=128, vcpus=1)


def _instance(image_api, flavor):
    return fakes.instance(image_api.demo['id'], flavor)


def test_boot_from_the_image_triple(make_driver, image_api):
    drv = make_driver()
    inst = _instance(image_api, _flavor('with-extras', ephemeral_gb=1, swap=32))
    drv.spawn(None, inst, image_api.demo)
    assert drv.list_instance_uuids() == [inst.uuid]

    facts = guest_console.boot_and_read(drv, inst)
    assert facts['guest'] == 'nimbus-demo' and facts['boot'] == '1'
    assert int(facts['disk_bytes']) == IMAGE_BYTES
    assert int(facts['fs_bytes']) == IMAGE_BYTES
    assert (facts['dev_vdb_fs'], facts['dev_vdb_label']) == ('ext4', 'ephemeral0')
    assert int(facts['dev_vdb_bytes']) == GiB
    assert facts['dev_vdc_fs'] == 'swap'
    assert int(facts['dev_vdc_bytes']) == 32 * MiB

    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    base = drv.cache.read(utils.cache_name(image_api.demo['id']))
    assert base.format == 'raw'  # force_raw_images: the qcow2 image became a raw base
    assert disk.qcow2_backing_file(os.path.join(inst_dir, 'disk')) == base.path
    drv.destroy(None, inst)
    drv.destroy(None, inst)
    assert drv.list_instance_uuids() == [] and not os.path.exists(inst_dir)


def test_resize_grows_disk_and_filesystem_revert_restores_confirm_cleans(make_driver,
                                                                         image_api):
    drv = make_driver()
    small, big = _flavor('small'), _flavor('big', root_gb=1)
    inst = _instance(image_api, small)
    migration = fakes.Migration(inst.uuid, 'hostA', 'hostA')
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    drv.spawn(None, inst, image_api.demo)
    first = guest_console.boot_and_read(drv, inst)
    marker = first['marker']
    assert int(first['disk_bytes']) == IMAGE_BYTES

    # Resize to a bigger root disk on this host.
    moved = drv.migrate_disk_and_power_off(None, inst, 'hostA', big)
    assert moved['shared'] and moved['bytes_sent'] == 0
    assert os.path.isdir(inst_dir + '_resize')
    inst.flavor = big
    drv.finish_migration(None, migration, inst, None, True)
    grown = guest_console.boot_and_read(drv, inst)
    assert int(grown['disk_bytes']) == GiB
    assert int(grown['fs_bytes_before']) == IMAGE_BYTES
    assert grown.get('fs_grown') == '1' and int(grown['fs_bytes']) == GiB
    assert grown['marker'] == marker and grown['boot'] == '2'

    # Revert: the original disk, as it was, comes back.
    inst.flavor = small
    drv.finish_revert_migration(None, inst, migration)
    reverted = guest_console.boot_and_read(drv, inst)
    assert int(reverted['disk_bytes']) == IMAGE_BYTES
    assert int(reverted['fs_bytes']) == IMAGE_BYTES
    assert reverted['marker'] == marker
    assert reverted['boot'] == '2'  # the disk booted once before, not the resized one
    assert not os.path.exists(inst_dir + '_resize')

    # Resize again and confirm: the source copy goes away.
    drv.migrate_disk_and_power_off(None, inst, 'hostA', big)
    inst.flavor = big
    drv.finish_migration(None, migration, inst, None, True, power_on=False)
    drv.confirm_migration(None, migration, inst)
    assert not os.path.exists(inst_dir + '_resize')
    assert disk.virtual_size(os.path.join(inst_dir, 'disk'), 'qcow2') == GiB
    assert drv.list_instance_uuids() == [inst.uuid]


def test_flat_disks_get_their_filesystem_grown_on_the_host(make_driver, image_api,
                                                           libvirt_conf):
    libvirt_conf(images_type='flat')
    drv = make_driver()
    small, big = _flavor('small'), _flavor('big', root_gb=3)  # > 2 GiB: 64-bit sizes
    inst = _instance(image_api, small)
    drv.spawn(None, inst, image_api.demo)
    marker = guest_console.boot_and_read(drv, inst)['marker']
    root = os.path.join(drv.instances_path, inst.uuid, 'disk')
    assert disk.qcow2_backing_file(root) is None  # a standalone raw copy

    migration = fakes.Migration(inst.uuid, 'hostA', 'hostA')
    drv.migrate_disk_and_power_off(None, inst, 'hostA', big)
    inst.flavor = big
    drv.finish_migration(None, migration, inst, None, True)
    facts = guest_console.boot_and_read(drv, inst)
    assert int(facts['disk_bytes']) == 3 * GiB
    assert int(facts['fs_bytes_before']) == 3 * GiB  # grown by e2fsck + resize2fs on the host
    assert 'fs_grown' not in facts
    assert facts['marker'] == marker
    drv.confirm_migration(None, migration, inst)


def test_cold_migration_copies_the_overlay_not_the_base(make_driver, image_api):
    a, b = make_driver('hostA'), make_driver('hostB')
    flavor = _flavor('with-extras', ephemeral_gb=1, swap=32)
    inst = _instance(image_api, flavor)
    a.spawn(None, inst, image_api.demo)
    marker = guest_console.boot_and_read(a, inst)['marker']
    src_dir = os.path.join(a.instances_path, inst.uuid)
    overlay_bytes = utils.allocated_bytes(os.path.join(src_dir, 'disk'))
    base_name = utils.cache_name(image_api.demo['id'])
    downloads_before = image_api.downloads[image_api.demo['id']]

    b.prepare_migration_target(None, inst, flavor)  # B fetches the base itself
    assert image_api.downloads[image_api.demo['id']] == downloads_before + 1
    moved = a.migrate_disk_and_power_off(None, inst, 'hostB', flavor)
    print('root overlay allocated %d bytes; sent %r; base %d bytes' % (
        overlay_bytes, moved['sent'], os.path.getsize(b.cache.path(base_name))))
    assert moved['files'] == ['disk', 'disk.local', 'disk.swap', 'disk.info']
    assert 0.5 * overlay_bytes <= moved['sent']['disk'] <= overlay_bytes
    assert moved['bytes_sent'] < IMAGE_BYTES / 4  # nowhere near the 64 MiB base

    migration = fakes.Migration(inst.uuid, 'hostA', 'hostB')
    b.finish_migration(None, migration, inst, None, False)
    facts = guest_console.boot_and_read(b, inst)
    assert facts['marker'] == marker and facts['boot'] == '2'
    assert int(facts['disk_bytes']) == IMAGE_BYTES
    assert (facts['dev_vdb_fs'], facts['dev_vdb_label']) == ('ext4', 'ephemeral0')
    assert facts['dev_vdc_fs'] == 'swap'
    assert disk.qcow2_backing_file(os.path.join(b.instances_path, inst.uuid, 'disk')) == \
        b.cache.path(base_name)
    assert b.list_instance_uuids() == [inst.uuid] and a.list_instance_uuids() == []

    a.confirm_migration(None, migration, inst)
    assert not os.path.exists(src_dir + '_resize')
    assert b.get_info(inst).power_state == P.SHUTDOWN  # B's guest untouched


def test_concurrent_boots_of_an_uncached_image_download_it_once(make_driver, image_api):
    import threading

    image = image_api.add_demo_copy(name='uncached')
    image_api.file_delay = 0.5  # keep the first download open while the others arrive
    drv = make_driver()
    flavor = _flavor('small')
    instances = [fakes.instance(image['id'], flavor) for _ in range(5)]
    started, errors = [], []
    barrier = threading.Barrier(len(instances))

    def boot(inst):
        barrier.wait()
        started.append(__import__('time').monotonic())
        try:
            drv.spawn(None, inst, image, power_on=False)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
    threads = [threading.Thread(target=boot, args=(i,)) for i in instances]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        image_api.file_delay = 0.0
    assert errors == []
    assert image_api.downloads[image['id']] == 1
    (download_start, download_end), = image_api.download_times[image['id']]
    assert max(started) < download_end  # all five were waiting while it downloaded
    bases = {disk.qcow2_backing_file(os.path.join(drv.instances_path, i.uuid, 'disk'))
             for i in instances}
    assert bases == {drv.cache.path(utils.cache_name(image['id']))}
    assert sorted(drv.list_instance_uuids()) == sorted(i.uuid for i in instances)
    for inst in instances:
        drv.destroy(None, inst)


def test_instance_objects_work_as_the_manager_passes_them(make_driver, image_api):
    """The manager passes an Instance with a Flavor object and may omit the image record."""
    drv = make_driver()
    inst = objects.Instance(uuid=fakes.instance(image_api.demo['id'], _flavor('s')).uuid,
                            image_ref=image_api.demo['id'], flavor=_flavor('s'))
    drv.spawn(None, inst, None, power_on=False)
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    drv.destroy(None, inst)
