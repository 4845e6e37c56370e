"""Outages of what the services depend on, with work in flight: a RabbitMQ restart, a
PostgreSQL restart, and a SIGTERM to a compute in the middle of a resize step.

The deployment (API, a conductor, two computes as separate processes) runs on a broker
and a database server of its own (own ports, own data directories), so stopping them
leaves the machine's shared services up for the rest of the suite. The fake hypervisor
takes its time (spawn_delay, migrate_delay) so that operations really are in flight
when the outage starts. Afterwards every operation has finished and ``crash_checks``
finds nothing wrong anywhere.
"""
import collections
import datetime
import signal
import threading
import time

import pytest
import requests

from tests.integration import crash_checks
from tests.integration import deployment

HOSTS = ('cmp1', 'cmp2')
SMALL, BIG = '1', '7'  # m1.tiny -> m1.micro
SETTLE = 120  # seconds for everything in flight to finish after an outage


@pytest.fixture(scope='module')
def servers_of_their_own(tmp_path_factory):
    """A private RabbitMQ and a private PostgreSQL, running."""
    base = tmp_path_factory.mktemp('outage-servers')
    rabbit = deployment.PrivateRabbitMQ(base / 'rabbitmq')
    postgres = None
    try:
        rabbit.start()
        postgres = deployment.PrivatePostgreSQL().start()
        yield rabbit, postgres
    finally:
        rabbit.cleanup()
        if postgres is not None:
            postgres.cleanup()


@pytest.fixture(scope='module')
def cloud(tmp_path_factory, servers_of_their_own):
    rabbit, postgres = servers_of_their_own
    common = {
        # An outage of a few seconds must not make the computes look down to the
        # scheduler; a call whose reply died with the broker gives up after 15 s (the
        # step is then sent again by the reconciler, after 5 s without progress).
        'DEFAULT': {'report_interval': '1', 'service_down_time': '30',
                    'rpc_response_timeout': '15'},
        'conductor': {'reconcile_interval': '1', 'reconcile_after': '5'},
    }
    slow = {'fake_driver': {'vcpus': '64', 'memory_mb': '262144', 'local_gb': '4000',
                            'spawn_delay': '1.5', 'migrate_delay': '1.5'}}
    with deployment.deployment(tmp_path_factory.mktemp('outages'), 'postgresql',
                               computes=HOSTS, compute_overrides=slow,
                               common_overrides=common, db_port=postgres.port,
                               transport_url=rabbit.transport_url) as dep:
        dep.image_id = dep.create_image()
        yield dep


def _boot_active(cloud, prefix, count):
    cloud.boot(prefix, cloud.image_id, flavor=SMALL, count=count)
    return cloud.wait_for_servers(prefix, count, timeout=SETTLE)


def _wait_statuses(cloud, prefix, count, wanted, timeout=SETTLE):
    """Wait until the ``count`` servers named ``prefix…`` have the statuses ``wanted``
    ({id: status}, or one status for all) and no task state; confirms a resize awaiting
    confirmation when ``wanted`` says ACTIVE for it."""
    def done():
        servers = cloud.servers(prefix)
        if len(servers) != count:
            return None
        finished = True
        for server in servers:
            want = wanted if isinstance(wanted, str) else wanted[server['id']]
            if server['status'] == 'ERROR':
                raise AssertionError('%s went to ERROR: %s' % (server['id'],
                                                               server.get('fault')))
            if server['status'] == 'VERIFY_RESIZE' and want == 'ACTIVE':
                if server['OS-EXT-STS:task_state'] is None:  # not confirming already
                    cloud.server_action(server['id'], {'confirmResize': None}, expect=204)
                finished = False
            elif server['status'] != want or server['OS-EXT-STS:task_state'] is not None:
                finished = False
        return servers if finished else None
    return deployment.wait_for(done, timeout, '%d servers %s* to finish' % (count, prefix),
                               interval=0.5)


def _consistent(cloud):
    problems = crash_checks.violations(crash_checks.Snapshot(cloud, HOSTS))
    assert not problems, '\n'.join(problems)


