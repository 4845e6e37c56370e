"""The API, one conductor and two computes as separate processes over RabbitMQ, on
PostgreSQL and on MariaDB: boot through REST, spread, delete, nothing left claimed."""
import collections
import os

import pytest

from tests.integration import deployment

HOSTS = ('cmp1', 'cmp2')


@pytest.fixture(scope='module', params=['postgresql', 'mysql'])
def cloud(request, tmp_path_factory):
    with deployment.deployment(tmp_path_factory.mktemp(request.param), request.param,
                               computes=HOSTS) as dep:
        yield dep


@pytest.fixture(scope='module')
def image_id(cloud):
    return cloud.create_image()


def _claim_rows(cloud):
    return cloud.database.query('SELECT consumer_uuid, resource_class, amount '
                                'FROM resource_claims')


def test_boot_ten_servers_spread_over_both_hosts_then_delete(cloud, image_id):
    cloud.boot('spread', image_id, flavor='1', count=10)
    servers = cloud.wait_for_servers('spread', 10)

    hosts = collections.Counter(s['OS-EXT-SRV-ATTR:host'] for s in servers)
    assert set(hosts) == set(HOSTS), hosts
    claimed = {row.consumer_uuid for row in _claim_rows(cloud)}
    assert claimed == {s['id'] for s in servers}

    cloud.delete_servers(servers)
    assert _claim_rows(cloud) == []
    assert cloud.servers('spread') == []


def test_computes_work_without_database_access(cloud, image_id):
    """Computes run with a database URL that cannot work: everything they read and write
    goes through the conductor."""
    for host in HOSTS:
        assert cloud.config_of(host)['database']['connection'] == cloud.NO_DATABASE
    cloud.boot('nodb', image_id)
    [server] = cloud.wait_for_servers('nodb', 1)

    compute = cloud.processes[server['OS-EXT-SRV-ATTR:host']]
    log = compute.log_text()
    assert server['id'] in log, 'the compute did not build it?'
    assert 'DBNotAllowed' not in log
    cloud.delete_servers([server])
    assert _claim_rows(cloud) == []
    for host in HOSTS:
        assert cloud.processes[host].alive


def test_a_boot_right_after_every_conductor_was_down_finds_the_hosts(cloud, image_id):
    """With the only conductor down longer than service_down_time, the computes count
    as down; their heartbeats wait in the queue. The conductor that comes back takes
    them first, and a boot it schedules before its first write of them finds the hosts
    up (it writes them before answering "no valid host")."""
    cloud.processes['conductor'].stop()
    try:
        cloud.wait_for_computes(HOSTS, state='down')
        cloud.restart('conductor')
        cloud.boot('outage', image_id, count=2)
        servers = cloud.wait_for_servers('outage', 2)
        cloud.delete_servers(servers)
        assert _claim_rows(cloud) == []
    finally:
        if not cloud.processes['conductor'].alive:
            cloud.restart('conductor')


def _children(pid):
    children = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as stat:
                    if int(stat.read().rsplit(')', 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except OSError:
                pass
    return children


def test_a_conductor_with_two_workers_serves_and_stops_on_sigterm(cloud, image_id):
    """[conductor]/workers = 2: two forked processes serve the conductor topic (the
    only conductor here), and SIGTERM to their parent stops both gracefully."""
    cloud.processes['conductor'].stop()
    try:
        proc = cloud.start_conductor('two-workers', overrides={'conductor': {'workers': '2'}})
        deployment.wait_for(
            lambda: proc.log_text().count('nimbus-conductor started on two-workers') == 2,
            30, 'both workers to serve')
        workers = _children(proc.popen.pid)
        assert len(workers) == 2
        # On a loaded machine the restart can outlast service_down_time; each worker
        # holds only the heartbeats it took (the test above covers one conductor).
        cloud.wait_for_computes(HOSTS)
        cloud.boot('workers', image_id, count=6)
        servers = cloud.wait_for_servers('workers', 6)
        cloud.delete_servers(servers)
        assert _claim_rows(cloud) == []
        assert proc.stop() == 0
        # the parent waited for (reaped) both before it exited
        assert [pid for pid in workers if os.path.exists('/proc/%d' % pid)] == []
    finally:
        cloud.restart('conductor')

