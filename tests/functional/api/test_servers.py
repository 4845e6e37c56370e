"""Servers: boot, power actions, delete, lists and their filters, isolation, bad input."""
import pytest

from tests.functional.api import helpers


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


def _server(cloud, server_id, version=None, admin=False):
    call = cloud.admin if admin else cloud.request
    resp = call('GET', '/v2.1/servers/%s' % server_id, version=version)
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['server']


def _action(cloud, server_id, body, expect=202, **kwargs):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def test_lifecycle(cloud, image):
    created = helpers.boot(cloud, image['id'], name='vm1')
    helpers.validate(cloud.request('GET', '/v2.1/flavors'), '2.1', 'flavors', 'list_flavors')
    server_id = created['server']['id']
    assert created['server']['adminPass']
    active = cloud.wait_for_server(server_id, 'ACTIVE')
    assert active['OS-EXT-STS:power_state'] == 1
    assert active['hostId']

    _action(cloud, server_id, {'os-stop': None})
    stopped = cloud.wait_for_server(server_id, 'SHUTOFF')
    assert stopped['OS-EXT-STS:vm_state'] == 'stopped'

    resp = _action(cloud, server_id, {'os-stop': None}, expect=409)
    assert helpers.fault(resp) == (409, "Cannot 'stop' instance %s while it is in vm_state "
                                        "stopped" % server_id)

    _action(cloud, server_id, {'os-start': None})
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'reboot': {'type': 'SOFT'}})
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'reboot': {'type': 'HARD'}})
    cloud.wait_for_server(server_id, 'ACTIVE')

    resp = _action(cloud, server_id, {'os-getConsoleOutput': {'length': 1}}, expect=200)
    helpers.validate(resp, '2.1', 'servers', 'get_console_output')
    # The last pieces between newlines, as Nova counts them (Tempest checks 3).
    assert len(resp.json_body_or_none['output'].split('\n')) == 1
    resp = _action(cloud, server_id, {'os-getConsoleOutput': {'length': 3}}, expect=200)
    assert len(resp.json_body_or_none['output'].split('\n')) == 3
    # The whole log: each boot's lines (a real guest's boot log), the reboots between.
    output = _action(cloud, server_id, {'os-getConsoleOutput': {}},
                     expect=200).json_body_or_none['output']
    assert output.count('SeaBIOS') == 4 and 'rebooted (HARD)\nSeaBIOS' in output

    actions = [a.action for a in _actions(cloud, server_id)]
    assert actions[::-1] == ['create', 'stop', 'start', 'reboot', 'reboot']

    resp = cloud.request('DELETE', '/v2.1/servers/%s' % server_id)
    assert resp.status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 404


def _actions(cloud, server_id):
    from svc_common import context
    from svc_common import objects
    return objects.InstanceActionList.get_by_instance_uuid(context.get_admin_context(),
                                                           server_id)


def test_reboot_rejects_unknown_type_and_unknown_action(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'reboot': {'type': 'WARM'}}, expect=400)
    resp = _action(cloud, server_id, {'os-fly': None}, expect=400)
    assert 'There is no such action: os-fly' in helpers.fault(resp)[1]


def test_create_response_and_show_match_tempest_schemas(cloud, image):
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'instances': -1}})
    for version in ('2.1', '2.3', '2.9', '2.16', '2.19', '2.26', '2.47', '2.53', '2.61', '2.63',
                    '2.71', '2.73', '2.75', '2.79', '2.96'):
        resp = cloud.request('POST', '/v2.1/servers', {'server': {
            'name': 'v%s' % version, 'flavorRef': '1', 'imageRef': image['id']}},
            version=version)
        body = helpers.validate(resp, version, 'servers', 'create_server_with_admin_pass')
        assert resp.headers['Location'].endswith(body['server']['id'])
        server_id = body['server']['id']
        cloud.wait_for_server(server_id, 'ACTIVE')
        for call in (cloud.request, cloud.admin):
            resp = call('GET', '/v2.1/servers/%s' % server_id, version=version)
            helpers.validate(resp, version, 'servers', 'get_server')
        for call in (cloud.request, cloud.admin):
            resp = call('GET', '/v2.1/servers/detail?all_tenants=1' if call == cloud.admin
                        else '/v2.1/servers/detail', version=version)
            helpers.validate(resp, version, 'servers', 'list_servers_detail')
            resp = call('GET', '/v2.1/servers', version=version)
            helpers.validate(resp, version, 'servers', 'list_servers')
        resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id,
                             {'server': {'name': 'renamed'}}, version=version)
        body = helpers.validate(resp, version, 'servers', 'update_server')
        assert body['server']['name'] == 'renamed'


