"""os-aggregates: aggregates, their hosts and metadata, availability zones from their
metadata (zone listings, server placement and bodies) and the aggregate filters."""
import pytest

from svc_common.conf import CONF
from tests.functional.api import helpers

AGG = '/v2.1/os-aggregates'


def _create(cloud, name, zone=None, version='2.41'):
    body = {'name': name}
    if zone is not None:
        body['availability_zone'] = zone
    resp = cloud.admin('POST', AGG, {'aggregate': body}, version=version)
    return helpers.validate(resp, version, 'aggregates', 'create_aggregate')['aggregate']


def _action(cloud, aggregate_id, body, version='2.41', expect=200):
    resp = cloud.admin('POST', '%s/%s/action' % (AGG, aggregate_id), body, version=version)
    assert resp.status_int == expect, resp.body
    if expect != 200:
        return helpers.fault(resp)
    return helpers.validate(resp, version, 'aggregates', 'aggregate_add_remove_host')[
        'aggregate']


def _add_host(cloud, aggregate_id, host, **kwargs):
    return _action(cloud, aggregate_id, {'add_host': {'host': host}}, **kwargs)


def _zones(cloud):
    resp = cloud.admin('GET', '/v2.1/os-availability-zone')
    body = helpers.validate(resp, '2.1', 'availability_zone', 'list_availability_zone_list')
    return {z['zoneName']: z['zoneState']['available'] for z in body['availabilityZoneInfo']}


@pytest.mark.parametrize('version', ['2.1', '2.41'])
def test_create_list_show_update_delete(cloud, version):
    created = _create(cloud, 'rack1', version=version)
    assert (created['name'], created['availability_zone'], created['deleted']) == (
        'rack1', None, False)
    assert ('uuid' in created) == (version == '2.41')
    path = '%s/%s' % (AGG, created['id'])
    resp = cloud.admin('GET', AGG, version=version)
    listed = helpers.validate(resp, version, 'aggregates', 'list_aggregates')['aggregates']
    assert [(a['name'], a['hosts'], a['metadata']) for a in listed] == [('rack1', [], {})]
    resp = cloud.admin('PUT', path, {'aggregate': {'name': 'rack2', 'availability_zone':
                                                   'az1'}}, version=version)
    updated = helpers.validate(resp, version, 'aggregates', 'update_aggregate')['aggregate']
    assert (updated['name'], updated['availability_zone'], updated['metadata']) == (
        'rack2', 'az1', {'availability_zone': 'az1'})
    shown = helpers.validate(cloud.admin('GET', path, version=version), version,
                             'aggregates', 'get_aggregate')['aggregate']
    assert shown == updated
    resp = cloud.admin('DELETE', path, version=version)
    helpers.validate(resp, version, 'aggregates', 'delete_aggregate')
    assert cloud.admin('GET', path).status_int == 404


def test_bad_requests(cloud):
    agg = _create(cloud, 'rack1')
    for name in ('', 'a' * 256, ' padded'):
        assert cloud.admin('POST', AGG, {'aggregate': {'name': name}}).status_int == 400
    assert cloud.admin('POST', AGG, {'aggregate': {'name': 'x', 'availability_zone':
                                                   'a:b'}}).status_int == 400
    code, message = helpers.fault(cloud.admin('POST', AGG, {'aggregate': {'name': 'rack1'}}))
    assert (code, message) == (409, 'Aggregate rack1 already exists.')
    code, message = helpers.fault(cloud.admin(
        'POST', AGG, {'aggregate': {'name': 'x', 'availability_zone': 'internal'}}))
    assert code == 400 and 'reserved for internal services' in message
    assert cloud.admin('GET', '%s/-1' % AGG).status_int == 404
    assert cloud.admin('GET', '%s/abc' % AGG).status_int == 400
    assert cloud.admin('PUT', '%s/%s' % (AGG, agg['id']), {'aggregate': {}}).status_int == 400
    assert _action(cloud, agg['id'], {'reboot': {}}, expect=400)[0] == 400


def test_admin_only(cloud):
    agg = _create(cloud, 'rack1')
    path = '%s/%s' % (AGG, agg['id'])
    for method, url, body in (('GET', AGG, None), ('POST', AGG, {'aggregate': {'name': 'x'}}),
                              ('GET', path, None), ('DELETE', path, None),
                              ('POST', path + '/action', {'add_host': {'host': 'host1'}})):
        assert cloud.request(method, url, body).status_int == 403


