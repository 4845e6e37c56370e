"""Live migration of a real running guest whose disks are RBD images, between this
machine's libvirtd and a second one (tests/libvirt/test_live_migration_guests.py's two
hosts, each with its own instances path): the pool is the shared storage, so it is not
a block migration, nothing is made or copied on the destination (making the disk
there would replace the one the guest runs on), only disk.info travels; the guest runs
on with its disk, and the source keeps nothing but the pool keeps the disk."""
import os

from tests.ceph import test_rbd_guests as guests
from tests.libvirt.conftest import image_api, libvirt_conf, upload_demo_guest  # noqa: F401
from tests.libvirt.test_live_migration_guests import _wait_ready, two_hosts  # noqa: F401
from tests.unit.virt import fakes

GiB = 1024 ** 3


def test_a_guest_on_rbd_disks_moves_without_a_disk_copy(rbd_conf, two_hosts, image_api):
    ceph, (a, b) = rbd_conf, two_hosts
    image = image_api.add_demo_copy(
        name='rbd-stays-up', os_command_line=image_api.demo['os_command_line'].replace(
            'nimbus.mode=poweroff', 'nimbus.mode=stay'))
    inst = fakes.instance(image['id'], fakes.flavor('lm-rbd', memory_mb=128, root_gb=1))
    a.spawn(None, inst, image)
    facts = _wait_ready(a, inst)
    disk = inst.uuid + '_disk'
    assert guests._images(ceph)[disk]['size'] == GiB

    request = b.check_can_live_migrate_destination(None, inst, 'auto')
    request['dest_address'] = b.migration_address()
    data = a.check_can_live_migrate_source(None, inst, request)
    assert data['block_migration'] is False and data['shared_storage'] is True
    data = b.pre_live_migration(None, inst, data)
    on_b = os.path.join(b.instances_path, inst.uuid)
    assert sorted(os.listdir(on_b)) == ['disk.info']  # no disk made there
    a.live_migration(None, inst, 'hostB', data)
    assert a.live_migration_moved(None, inst)
    a.post_live_migration(None, inst, data)
    b.post_live_migration_at_destination(None, inst, data)
    assert b.list_instance_uuids() == [inst.uuid] and a.list_instance_uuids() == []
    assert not os.path.exists(os.path.join(a.instances_path, inst.uuid))
    held = {n: i for n, i in guests._images(ceph).items() if n.startswith(inst.uuid)}
    assert list(held) == [disk] and held[disk]['size'] == GiB
    # Booted again on B from the same RBD disk: the same guest, its second boot.
    b.power_off(inst, timeout=30)
    b.power_on(None, inst)
    again = _wait_ready(b, inst)
    assert (again['marker'], again['boot']) == (facts['marker'], '2')
    b.destroy(None, inst, destroy_disks=True)
    assert not any(n.startswith(inst.uuid) for n in guests._images(ceph))