def test_microversion_fields(cloud, image):
    server_id = helpers.boot(cloud, image['id'], version='2.96', description='d',
                             metadata={'k': 'v'}, tags=['a', 'b'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    old = _server(cloud, server_id, '2.1')
    for key in ('description', 'locked', 'tags', 'OS-EXT-SRV-ATTR:host', 'host_status',
                'pinned_availability_zone'):
        assert key not in old
    assert old['flavor']['id'] == '1'
    new = _server(cloud, server_id, '2.96')
    assert (new['description'], new['tags'], new['metadata']) == ('d', ['a', 'b'],
                                                                  {'k': 'v'})
    assert new['flavor']['original_name'] == 'm1.tiny'
    assert new['locked'] is False and new['server_groups'] == []
    admin = _server(cloud, server_id, '2.96', admin=True)
    assert admin['OS-EXT-SRV-ATTR:host'] in ('host1', 'host2')
    assert admin['OS-EXT-SRV-ATTR:instance_name'] == 'instance-' + admin['id']
    assert admin['host_status'] == 'UP'
    assert admin['OS-EXT-SRV-ATTR:launch_index'] == 0
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id,
                         {'server': {'description': 'x'}}, version='2.1')
    assert resp.status_int == 400


def test_openstackclient_boot_shape(cloud, image):
    """imageRef plus the matching image->local mapping, as openstackclient sends."""
    bdm = [{'uuid': image['id'], 'boot_index': 0, 'source_type': 'image',
            'destination_type': 'local', 'delete_on_termination': True}]
    server_id = helpers.boot(cloud, image['id'], version='2.96', min_count=1, max_count=1,
                             block_device_mapping_v2=bdm)['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    server_id = helpers.boot(cloud, '', block_device_mapping_v2=bdm)['server']['id']
    assert _server(cloud, server_id)['image']['id'] == image['id']
    volume = [{'uuid': image['id'], 'boot_index': 0, 'source_type': 'image',
               'destination_type': 'volume', 'volume_size': 1}]
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'v', 'flavorRef': '1', 'imageRef': '', 'block_device_mapping_v2': volume}})
    assert resp.status_int == 400
    assert 'local disk' in helpers.fault(resp)[1]


def test_multi_create(cloud, image):
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'many', 'flavorRef': '1', 'imageRef': image['id'], 'min_count': 2,
        'max_count': 3, 'return_reservation_id': True}})
    assert resp.status_int == 202
    reservation_id = resp.json_body_or_none['reservation_id']
    assert reservation_id.startswith('r-')
    listed = cloud.request('GET', '/v2.1/servers/detail?reservation_id=%s'
                           % reservation_id).json_body_or_none['servers']
    assert sorted(s['name'] for s in listed) == ['many-1', 'many-2', 'many-3']
    for server in listed:
        cloud.wait_for_server(server['id'], 'ACTIVE')
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': image['id'], 'min_count': 3,
        'max_count': 2}})
    assert resp.status_int == 400


def test_create_stores_a_request_spec_per_server_and_delete_removes_it(cloud, image):
    from svc_common import context
    from svc_common import exception
    from svc_common import objects
    resp = cloud.admin('POST', '/v2.1/servers', {
        'server': {'name': 'pinned', 'flavorRef': '2', 'imageRef': image['id'],
                   'networks': 'none', 'availability_zone': 'nova:host2', 'min_count': 2,
                   'return_reservation_id': True},
        'os:scheduler_hints': {'different_cell': ['a', 'b'], 'build_near_host_ip': 7}},
        version='2.37')
    assert resp.status_int == 202, resp.body
    listed = cloud.admin('GET', '/v2.1/servers/detail?reservation_id=%s' %
                         resp.json_body_or_none['reservation_id']).json_body_or_none
    ctx = context.get_admin_context()
    specs = [objects.RequestSpec.get_by_instance_uuid(ctx, s['id'])
             for s in listed['servers']]
    assert len(specs) == 2 and len({s.id for s in specs}) == 2
    for spec in specs:
        assert (spec.force_host, spec.availability_zone, spec.flavor_id, spec.image_id,
                spec.num_instances, spec.project_id) == (
            'host2', 'nova', '2', image['id'], 2, 'admin')
        assert spec.scheduler_hints == {'different_cell': ['a', 'b'],
                                        'build_near_host_ip': ['7']}
    for server in listed['servers']:
        cloud.wait_for_server(server['id'], 'ACTIVE', project='admin')
        assert _server(cloud, server['id'], admin=True)['OS-EXT-SRV-ATTR:host'] == 'host2'
        assert cloud.admin('DELETE', '/v2.1/servers/%s' % server['id']).status_int == 204
        cloud.wait_for_server(server['id'], 'DELETED', project='admin')
        with pytest.raises(exception.RequestSpecNotFound):
            objects.RequestSpec.get_by_instance_uuid(ctx, server['id'])


