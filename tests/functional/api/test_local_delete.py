"""Deleting a server whose host is down: the API deletes the record itself, and what it
left on hosts (guest, disks, a resize source's pre-resize copy, the migration's claim)
goes too: the claims at once, the guests when the hosts reap deleted instances."""
import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


def _ctx():
    return nimbus_context.get_admin_context()


def _host(cloud, server_id):
    resp = cloud.admin('GET', '/v2.1/servers/%s' % server_id)
    return resp.json_body_or_none['server']['OS-EXT-SRV-ATTR:host']


def _force_down(host):
    service = objects.Service.get_by_host_and_binary(_ctx(), host, 'nimbus-compute')
    service.forced_down = True
    service.save()


def _claims_of(*consumers):
    return [c for c in objects.ResourceClaimList.get_all(_ctx())
            if c.consumer_uuid in consumers]


def _guests(cloud, host):
    return cloud.aio.compute(host).driver.list_instance_uuids()


def test_the_guest_of_a_server_deleted_while_its_host_was_down_is_reaped(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    host = _host(cloud, server_id)
    _force_down(host)
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404
    assert _claims_of(server_id) == []
    assert server_id in _guests(cloud, host)  # the host heard nothing

    compute = cloud.aio.compute(host)
    assert compute.reap_deleted() == [server_id]
    assert server_id not in _guests(cloud, host)
    assert compute.reap_deleted() == []  # nothing twice


def test_deleted_in_verify_resize_while_the_destination_was_down(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    source = _host(cloud, server_id)
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'resize': {'flavorRef': '2'}})
    assert resp.status_int == 202, resp.body
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    dest = _host(cloud, server_id)
    migration, = objects.MigrationList.get_by_filters(_ctx(), {'instance_uuid': server_id})
    assert _claims_of(migration.uuid)  # the source's old flavor
    _force_down(dest)

    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    assert _claims_of(server_id, migration.uuid) == []
    assert objects.Migration.get_by_id(_ctx(), migration.id).status == 'error'
    assert server_id in _guests(cloud, source)  # the stopped pre-resize guest
    assert server_id in _guests(cloud, dest)

    for host in (source, dest):
        assert cloud.aio.compute(host).reap_deleted() == [server_id]
        assert server_id not in _guests(cloud, host)
    assert cloud.aio.compute(source).driver.resize_leftovers() == set()
