"""What the API's own requests cost the database: transactions (BEGIN) and statements
by the 'api' role (svc_common.stats) for one request. Reads of one request share one
transaction, only what the body shows is read, and nothing is read twice."""
from api_svc import quota
from svc_common import exception
from svc_common import objects
from svc_common import stats
from tests.functional.api import helpers


def counted(cloud, method, path, body=None, version='2.96', expect=(200,), **kwargs):
    """(the response, {kind: n} of the API's transaction statements, SQL statements
    ('sql') and casts ('casts') for it)."""
    before = stats.snapshot()
    resp = cloud.admin(method, path, body, version=version, **kwargs)
    assert resp.status_int in expect, resp.body
    api = stats.since(before).get('api', {})
    counts = dict(api.get('txn', {}))
    counts['sql'] = sum(api.get('sql', {}).values())
    counts['casts'] = sum(api.get('rpc.cast', {}).values())
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


def _admin_image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


def test_create_checks_and_writes_in_two_transactions(cloud):
    image = _admin_image(cloud)
    body = {'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
                       'networks': 'none'}}
    resp, counts = counted(cloud, 'POST', '/v2.1/servers', body, expect=(202,))
    # The checks (flavor, image, the quota limits once, usage) with the inserts
    # (instance, request spec), then the quota re-check with the action.
    assert counts['BEGIN'] == 2
    assert counts['sql'] <= 8
    server_id = resp.json_body_or_none['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    actions = cloud.admin('GET', '/v2.1/servers/%s/os-instance-actions' % server_id)
    assert [a['action'] for a in actions.json_body_or_none['instanceActions']] == ['create']


def test_create_over_quota_at_the_recheck_records_nothing(cloud, monkeypatch):
    image = _admin_image(cloud)
    checked = []

    def over(context, project_id, requested, limit=None):
        checked.append(limit)
        raise exception.TooManyInstances(overs='instances', req=1, used=10,
                                               allowed=10)
    monkeypatch.setattr(quota, 'check_after_create', over)
    resp = cloud.admin('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none'}},
        version='2.96')
    assert resp.status_int == 403, resp.body
    assert checked and checked[0]['instances'] == 10  # the limits the first check read
    servers = cloud.admin('GET', '/v2.1/servers').json_body_or_none['servers']
    assert servers == []


def test_resize_and_confirm_each_in_one_transaction(cloud):
    image = _admin_image(cloud)
    server_id = helpers.boot(cloud, image['id'], project='admin')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    path = '/v2.1/servers/%s/action' % server_id
    _, counts = counted(cloud, 'POST', path, {'resize': {'flavorRef': '2'}}, expect=(202,))
    # The instance, the flavor, the quota limits, usage, the action and the instance's
    # compare-and-swap.
    assert counts['BEGIN'] == counts['COMMIT'] == 1 and counts['casts'] == 1
    assert counts['sql'] <= 7
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE', project='admin')
    _, counts = counted(cloud, 'POST', path, {'confirmResize': None}, expect=(204,))
    # The instance, the migration, the action and both compare-and-swaps.
    assert counts['BEGIN'] == 1
    assert counts['sql'] <= 7
    cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    actions = cloud.admin('GET', '/v2.1/servers/%s/os-instance-actions' % server_id)
    assert [a['action'] for a in actions.json_body_or_none['instanceActions']] == [
        'confirmResize', 'resize', 'create']


def test_a_resize_that_loses_its_compare_and_swap_records_no_action(cloud, monkeypatch):
    image = _admin_image(cloud)
    server_id = helpers.boot(cloud, image['id'], project='admin')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    save = objects.Instance.save

    def lost(self, *args, **kwargs):
        if self.task_state == 'resize_prep':  # only the API's resize writes it
            raise exception.UnexpectedTaskStateError(instance_uuid=self.uuid,
                                                     expected=None, actual='resizing')
        return save(self, *args, **kwargs)
    monkeypatch.setattr(objects.Instance, 'save', lost)
    resp, counts = counted(cloud, 'POST', '/v2.1/servers/%s/action' % server_id,
                           {'resize': {'flavorRef': '2'}}, expect=(409,))
    # The one transaction rolled back, and nothing was cast.
    assert counts['BEGIN'] == counts['ROLLBACK'] == 1 and counts['casts'] == 0
    actions = cloud.admin('GET', '/v2.1/servers/%s/os-instance-actions' % server_id)
    assert [a['action'] for a in actions.json_body_or_none['instanceActions']] == ['create']