def test_hosts_and_metadata(cloud):
    agg = _create(cloud, 'rack1')
    assert _add_host(cloud, agg['id'], 'nohost', expect=404)[0] == 404
    body = _add_host(cloud, agg['id'], 'host1')
    assert body['hosts'] == ['host1']
    code, message = _add_host(cloud, agg['id'], 'host1', expect=409)
    assert message == 'Aggregate %s already has host host1.' % agg['id']
    assert _action(cloud, agg['id'], {'remove_host': {'host': 'host2'}}, expect=404)[0] == 404
    code, message = helpers.fault(cloud.admin('DELETE', '%s/%s' % (AGG, agg['id'])))
    assert code == 400 and 'still has hosts' in message
    body = _action(cloud, agg['id'], {'set_metadata': {'metadata': {'ssd': 'true',
                                                                    'gpu': 'no'}}})
    assert body['metadata'] == {'ssd': 'true', 'gpu': 'no'}
    body = _action(cloud, agg['id'], {'set_metadata': {'metadata': {'gpu': None,
                                                                    'rack': '4'}}})
    assert body['metadata'] == {'ssd': 'true', 'rack': '4'}
    body = _action(cloud, agg['id'], {'remove_host': {'host': 'host1'}})
    assert body['hosts'] == []


def test_zone_from_aggregate_metadata_places_and_shows_servers(cloud):
    image = helpers.create_image(cloud)
    agg = _create(cloud, 'rack1', zone='az1')
    _add_host(cloud, agg['id'], 'host1')
    assert _zones(cloud) == {'az1': True, 'nova': True}
    resp = cloud.admin('GET', '/v2.1/os-services?binary=nova-compute')
    assert {s['host']: s['zone'] for s in resp.json_body_or_none['services']} == {
        'host1': 'az1', 'host2': 'nova'}
    for zone, host in (('az1', 'host1'), ('nova', 'host2')):
        server_id = helpers.boot(cloud, image['id'], name=zone,
                                 availability_zone=zone)['server']['id']
        cloud.wait_for_server(server_id, 'ACTIVE')
        assert helpers.server_host(cloud, server_id) == host
        resp = cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.96')
        server = helpers.validate(resp, '2.96', 'servers', 'get_server')['server']
        assert (server['OS-EXT-AZ:availability_zone'],
                server['pinned_availability_zone']) == (zone, zone)
    code, message = helpers.fault(cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none',
        'availability_zone': 'mars'}}, version='2.37'))
    assert (code, message) == (400, 'The requested availability zone is not available')


def test_unpinned_server_shows_its_hosts_zone(cloud):
    image = helpers.create_image(cloud)
    agg = _create(cloud, 'all', zone='az1')
    _add_host(cloud, agg['id'], 'host1')
    _add_host(cloud, agg['id'], 'host2')
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert server['OS-EXT-AZ:availability_zone'] == 'az1'
    resp = cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.96')
    assert resp.json_body_or_none['server']['pinned_availability_zone'] is None


def test_a_host_is_in_one_zone_and_keeps_its_servers_zone(cloud):
    image = helpers.create_image(cloud)
    az1, az2, plain = _create(cloud, 'a1', zone='az1'), _create(cloud, 'a2', zone='az2'), \
        _create(cloud, 'plain')
    _add_host(cloud, az1['id'], 'host1')
    code, message = _add_host(cloud, az2['id'], 'host1', expect=400)
    assert 'host host1 is in availability zone az1 by another aggregate' in message
    _add_host(cloud, plain['id'], 'host1')  # no zone: no conflict
    code, message = _action(cloud, plain['id'], {'set_metadata': {'metadata': {
        'availability_zone': 'az2'}}}, expect=400)
    assert 'another aggregate' in message
    server_id = helpers.boot(cloud, image['id'], availability_zone='az1')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    code, message = _action(cloud, az1['id'], {'remove_host': {'host': 'host1'}},
                            expect=400)
    assert 'host host1 has servers in availability zone az1; it cannot move to nova' \
        in message
    resp = cloud.admin('PUT', '%s/%s' % (AGG, az1['id']),
                       {'aggregate': {'availability_zone': 'az3'}})
    assert resp.status_int == 400, resp.body
    # Moving an empty host is fine.
    _add_host(cloud, az2['id'], 'host2')
    assert _zones(cloud) == {'az1': True, 'az2': True}