def test_multi_create_is_trimmed_to_quota(cloud, image):
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'instances': 2}})
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'many', 'flavorRef': '1', 'imageRef': image['id'], 'min_count': 1,
        'max_count': 5}})
    assert resp.status_int == 202
    servers = cloud.request('GET', '/v2.1/servers').json_body_or_none['servers']
    assert len(servers) == 2
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'one', 'flavorRef': '1', 'imageRef': image['id']}})
    assert resp.status_int == 403
    assert helpers.fault(resp) == (403, 'Quota exceeded for instances: Requested 1, but '
                                        'already used 2 of 2 instances')


def test_over_core_quota(cloud, image):
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'cores': 5}})
    helpers.boot(cloud, image['id'], flavor='4')  # 4 vcpus
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'big', 'flavorRef': '3', 'imageRef': image['id']}})
    assert resp.status_int == 403
    assert helpers.fault(resp)[1] == ('Quota exceeded for cores: Requested 2, but already '
                                      'used 4 of 5 cores')


def test_metadata_items_limit(cloud, image):
    limit = cloud.request('GET', '/v2.1/limits').json_body_or_none['limits']['absolute'][
        'maxServerMeta']
    assert limit == 128
    helpers.boot(cloud, image['id'], metadata={str(i): 'v' for i in range(limit)})
    helpers.boot(cloud, image['id'], expect=403,
                 metadata={str(i): 'v' for i in range(limit + 1)})
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'metadata_items': 1}})
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': image['id'],
        'metadata': {'a': 'b', 'c': 'd'}}})
    assert helpers.fault(resp) == (403, 'Maximum number of metadata items exceeds 1')


def test_list_filters_sorting_and_paging(cloud, image):
    ids = {}
    for name in ('alpha', 'beta', 'gamma'):
        ids[name] = helpers.boot(cloud, image['id'], name=name)['server']['id']
    for server_id in ids.values():
        cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, ids['beta'], {'os-stop': None})
    cloud.wait_for_server(ids['beta'], 'SHUTOFF')

    def names(query, version=None):
        resp = cloud.request('GET', '/v2.1/servers/detail' + query, version=version)
        assert resp.status_int == 200, resp.body
        return [s['name'] for s in resp.json_body_or_none['servers']]

    assert names('') == ['gamma', 'beta', 'alpha']  # newest first
    assert names('?deleted=False') == ['gamma', 'beta', 'alpha']
    assert names('?sort_key=display_name&sort_dir=asc') == ['alpha', 'beta', 'gamma']
    assert names('?name=^al') == ['alpha']
    assert names('?name=(') == []
    assert names('?status=SHUTOFF') == ['beta']
    assert names('?status=active&sort_key=display_name&sort_dir=asc') == ['alpha', 'gamma']
    assert names('?status=BOGUS') == []
    assert cloud.request('GET', '/v2.1/servers?status=BOGUS',
                         version='2.38').status_int == 400
    assert names('?flavor=1&image=%s' % image['id']) == ['gamma', 'beta', 'alpha']
    assert names('?flavor=2') == []
    assert names('?changes-since=2000-01-01T00:00:00Z&name=alpha') == ['alpha']
    assert cloud.request('GET', '/v2.1/servers?changes-since=yesterday').status_int == 400
    assert cloud.request('GET', '/v2.1/servers?sort_key=bogus').status_int == 400
    assert names('?host=nowhere') == ['gamma', 'beta', 'alpha']  # admin-only filter ignored

    resp = cloud.request('GET', '/v2.1/servers?limit=2')
    body = resp.json_body_or_none
    assert [s['name'] for s in body['servers']] == ['gamma', 'beta']
    next_href = body['servers_links'][0]['href']
    assert 'marker=%s' % ids['beta'] in next_href
    resp = cloud.request('GET', next_href.replace('http://localhost', ''))
    assert [s['name'] for s in resp.json_body_or_none['servers']] == ['alpha']
    assert 'servers_links' not in resp.json_body_or_none
    resp = cloud.request('GET', '/v2.1/servers?marker=00000000-0000-0000-0000-000000000000')
    assert resp.status_int == 400
    assert cloud.request('GET', '/v2.1/servers?limit=-1').status_int == 400

    cloud.request('DELETE', '/v2.1/servers/%s' % ids['alpha'])
    cloud.wait_for_server(ids['alpha'], 'DELETED')
    assert names('') == ['gamma', 'beta']
    since = names('?changes-since=2000-01-01T00:00:00Z')
    assert since == ['gamma', 'beta', 'alpha']
    resp = cloud.admin('GET', '/v2.1/servers/detail?all_tenants=1&deleted=true')
    assert [s['status'] for s in resp.json_body_or_none['servers']] == ['DELETED']


