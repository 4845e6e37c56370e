"""os-services, os-hypervisors and os-availability-zone (admin views of the hosts)."""
import pytest

from tests.functional.api import helpers


def _services(cloud, version, query=''):
    resp = cloud.admin('GET', '/v2.1/os-services' + query, version=version)
    return helpers.validate(resp, version, 'services', 'list_services')['services']


@pytest.mark.parametrize('version', ['2.1', '2.11', '2.53', '2.96'])
def test_services_list(cloud, version):
    services = _services(cloud, version)
    assert sorted((s['binary'], s['host'], s['zone']) for s in services) == [
        ('nova-compute', 'host1', 'nova'), ('nova-compute', 'host2', 'nova'),
        ('nova-conductor', services[0]['host'], 'internal')]
    assert all(s['state'] == 'up' and s['status'] == 'enabled' for s in services)
    computes = _services(cloud, version, '?binary=nova-compute')
    assert [s['host'] for s in computes] == ['host1', 'host2']
    assert [s['host'] for s in _services(cloud, version, '?host=host2')] == ['host2']


def test_services_are_admin_only(cloud):
    assert cloud.request('GET', '/v2.1/os-services').status_int == 403
    assert cloud.request('GET', '/v2.1/os-hypervisors').status_int == 403


def test_disable_enable_and_force_down_by_uuid(cloud):
    (service,) = _services(cloud, '2.53', '?host=host1&binary=nova-compute')
    path = '/v2.1/os-services/%s' % service['id']
    resp = cloud.admin('PUT', path, {'status': 'disabled', 'disabled_reason': 'maintenance'},
                       version='2.53')
    body = helpers.validate(resp, '2.53', 'services', 'update_service')['service']
    assert (body['status'], body['disabled_reason']) == ('disabled', 'maintenance')
    resp = cloud.admin('PUT', path, {'forced_down': True}, version='2.53')
    assert resp.json_body_or_none['service']['state'] == 'down'
    resp = cloud.admin('PUT', path, {'status': 'enabled', 'forced_down': False},
                       version='2.53')
    body = resp.json_body_or_none['service']
    assert (body['status'], body['state'], body['disabled_reason']) == ('enabled', 'up', None)
    assert cloud.admin('PUT', path, {'status': 'sideways'}, version='2.53').status_int == 400
    assert cloud.admin('PUT', '/v2.1/os-services/nope', {'status': 'enabled'},
                       version='2.53').status_int == 400
    conductor = _services(cloud, '2.53', '?binary=nova-conductor')[0]
    assert cloud.admin('PUT', '/v2.1/os-services/%s' % conductor['id'],
                       {'status': 'disabled'}, version='2.53').status_int == 400


def test_legacy_enable_disable_and_force_down(cloud):
    body = {'host': 'host1', 'binary': 'nova-compute'}
    resp = cloud.admin('PUT', '/v2.1/os-services/disable', body)
    helpers.validate(resp, '2.1', 'services', 'enable_disable_service')
    resp = cloud.admin('PUT', '/v2.1/os-services/disable-log-reason',
                       dict(body, disabled_reason='why'))
    assert helpers.validate(resp, '2.1', 'services', 'disable_log_reason')['service'][
        'disabled_reason'] == 'why'
    resp = cloud.admin('PUT', '/v2.1/os-services/enable', body)
    assert resp.json_body_or_none['service']['status'] == 'enabled'
    resp = cloud.admin('PUT', '/v2.1/os-services/force-down', dict(body, forced_down=True),
                       version='2.11')
    helpers.validate(resp, '2.11', 'services', 'update_forced_down')
    assert cloud.admin('PUT', '/v2.1/os-services/force-down', dict(body, forced_down=True),
                       version='2.1').status_int == 404
    assert cloud.admin('PUT', '/v2.1/os-services/disable',
                       {'host': 'nohost', 'binary': 'nova-compute'}).status_int == 404


def test_disabled_host_is_not_scheduled_and_shows_maintenance(cloud):
    image = helpers.create_image(cloud)
    for host in ('host1', 'host2'):
        cloud.admin('PUT', '/v2.1/os-services/disable',
                    {'host': host, 'binary': 'nova-compute'})
    resp = cloud.admin('GET', '/v2.1/os-availability-zone')
    body = helpers.validate(resp, '2.1', 'availability_zone', 'list_availability_zone_list')
    assert body['availabilityZoneInfo'] == [{'zoneName': 'nova',
                                            'zoneState': {'available': False},
                                            'hosts': None}]
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    server = cloud.wait_for_server(server_id, 'ERROR')
    assert 'No valid host' in server['fault']['message']
    resp = cloud.admin('GET', '/v2.1/servers/%s' % server_id, version='2.16')
    assert resp.json_body_or_none['server']['host_status'] == ''


