"""What a failed real-guest test leaves behind, put in its report.

A guest that dies under a test takes its evidence with it: its instance directory (and
the console log in it) goes with the test's temporary directory, libvirtd's log of the
domain is overwritten by the next start, and the kernel's word on a killed or crashed
QEMU (a segfault, the OOM killer) is in no file the test reads. When a test of this tier
fails, its report gains, from the test's start on: libvirtd's log of each domain that
changed, the guests' console logs under the test's temporary directory, and the kernel's
messages.
"""
import os
import pathlib
import subprocess
import time

from tests.libvirt import domains

TAIL_LINES = 40


def _tail(path, lines=TAIL_LINES):
    try:
        text = pathlib.Path(path).read_text(errors='replace')
    except OSError as error:
        return '(unreadable: %s)' % error
    return '\n'.join(text.splitlines()[-lines:])


def _kernel_lines():
    try:
        run = subprocess.run(['dmesg'], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return ['(dmesg: %s)' % error]
    return run.stdout.splitlines() if run.returncode == 0 else [
        '(dmesg: %s)' % run.stderr.strip()]


class Mark:
    """Where the logs stood when a test started."""

    def __init__(self):
        self.started = time.time()
        self.kernel_lines = len(_kernel_lines())


def _changed_since(directory, pattern, started):
    try:
        found = list(pathlib.Path(directory).rglob(pattern))
    except OSError:
        return []
    return sorted(path for path in found
                  if path.is_file() and path.stat().st_mtime >= started)


def report(mark, tmp_dir):
    """The sections to add to a failed test's report: [(title, text)]."""
    sections = []
    for path in _changed_since(domains.QEMU_LOG_DIR, '*.log', mark.started):
        sections.append(('libvirtd log %s' % path.name, _tail(path)))
    if tmp_dir is not None:
        for path in _changed_since(tmp_dir, 'console.log', mark.started):
            sections.append(('guest console %s' % os.path.relpath(path, tmp_dir),
                             _tail(path)))
    new = _kernel_lines()[mark.kernel_lines:]
    sections.append(('kernel messages since the test started',
                     '\n'.join(new[-TAIL_LINES:]) or '(none)'))
    return sections
