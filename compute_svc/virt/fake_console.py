"""The fake guest's serial console: what a small Linux guest prints while it boots.

Each power-on starts a boot whose lines appear as time passes (``BOOT_LINES``: seconds
after power-on, text), so a read right after a boot sees a log still growing and a later
read the whole boot, ending at the login prompt, as a real guest's console log does.
The console lives in the fake guest's record (JSON: it goes to the fake driver's state
file): ``console`` holds what earlier boots and events printed, ``boot_at`` when the boot
now under way started (wall-clock time, so that it survives a restart of the compute
service), ``hostname`` the name its login prompt shows.
"""
import time

BOOT_LINES = (
    (0.0, 'SeaBIOS (version 1.16.2-fake)'),
    (0.05, 'Booting from Hard Disk...'),
    (0.1, '[    0.000000] Linux version 6.1.0-fake (nimbus@fake) #1 SMP'),
    (0.15, '[    0.000000] Command line: root=/dev/vda1 console=ttyS0'),
    (0.3, '[    0.512003] virtio_blk virtio1: [vda] 2097152 512-byte logical blocks'),
    (0.5, '[    0.903117] EXT4-fs (vda1): mounted filesystem with ordered data mode'),
    (0.7, '[    1.204551] Run /sbin/init as init process'),
    (0.9, 'Starting syslogd: OK'),
    (1.0, 'Starting acpid: OK'),
    (1.2, 'Welcome to Nimbus fake guest %(name)s'),
    (1.2, '%(name)s login: '),
)


def new(hostname, powered_on=True, now=None):
    """The console fields of a guest just made (booting when ``powered_on``)."""
    record = {'console': '', 'boot_at': None, 'hostname': hostname}
    if powered_on:
        boot(record, now=now)
    return record


def _lines_until(record, seconds):
    """The boot's lines printed ``seconds`` after power-on; the last, the login prompt,
    ends with no newline (the guest waits there for a user name)."""
    values = {'name': record.get('hostname') or 'guest'}
    lines = [text % values for at, text in BOOT_LINES if at <= seconds]
    if not lines:
        return ''
    return '\n'.join(lines) + ('' if len(lines) == len(BOOT_LINES) else '\n')


def _settle(record, seconds=float('inf')):
    """End the boot under way where it is ``seconds`` after power-on (by default in
    full): what the console shows next starts on a line of its own."""
    if record.get('boot_at') is not None:
        text = _lines_until(record, seconds)
        record['console'] += text if text.endswith('\n') else text + '\n'
        record['boot_at'] = None


def boot(record, note=None, now=None):
    """A power-on (boot, reboot): ``note`` printed first, then a new boot's lines."""
    append(record, note)
    record['boot_at'] = time.time() if now is None else now


def append(record, line):
    """An event the guest's console shows (after the boot under way)."""
    _settle(record)
    if line:
        record['console'] += line + '\n'


def power_off(record):
    """The guest stops: its boot, if one was under way, stops where it was."""
    if record.get('boot_at') is not None:
        _settle(record, time.time() - record['boot_at'])


def output(record, now=None):
    """All the console shows now."""
    text = record.get('console', '')
    if record.get('boot_at') is not None:
        now = time.time() if now is None else now
        text += _lines_until(record, now - record['boot_at'])
    return text