def test_delete_service(cloud):
    image = helpers.create_image(cloud)
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    host = cloud.admin('GET', '/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['OS-EXT-SRV-ATTR:host']
    other = 'host1' if host == 'host2' else 'host2'
    used = _services(cloud, '2.53', '?host=%s' % host)[0]
    free = _services(cloud, '2.53', '?host=%s' % other)[0]
    assert cloud.admin('DELETE', '/v2.1/os-services/%s' % used['id'],
                       version='2.53').status_int == 409
    assert cloud.admin('DELETE', '/v2.1/os-services/%s' % free['id'],
                       version='2.53').status_int == 204
    assert [s['host'] for s in _services(cloud, '2.53', '?binary=nova-compute')] == [host]
    hypervisors = cloud.admin('GET', '/v2.1/os-hypervisors').json_body_or_none
    assert [h['hypervisor_hostname'] for h in hypervisors['hypervisors']] == [host]
    assert cloud.request('DELETE', '/v2.1/os-services/%s' % used['id'],
                         version='2.53').status_int == 403


@pytest.mark.parametrize('version', ['2.1', '2.28', '2.33', '2.53', '2.88', '2.96'])
def test_hypervisors(cloud, version):
    image = helpers.create_image(cloud)
    server_id = helpers.boot(cloud, image['id'], flavor='2')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    resp = cloud.admin('GET', '/v2.1/os-hypervisors', version=version)
    listed = helpers.validate(resp, version, 'hypervisors',
                              'list_search_hypervisors')['hypervisors']
    assert sorted(h['hypervisor_hostname'] for h in listed) == ['host1', 'host2']
    resp = cloud.admin('GET', '/v2.1/os-hypervisors/detail', version=version)
    if version >= '2.88':
        detailed = resp.json_body_or_none['hypervisors']
        assert 'vcpus_used' not in detailed[0] and 'uptime' in detailed[0]
    else:
        detailed = helpers.validate(resp, version, 'hypervisors',
                                    'list_hypervisors_detail')['hypervisors']
        used = [h for h in detailed if h['running_vms']]
        assert len(used) == 1
        assert (used[0]['vcpus_used'], used[0]['local_gb_used']) == (1, 20)
        assert used[0]['memory_mb_used'] == 2048 + 512  # with the reserved memory
        assert isinstance(used[0]['cpu_info'], dict if version >= '2.28' else str)
    one = listed[0]['id']
    resp = cloud.admin('GET', '/v2.1/os-hypervisors/%s' % one, version=version)
    assert resp.status_int == 200
    if version < '2.88':
        helpers.validate(resp, version, 'hypervisors', 'get_hypervisor')
        resp = cloud.admin('GET', '/v2.1/os-hypervisors/statistics', version=version)
        stats = helpers.validate(resp, version, 'hypervisors', 'get_hypervisor_statistics')
        assert stats['hypervisor_statistics']['count'] == 2
        assert stats['hypervisor_statistics']['running_vms'] == 1
        resp = cloud.admin('GET', '/v2.1/os-hypervisors/%s/uptime' % one, version=version)
        helpers.validate(resp, version, 'hypervisors', 'get_hypervisor_uptime')
    else:
        assert cloud.admin('GET', '/v2.1/os-hypervisors/statistics',
                           version=version).status_int == 404
    missing = '00000000-0000-0000-0000-000000000000' if version >= '2.53' else '999'
    assert cloud.admin('GET', '/v2.1/os-hypervisors/%s' % missing,
                       version=version).status_int == 404


def test_hypervisor_servers_and_paging(cloud):
    image = helpers.create_image(cloud)
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    resp = cloud.admin('GET', '/v2.1/os-hypervisors/detail?with_servers=true',
                       version='2.53')
    servers = [s for h in resp.json_body_or_none['hypervisors'] for s in h.get('servers', [])]
    assert [s['uuid'] for s in servers] == [server_id]
    resp = cloud.admin('GET', '/v2.1/os-hypervisors?limit=1', version='2.53')
    body = resp.json_body_or_none
    assert len(body['hypervisors']) == 1 and body['hypervisors_links']
    resp = cloud.admin('GET', '/v2.1/os-hypervisors?hypervisor_hostname_pattern=host2',
                       version='2.53')
    assert [h['hypervisor_hostname'] for h in resp.json_body_or_none['hypervisors']] == [
        'host2']
    resp = cloud.admin('GET', '/v2.1/os-hypervisors/host1/servers')
    body = helpers.validate(resp, '2.1', 'hypervisors', 'get_hypervisors_servers')
    resp = cloud.admin('GET', '/v2.1/os-hypervisors/host/search')
    assert len(resp.json_body_or_none['hypervisors']) == 2


def test_availability_zones(cloud):
    resp = cloud.request('GET', '/v2.1/os-availability-zone')
    body = helpers.validate(resp, '2.1', 'availability_zone', 'list_availability_zone_list')
    assert body['availabilityZoneInfo'] == [{'zoneName': 'nova',
                                            'zoneState': {'available': True},
                                            'hosts': None}]
    assert cloud.request('GET', '/v2.1/os-availability-zone/detail').status_int == 403
    resp = cloud.admin('GET', '/v2.1/os-availability-zone/detail')
    body = helpers.validate(resp, '2.1', 'availability_zone',
                            'list_availability_zone_list_detail')
    zones = {z['zoneName']: z for z in body['availabilityZoneInfo']}
    assert zones['nova']['hosts']['host1']['nova-compute']['available'] is True
    assert 'internal' in zones
