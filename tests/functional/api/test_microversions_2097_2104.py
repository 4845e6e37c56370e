"""Microversions 2.97 to 2.104: what each changes in requests and responses, and the
answers for the features this cloud does not have (shares, consoles, volumes)."""
import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, os_distro='debian', hw_disk_bus='virtio')


@pytest.fixture
def server_id(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def _server(cloud, server_id, version):
    resp = cloud.request('GET', '/v2.1/servers/%s' % server_id, version=version)
    return helpers.validate(resp, version, 'servers', 'get_server')['server']


def test_297_shares_without_a_shared_file_system_service(cloud, server_id):
    base = '/v2.1/servers/%s/shares' % server_id
    assert cloud.request('GET', base, version='2.96').status_int == 404
    resp = cloud.request('GET', base, version='2.97')
    assert helpers.validate(resp, '2.97', 'servers', 'list_share_attachments') == {
        'shares': []}
    share = {'share': {'share_id': '11111111-2222-3333-4444-555555555555', 'tag': 'data'}}
    assert cloud.request('POST', base, {'share': {'share_id': 'x'}},
                         version='2.97').status_int == 400
    code, message = helpers.fault(cloud.request('POST', base, share, version='2.97'))
    assert code == 409 and 'while it is in vm_state active' in message  # must be stopped
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, {'os-stop': None})
    assert resp.status_int == 202
    cloud.wait_for_server(server_id, 'SHUTOFF')
    code, message = helpers.fault(cloud.request('POST', base, share, version='2.97'))
    assert code == 404 and 'no shared file system service' in message
    for method in ('GET', 'DELETE'):
        resp = cloud.request(method, base + '/11111111-2222-3333-4444-555555555555',
                             version='2.97')
        assert resp.status_int == 404, resp.body
    assert cloud.request('GET', base, version='2.97', project='other').status_int == 404


def test_298_image_properties_in_server_bodies(cloud, server_id):
    assert 'properties' not in _server(cloud, server_id, '2.97')['image']
    server = _server(cloud, server_id, '2.98')
    assert server['image']['properties'] == {'os_distro': 'debian', 'hw_disk_bus': 'virtio'}
    resp = cloud.request('GET', '/v2.1/servers/detail', version='2.98')
    (listed,) = helpers.validate(resp, '2.98', 'servers', 'list_servers_detail')['servers']
    assert listed['image'] == server['image']
    # A rebuild takes the new image's properties (and only those).
    other = helpers.create_image(cloud, name='other', os_distro='fedora')
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'rebuild': {'imageRef': other['id']}}, version='2.98')
    rebuilt = helpers.validate(resp, '2.98', 'servers',
                               'rebuild_server_with_admin_pass')['server']
    assert rebuilt['image']['properties'] == {'os_distro': 'fedora'}
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert _server(cloud, server_id, '2.98')['image']['properties'] == {'os_distro': 'fedora'}


def test_299_remote_consoles_are_unavailable(cloud, server_id):
    path = '/v2.1/servers/%s/remote-consoles' % server_id

    def console(protocol, kind, version):
        return cloud.request('POST', path, {'remote_console': {'protocol': protocol,
                                                               'type': kind}},
                             version=version)

    assert console('vnc', 'novnc', '2.5').status_int == 404
    assert helpers.fault(console('vnc', 'novnc', '2.6')) == (
        400, 'Unavailable console type novnc.')
    assert 'Invalid input' in helpers.fault(console('mks', 'webmks', '2.7'))[1]
    assert helpers.fault(console('mks', 'webmks', '2.8'))[1] == \
        'Unavailable console type webmks.'
    assert 'Invalid input' in helpers.fault(console('spice', 'spice-direct', '2.98'))[1]
    assert helpers.fault(console('spice', 'spice-direct', '2.99')) == (
        400, 'Unavailable console type spice-direct.')
    resp = cloud.request('POST', path, {'remote_console': {'protocol': 'vnc',
                                                           'type': 'novnc'}},
                         version='2.99', project='other')
    assert resp.status_int == 404
    token = '/v2.1/os-console-auth-tokens/abc'
    assert helpers.fault(cloud.admin('GET', token, version='2.99')) == (404, 'Token not found')
    assert cloud.request('GET', token, version='2.99').status_int == 403


