"""os-hosts: the deprecated host API until 2.42."""
from tests.functional.api import helpers


def _hosts(cloud, query=''):
    resp = cloud.admin('GET', '/v2.1/os-hosts' + query, version='2.42')
    return helpers.validate(resp, '2.42', 'hosts', 'list_hosts')['hosts']


def test_list_with_zones(cloud):
    agg = cloud.admin('POST', '/v2.1/os-aggregates', {'aggregate': {
        'name': 'a', 'availability_zone': 'az1'}}).json_body_or_none['aggregate']
    cloud.admin('POST', '/v2.1/os-aggregates/%s/action' % agg['id'],
                {'add_host': {'host': 'host2'}})
    hosts = _hosts(cloud)
    computes = sorted((h['host_name'], h['zone']) for h in hosts if h['service'] == 'compute')
    assert computes == [('host1', 'nova'), ('host2', 'az1')]
    assert [h['zone'] for h in hosts if h['service'] == 'conductor'] == ['internal']
    assert [h['host_name'] for h in _hosts(cloud, '?zone=az1')] == ['host2']
    assert len(_hosts(cloud, '?zone=')) == len(hosts)
    assert _hosts(cloud, '?zone=xxx') == []
    assert cloud.admin('GET', '/v2.1/os-hosts', version='2.43').status_int == 404
    assert cloud.request('GET', '/v2.1/os-hosts').status_int == 403


def test_show_host_resources(cloud):
    image = helpers.create_image(cloud)
    server_id = helpers.boot(cloud, image['id'], flavor='2')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    host = helpers.server_host(cloud, server_id)
    resp = cloud.admin('GET', '/v2.1/os-hosts/%s' % host)
    resources = [r['resource'] for r in helpers.validate(
        resp, '2.1', 'hosts', 'get_host_detail')['host']]
    by_project = {r['project']: (r['cpu'], r['memory_mb'], r['disk_gb']) for r in resources}
    assert [r['project'] for r in resources] == ['(total)', '(used_now)', '(used_max)',
                                                 'demo']
    assert by_project['demo'] == by_project['(used_max)'] == (1, 2048, 20)
    assert by_project['(used_now)'][0] == 1 and by_project['(total)'][0] > 1
    assert all(r['host'] == host for r in resources)
    assert cloud.admin('GET', '/v2.1/os-hosts/nohost').status_int == 404
    assert cloud.request('GET', '/v2.1/os-hosts/%s' % host).status_int == 403


def test_update_and_power_actions(cloud):
    path = '/v2.1/os-hosts/host1'
    resp = cloud.admin('PUT', path, {'status': 'disable'})
    assert helpers.validate(resp, '2.1', 'hosts', 'update_host') == {
        'host': 'host1', 'status': 'disabled'}
    service = cloud.admin('GET', '/v2.1/os-services?host=host1').json_body_or_none[
        'services'][0]
    assert service['status'] == 'disabled'
    assert cloud.admin('PUT', path, {'status': 'enable'}).json_body_or_none['status'] == \
        'enabled'
    for body in ({}, {'status': 'invalid'}, {'maintenance_mode': 'invalid'},
                 {'status': 'enable', 'colour': 'red'}):
        assert cloud.admin('PUT', path, body).status_int == 400
    code, message = helpers.fault(cloud.admin('PUT', path, {'status': 'disable',
                                                            'maintenance_mode': 'enable'}))
    assert (code, message) == (501, 'Virt driver does not implement host maintenance mode.')
    assert cloud.admin('GET', '/v2.1/os-services?host=host1').json_body_or_none[
        'services'][0]['status'] == 'enabled'  # nothing half done
    assert cloud.admin('PUT', '/v2.1/os-hosts/nohost', {'status': 'enable'}).status_int == 404
    assert cloud.request('PUT', path, {'status': 'enable'}).status_int == 403
    for action in ('startup', 'shutdown', 'reboot'):
        assert cloud.admin('GET', '%s/%s' % (path, action)).status_int == 501
        assert cloud.admin('GET', '/v2.1/os-hosts/nohost/%s' % action).status_int == 404
        assert cloud.request('GET', '%s/%s' % (path, action)).status_int == 403
        assert cloud.admin('GET', '%s/%s' % (path, action), version='2.43').status_int == 404
