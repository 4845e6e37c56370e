"""Daemons found through their pid files, signalled only while the pid is still theirs.

A pid file outlives a daemon that crashed or was killed, and this machine's pids wrap
within minutes (pid_max 32768, busy tiers): the number may by then be another process,
or a thread of the test process itself (kill() accepts a thread id and signals its
whole process). So the pid's command line must name the daemon's own ``marker`` (its
pid file or config path) before anything is sent to it.
"""
import os


def is_daemon(pid, marker):
    """Whether process ``pid`` runs and its command line holds ``marker``."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return marker in f.read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        return False


def live_pid(pidfile, marker):
    """The pid ``pidfile`` names if that process's command line holds ``marker``,
    else None (no file, a bad one, or a pid that is no longer the daemon's)."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return pid if is_daemon(pid, marker) else None


def signal_daemon(pidfile, marker, signum):
    """Send ``signum`` to the daemon of ``pidfile`` if it is still running as itself;
    its pid, or None."""
    pid = live_pid(pidfile, marker)
    if pid is not None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return None
    return pid