def test_rabbitmq_restart_with_30_boots_and_10_resizes_in_flight(cloud,
                                                                 servers_of_their_own):
    rabbit, _ = servers_of_their_own
    to_resize = _boot_active(cloud, 'rmq-resize', 10)
    before = {s['id']: s['OS-EXT-SRV-ATTR:host'] for s in to_resize}

    cloud.boot('rmq-boot', cloud.image_id, flavor=SMALL, count=30)
    for server in to_resize:
        cloud.server_action(server['id'], {'resize': {'flavorRef': BIG}}, expect=202)
    in_flight = collections.Counter(s['OS-EXT-STS:task_state'] or s['status']
                                    for s in cloud.servers('rmq-'))
    started = time.monotonic()
    rabbit.stop()
    rabbit.start()
    outage = time.monotonic() - started

    _wait_statuses(cloud, 'rmq-boot', 30, 'ACTIVE')
    resized = _wait_statuses(cloud, 'rmq-resize', 10, 'ACTIVE')
    recovered = time.monotonic() - started
    for server in resized:
        assert server['flavor']['original_name'] == 'm1.micro', server
        assert server['OS-EXT-SRV-ATTR:host'] != before[server['id']], server
    _consistent(cloud)
    for name in ('conductor',) + HOSTS + ('api',):
        assert cloud.processes[name].alive, name
    deployment.REPORTS.append(('RabbitMQ restart', (
        'in flight when the broker stopped: %s\nbroker down and back in %.1fs; all 30 '
        'boots and 10 resizes (confirmed) finished %.1fs after the stop' % (
            dict(in_flight), outage, recovered))))


def _poll_api(cloud, server_id, seen, stop):
    """GET a server and the list, and try a boot, until ``stop``; count what answers."""
    while not stop.is_set():
        for method, path, body in (
                ('GET', '/v2.1/servers/%s' % server_id, None),
                ('GET', '/v2.1/servers/detail', None),
                ('POST', '/v2.1/servers', {'server': {
                    'name': 'pg-during', 'imageRef': cloud.image_id, 'flavorRef': SMALL,
                    'networks': 'none'}})):
            try:
                resp = cloud.request(method, path, body, timeout=30)
            except requests.RequestException as error:
                seen[(method, type(error).__name__)].append(None)
                continue
            seen[(method, resp.status_code)].append(resp)
        stop.wait(0.2)


def test_postgresql_restart_with_operations_in_flight(cloud, servers_of_their_own):
    _, postgres = servers_of_their_own
    to_resize = _boot_active(cloud, 'pg-resize', 5)
    to_stop = _boot_active(cloud, 'pg-stop', 5)

    cloud.boot('pg-boot', cloud.image_id, flavor=SMALL, count=10)
    for server in to_resize:
        cloud.server_action(server['id'], {'resize': {'flavorRef': BIG}}, expect=202)
    for server in to_stop:
        cloud.server_action(server['id'], {'os-stop': None}, expect=202)

    postgres.stop()
    seen = collections.defaultdict(list)
    stop = threading.Event()
    poller = threading.Thread(target=_poll_api, args=(cloud, to_stop[0]['id'], seen, stop))
    poller.start()
    time.sleep(6)
    stop.set()
    poller.join()
    postgres.start()

    codes = collections.Counter({key: len(values) for key, values in seen.items()})
    assert {code for _, code in codes} == {503}, codes
    body = seen[('GET', 503)][0].json()
    assert body['serviceUnavailable']['code'] == 503, body
    assert 'database' in body['serviceUnavailable']['message'], body

    _wait_statuses(cloud, 'pg-boot', 10, 'ACTIVE')
    _wait_statuses(cloud, 'pg-resize', 5, 'ACTIVE')
    _wait_statuses(cloud, 'pg-stop', 5, 'SHUTOFF')
    assert cloud.servers('pg-during') == []  # every boot tried during the outage got a 503
    _consistent(cloud)
    for name in ('conductor',) + HOSTS + ('api',):
        assert cloud.processes[name].alive, name
    deployment.REPORTS.append(('PostgreSQL restart', (
        'API answers while the database was down (6 s): %s; all 10 boots, 5 resizes '
        '(confirmed) and 5 stops finished afterwards' % ', '.join(
            '%s %s x%d' % (method, code, n) for (method, code), n in sorted(
                codes.items(), key=str)))))


