"""Soft delete ([DEFAULT]/reclaim_instance_interval), restore and forceDelete: the
SOFT_DELETED status and who lists it, claims kept until the host reclaims the server,
the 409s, and a delete without the option (at once, as before)."""
import pytest

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

P = states.PowerState


@pytest.fixture
def reclaim():
    CONF.set_override('reclaim_instance_interval', 3600)
    yield
    CONF.clear_override('reclaim_instance_interval')


@pytest.fixture
def server_id(cloud):
    return helpers.active_server(cloud)


def _action(cloud, server_id, body, expect=202, **kwargs):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, body, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def _ids(cloud, query='', admin=False):
    call = cloud.admin if admin else cloud.request
    resp = call('GET', '/v2.1/servers%s' % query)
    assert resp.status_int == 200, resp.body
    return [s['id'] for s in resp.json_body_or_none['servers']]


def test_soft_delete_then_restore(cloud, server_id, reclaim):
    host = helpers.server_host(cloud, server_id)
    driver = cloud.aio.compute(host).driver
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    server = cloud.wait_for_server(server_id, 'SOFT_DELETED')
    assert server['OS-EXT-STS:vm_state'] == 'soft-delete'
    instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)
    assert driver.get_info(instance).power_state == P.SHUTDOWN
    assert instance.deleted_at is not None
    # Listed only when asked for: by status, or by an admin's deleted=True.
    assert _ids(cloud) == []
    assert _ids(cloud, '?status=SOFT_DELETED') == [server_id]
    assert _ids(cloud, '?deleted=True&all_tenants=1', admin=True) == [server_id]
    # Its resources stay claimed (the host's usage still counts it).
    used = cloud.admin('GET', '/v2.1/os-hypervisors/detail').json_body_or_none
    assert sum(h['running_vms'] for h in used['hypervisors']) == 1
    _action(cloud, server_id, {'pause': None}, expect=409)
    _action(cloud, server_id, {'restore': None})
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert server['OS-EXT-STS:power_state'] == P.RUNNING
    assert driver.get_info(instance).power_state == P.RUNNING
    _action(cloud, server_id, {'restore': None}, expect=409)
    assert _ids(cloud) == [server_id]
    actions = [a.action for a in objects.InstanceActionList.get_by_instance_uuid(
        nimbus_context.get_admin_context(), server_id)]
    assert actions[:2] == ['restore', 'delete']


def test_the_host_reclaims_it_when_its_time_is_up(cloud, server_id, reclaim):
    host = helpers.server_host(cloud, server_id)
    manager = cloud.aio.compute(host)
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'SOFT_DELETED')
    assert manager.reclaim_queued_deletes() == []  # not yet: an hour to go
    CONF.set_override('reclaim_instance_interval', 1)
    cloud.wait_for(lambda: manager.reclaim_queued_deletes() == [server_id], timeout=5,
                   interval=0.2, what='the reclaim')
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404
    assert server_id not in manager.driver.list_instance_uuids()
    used = cloud.admin('GET', '/v2.1/os-hypervisors/detail').json_body_or_none
    assert sum(h['running_vms'] for h in used['hypervisors']) == 0


def test_force_delete(cloud, server_id, reclaim):
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'SOFT_DELETED')
    _action(cloud, server_id, {'forceDelete': None})
    cloud.wait_for_server(server_id, 'DELETED')


def test_force_delete_of_an_active_server_and_delete_without_the_option(cloud, server_id):
    _action(cloud, server_id, {'restore': None}, expect=409)
    _action(cloud, server_id, {'forceDelete': None})
    cloud.wait_for_server(server_id, 'DELETED')


def test_restore_policy(cloud, server_id, reclaim):
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'SOFT_DELETED')
    _action(cloud, server_id, {'restore': None}, expect=404, project='other')
    _action(cloud, server_id, {'restore': None}, expect=403, roles='reader')
    _action(cloud, server_id, {'restore': {'x': 1}}, expect=202)
    cloud.wait_for_server(server_id, 'ACTIVE')
