"""Resize at scale across real processes (API, conductor, two computes over RabbitMQ and
PostgreSQL): 20 servers resized and confirmed, 20 resized and reverted. Afterwards every
claim is exactly what the instances use and every migration has ended."""
import collections

import pytest

from tests.integration import deployment

HOSTS = ('cmp1', 'cmp2')
SMALL = {'name': 'it-a', 'id': 'it-a', 'vcpus': 1, 'ram': 64, 'disk': 1}
BIG = {'name': 'it-b', 'id': 'it-b', 'vcpus': 2, 'ram': 128, 'disk': 2}


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    with deployment.deployment(tmp_path_factory.mktemp('resize'), 'postgresql',
                               computes=HOSTS) as dep:
        for flavor in (SMALL, BIG):
            dep.request('POST', '/v2.1/flavors', {'flavor': flavor}, expect=200)
        dep.request('PUT', '/v2.1/os-quota-sets/admin', {'quota_set': {
            'instances': -1, 'cores': -1, 'ram': -1}}, expect=200)
        yield dep


def _expected_claims(cloud, servers):
    """{(consumer, node host): {class: amount}} that the servers' flavors imply."""
    expected = {}
    for server in servers:
        flavor = BIG if server['flavor']['original_name'] == BIG['name'] else SMALL
        expected[(server['id'], server['OS-EXT-SRV-ATTR:host'])] = {
            'VCPU': flavor['vcpus'], 'MEMORY_MB': flavor['ram'], 'DISK_GB': flavor['disk']}
    return expected


def _actual_claims(cloud):
    rows = cloud.database.query(
        'SELECT c.consumer_uuid, n.host, c.resource_class, c.amount '
        'FROM resource_claims c JOIN compute_nodes n ON n.id = c.compute_node_id')
    actual = collections.defaultdict(dict)
    for row in rows:
        key = (row.consumer_uuid, row.host)
        assert row.resource_class not in actual[key], 'double-counted %s' % (key,)
        actual[key][row.resource_class] = row.amount
    return dict(actual)


def test_twenty_confirmed_and_twenty_reverted(cloud):
    image_id = cloud.create_image()
    cloud.boot('many', image_id, flavor=SMALL['id'], count=40)
    servers = sorted(cloud.wait_for_servers('many', 40, timeout=180), key=lambda s: s['name'])
    before = {s['id']: s['OS-EXT-SRV-ATTR:host'] for s in servers}
    assert set(before.values()) == set(HOSTS)

    for server in servers:
        cloud.server_action(server['id'], {'resize': {'flavorRef': BIG['id']}}, expect=202)
    resized = cloud.wait_for_servers('many', 40, statuses=('VERIFY_RESIZE',), timeout=240)
    for server in resized:
        assert server['OS-EXT-SRV-ATTR:host'] != before[server['id']]
        assert server['flavor']['original_name'] == BIG['name']

    confirm = {s['id'] for s in servers[:20]}
    for server in resized:
        if server['id'] in confirm:
            cloud.server_action(server['id'], {'confirmResize': None}, expect=204)
        else:
            cloud.server_action(server['id'], {'revertResize': None}, expect=202)
    final = cloud.wait_for_servers('many', 40, timeout=240)

    for server in final:
        if server['id'] in confirm:
            assert server['flavor']['original_name'] == BIG['name']
            assert server['OS-EXT-SRV-ATTR:host'] != before[server['id']]
        else:
            assert server['flavor']['original_name'] == SMALL['name']
            assert server['OS-EXT-SRV-ATTR:host'] == before[server['id']]
    assert _actual_claims(cloud) == _expected_claims(cloud, final)
    statuses = collections.Counter(row.status for row in cloud.database.query(
        'SELECT status FROM migrations'))
    assert statuses == {'confirmed': 20, 'reverted': 20}
    tasks = cloud.database.query('SELECT uuid FROM instances WHERE deleted = 0 AND '
                                 'task_state IS NOT NULL')
    assert tasks == []

    cloud.delete_servers(final, timeout=120)
    assert _actual_claims(cloud) == {}
