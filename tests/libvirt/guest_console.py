"""Reading what the demo guest printed on its serial console (see tools/build-demo-guest)."""
import time

from svc_common import states

BOOT_START = 'NIMBUS guest='


def boots(console_text):
    """One dict per boot, from its ``NIMBUS key=value`` lines (a bare word -> True)."""
    result = []
    for line in console_text.splitlines():
        line = line.strip()
        if not line.startswith('NIMBUS '):
            continue
        if line.startswith(BOOT_START):
            result.append({})
        if not result:
            continue
        for token in line[len('NIMBUS '):].split():
            key, sep, value = token.partition('=')
            result[-1][key] = value if sep else True
    return result


def last_boot(driver, instance):
    found = boots(driver.get_console_output(None, instance))
    assert found, 'the guest printed nothing on its console'
    return found[-1]


def wait_for_power_off(driver, instance, timeout=120):
    """The demo guest booted with nimbus.mode=poweroff stops by itself when done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.get_info(instance).power_state == states.PowerState.SHUTDOWN:
            return
        time.sleep(0.25)
    raise AssertionError('guest %s still running after %ss; console:\n%s' % (
        instance.uuid, timeout, driver.get_console_output(None, instance)[-3000:]))


def boot_and_read(driver, instance, timeout=120):
    """Wait for a self-stopping boot to end and return what it printed."""
    wait_for_power_off(driver, instance, timeout)
    facts = last_boot(driver, instance)
    assert facts.get('ready'), 'the guest did not finish booting: %r' % facts
    return facts
