"""POST /servers/{id}/action {"rebuild": ...}: the states it starts from and ends in,
what it changes on the server, its answer at each microversion (Tempest's schemas), and
what it refuses."""
import base64

import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers


@pytest.fixture
def images(cloud):
    """Two public images: the one servers boot from, and the one they are rebuilt to."""
    return [helpers.create_image(cloud, name=name, project='admin', roles='admin',
                                 visibility='public')['id'] for name in ('first', 'second')]


@pytest.fixture
def server_id(cloud, images):
    server_id = helpers.boot(cloud, images[0])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def _rebuild(cloud, server_id, args, expect=202, version=None, admin=False):
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers/%s/action' % server_id, {'rebuild': args},
                version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _show(cloud, server_id, version='2.1'):
    return cloud.admin('GET', '/v2.1/servers/%s' % server_id,
                       version=version).json_body_or_none['server']


def _driver_calls(cloud, server_id):
    host = _show(cloud, server_id)['OS-EXT-SRV-ATTR:host']
    return [call for call, uuid in cloud.aio.compute(host).driver.calls if uuid == server_id]


def test_rebuild_active_server(cloud, images, server_id):
    resp = _rebuild(cloud, server_id, {'imageRef': images[1], 'name': 'renamed',
                                       'metadata': {'k': 'v'}, 'adminPass': 'sekrit',
                                       'accessIPv4': '10.0.0.1'})
    body = helpers.validate(resp, '2.1', 'servers', 'rebuild_server_with_admin_pass')
    server = body['server']
    assert (server['id'], server['image']['id'], server['name']) == (
        server_id, images[1], 'renamed')
    assert (server['adminPass'], server['metadata']) == ('sekrit', {'k': 'v'})
    assert server['status'] == 'REBUILD'

    shown = cloud.wait_for_server(server_id, 'ACTIVE')
    assert (shown['image']['id'], shown['name'], shown['accessIPv4']) == (
        images[1], 'renamed', '10.0.0.1')
    assert _driver_calls(cloud, server_id)[-4:] == ['power_off', 'destroy', 'create_disks',
                                                    'spawn']
    ctx = nimbus_context.get_admin_context()
    action = objects.InstanceActionList.get_by_instance_uuid(ctx, server_id)[0]
    assert action.action == 'rebuild'

    def events():  # the event is finished just after the server is saved ACTIVE
        return [(e.event, e.result)
                for e in objects.InstanceActionEventList.get_by_action(ctx, action.id)]
    cloud.wait_for(lambda: events() == [('compute_rebuild_instance', 'Success')],
                   what='the rebuild event to finish')


def test_rebuild_stopped_server_stays_shutoff(cloud, images, server_id):
    cloud.request('POST', '/v2.1/servers/%s/action' % server_id, {'os-stop': None})
    cloud.wait_for_server(server_id, 'SHUTOFF')
    _rebuild(cloud, server_id, {'imageRef': images[1]})
    shown = cloud.wait_for_server(server_id, 'SHUTOFF')
    assert shown['image']['id'] == images[1]
    assert shown['OS-EXT-STS:power_state'] == 4
    assert 'spawn' in _driver_calls(cloud, server_id)[-2:]


def test_rebuild_server_in_error_comes_back_active(cloud, images, server_id):
    cloud.admin('POST', '/v2.1/servers/%s/action' % server_id,
                {'os-resetState': {'state': 'error'}})
    assert _show(cloud, server_id)['status'] == 'ERROR'
    _rebuild(cloud, server_id, {'imageRef': images[1]})
    shown = cloud.wait_for_server(server_id, 'ACTIVE')
    assert shown['image']['id'] == images[1]


def test_status_is_rebuild_until_the_host_is_done(cloud, images, server_id, monkeypatch):
    cloud.aio.bus.lose('rebuild_instance')
    _rebuild(cloud, server_id, {'imageRef': images[1]})
    assert [kwargs['instance'].uuid for _, _, kwargs in cloud.aio.bus.lost_casts] == [
        server_id]
    shown = _show(cloud, server_id)
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == ('REBUILD', 'rebuilding')
    _rebuild(cloud, server_id, {'imageRef': images[1]}, expect=409)  # one at a time


