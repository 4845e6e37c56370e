"""A started process waits for its stop signal with what it made while starting kept
out of the garbage collector's generations."""
import gc
import os
import signal
import threading

from svc_common import service


def test_waiting_for_the_signal_keeps_the_started_objects_out_of_collections():
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    started = [object()]  # made before the wait (a list: the collector tracks it)
    assert any(o is started for o in gc.get_objects())
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        service.wait_for_signal()  # returns on the SIGTERM
        assert gc.get_freeze_count() > 0
        assert not any(o is started for o in gc.get_objects())
    finally:
        timer.cancel()
        gc.unfreeze()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
