"""Live migration of a real running guest between two libvirt hosts on this machine:
this machine's libvirtd (host A) and a second libvirtd in its own mount and UTS
namespaces (host B, ``second_libvirtd``), each compute host with its own instances path.

The libvirt driver's own steps run in the order the compute hosts run them (checks on
both, pre_live_migration on B, migrateToURI3 peer to peer from A's libvirtd to B's with
the disks copied (block migration: the instances paths are not shared), post steps on
both), and what the guest itself reports proves the move: it keeps running on B without
booting again, its disk there holds what it wrote on A, and A has nothing left.
"""
import os
import time

import pytest

from compute_svc.virt.disks import image_client
from compute_svc.virt.libvirt import driver as libvirt_driver
from compute_svc.virt.disks import remotefs
from svc_common.conf import CONF
from svc_common import states
from tests.libvirt import domains
from tests.libvirt import guest_console
from tests.libvirt import second_libvirtd
from tests.unit.virt import fakes

P = states.PowerState


@pytest.fixture
def two_hosts(image_api, tmp_path, libvirt_conf):
    """(driver on host A, driver on host B), B on the second libvirtd."""
    daemon = second_libvirtd.SecondLibvirtd(tmp_path / 'libvirtd-b', 'livemig-hostb')
    daemon.start()
    roots = {h: str(tmp_path / h) for h in ('hostA', 'hostB')}
    uris = {'hostA': domains.URI, 'hostB': second_libvirtd.URI}
    libvirt_conf(live_migration_uri=second_libvirtd.URI,
                 live_migration_inbound_addr='127.0.0.1')
    drivers = []
    try:
        for host in ('hostA', 'hostB'):
            drv = libvirt_driver.LibvirtDriver(
                instances_path=roots[host],
                image_client=image_client.HttpImageClient(image_api.url),
                remotefs=remotefs.LocalTransport(roots[host], roots), uri=uris[host],
                host=host, vifs=domains.no_nics)
            drv.init_host(host)
            drivers.append(drv)
        yield tuple(drivers)
    finally:
        domains.destroy_all(drivers)
        for drv in drivers:
            drv.cleanup_host(drv.host)
        daemon.stop()


def _wait_ready(drv, inst, timeout=120):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = guest_console.boots(drv.get_console_output(None, inst))
        if found and found[-1].get('ready'):
            return found[-1]
        time.sleep(0.25)
    raise AssertionError('the guest did not get ready: %s' %
                         drv.get_console_output(None, inst)[-2000:])


def _stay_up_guest(drv, image_api, name):
    """A demo guest booted on ``drv`` to stay up, once it is ready: (instance, facts)."""
    image = image_api.add_demo_copy(
        name=name, os_command_line=image_api.demo['os_command_line'].replace(
            'nimbus.mode=poweroff', 'nimbus.mode=stay'))
    inst = fakes.instance(image['id'], fakes.flavor(name, memory_mb=128))
    drv.spawn(None, inst, image)
    return inst, _wait_ready(drv, inst)


def _checked_and_prepared(a, b, inst):
    """The checks on both hosts and pre_live_migration on ``b``: the migrate data."""
    request = b.check_can_live_migrate_destination(None, inst, 'auto')
    request['dest_address'] = b.migration_address()
    data = a.check_can_live_migrate_source(None, inst, request)
    assert data['block_migration'] is True and data['shared_storage'] is False
    return b.pre_live_migration(None, inst, data)


def test_a_running_guest_moves_to_the_other_libvirt_host(two_hosts, image_api):
    a, b = two_hosts
    inst, facts = _stay_up_guest(a, image_api, 'stays-up')
    assert facts['boot'] == '1'

    data = _checked_and_prepared(a, b, inst)
    assert os.path.exists(os.path.join(b.instances_path, inst.uuid, 'disk'))
    a.live_migration(None, inst, 'hostB', data)

    assert a.live_migration_moved(None, inst)
    assert b.list_instance_uuids() == [inst.uuid]
    assert b.get_info(inst).power_state == P.RUNNING  # it runs on, nothing restarted it
    a.post_live_migration(None, inst, data)
    b.post_live_migration_at_destination(None, inst, data)
    assert a.list_instance_uuids() == []
    assert not os.path.exists(os.path.join(a.instances_path, inst.uuid))
    assert b._existing_guest(inst).is_persistent()
    # No boot on B: its console log has no new boot; the guest answers the power
    # button there, and booted again from B's disk it is the same guest (its marker,
    # written on its first boot on A) booting for the second time.
    assert guest_console.boots(b.get_console_output(None, inst)) == []
    b.power_off(inst, timeout=CONF.libvirt.shutdown_timeout)
    b.power_on(None, inst)
    again = _wait_ready(b, inst)
    assert (again['marker'], again['boot']) == (facts['marker'], '2')


def test_an_aborted_migration_leaves_the_guest_running_on_its_host(two_hosts, image_api,
                                                                   monkeypatch):
    a, b = two_hosts
    inst, _facts = _stay_up_guest(a, image_api, 'stays-up-2')
    data = _checked_and_prepared(a, b, inst)
    real_watch = a.live._watch

    def watch(instance, guest, worker, started):
        a.live_migration_abort(instance)  # as soon as it runs
        return real_watch(instance, guest, worker, started)
    monkeypatch.setattr(a.live, '_watch', watch)
    from svc_common import exception
    with pytest.raises((exception.LiveMigrationAborted, exception.LiveMigrationFailed)):
        a.live_migration(None, inst, 'hostB', data)
    assert not a.live_migration_moved(None, inst)
    a.rollback_live_migration(None, inst, data)
    b.rollback_live_migration_at_destination(None, inst, data)
    assert a.get_info(inst).power_state == P.RUNNING
    assert b.list_instance_uuids() == []
    assert not os.path.exists(os.path.join(b.instances_path, inst.uuid))


def test_a_paused_guest_moves_paused_and_runs_on_once_unpaused(two_hosts, image_api):
    """A paused server's guest is migrated paused and stays paused on B (libvirt keeps
    a paused domain paused, and the post steps leave it so); unpaused there it runs on
    from where it was, with no boot on B."""
    a, b = two_hosts
    inst, facts = _stay_up_guest(a, image_api, 'stays-up-3')
    a.pause(None, inst)
    inst.vm_state = states.VmState.PAUSED
    data = _checked_and_prepared(a, b, inst)
    a.live_migration(None, inst, 'hostB', data)
    assert a.live_migration_moved(None, inst)
    a.post_live_migration(None, inst, data)
    b.post_live_migration_at_destination(None, inst, data)
    assert b.get_info(inst).power_state == P.PAUSED
    b.unpause(None, inst)
    time.sleep(2)
    assert b.get_info(inst).power_state == P.RUNNING
    assert guest_console.boots(b.get_console_output(None, inst)) == []  # no boot on B
    assert facts['boot'] == '1'