def test_2100_scheduler_hints_in_server_bodies(cloud, image, server_id):
    plain = helpers.boot(cloud, image['id'], name='plain')['server']['id']
    cloud.wait_for_server(plain, 'ACTIVE')
    resp = cloud.request('POST', '/v2.1/servers', {
        'server': {'name': 'apart', 'flavorRef': '1', 'imageRef': image['id'],
                   'networks': 'none'},
        'os:scheduler_hints': {'different_host': [server_id]}}, version='2.37')
    apart = resp.json_body_or_none['server']['id']
    cloud.wait_for_server(apart, 'ACTIVE')
    assert 'scheduler_hints' not in _server(cloud, apart, '2.99')
    assert _server(cloud, server_id, '2.100')['scheduler_hints'] == {}
    resp = cloud.request('GET', '/v2.1/servers/%s' % apart, version='2.100')
    assert resp.json_body_or_none['server']['scheduler_hints'] == {
        'different_host': [server_id]}
    resp = cloud.request('GET', '/v2.1/servers/detail', version='2.100')
    hints = {s['id']: s['scheduler_hints'] for s in resp.json_body_or_none['servers']}
    assert hints == {server_id: {}, plain: {}, apart: {'different_host': [server_id]}}
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id, {'server': {'name': 'n'}},
                         version='2.100')
    assert helpers.validate(resp, '2.100', 'servers', 'update_server')['server'][
        'scheduler_hints'] == {}


def test_2101_volume_attachments_without_block_storage(cloud, server_id):
    base = '/v2.1/servers/%s/os-volume_attachments' % server_id
    volume = '11111111-2222-3333-4444-555555555555'
    assert cloud.request('GET', base).json_body_or_none == {'volumeAttachments': []}
    for version in ('2.100', '2.101'):
        code, message = helpers.fault(cloud.request(
            'POST', base, {'volumeAttachment': {'volumeId': volume}}, version=version))
        assert code == 404 and 'no block storage service' in message
    assert cloud.request('POST', base, {'volumeAttachment': {'volumeId': 'x'}}).status_int \
        == 400
    assert cloud.request('POST', base, {'volumeAttachment': {
        'volumeId': volume, 'tag': 't'}}, version='2.48').status_int == 400
    for method in ('GET', 'DELETE'):
        assert cloud.request(method, '%s/%s' % (base, volume)).status_int == 404
    resp = cloud.admin('PUT', '%s/%s' % (base, volume), {'volumeAttachment': {
        'volumeId': volume}})
    assert resp.status_int == 404, resp.body
    assert cloud.request('GET', base, project='other').status_int == 404


def _flavor_ids(cloud, query, version='2.102'):
    resp = cloud.request('GET', '/v2.1/flavors%s' % query, version=version)
    assert resp.status_int == 200, resp.body
    return [f['id'] for f in resp.json_body_or_none['flavors']]