def test_project_isolation_and_admin_all_tenants(cloud, image):
    mine = helpers.boot(cloud, image['id'], name='mine')['server']['id']
    theirs = helpers.boot(cloud, image['id'], name='theirs',
                          project='other')['server']['id']
    for server_id, project in ((mine, 'demo'), (theirs, 'other')):
        cloud.wait_for_server(server_id, 'ACTIVE', project=project)
    for method, body in (('GET', None), ('PUT', {'server': {'name': 'x'}}), ('DELETE', None)):
        resp = cloud.request(method, '/v2.1/servers/%s' % theirs, body)
        assert resp.status_int == 404, method
    _action(cloud, theirs, {'os-stop': None}, expect=404)
    listed = cloud.request('GET', '/v2.1/servers').json_body_or_none['servers']
    assert [s['id'] for s in listed] == [mine]
    assert cloud.request('GET', '/v2.1/servers?all_tenants=1').status_int == 403
    everything = cloud.admin('GET', '/v2.1/servers?all_tenants=True').json_body_or_none
    assert {s['id'] for s in everything['servers']} == {mine, theirs}
    only = cloud.admin('GET', '/v2.1/servers?all_tenants=1&project_id=other')
    assert [s['id'] for s in only.json_body_or_none['servers']] == [theirs]
    assert cloud.admin('GET', '/v2.1/servers').json_body_or_none['servers'] == []
    assert cloud.admin('GET', '/v2.1/servers/%s' % theirs).status_int == 200
    host = _server(cloud, mine, admin=True)['OS-EXT-SRV-ATTR:host']
    on_host = cloud.admin('GET', '/v2.1/servers?all_tenants=1&host=%s' % host)
    assert mine in [s['id'] for s in on_host.json_body_or_none['servers']]


@pytest.mark.parametrize('server, message', [
    ({'name': 'x', 'flavorRef': '99', 'imageRef': 'IMAGE'}, 'Flavor 99 could not be found.'),
    ({'name': 'x', 'flavorRef': '1', 'imageRef': '9a7d2a8e-3b0d-4c47-8f53-2a1ad0c8f2e1'},
     'Image 9a7d2a8e-3b0d-4c47-8f53-2a1ad0c8f2e1 could not be found.'),
    ({'name': 'x', 'flavorRef': '1'}, 'Missing imageRef attribute'),
    ({'flavorRef': '1', 'imageRef': 'IMAGE'}, "'name' is a required property"),
    ({'name': ' x', 'flavorRef': '1', 'imageRef': 'IMAGE'}, 'does not match'),
    ({'name': 'x', 'flavorRef': '1', 'imageRef': 'IMAGE', 'bogus': 1},
     'Additional properties are not allowed'),
    ({'name': 'x', 'flavorRef': '1', 'imageRef': 'IMAGE', 'networks': [{'uuid': 'n'}]},
     'Bad networks format: network uuid is not in proper format'),
    ({'name': 'x', 'flavorRef': '1', 'imageRef': 'IMAGE', 'availability_zone': 'mars'},
     'availability zone is not available'),
    ({'name': 'x', 'flavorRef': '1', 'imageRef': 'IMAGE', 'min_count': 0},
     'min_count'),
])
def test_bad_create_requests_are_400(cloud, image, server, message):
    server = {k: (image['id'] if v == 'IMAGE' else v) for k, v in server.items()}
    resp = cloud.request('POST', '/v2.1/servers', {'server': server}, version='2.37')
    assert resp.status_int == 400, resp.body
    assert message in helpers.fault(resp)[1]


def test_image_checks_at_create(cloud):
    queued = helpers.create_image(cloud, name='empty', data=None)
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': queued['id']}})
    assert resp.status_int == 400
    assert 'is not active' in helpers.fault(resp)[1]
    big = helpers.create_image(cloud, name='big', data=b'x' * 4096, min_disk=30,
                               min_ram=1024)
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': big['id']}})
    assert resp.status_int == 400
    assert helpers.fault(resp)[1] == "Flavor's memory is too small for requested image."
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '2', 'imageRef': big['id']}})  # 2 GiB RAM, 20 GB disk
    assert resp.status_int == 400
    assert 'minimum size specified in image metadata' in helpers.fault(resp)[1]
    private = helpers.create_image(cloud, name='private', project='other',
                                   visibility='private')
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': private['id']}})
    assert resp.status_int == 400