@pytest.mark.parametrize('version', ['2.9', '2.19', '2.26', '2.54', '2.57', '2.63', '2.71',
                                     '2.73', '2.75', '2.90', '2.96'])
def test_answer_matches_tempest_schema(cloud, images, server_id, version):
    args = {'imageRef': images[1]}
    if version in ('2.19', '2.90'):
        args['description'] = 'rebuilt'
    if version == '2.90':
        args['hostname'] = 'new-host'
    resp = _rebuild(cloud, server_id, args, version=version, admin=version == '2.75')
    server = helpers.validate(resp, version, 'servers',
                              'rebuild_server_with_admin_pass')['server']
    if version in ('2.19', '2.90'):
        assert server['description'] == 'rebuilt'
    cloud.wait_for_server(server_id, 'ACTIVE')
    if version == '2.90':
        assert _show(cloud, server_id, '2.90')['OS-EXT-SRV-ATTR:hostname'] == 'new-host'


def test_key_name_and_user_data_change_or_go(cloud, images, server_id):
    cloud.request('POST', '/v2.1/os-keypairs', {'keypair': {'name': 'k1'}}, version='2.2')
    user_data = base64.b64encode(b'#!/bin/sh\n').decode()
    server = _rebuild(cloud, server_id, {'imageRef': images[1], 'key_name': 'k1',
                                         'user_data': user_data},
                      version='2.57').json_body_or_none['server']
    assert (server['key_name'], server['user_data']) == ('k1', user_data)
    cloud.wait_for_server(server_id, 'ACTIVE')
    server = _rebuild(cloud, server_id, {'imageRef': images[1], 'key_name': None,
                                         'user_data': None},
                      version='2.57').json_body_or_none['server']
    assert (server['key_name'], server['user_data']) == (None, None)
    cloud.wait_for_server(server_id, 'ACTIVE')
    _rebuild(cloud, server_id, {'imageRef': images[1], 'key_name': 'nope'}, expect=400,
             version='2.54')
    _rebuild(cloud, server_id, {'imageRef': images[1], 'key_name': 'k1'}, expect=400,
             version='2.53')  # not known before 2.54
    _rebuild(cloud, server_id, {'imageRef': images[1], 'user_data': '%%%'}, expect=400,
             version='2.57')


def test_refusals(cloud, images, server_id):
    missing = '5a1a8a3a-0c8e-4bb6-8d43-c0d2a3e8d5b1'
    assert helpers.fault(_rebuild(cloud, server_id, {'imageRef': missing}, expect=400))[1] \
        == 'Image %s could not be found.' % missing
    _rebuild(cloud, server_id, {'name': 'no image'}, expect=400)
    big = helpers.create_image(cloud, name='big', min_disk=100)['id']
    _rebuild(cloud, server_id, {'imageRef': big}, expect=400)
    _rebuild(cloud, missing, {'imageRef': images[1]}, expect=404)
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'rebuild': {'imageRef': images[1]}}, project='other')
    assert resp.status_int == 404
    assert _show(cloud, server_id)['status'] == 'ACTIVE'


def test_locked_server_is_rebuilt_only_by_an_admin(cloud, images, server_id):
    cloud.admin('POST', '/v2.1/servers/%s/action' % server_id, {'lock': None})
    resp = _rebuild(cloud, server_id, {'imageRef': images[1]}, expect=409)
    assert helpers.fault(resp)[1] == 'Instance %s is locked' % server_id
    _rebuild(cloud, server_id, {'imageRef': images[1]}, admin=True)
    assert cloud.wait_for_server(server_id, 'ACTIVE')['image']['id'] == images[1]


def test_resized_server_cannot_be_rebuilt(cloud, images, server_id):
    cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                  {'resize': {'flavorRef': '2'}})
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    resp = _rebuild(cloud, server_id, {'imageRef': images[1]}, expect=409)
    assert "Cannot 'rebuild' instance" in helpers.fault(resp)[1]
