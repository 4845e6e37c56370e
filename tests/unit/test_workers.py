"""[conductor]/workers: forked workers serve until the parent is told to stop, a SIGHUP
reaches each of them, a worker that dies is started again, and none outlives its
parent."""
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A service stand-in: marks its start, each SIGHUP and its graceful stop with files
# named by its pid.
SCRIPT = '''
import os, signal, sys, time
from svc_common import workers
folder, count = sys.argv[1], int(sys.argv[2])
def serve():
    stop = []  # the handler first: a SIGTERM right after .started is then not fatal
    signal.signal(signal.SIGTERM, lambda *args: stop.append(1))
    signal.signal(signal.SIGHUP, lambda *args: open(
        os.path.join(folder, '%d.hangup' % os.getpid()), 'a').close())
    open(os.path.join(folder, '%d.started' % os.getpid()), 'w').close()
    while not stop:
        time.sleep(0.01)
    open(os.path.join(folder, '%d.stopped' % os.getpid()), 'w').close()
sys.exit(workers.run(count, serve))
'''


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out')
        time.sleep(0.02)


def _pids(folder, what):
    return {int(name.split('.')[0]) for name in os.listdir(folder) if name.endswith(what)}


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by a parent that died) is not alive
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.fixture
def start(tmp_path):
    procs = []

    def start(count):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
        proc = subprocess.Popen([sys.executable, '-c', SCRIPT, str(tmp_path), str(count)],
                                env=env)
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_one_worker_serves_in_the_process_itself(start, tmp_path):
    proc = start(1)
    _wait(lambda: _pids(tmp_path, '.started') == {proc.pid})
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert _pids(tmp_path, '.stopped') == {proc.pid}


def test_sigterm_to_the_parent_stops_every_worker_gracefully(start, tmp_path):
    proc = start(2)
    _wait(lambda: len(_pids(tmp_path, '.started')) == 2)
    assert proc.pid not in _pids(tmp_path, '.started')
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert _pids(tmp_path, '.stopped') == _pids(tmp_path, '.started')


def test_sighup_to_the_parent_reaches_every_worker_and_stops_none(start, tmp_path):
    proc = start(2)
    _wait(lambda: len(_pids(tmp_path, '.started')) == 2)
    proc.send_signal(signal.SIGHUP)
    _wait(lambda: _pids(tmp_path, '.hangup') == _pids(tmp_path, '.started'))
    assert proc.poll() is None and not _pids(tmp_path, '.stopped')
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert _pids(tmp_path, '.stopped') == _pids(tmp_path, '.started')


def test_a_worker_that_dies_is_started_again(start, tmp_path):
    proc = start(2)
    _wait(lambda: len(_pids(tmp_path, '.started')) == 2)
    victim = min(_pids(tmp_path, '.started'))
    os.kill(victim, signal.SIGKILL)
    _wait(lambda: len(_pids(tmp_path, '.started')) == 3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert _pids(tmp_path, '.stopped') == _pids(tmp_path, '.started') - {victim}


def test_no_worker_outlives_a_killed_parent(start, tmp_path):
    proc = start(2)
    _wait(lambda: len(_pids(tmp_path, '.started')) == 2)
    proc.kill()
    proc.wait()
    _wait(lambda: _pids(tmp_path, '.stopped') == _pids(tmp_path, '.started'))
    _wait(lambda: not any(_alive(pid) for pid in _pids(tmp_path, '.started')))
