"""The crash matrix: every fault-injection point, hit for real.

For each point of ``svc_common.faults.POINTS``, in one deployment (API, a conductor and
two computes as separate processes over RabbitMQ and PostgreSQL): the service that
reaches the point is restarted with ``fault_points = <point>``, the operation that passes
it (boot, delete, stop, start, resize, confirm, revert) is asked for through the REST API,
the service dies there (exit 137, nothing cleaned up, the message in hand lost), and it is
started again without the point. Within BOUND seconds the server must have got where the
operation takes it (a resize: VERIFY_RESIZE, then a confirm that must complete) or be in
ERROR with a fault that says why, and ``crash_checks`` must find nothing wrong with it.

Every point gets servers of its own, prepared together up front (booted on cmp1, some
stopped, some resized to cmp2), so one deployment serves the whole matrix. The matrix
(point -> outcome, seconds) and its totals are printed at the end of the run.
"""
import time

import pytest

from svc_common import faults
from tests.integration import crash_checks
from tests.integration import deployment

SOURCE, DEST, CONDUCTOR = 'cmp1', 'cmp2', 'conductor'
HOSTS = (SOURCE, DEST)
OLD_FLAVOR, NEW_FLAVOR = '1', '7'  # m1.tiny -> m1.micro: less memory, more disk
FLAVOR_NAMES = {OLD_FLAVOR: 'm1.tiny', NEW_FLAVOR: 'm1.micro'}
BOUND = 60  # seconds the restarted service has to resolve the operation
DIE_WITHIN = 30

# point -> (service that reaches it, state its server starts in, operation)
PLAN = {
    'build.before_spawn': (SOURCE, None, 'boot'),
    'build.after_spawn': (SOURCE, None, 'boot'),
    'conductor.build.after_claim': (CONDUCTOR, None, 'boot'),
    'conductor.build.after_host_saved': (CONDUCTOR, None, 'boot'),
    'delete.after_destroy': (SOURCE, 'ACTIVE', 'delete'),
    'delete.after_release': (SOURCE, 'ACTIVE', 'delete'),
    'stop.after_power_off': (SOURCE, 'ACTIVE', 'stop'),
    'start.after_power_on': (SOURCE, 'SHUTOFF', 'start'),
    'conductor.migrate.after_migration_created': (CONDUCTOR, 'ACTIVE', 'resize'),
    'conductor.migrate.after_dest_claim': (CONDUCTOR, 'ACTIVE', 'resize'),
    'prep_resize.after_claim': (DEST, 'ACTIVE', 'resize'),
    'prep_resize.after_save': (DEST, 'ACTIVE', 'resize'),
    'resize_instance.after_migrating': (SOURCE, 'ACTIVE', 'resize'),
    'resize_instance.after_disk_moved': (SOURCE, 'ACTIVE', 'resize'),
    'resize_instance.after_post_migrating': (SOURCE, 'ACTIVE', 'resize'),
    'finish_resize.after_flavor_applied': (DEST, 'ACTIVE', 'resize'),
    'finish_resize.after_driver': (DEST, 'ACTIVE', 'resize'),
    'finish_resize.after_finished': (DEST, 'ACTIVE', 'resize'),
    'confirm.after_driver': (SOURCE, 'VERIFY_RESIZE', 'confirm'),
    'confirm.after_release': (SOURCE, 'VERIFY_RESIZE', 'confirm'),
    'revert.after_dest_destroy': (DEST, 'VERIFY_RESIZE', 'revert'),
    'revert.after_host_swapped': (DEST, 'VERIFY_RESIZE', 'revert'),
    'finish_revert.after_claims': (SOURCE, 'VERIFY_RESIZE', 'revert'),
    'finish_revert.after_driver': (SOURCE, 'VERIFY_RESIZE', 'revert'),
}

# operation -> (status, host, flavor id) the server ends in; None: deleted
EXPECTED = {
    'boot': ('ACTIVE', SOURCE, OLD_FLAVOR),
    'delete': None,
    'stop': ('SHUTOFF', SOURCE, OLD_FLAVOR),
    'start': ('ACTIVE', SOURCE, OLD_FLAVOR),
    'resize': ('ACTIVE', DEST, NEW_FLAVOR),  # after VERIFY_RESIZE and a confirm
    'confirm': ('ACTIVE', DEST, NEW_FLAVOR),
    'revert': ('ACTIVE', SOURCE, OLD_FLAVOR),
}

