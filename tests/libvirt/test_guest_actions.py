"""Pause/unpause, suspend/resume and rescue/unrescue of a real guest.

Pause and suspend: the guest goes on where it stopped.

The demo guest booted to stay up (nimbus.mode=stay) reports its boot and starts acpid.
It is paused, unpaused, suspended (libvirt's managed save: the domain stops, its memory
in a file) and resumed, each step twice (the second must change nothing). Then an ACPI
power button press reaches the acpid of that same boot, which powers the guest off: the
guest's processes went on through all of it, its disk was booted once, and libvirt never
cut its power.

Rescue: the rescue guest sees the server's disk (second, or first where it was for a
stable device rescue); unrescue: the server boots it again.
"""
import os
import time

from svc_common import states
from compute_svc.virt.libvirt import config
from tests.libvirt import domains
from tests.libvirt import guest_console
from tests.unit.virt import fakes

P = states.PowerState
BOOT_TIMEOUT = 120
GiB, IMAGE_BYTES = 1024 ** 3, 64 * 1024 ** 2


def _console(drv, inst):
    return drv.get_console_output(None, inst)


def _wait(predicate, what, timeout=BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError('timed out waiting for %s' % what)


def _twice(step, drv, inst):
    step(None, inst)
    step(None, inst)  # a second delivery, or a recovery after a crash: nothing changes


def _booted_to_stay_up(make_driver, image_api):
    """A driver and a demo guest it boots with nimbus.mode=stay (it stays up)."""
    drv = make_driver()
    cmdline = image_api.demo['os_command_line'].replace('nimbus.mode=poweroff',
                                                        'nimbus.mode=stay')
    image = image_api.add_demo_copy(name='stay-up', os_command_line=cmdline)
    inst = fakes.instance(image['id'], fakes.flavor('small', memory_mb=128))
    drv.spawn(None, inst, image)
    return drv, inst


def test_pause_and_suspend_keep_the_guest_running_where_it_was(make_driver, image_api):
    drv, inst = _booted_to_stay_up(make_driver, image_api)
    ready = _wait(lambda: [b for b in guest_console.boots(_console(drv, inst))
                           if b.get('ready')], 'the guest to be up')
    assert ready[-1]['boot'] == '1' and ready[-1]['mode'] == 'stay'

    _twice(drv.pause, drv, inst)
    assert drv.get_info(inst).power_state == P.PAUSED
    time.sleep(1)
    assert drv.get_info(inst).power_state == P.PAUSED
    _twice(drv.unpause, drv, inst)
    assert drv.get_info(inst).power_state == P.RUNNING

    started = time.monotonic()
    _twice(drv.suspend, drv, inst)
    saved = time.monotonic()
    guest = drv._existing_guest(inst)
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    assert not guest.is_active() and guest.has_managed_save()
    _twice(drv.resume, drv, inst)
    resumed = time.monotonic()
    assert drv.get_info(inst).power_state == P.RUNNING
    assert not guest.has_managed_save()

    # The guest's acpid, started on its first boot, still answers the power button.
    drv.power_off(inst, timeout=60)
    assert drv.get_info(inst).power_state == P.SHUTDOWN
    boots = guest_console.boots(_console(drv, inst))
    assert len(boots) == 1, _console(drv, inst)[-3000:]
    assert boots[0]['boot'] == '1'
    assert domains.power_cuts(inst.uuid) == 0  # acpid of the first boot powered it off
    print('suspend (managed save) %.1fs, resume %.1fs' % (saved - started,
                                                           resumed - saved))
    drv.destroy(None, inst)
    assert drv.list_instance_uuids() == []


def test_rescue_sees_the_server_disk_and_unrescue_brings_it_back(make_driver, image_api):
    """The rescue guest boots its own fresh disk (the image's, first boot) and finds the
    server's grown 1 GiB disk attached second; after unrescue the server's disk boots
    again, its boot count and marker going on."""
    drv = make_driver()
    inst = fakes.instance(image_api.demo['id'], fakes.flavor('tiny', root_gb=1))
    drv.spawn(None, inst, image_api.demo)
    first = guest_console.boot_and_read(drv, inst)
    assert (first['boot'], int(first['disk_bytes'])) == ('1', GiB)

    drv.rescue(None, inst, image_api.demo['id'])
    drv.rescue(None, inst, image_api.demo['id'])  # again while it boots: nothing changes
    xml = drv._existing_guest(inst).xml()
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    assert config.disk_paths(xml) == [os.path.join(inst_dir, 'disk.rescue'),
                                      os.path.join(inst_dir, 'disk')]
    rescued = guest_console.boot_and_read(drv, inst)
    assert rescued['boot'] == '1' and rescued['marker'] != first['marker']
    assert int(rescued['disk_bytes']) == IMAGE_BYTES  # the rescue image's own disk
    assert int(rescued['dev_vdb_bytes']) == GiB       # the server's disk, second
    assert (rescued['dev_vdb_fs'], rescued['dev_vdb_label']) == ('ext4', 'nimbus-root')

    drv.unrescue(None, inst)
    drv.unrescue(None, inst)  # again while it boots: nothing changes
    back = guest_console.boot_and_read(drv, inst)
    assert (back['boot'], back['marker']) == ('2', first['marker'])
    assert int(back['disk_bytes']) == GiB and 'dev_vdb_bytes' not in back
    assert not os.path.exists(os.path.join(inst_dir, 'disk.rescue'))
    info = drv.disks.read_info(inst_dir)
    assert 'disk.rescue' not in info['disks']
    assert not [k for k in info['boot'] if k.startswith('rescue_')]
    assert len(guest_console.boots(_console(drv, inst))) == 3
    drv.destroy(None, inst)


def test_hard_reboot_boots_a_paused_or_suspended_guest_afresh(make_driver, image_api):
    """A hard reboot of a paused guest, then of a suspended one (its managed save image
    dropped, not restored): each time the guest boots again."""
    drv, inst = _booted_to_stay_up(make_driver, image_api)

    def up(number):
        return _wait(lambda: [b for b in guest_console.boots(_console(drv, inst))
                              if b.get('ready') and b.get('boot') == str(number)],
                     'boot %d to be up' % number)
    up(1)
    drv.pause(None, inst)
    drv.reboot(None, inst, 'HARD')
    assert drv.get_info(inst).power_state == P.RUNNING
    up(2)
    drv.suspend(None, inst)
    guest = drv._existing_guest(inst)
    assert guest.has_managed_save()
    drv.reboot(None, inst, 'HARD')
    assert drv.get_info(inst).power_state == P.RUNNING
    assert not guest.has_managed_save()
    up(3)
    drv.destroy(None, inst)


def test_stable_device_rescue_keeps_the_server_disk_first(make_driver, image_api):
    """A rescue image with hw_rescue_device/hw_rescue_bus (2.87's stable device rescue):
    the server's disk stays vda (the guest, which keeps its state on vda, boots it a
    second time: same marker) and the rescue disk comes after it as vdb."""
    drv = make_driver()
    inst = fakes.instance(image_api.demo['id'], fakes.flavor('tiny', root_gb=1))
    drv.spawn(None, inst, image_api.demo)
    first = guest_console.boot_and_read(drv, inst)
    rescuer = image_api.add_demo_copy(name='stable-rescuer', hw_rescue_device='disk',
                                      hw_rescue_bus='virtio')

    drv.rescue(None, inst, rescuer['id'])
    inst_dir = os.path.join(drv.instances_path, inst.uuid)
    assert config.disk_paths(drv._existing_guest(inst).xml()) == [
        os.path.join(inst_dir, 'disk'), os.path.join(inst_dir, 'disk.rescue')]
    rescued = guest_console.boot_and_read(drv, inst)
    assert (rescued['boot'], rescued['marker']) == ('2', first['marker'])
    assert int(rescued['disk_bytes']) == GiB
    assert int(rescued['dev_vdb_bytes']) == IMAGE_BYTES  # the rescue image's disk
    assert (rescued['dev_vdb_fs'], rescued['dev_vdb_label']) == ('ext4', 'nimbus-root')

    drv.unrescue(None, inst)
    back = guest_console.boot_and_read(drv, inst)
    assert (back['boot'], back['marker']) == ('3', first['marker'])
    assert 'dev_vdb_bytes' not in back
    assert not os.path.exists(os.path.join(inst_dir, 'disk.rescue'))
    drv.destroy(None, inst)
