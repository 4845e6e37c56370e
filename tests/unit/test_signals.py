"""A started process waits for its stop signal with what it made while starting kept
out of the garbage collector's generations; a SIGHUP meanwhile reads the configuration
files again instead of ending it."""
import contextlib
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from unittest import mock

from oslo_config import cfg
import pytest

from svc_common import service
from svc_common.conf import fake_driver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_started_objects_leave_the_collected_generations():
    started = [object()]  # a list: the collector tracks it
    assert any(o is started for o in gc.get_objects())
    try:
        service.keep_started_objects()
        assert gc.get_freeze_count() > 0
        assert not any(o is started for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_waiting_for_the_signal_first_keeps_the_started_objects():
    """No real signal is sent: the handler wait_for_signal installs is called."""
    handlers = {}
    with mock.patch.object(signal, 'signal', side_effect=handlers.__setitem__), \
            mock.patch.object(service, 'keep_started_objects') as keep:
        timer = threading.Timer(0.1, lambda: handlers[signal.SIGTERM](signal.SIGTERM, None))
        timer.start()
        try:
            service.wait_for_signal()  # returns once the handler ran
        finally:
            timer.cancel()
    keep.assert_called_once_with()
    assert set(handlers) == {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


@contextlib.contextmanager
def _signals_mocked(handlers, reloaded):
    """signal.signal records the handlers in ``handlers``; reload_config sets
    ``reloaded`` instead of reading anything."""
    with mock.patch.object(signal, 'signal', side_effect=handlers.__setitem__), \
            mock.patch.object(service, 'keep_started_objects'), \
            mock.patch.object(service, 'reload_config', side_effect=reloaded.set):
        yield


def _wait_for_handlers(handlers, *signums):
    deadline = time.monotonic() + 5
    while not set(signums) <= set(handlers) and time.monotonic() < deadline:
        time.sleep(0.01)


def _stop(handlers, waiter):
    """SIGTERM to a wait_for_signal running in ``waiter``, which must then return."""
    _wait_for_handlers(handlers, signal.SIGTERM)
    handlers[signal.SIGTERM](signal.SIGTERM, None)
    waiter.join(5)
    assert not waiter.is_alive()


def test_a_sighup_reads_the_configuration_again_and_the_process_goes_on():
    handlers, reloaded = {}, threading.Event()
    with _signals_mocked(handlers, reloaded):
        waiter = threading.Thread(target=service.wait_for_signal)
        waiter.start()
        try:
            _wait_for_handlers(handlers, signal.SIGHUP)
            handlers[signal.SIGHUP](signal.SIGHUP, None)
            assert reloaded.wait(5)
            waiter.join(0.3)
            assert waiter.is_alive()  # still waiting for a stop signal
        finally:
            _stop(handlers, waiter)


def test_a_sighup_caught_while_starting_is_acted_on_once_waiting():
    """A reload asked for right after the process said it had started, before it waits
    for signals: kept (not the default action, which ends the process), then done."""
    handlers, reloaded = {}, threading.Event()
    with _signals_mocked(handlers, reloaded):
        service.catch_hangup()
        handlers[signal.SIGHUP](signal.SIGHUP, None)  # while starting
        waiter = threading.Thread(target=service.wait_for_signal)
        waiter.start()
        try:
            assert reloaded.wait(5)
        finally:
            _stop(handlers, waiter)


def test_setting_up_a_process_catches_sighup_at_once():
    from svc_common.cmd import common
    with mock.patch.object(service, 'catch_hangup') as catch, \
            mock.patch.object(common, 'CONF'), mock.patch.object(common, 'logging'), \
            mock.patch.object(common.stats, 'dump_on_signal'), \
            mock.patch.object(common.stats, 'set_process_role'):
        common.setup([], 'nimbus-test')
    catch.assert_called_once_with()


def _two_opts(conf):
    conf.register_opts([cfg.ListOpt('fault_points', default=[], mutable=True),
                        cfg.IntOpt('report_interval', default=10)])


def _conf(tmp_path, text, register=_two_opts):
    conf = cfg.ConfigOpts()
    register(conf)
    path = tmp_path / 'nimbus.conf'
    path.write_text(text)
    conf(['--config-file', str(path)], project='nimbus')
    return conf, path


def test_reading_again_changes_the_mutable_options_only(tmp_path):
    conf, path = _conf(tmp_path, '[DEFAULT]\nreport_interval = 5\n')
    path.write_text('[DEFAULT]\nreport_interval = 7\nfault_points = build.after_spawn\n')
    changed = service.reload_config(conf)
    assert set(changed) == {(None, 'fault_points')}
    assert conf.fault_points == ['build.after_spawn']
    assert conf.report_interval == 5  # not mutable: kept until a restart


def test_reading_again_changes_the_fake_live_migration_delay(tmp_path):
    """The crash matrix slows down only the live migration it aborts, by a reload of the
    source with its fault point; the fake driver reads the delay at each migration."""
    conf, path = _conf(tmp_path, '', fake_driver.register_opts)
    path.write_text('[fake_driver]\nlive_migrate_delay = 4\n')
    assert set(service.reload_config(conf)) == {('fake_driver', 'live_migrate_delay')}
    assert conf.fake_driver.live_migrate_delay == 4


def test_a_file_that_cannot_be_read_keeps_every_option(tmp_path):
    conf, path = _conf(tmp_path, '[DEFAULT]\nfault_points = build.after_spawn\n')
    path.write_text('[DEFAULT\nfault_points = delete.after_destroy\n')
    assert service.reload_config(conf) is None
    assert conf.fault_points == ['build.after_spawn']
    path.unlink()
    assert service.reload_config(conf) is None
    assert conf.fault_points == ['build.after_spawn']


# A process whose periodic task is stuck (a call waiting for a reply that will not
# come): stopped, it ends at once with end_process, its last log line written.
STUCK = '''
import logging, logging.handlers, sys, time
import svc_common  # the threading backend of oslo.service, as every Nimbus process
from oslo_service import loopingcall
from svc_common import service
buffered = logging.handlers.MemoryHandler(1000, flushLevel=logging.CRITICAL,
                                          target=logging.FileHandler(sys.argv[1]))
logging.getLogger().addHandler(buffered)
logging.getLogger().setLevel(logging.INFO)
started = []
def stuck():
    started.append(1)
    time.sleep(120)
timer = loopingcall.FixedIntervalLoopingCall(stuck)
timer.start(interval=0.05, initial_delay=0)
while not started:
    time.sleep(0.01)
timer.stop()
logging.getLogger('test').info('stopped')
if sys.argv[2] == 'end':
    service.end_process()
'''


@pytest.mark.parametrize('end', [True, False])
def test_a_stopped_process_ends_at_once_whatever_its_threads_do(tmp_path, end):
    log = tmp_path / 'log'
    proc = subprocess.Popen([sys.executable, '-c', STUCK,
                             str(log), 'end' if end else 'return'],
                            env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        if end:
            assert proc.wait(30) == 0
            assert log.read_text() == 'stopped\n'  # flushed on the way out
        else:  # the executor's exit hook joins the stuck thread: what end_process ends
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(3)
    finally:
        proc.kill()
        proc.wait()


def test_the_services_end_their_process_once_stopped():
    from compute_svc import cmd as compute_cmd
    from conductor_svc import cmd as conductor_cmd
    for cmd, run in ((compute_cmd, lambda: compute_cmd.main([])),
                     (conductor_cmd, conductor_cmd.serve)):
        calls = []
        with mock.patch.multiple(cmd, common=mock.DEFAULT, rpc=mock.DEFAULT,
                                 make_service=mock.DEFAULT, service=mock.DEFAULT) as patched, \
                mock.patch.object(compute_cmd, 'block_database'):
            patched['service'].run_until_signalled.side_effect = \
                lambda *args: calls.append('stopped')
            patched['service'].end_process.side_effect = lambda *args: calls.append('ended')
            run()
        assert calls == ['stopped', 'ended'], cmd
