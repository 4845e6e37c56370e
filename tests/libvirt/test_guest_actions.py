"""Pause/unpause and suspend/resume of a real guest: it goes on where it stopped.

The demo guest booted to stay up (nimbus.mode=stay) reports its boot and starts acpid.
It is paused, unpaused, suspended (libvirt's managed save: the domain stops, its memory
in a file) and resumed, each step twice (the second must change nothing). Then an ACPI
power button press reaches the acpid of that same boot, which powers the guest off: the
guest's processes went on through all of it, its disk was booted once, and libvirt never
cut its power.
"""
import time

from svc_common import states
from tests.libvirt import domains
from tests.libvirt import guest_console
from tests.unit.virt import fakes

P = states.PowerState
BOOT_TIMEOUT = 120


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


def test_pause_and_suspend_keep_the_guest_running_where_it_was(make_driver, image_api):
    drv = make_driver()
    cmdline = image_api.demo['os_command_line'].replace('nimbus.mode=poweroff',
                                                        'nimbus.mode=stay')
    image = image_api.add_demo_copy(name='stay-up', os_command_line=cmdline)
    inst = fakes.instance(image['id'], fakes.flavor('small', memory_mb=128))
    drv.spawn(None, inst, image)
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