def test_2102_flavors(cloud):
    assert _flavor_ids(cloud, '?name=tiny') == ['1']
    assert _flavor_ids(cloud, '?name=^m1\\.(nano|micro)$') == ['6', '7']
    assert _flavor_ids(cloud, '?name=m1.t') == ['1']  # partial match
    assert len(_flavor_ids(cloud, '?name=tiny', version='2.101')) == 7  # not a filter yet
    resp = cloud.request('GET', '/v2.1/flavors/1', version='2.102')
    flavor = resp.json_body_or_none['flavor']
    assert 'rxtx_factor' not in flavor and 'OS-FLV-DISABLED:disabled' not in flavor
    detail = cloud.request('GET', '/v2.1/flavors/detail', version='2.102').json_body_or_none
    assert not any('rxtx_factor' in f for f in detail['flavors'])
    resp = cloud.request('GET', '/v2.1/flavors/1', version='2.101')
    helpers.validate(resp, '2.101', 'flavors', 'create_update_get_flavor_details')
    body = {'flavor': {'name': 'f', 'ram': 64, 'vcpus': 1, 'disk': 0, 'rxtx_factor': 2.0}}
    assert cloud.admin('POST', '/v2.1/flavors', body, version='2.102').status_int == 400
    assert cloud.admin('POST', '/v2.1/flavors', body, version='2.101').status_int == 200
    assert cloud.request('GET', '/v2.1/flavors?sort_key=rxtx_factor',
                         version='2.102').status_int == 400
    assert cloud.request('GET', '/v2.1/flavors?sort_key=rxtx_factor',
                         version='2.101').status_int == 200


@pytest.mark.parametrize('path', [
    '/v2.1/flavors?colour=red', '/v2.1/flavors/1?x=1', '/v2.1/os-services?x=1',
    '/v2.1/os-aggregates?x=1', '/v2.1/os-availability-zone?x=1', '/v2.1/limits?x=1',
    '/v2.1/os-hypervisors?x=1', '/v2.1/os-migrations?x=1', '/v2.1/os-quota-sets/demo?x=1',
    '/v2.1/os-instance_usage_audit_log?x=1', '/v2.1/extensions?x=1'])
def test_2102_unknown_query_parameters_are_refused(cloud, path):
    assert cloud.admin('GET', path, version='2.101').status_int == 200
    code, message = helpers.fault(cloud.admin('GET', path, version='2.102'))
    assert code == 400 and 'Additional properties are not allowed' in message


def test_2104_pinned_availability_zone_set_on_update(cloud, image):
    agg = cloud.admin('POST', '/v2.1/os-aggregates', {'aggregate': {
        'name': 'a', 'availability_zone': 'az1'}}).json_body_or_none['aggregate']
    cloud.admin('POST', '/v2.1/os-aggregates/%s/action' % agg['id'],
                {'add_host': {'host': 'host1'}})
    server_id = helpers.boot(cloud, image['id'], availability_zone='az1')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    path = '/v2.1/servers/%s' % server_id

    def pin(zone, version='2.104'):
        return cloud.request('PUT', path, {'server': {'pinned_availability_zone': zone}},
                             version=version)

    assert pin(None, version='2.103').status_int == 400
    code, message = helpers.fault(pin('nova'))
    assert code == 400 and 'pinned to the availability zone it is in (az1)' in message
    # Pinned, a cold migration finds no other host in az1.
    resp = cloud.admin('POST', path + '/action', {'migrate': None})
    assert resp.status_int == 202, resp.body
    ctx = nimbus_context.get_admin_context()
    cloud.wait_for(lambda: [m for m in objects.MigrationList.get_by_filters(
        ctx, {'instance_uuid': server_id}) if m.status == 'error'], what='failed migration')
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert helpers.server_host(cloud, server_id) == 'host1'
    server = helpers.validate(pin(None), '2.104', 'servers', 'update_server')['server']
    assert (server['pinned_availability_zone'], server['OS-EXT-AZ:availability_zone']) == (
        None, 'az1')
    # Unpinned, it may leave the zone.
    assert cloud.admin('POST', path + '/action', {'migrate': None}).status_int == 202
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    assert helpers.server_host(cloud, server_id) == 'host2'
    cloud.request('POST', path + '/action', {'confirmResize': None})
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert helpers.fault(pin('az1'))[0] == 400  # it is in nova now
    server = pin('nova').json_body_or_none['server']
    assert server['pinned_availability_zone'] == 'nova'
