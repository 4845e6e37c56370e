"""Several processes serving one service: ``[conductor]/workers``.

One Python process runs one thread at a time (the GIL), so a busy conductor uses one
core however many threads its RPC executor has. With workers > 1 the process forks that
many workers before it opens any connection: each makes its own transport and database
pool and serves the shared RPC topic like another conductor on the same host would
(RabbitMQ hands each message to one of them). The parent opens nothing; it only watches:

- SIGTERM or SIGINT is passed on to every worker, each stops gracefully (finishing the
  messages in flight), and the parent exits once they all have;
- SIGHUP is passed on to every worker, each reads its configuration files again
  (``service.reload_config``);
- a worker that exits otherwise is started again, a second later;
- a worker gets SIGTERM when its parent dies (PR_SET_PDEATHSIG), so killing the parent
  leaves no worker serving behind it.
"""
import ctypes
import os
import signal
import time
from typing import Callable, Dict

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

RESTART_DELAY = 1.0  # seconds before a worker that died is started again
_PR_SET_PDEATHSIG = 1


def run(count: int, serve: Callable[[], None]) -> int:
    """``serve()`` in this process (count 1), or in ``count`` forked workers until a
    SIGTERM or SIGINT; the exit status for the process."""
    if count <= 1:
        serve()
        return 0
    return _Parent(count, serve).run()


class _Parent:

    def __init__(self, count: int, serve: Callable[[], None]):
        self.count = count
        self.serve = serve
        self.workers: Dict[int, int] = {}  # pid -> worker number
        self.stopping = False

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._pass_on)
        for number in range(self.count):
            self._start(number)
        LOG.info('Started %d workers: %s', self.count, sorted(self.workers))
        while self.workers:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            number = self.workers.pop(pid, None)
            if number is None or self.stopping:
                continue
            LOG.error('Worker %d (pid %d) exited with status %d; starting it again in %ss',
                      number, pid, os.waitstatus_to_exitcode(status), RESTART_DELAY)
            time.sleep(RESTART_DELAY)
            if not self.stopping:
                self._start(number)
        LOG.info('All workers stopped')
        return 0

    def _stop(self, signum, frame):
        if not self.stopping:
            LOG.info('Signal %s received: stopping %d workers', signum, len(self.workers))
        self.stopping = True
        self._send(signal.SIGTERM)

    def _pass_on(self, signum, frame):
        self._send(signum)

    def _send(self, signum):
        for pid in list(self.workers):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def _start(self, number: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            self.workers[pid] = number
            return
        status = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # Until it serves (and handles it): not the parent's handler, not death.
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            _die_with_parent(parent)
            self.serve()
            status = 0
        except BaseException:  # noqa: BLE001 - a worker reports and exits, never returns
            LOG.exception('Worker %d failed', number)
        finally:
            os._exit(status)


def _die_with_parent(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)
