"""Two conductor processes scheduling at once onto one small host never overbook it:
the claim commits only with the generation the choice was based on."""
import concurrent.futures
import threading

import pytest

from tests.integration import deployment

VCPUS = 4
BOOTS = 12


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    small_host = {'fake_driver': {'vcpus': str(VCPUS), 'memory_mb': '262144',
                                  'local_gb': '1000'},
                  'compute': {'cpu_allocation_ratio': '1.0'}}
    with deployment.deployment(tmp_path_factory.mktemp('race'), 'postgresql',
                               conductors=('cond1', 'cond2'), computes=('cmp1',),
                               compute_overrides=small_host) as dep:
        yield dep


def test_racing_conductors_fill_the_host_exactly(cloud):
    image_id = cloud.create_image()
    start = threading.Barrier(BOOTS)

    def boot(index):
        start.wait()
        return cloud.boot('race-%02d' % index, image_id, flavor='1')  # 1 vCPU each

    with concurrent.futures.ThreadPoolExecutor(BOOTS) as pool:
        list(pool.map(boot, range(BOOTS)))
    servers = cloud.wait_for_servers('race-', BOOTS, statuses=('ACTIVE', 'ERROR'))

    active = [s for s in servers if s['status'] == 'ACTIVE']
    failed = [s for s in servers if s['status'] == 'ERROR']
    assert len(active) == VCPUS, [(s['name'], s['status']) for s in servers]
    assert len(failed) == BOOTS - VCPUS
    for server in failed:
        shown = cloud.request('GET', '/v2.1/servers/%s' % server['id'], expect=200).json()
        assert 'No valid host' in shown['server']['fault']['message'], shown

    [(claimed,)] = cloud.database.query(
        "SELECT COALESCE(SUM(c.amount), 0) FROM resource_claims c "
        "JOIN compute_nodes n ON n.id = c.compute_node_id "
        "WHERE n.host = 'cmp1' AND c.resource_class = 'VCPU'")
    assert claimed == VCPUS
    claimants = {row[0] for row in cloud.database.query(
        'SELECT DISTINCT consumer_uuid FROM resource_claims')}
    assert claimants == {s['id'] for s in active}

    # Both conductors scheduled some of the builds (each logs the ones it could not place).
    for name in ('cond1', 'cond2'):
        log = cloud.processes[name].log_text()
        assert any(s['id'] in log for s in servers), '%s handled no build' % name

    cloud.delete_servers(servers)
    assert cloud.database.query('SELECT * FROM resource_claims') == []
