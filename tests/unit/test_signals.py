"""A started process waits for its stop signal with what it made while starting kept
out of the garbage collector's generations."""
import gc
import signal
import threading
from unittest import mock

from svc_common import service


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
    assert set(handlers) == {signal.SIGTERM, signal.SIGINT}