RESULTS = {}  # point -> (outcome, seconds from the crash, detail)


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    common = {'DEFAULT': {'report_interval': '1', 'service_down_time': '20'},
              'conductor': {'reconcile_interval': '1', 'reconcile_after': '3'}}
    roomy = {'fake_driver': {'vcpus': '64', 'memory_mb': '262144', 'local_gb': '4000'}}
    with deployment.deployment(tmp_path_factory.mktemp('crash'), 'postgresql',
                               computes=HOSTS, compute_overrides=roomy,
                               common_overrides=common) as dep:
        yield dep
    _report(tmp_path_factory)


@pytest.fixture(scope='module')
def servers(cloud):
    """{point: server id} for every point that starts from an existing server, all
    prepared at once: booted on the source, then stopped or resized as the plan says."""
    image_id = cloud.create_image()
    points = [p for p in faults.POINTS if p in PLAN and PLAN[p][1] is not None]
    created = cloud.boot('prep', image_id, flavor=OLD_FLAVOR, count=len(points),
                         availability_zone='nova:%s' % SOURCE)
    prepared = sorted(cloud.wait_for_servers('prep', len(points), timeout=120),
                      key=lambda s: int(s['name'].rsplit('-', 1)[1]))
    assert created and {s['OS-EXT-SRV-ATTR:host'] for s in prepared} == {SOURCE}
    by_point = dict(zip(points, (s['id'] for s in prepared)))
    for point, server_id in by_point.items():
        start_state = PLAN[point][1]
        if start_state == 'SHUTOFF':
            _action(cloud, server_id, {'os-stop': None})
        elif start_state == 'VERIFY_RESIZE':
            _action(cloud, server_id, {'resize': {'flavorRef': NEW_FLAVOR}})
    for point, server_id in by_point.items():
        _wait_status(cloud, server_id, PLAN[point][1], timeout=120)
    by_point['image'] = image_id
    return by_point


def _action(cloud, server_id, body):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body)
    assert resp.status_code in (202, 204), resp.text
    return resp


def _show(cloud, server_id):
    resp = cloud.request('GET', '/v2.1/servers/%s' % server_id)
    if resp.status_code == 404:
        return None
    assert resp.status_code == 200, resp.text
    return resp.json()['server']


def _wait_status(cloud, server_id, status, timeout):
    def reached():
        server = _show(cloud, server_id)
        if server is not None and server['status'] == 'ERROR' and status != 'ERROR':
            raise AssertionError('server %s went to ERROR: %s' % (server_id,
                                                                  server.get('fault')))
        return server if server is not None and server['status'] == status and \
            server['OS-EXT-STS:task_state'] is None else None
    return deployment.wait_for(reached, timeout, 'server %s to be %s' % (server_id, status),
                               interval=0.25)


def _start_operation(cloud, point, operation, server_id, image_id):
    """Ask for ``operation``; the id of the server it concerns."""
    if operation == 'boot':
        name = 'crash-%s' % point
        return cloud.boot(name, image_id, flavor=OLD_FLAVOR,
                          availability_zone='nova:%s' % SOURCE)['server']['id']
    if operation == 'delete':
        cloud.request('DELETE', '/v2.1/servers/%s' % server_id, expect=204)
    else:
        body = {'stop': {'os-stop': None}, 'start': {'os-start': None},
                'resize': {'resize': {'flavorRef': NEW_FLAVOR}},
                'confirm': {'confirmResize': None},
                'revert': {'revertResize': None}}[operation]
        _action(cloud, server_id, body)
    return server_id


def _settled(cloud, server_id, operation):
    """The server once no operation is under way on it (None when deleted), after
    confirming a resize the operation left awaiting confirmation."""
    def settled():
        server = _show(cloud, server_id)
        if server is None:
            return 'deleted'
        if server['OS-EXT-STS:task_state'] is not None or server['status'] in (
                'BUILD', 'RESIZE', 'REVERT_RESIZE', 'MIGRATING'):
            return None
        if server['status'] == 'VERIFY_RESIZE' and operation == 'resize':
            _action(cloud, server_id, {'confirmResize': None})
            return None
        return server
    found = deployment.wait_for(settled, BOUND, 'server %s to settle' % server_id,
                                interval=0.25)
    return None if found == 'deleted' else found