def test_deleting_a_compute_service_takes_its_host_out_of_aggregates(cloud):
    agg = _create(cloud, 'rack1')
    _add_host(cloud, agg['id'], 'host2')
    (service,) = cloud.admin('GET', '/v2.1/os-services?host=host2',
                             version='2.53').json_body_or_none['services']
    resp = cloud.admin('DELETE', '/v2.1/os-services/%s' % service['id'], version='2.53')
    assert resp.status_int == 204, resp.body
    assert cloud.admin('GET', '%s/%s' % (AGG, agg['id'])).json_body_or_none[
        'aggregate']['hosts'] == []


@pytest.fixture
def aggregate_filters():
    """The two aggregate filters Nova leaves off by default (before the cloud starts:
    the scheduler reads its filters once)."""
    CONF.set_override('enabled_filters', CONF.scheduler.enabled_filters + [
        'AggregateInstanceExtraSpecsFilter', 'AggregateMultiTenancyIsolation'],
        group='scheduler')
    yield
    CONF.clear_override('enabled_filters', group='scheduler')


def test_aggregate_filters_place_servers(aggregate_filters, cloud):
    image = helpers.create_image(cloud, visibility='public', project='admin', roles='admin')
    ssd = _create(cloud, 'ssd')
    _add_host(cloud, ssd['id'], 'host2')
    _action(cloud, ssd['id'], {'set_metadata': {'metadata': {'ssd': 'true'}}})
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'fast', 'ram': 64, 'vcpus': 1, 'disk': 1, 'id': 'fast'}})
    assert resp.status_int == 200, resp.body
    cloud.admin('POST', '/v2.1/flavors/fast/os-extra_specs', {'extra_specs': {
        'aggregate_instance_extra_specs:ssd': 'true'}})
    fast = helpers.boot(cloud, image['id'], flavor='fast')['server']['id']
    cloud.wait_for_server(fast, 'ACTIVE')
    assert helpers.server_host(cloud, fast) == 'host2'

    isolated = _create(cloud, 'isolated')
    _add_host(cloud, isolated['id'], 'host1')
    _action(cloud, isolated['id'], {'set_metadata': {'metadata': {
        'filter_tenant_id': 'vip,other'}}})
    with helpers.stacking():  # unhinted, every server would share one host
        others = [helpers.boot(cloud, image['id'], name='o%d' % i)['server']['id']
                  for i in range(2)]
        for server_id in others:
            cloud.wait_for_server(server_id, 'ACTIVE')
            assert helpers.server_host(cloud, server_id) == 'host2'
    cloud.admin('PUT', '/v2.1/os-services/disable', {'host': 'host2',
                                                     'binary': 'nova-compute'})
    vip = helpers.boot(cloud, image['id'], project='vip')['server']['id']
    cloud.wait_for_server(vip, 'ACTIVE', project='vip')
    assert helpers.server_host(cloud, vip) == 'host1'
    refused = helpers.boot(cloud, image['id'], name='refused')['server']['id']
    cloud.wait_for_server(refused, 'ERROR')


def test_image_precaching_is_refused_clearly(cloud):
    image = helpers.create_image(cloud)
    agg = _create(cloud, 'rack1')
    path = '%s/%s/images' % (AGG, agg['id'])
    body = {'cache': [{'id': image['id']}]}
    assert cloud.admin('POST', path, body, version='2.80').status_int == 404
    assert cloud.admin('POST', path, {'cache': []}, version='2.81').status_int == 400
    code, message = helpers.fault(cloud.admin(
        'POST', path, {'cache': [{'id': '00000000-0000-0000-0000-000000000000'}]},
        version='2.81'))
    assert code == 400 and 'could not be found' in message
    code, message = helpers.fault(cloud.admin('POST', path, body, version='2.81'))
    assert (code, message) == (400, 'Caching images on the hosts of an aggregate ahead of '
                                    'their use is not supported by this cloud.')
