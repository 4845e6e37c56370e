"""Test daemons are signalled through their pid files only while the pid is theirs."""
import os
import signal
import subprocess
import sys
import time

from tests import pidfiles


def test_a_daemon_is_signalled_only_while_its_pid_file_names_it(tmp_path):
    pidfile = tmp_path / 'daemon.pid'
    daemon = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)',
                               str(pidfile)])
    try:
        pidfile.write_text('%d\n' % daemon.pid)
        deadline = time.monotonic() + 10  # until the child has exec'd its command
        while not pidfiles.is_daemon(daemon.pid, str(pidfile)):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert pidfiles.live_pid(pidfile, str(pidfile)) == daemon.pid
        assert pidfiles.signal_daemon(pidfile, str(pidfile), signal.SIGTERM) == daemon.pid
        assert daemon.wait(10) == -signal.SIGTERM
        # A stale file whose pid is now another process (here: this test's own).
        pidfile.write_text('%d\n' % os.getpid())
        assert pidfiles.live_pid(pidfile, str(pidfile)) is None
        assert pidfiles.signal_daemon(pidfile, str(pidfile), signal.SIGTERM) is None
        pidfile.write_text('not a pid')
        assert pidfiles.live_pid(pidfile, str(pidfile)) is None
        assert pidfiles.live_pid(tmp_path / 'missing.pid', 'x') is None
    finally:
        daemon.kill()
        daemon.wait()