def test_no_host_fits_leaves_error_with_fault(cloud, image):
    cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'huge', 'id': 'huge', 'ram': 30000, 'vcpus': 1, 'disk': 1}})
    server_id = helpers.boot(cloud, image['id'], flavor='huge')['server']['id']
    server = cloud.wait_for_server(server_id, 'ERROR')
    assert server['fault']['code'] == 500
    assert 'No valid host' in server['fault']['message']
    assert 'details' not in server['fault']
    helpers.validate(cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.96'),
                     '2.96', 'servers', 'get_server')
    admin_view = _server(cloud, server_id, admin=True)
    assert 'details' in admin_view['fault']
    _action(cloud, server_id, {'os-stop': None}, expect=409)
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404


def test_update_server(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id, {'server': {
        'name': 'new', 'description': 'about', 'accessIPv4': '10.0.0.1'}}, version='2.19')
    assert resp.status_int == 200, resp.body
    server = resp.json_body_or_none['server']
    assert (server['name'], server['description'], server['accessIPv4']) == (
        'new', 'about', '10.0.0.1')
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id, {'server': {
        'accessIPv4': 'not-an-ip'}})
    assert resp.status_int == 400


def test_access_addresses_are_kept_in_canonical_form(cloud, image):
    server_id = helpers.boot(cloud, image['id'], accessIPv4='1.2.3.4',
                             accessIPv6='0000:0000:0000:0000:0000:babe:220.12.22.2')[
        'server']['id']
    server = _server(cloud, server_id)
    assert (server['accessIPv4'], server['accessIPv6']) == ('1.2.3.4', '::babe:dc0c:1602')
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id, {'server': {
        'accessIPv6': '2001:0DB8:0000:0000:0000:0000:0000:0001'}})
    assert resp.json_body_or_none['server']['accessIPv6'] == '2001:db8::1'


def test_reader_cannot_change_servers(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id,
                         roles='reader').status_int == 200
    resp = cloud.request('DELETE', '/v2.1/servers/%s' % server_id, roles='reader')
    assert resp.status_int == 403
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '1', 'imageRef': image['id']}}, roles='reader')
    assert resp.status_int == 403


def test_delete_while_building(cloud, image):
    from svc_common.conf import CONF
    from svc_common import context
    from svc_common import objects
    CONF.set_override('spawn_delay', 0.2, group='fake_driver')
    try:
        ids = [helpers.boot(cloud, image['id'], name='b%d' % i)['server']['id']
               for i in range(4)]
        first = ids.pop()
        cloud.wait_for(lambda: _server(cloud, first)['OS-EXT-STS:task_state'] == 'spawning',
                       what='spawning')
        for server_id in ids + [first]:
            assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
        for server_id in ids + [first]:
            cloud.wait_for_server(server_id, 'DELETED')
    finally:
        CONF.clear_override('spawn_delay', group='fake_driver')
    ctx = context.get_admin_context()
    cloud.wait_for(lambda: not objects.ResourceClaimList.get_all(ctx).objects,
                   what='claims to be released')


def test_security_groups_without_a_network_service(cloud):
    """'default' unless others were asked for; removeSecurityGroup takes it off (the body
    then has no security_groups, as Nova's), addSecurityGroup puts it back; 'default' is
    the only group there is."""
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    created = helpers.boot(cloud, image['id'])['server']
    assert created['security_groups'] == [{'name': 'default'}]
    sid = created['id']
    cloud.wait_for_server(sid, 'ACTIVE')

    def groups():
        return cloud.request('GET', '/v2.1/servers/%s' % sid).json_body_or_none[
            'server'].get('security_groups')

    def act(name, group, expect):
        resp = cloud.request('POST', '/v2.1/servers/%s/action' % sid, {name: {'name': group}})
        assert resp.status_int == expect, resp.body

    assert groups() == [{'name': 'default'}]
    act('addSecurityGroup', 'default', 400)
    act('removeSecurityGroup', 'default', 202)
    assert groups() is None
    act('removeSecurityGroup', 'default', 400)
    act('addSecurityGroup', 'web', 404)
    act('addSecurityGroup', 'default', 202)
    assert groups() == [{'name': 'default'}]
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % sid, {'addSecurityGroup': {}})
    assert resp.status_int == 400
