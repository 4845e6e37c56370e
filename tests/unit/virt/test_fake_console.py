"""The fake guest's console grows as a real guest's boot log does."""
from compute_svc.virt import fake_console
from svc_common import states
from tests.unit.virt import fakes


def _lines(record, now):
    return fake_console.output(record, now=now).splitlines()


def test_a_boot_prints_more_and_more_until_the_login_prompt():
    record = fake_console.new('vm-1', now=100.0)
    assert _lines(record, 100.0) == ['SeaBIOS (version 1.16.2-fake)']
    halfway = _lines(record, 100.5)
    done = _lines(record, 110.0)
    assert 1 < len(halfway) < len(done) == len(fake_console.BOOT_LINES)
    assert done[:len(halfway)] == halfway
    assert done[-1] == 'vm-1 login: '


def test_a_reboot_prints_after_the_whole_first_boot_then_boots_again():
    record = fake_console.new('vm-1', now=100.0)
    fake_console.boot(record, 'rebooted (HARD)', now=100.2)
    lines = _lines(record, 100.2)
    boot = len(fake_console.BOOT_LINES)
    assert lines[:boot] == _lines(fake_console.new('vm-1', now=0.0), 50.0)
    assert lines[boot:] == ['rebooted (HARD)', 'SeaBIOS (version 1.16.2-fake)']


def test_a_guest_made_powered_off_prints_nothing_until_it_boots():
    record = fake_console.new('vm-1', powered_on=False)
    assert fake_console.output(record) == ''
    fake_console.append(record, 'resized to m1.small')
    assert fake_console.output(record) == 'resized to m1.small\n'


def test_the_fake_driver_console_has_more_than_a_few_lines_once_booted(monkeypatch):
    from compute_svc.virt import fake
    drv = fake.FakeDriver(vifs=lambda context, instance: [])  # no database here
    inst = fakes.instance('image-1', fakes.flavor('small'))
    clock = [1000.0]
    monkeypatch.setattr(fake_console.time, 'time', lambda: clock[0])
    drv.spawn(None, inst, {'id': 'image-1'})
    assert len(drv.get_console_output(None, inst).splitlines()) == 1
    clock[0] += 5
    assert len(drv.get_console_output(None, inst).splitlines()) == len(
        fake_console.BOOT_LINES)
    drv.power_off(inst)
    drv.power_on(None, inst)
    assert drv.get_info(inst).power_state == states.PowerState.RUNNING
    clock[0] += 5
    assert len(drv.get_console_output(None, inst).splitlines()) == 2 * len(
        fake_console.BOOT_LINES)