def _outcome(server, operation):
    expected = EXPECTED[operation]
    if expected is None:
        return ('recovered', '') if server is None else ('failed', 'not deleted')
    if server is None:
        return 'failed', 'deleted'
    if server['status'] == 'ERROR':
        message = (server.get('fault') or {}).get('message')
        return ('ERROR-with-fault', message) if message else ('failed', 'ERROR, no fault')
    status, host, flavor_id = expected
    got = (server['status'], server['OS-EXT-SRV-ATTR:host'],
           server['flavor']['original_name'])
    want = (status, host, FLAVOR_NAMES[flavor_id])
    if got != want:
        return 'failed', 'ended %s on %s with %s, expected %s on %s with %s' % (got + want)
    return 'recovered', ''


@pytest.mark.parametrize('point', faults.POINTS)
def test_crash_at(cloud, servers, point):
    assert point in PLAN, 'fault point %s has no entry in the crash matrix' % point
    service, _, operation = PLAN[point]
    crashed_at = None
    try:
        # The service is idle: no need to wait for a graceful stop before arming it.
        proc = cloud.restart(service, {'DEFAULT': {'fault_points': point}}, graceful=False)
        server_id = _start_operation(cloud, point, operation, servers.get(point),
                                     servers['image'])
        try:
            code = proc.wait_exit(DIE_WITHIN)
        except Exception:
            RESULTS[point] = ('failed', None, 'the point was not reached')
            raise AssertionError('%s did not die at %s within %ss' % (
                service, point, DIE_WITHIN))
        crashed_at = time.monotonic()
        assert 'FAULT INJECTED at %s' % point in proc.log_text(this_run=True)
        assert code == faults.EXIT_CODE, code
        cloud.restart(service)
        server = _settled(cloud, server_id, operation)
        seconds = time.monotonic() - crashed_at
        outcome, detail = _outcome(server, operation)
        problems = crash_checks.violations(crash_checks.Snapshot(cloud, HOSTS), [server_id])
        if problems:
            outcome, detail = 'failed', '; '.join(problems)
        RESULTS[point] = (outcome, seconds, detail)
    except BaseException as error:
        RESULTS.setdefault(point, ('failed', time.monotonic() - crashed_at
                                   if crashed_at else None, str(error).splitlines()[0]))
        raise
    finally:
        if not cloud.processes[service].alive or \
                cloud.config_of(service)['DEFAULT'].get('fault_points'):
            cloud.restart(service)
    assert outcome in ('recovered', 'ERROR-with-fault'), '%s: %s' % (point, detail)


def test_whole_deployment_is_consistent(cloud, servers):
    """After the whole matrix: nothing anywhere in a task state, no migration left open,
    no claim without an owner, no guest without an instance."""
    problems = crash_checks.violations(crash_checks.Snapshot(cloud, HOSTS))
    assert not problems, '\n'.join(problems)


def _report(tmp_path_factory):
    if not RESULTS:
        return
    lines = ['%-45s %-17s %8s  %s' % ('fault point', 'outcome', 'seconds', 'detail')]
    for point in faults.POINTS:
        if point not in RESULTS:
            continue
        outcome, seconds, detail = RESULTS[point]
        lines.append('%-45s %-17s %8s  %s' % (
            point, outcome, '-' if seconds is None else '%.1f' % seconds, detail or ''))
    counts = {o: sum(1 for r in RESULTS.values() if r[0] == o)
              for o in ('recovered', 'ERROR-with-fault', 'failed')}
    lines.append('%d points: %d recovered, %d ERROR with a fault, %d failed (of %d declared)'
                 % (len(RESULTS), counts['recovered'], counts['ERROR-with-fault'],
                    counts['failed'], len(faults.POINTS)))
    text = '\n'.join(lines)
    path = tmp_path_factory.getbasetemp() / 'crash-matrix.txt'
    path.write_text(text + '\n')
    deployment.REPORTS.append(('crash matrix (%s)' % path, text))
