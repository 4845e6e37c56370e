"""What the API's own requests cost the database: transactions (BEGIN) and statements
by the 'api' role (svc_common.stats) for one request. Reads of one request share one
transaction, only what the body shows is read, and nothing is read twice."""
from svc_common import stats
from tests.functional.api import helpers


def counted(cloud, method, path, body=None, version='2.96', expect=(200,), **kwargs):
    """(the response, {kind: n} of the API's SQL statements and transaction
    statements for it)."""
    before = stats.snapshot()
    resp = cloud.admin(method, path, body, version=version, **kwargs)
    assert resp.status_int in expect, resp.body
    api = stats.since(before).get('api', {})
    counts = dict(api.get('txn', {}))
    counts['sql'] = sum(api.get('sql', {}).values())
    return resp, counts


def _servers_on_both_hosts(cloud):
    image = helpers.create_image(cloud, project='admin', roles='admin',
                                 visibility='public')
    ids = [helpers.boot(cloud, image['id'], name='vm%d' % i, project='admin')['server']['id']
           for i in range(2)]
    for server_id in ids:
        cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    assert {helpers.server_host(cloud, i) for i in ids} == {'host1', 'host2'}
    return ids


def test_show_reads_in_one_transaction(cloud):
    server_id, _ = _servers_on_both_hosts(cloud)
    resp, counts = counted(cloud, 'GET', '/v2.1/servers/%s' % server_id)
    server = resp.json_body_or_none['server']
    assert server['host_status'] == 'UP' and server['server_groups'] == []
    # The instance, its addresses, the zones, its host's service, its server group.
    assert counts['BEGIN'] == 1
    assert counts['sql'] <= 5


def test_detail_reads_in_one_transaction_and_each_hosts_service_once(cloud):
    _servers_on_both_hosts(cloud)
    resp, counts = counted(cloud, 'GET', '/v2.1/servers/detail')
    servers = resp.json_body_or_none['servers']
    assert [s['host_status'] for s in servers] == ['UP', 'UP']
    # The instances, their addresses, the zones, the services of both hosts (one query).
    assert counts['BEGIN'] == 1
    assert counts['sql'] <= 4
