"""Hitting a fault point for real, and the matrix of what came of it.

``Matrix.crash`` arms a point by writing ``fault_points = <point>`` (and any more config
the point needs, of mutable options too) into the config of the service that reaches it
and sending it SIGHUP; ``Crash.hit`` asks for the operation, waits for the service to die
there (exit 137: nothing cleaned up, the message in hand lost) and starts it again
without the point or its config. ``settled`` then waits until the server is out of its
operation and ``outcome`` says whether it got where the operation takes it. The matrix
keeps (point -> outcome, seconds from the crash, detail) and prints it at the end of the
run (``deployment.REPORTS``), also into a file.
"""
import subprocess
import time

from svc_common import faults
from tests.integration import deployment

OUTCOMES = ('recovered', 'ERROR-with-fault', 'failed')
ACTIONS = {'stop': {'os-stop': None}, 'start': {'os-start': None},
           'hard-reboot': {'reboot': {'type': 'HARD'}},
           'confirm': {'confirmResize': None}, 'revert': {'revertResize': None},
           'pause': {'pause': None}, 'unpause': {'unpause': None},
           'suspend': {'suspend': None}, 'resume': {'resume': None},
           'shelve': {'shelve': None},
           'rescue': {'rescue': None}, 'unrescue': {'unrescue': None},
           'restore': {'restore': None}}
# status a server is prepared in -> the operation that takes an ACTIVE server there
REACHED_BY = {'SHUTOFF': 'stop', 'PAUSED': 'pause', 'SUSPENDED': 'suspend',
              'SHELVED_OFFLOADED': 'shelve', 'RESCUE': 'rescue',
              'SOFT_DELETED': 'soft_delete'}


def ask(cloud, operation, server_id, flavor_id=None):
    """Ask for ``operation`` on an existing server (a resize: to ``flavor_id``)."""
    if operation == 'delete':  # at once, whatever [DEFAULT]/reclaim_instance_interval
        cloud.server_action(server_id, {'forceDelete': None}, expect=202)
    elif operation == 'soft_delete':  # a DELETE with reclaim_instance_interval set
        cloud.request('DELETE', '/v2.1/servers/%s' % server_id, expect=204)
    elif operation == 'resize':
        cloud.server_action(server_id, {'resize': {'flavorRef': flavor_id}})
    else:
        cloud.server_action(server_id, ACTIONS[operation])


def settled(cloud, server_id, operation, bound):
    """The server once no operation is under way on it (None when deleted), after
    confirming a resize the operation left awaiting confirmation."""
    def check():
        server = cloud.server(server_id)
        if server is None:
            return 'deleted'
        if server['OS-EXT-STS:task_state'] is not None or server['status'] in (
                'BUILD', 'RESIZE', 'REVERT_RESIZE', 'MIGRATING'):
            return None
        if server['status'] == 'VERIFY_RESIZE' and operation == 'resize':
            cloud.server_action(server_id, {'confirmResize': None})
            return None
        return server
    found = deployment.wait_for(check, bound, 'server %s to settle' % server_id,
                                interval=0.25)
    return None if found == 'deleted' else found


def outcome(server, expected):
    """(outcome, detail): ``expected`` is (status, host, flavor name), or None when the
    operation deletes the server."""
    if expected is None:
        return ('recovered', '') if server is None else ('failed', 'not deleted')
    if server is None:
        return 'failed', 'deleted'
    if server['status'] == 'ERROR':
        message = (server.get('fault') or {}).get('message')
        return ('ERROR-with-fault', message) if message else ('failed', 'ERROR, no fault')
    got = (server['status'], server['OS-EXT-SRV-ATTR:host'],
           server['flavor']['original_name'])
    if got != tuple(expected):
        return 'failed', 'ended %s on %s with %s, expected %s on %s with %s' % (
            got + tuple(expected))
    return 'recovered', ''


class Matrix:
    """point -> (outcome, seconds from the crash, detail)."""

    def __init__(self, title):
        self.title = title
        self.results = {}

    def crash(self, cloud, service, point, config=None):
        """``with matrix.crash(...) as crash:`` a crash of ``service`` at ``point``,
        armed with ``config`` too (more overrides, of mutable options: e.g. a slower
        fake driver); a block that fails is recorded as failed, and the service always
        ends up running without the point or ``config``."""
        return Crash(self, cloud, service, point, config)

    def report(self, points, path):
        """Print the results of ``points`` (in that order) at the end of the run and
        write them to ``path``."""
        if not self.results:
            return
        lines = ['%-45s %-17s %8s  %s' % ('fault point', 'outcome', 'seconds', 'detail')]
        for point in points:
            if point not in self.results:
                continue
            result, seconds, detail = self.results[point]
            lines.append('%-45s %-17s %8s  %s' % (
                point, result, '-' if seconds is None else '%.1f' % seconds, detail or ''))
        counts = [sum(1 for r in self.results.values() if r[0] == o) for o in OUTCOMES]
        lines.append('%d points: %d recovered, %d ERROR with a fault, %d failed (of %d '
                     'declared)' % (len(self.results), *counts, len(faults.POINTS)))
        text = '\n'.join(lines)
        path.write_text(text + '\n')
        deployment.REPORTS.append(('%s (%s)' % (self.title, path), text))


class Crash:

    DIE_WITHIN = 30

    def __init__(self, matrix, cloud, service, point, config=None):
        self.matrix, self.cloud, self.service, self.point = matrix, cloud, service, point
        self.config = config
        self.crashed_at = None

    def __enter__(self):
        return self

    def hit(self, start_operation):
        """Arm the point, ``start_operation()`` (returning the server id), wait for the
        service to die there and start it again; returns the server id."""
        # Armed where it runs (SIGHUP: mutable options) rather than restarted with it:
        # a process start is seconds of the matrix's time at every point. A restart
        # writes the config it first started with: the point and its config are gone.
        self.cloud.reload(self.service, deployment._merge(
            {'DEFAULT': {'fault_points': self.point}}, self.config))
        proc = self.cloud.processes[self.service]
        server_id = start_operation()
        try:
            code = proc.wait_exit(self.DIE_WITHIN)
        except subprocess.TimeoutExpired:
            raise AssertionError('%s did not die at %s within %ss' % (
                self.service, self.point, self.DIE_WITHIN)) from None
        self.crashed_at = time.monotonic()
        assert 'FAULT INJECTED at %s' % self.point in proc.log_text(this_run=True)
        assert code == faults.EXIT_CODE, code
        self.cloud.restart(self.service)
        return server_id

    def seconds(self):
        return time.monotonic() - self.crashed_at if self.crashed_at else None

    def record(self, result, detail='', seconds=None):
        """The point's outcome, ``seconds`` after the crash (by default: now)."""
        self.matrix.results[self.point] = (
            result, self.seconds() if seconds is None else seconds, detail)

    def __exit__(self, exc_type, error, tb):
        if error is not None:
            self.matrix.results.setdefault(self.point, (
                'failed', self.seconds(), (str(error) or exc_type.__name__).splitlines()[0]))
        if not self.cloud.processes[self.service].alive or \
                self.cloud.config_of(self.service)['DEFAULT'].get('fault_points'):
            self.cloud.restart(self.service)
        return False