def test_sigterm_during_a_resize_step_finishes_it_then_exits(cloud):
    """cmp1 is told to stop while migrate_disk_and_power_off runs (4 s here): it takes
    no new message, finishes the step (the disks moved, the migration post-migrating,
    finish_resize cast), then exits 0; the resize completes on cmp2 without it."""
    source = 'cmp1'
    cloud.restart(source, {'fake_driver': {'migrate_delay': '4'}})
    cloud.boot('term', cloud.image_id, flavor=SMALL, availability_zone='nova:%s' % source)
    [server] = cloud.wait_for_servers('term', 1, timeout=SETTLE)
    cloud.server_action(server['id'], {'resize': {'flavorRef': BIG}}, expect=202)

    def migration_status():
        rows = cloud.database.query('SELECT status FROM migrations WHERE instance_uuid = '
                                    ':uuid ORDER BY id DESC', uuid=server['id'])
        return rows[0].status if rows else None
    deployment.wait_for(lambda: migration_status() == 'migrating', 30,
                        'the source to start moving the disks', interval=0.05)
    proc = cloud.processes[source]
    signalled = time.monotonic()
    proc.popen.send_signal(signal.SIGTERM)
    code = proc.wait_exit(60)
    took = time.monotonic() - signalled

    assert code == 0, proc.tail()
    log = proc.log_text(this_run=True)
    assert 'Signal %d received: stopping' % signal.SIGTERM in log
    assert 'nimbus-compute on %s stopped' % source in log
    assert 'still running after' not in log  # drained, not cut off
    assert took > 1.0, 'exited after %.1fs: it did not wait for the step' % took
    assert migration_status() in ('post-migrating', 'finished'), migration_status()

    resized = _wait_statuses(cloud, 'term', 1, 'VERIFY_RESIZE')[0]
    assert resized['OS-EXT-SRV-ATTR:host'] == 'cmp2'
    cloud.restart(source)  # the confirm runs on the source
    _wait_statuses(cloud, 'term', 1, 'ACTIVE')
    _consistent(cloud)
    deployment.REPORTS.append(('SIGTERM during a resize step', (
        'cmp1 finished migrate_disk_and_power_off and exited 0 %.1fs after SIGTERM; the '
        'resize completed on cmp2' % took)))


def test_services_started_during_an_outage_wait_for_it(cloud, servers_of_their_own):
    """A compute started while no conductor runs, and a conductor started while the
    database is down, wait (logging "waiting for ...") and start once it is back."""
    _, postgres = servers_of_their_own
    cloud.processes['conductor'].stop()
    # Short timeouts so that the waiting shows within seconds.
    compute = cloud.restart('cmp2', {'DEFAULT': {'rpc_response_timeout': '2'}}, wait=False)
    compute.wait_for_log('waiting for the conductor', timeout=30)

    postgres.stop()
    conductor = cloud.restart('conductor', {'database': {'max_retries': '1',
                                                         'retry_interval': '1'}},
                              wait=False)
    conductor.wait_for_log('waiting for the database', timeout=30)
    assert compute.alive and conductor.alive
    postgres.start()

    conductor.wait_for_log('nimbus-conductor started on', timeout=60)
    compute.wait_for_log('nimbus-compute started on cmp2', timeout=60)
    cloud.boot('late', cloud.image_id, flavor=SMALL, availability_zone='nova:cmp2')
    cloud.wait_for_servers('late', 1, timeout=SETTLE)
    _consistent(cloud)


def test_dropped_database_connections_are_replaced_without_a_ping_per_checkout(tmp_path):
    """No ping on every pool checkout; a connection the server dropped (as a restart
    drops them all) fails on its first use and the transaction runs again on a new
    one, for readers and writers."""
    import migrations
    from svc_common import context as nimbus_context
    from svc_common.db import api as db_api
    from svc_common import objects
    from svc_common import service as service_mod
    database = deployment.ScratchDatabase('postgresql', tmp_path)
    try:
        migrations.upgrade(database.url)
        db_api.use_database(database.url)
        ctx = nimbus_context.get_admin_context()
        objects.register_all()
        ref = service_mod.register(ctx, 'h1', 'nimbus-compute', 'compute')
        assert db_api.get_engine().pool._pre_ping is False

        def drop_connections():
            killed = database.query(
                'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity'
                ' WHERE datname = current_database() AND pid <> pg_backend_pid()')
            assert killed[0][0] >= 1
        drop_connections()
        assert objects.Service.get_by_id(ctx, ref.id).host == 'h1'  # a reader
        drop_connections()
        seen = ref.last_seen_up.replace(tzinfo=None) + datetime.timedelta(seconds=5)
        assert objects.Service.record_heartbeats(ctx, {ref.id: seen}) == 1  # a writer
    finally:
        db_api.get_engine().dispose()
        database.drop()
