"""POST /os-server-external-events: the service role only, each event answered on its own
(200, 404 unknown server, 422 no host yet), 200/207/404 overall, names by microversion,
and the actions Nova records for volume-extended and power-update."""
import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers

MISSING = '0d8b8c4e-5d7a-4a0b-9c1e-2f3a4b5c6d7e'


@pytest.fixture
def server_id(cloud):
    return helpers.active_server(cloud)


def _post(cloud, events, version=None, roles='admin,service'):
    return cloud.request('POST', '/v2.1/os-server-external-events', {'events': events},
                         project='service', roles=roles, version=version)


def test_accepted_and_refused_events(cloud, server_id):
    resp = _post(cloud, [{'name': 'network-changed', 'server_uuid': server_id}])
    assert resp.status_int == 200, resp.body
    assert resp.json_body_or_none == {'events': [{
        'name': 'network-changed', 'server_uuid': server_id, 'status': 'completed',
        'code': 200}]}
    resp = _post(cloud, [
        {'name': 'network-vif-plugged', 'server_uuid': server_id, 'tag': 'port-1',
         'status': 'in-progress'},
        {'name': 'network-vif-plugged', 'server_uuid': MISSING}])
    assert resp.status_int == 207, resp.body
    assert [(e['code'], e['status']) for e in resp.json_body_or_none['events']] == [
        (200, 'in-progress'), (404, 'failed')]
    assert resp.json_body_or_none['events'][0]['tag'] == 'port-1'
    assert _post(cloud, [{'name': 'network-changed',
                          'server_uuid': MISSING}]).status_int == 404


def test_a_server_without_a_host_is_422(cloud, server_id):
    ctx = nimbus_context.get_admin_context()
    instance = objects.Instance.get_by_uuid(ctx, server_id)
    other = helpers.boot(cloud, instance.image_ref, name='later')['server']['id']
    cloud.wait_for_server(other, 'ACTIVE')
    pending = objects.Instance.get_by_uuid(ctx, other)
    pending.host = None
    pending.save()
    resp = _post(cloud, [{'name': 'network-changed', 'server_uuid': other},
                         {'name': 'network-changed', 'server_uuid': server_id}])
    assert resp.status_int == 207
    assert [e['code'] for e in resp.json_body_or_none['events']] == [422, 200]


def test_names_by_microversion_and_recorded_actions(cloud, server_id):
    event = {'name': 'power-update', 'server_uuid': server_id, 'tag': 'POWER_OFF'}
    assert _post(cloud, [event], version='2.75').status_int == 400
    assert _post(cloud, [event], version='2.76').status_int == 200
    assert _post(cloud, [{'name': 'volume-extended', 'server_uuid': server_id,
                          'tag': 'vol-1'}], version='2.51').status_int == 200
    actions = [a.action for a in objects.InstanceActionList.get_by_instance_uuid(
        nimbus_context.get_admin_context(), server_id)]
    assert {'stop', 'extend_volume'} <= set(actions)


def test_only_the_service_role(cloud, server_id):
    event = [{'name': 'network-changed', 'server_uuid': server_id}]
    assert _post(cloud, event, roles='admin').status_int == 403
    assert _post(cloud, event, roles='member').status_int == 403
    assert _post(cloud, [{'name': 'bogus', 'server_uuid': server_id}]).status_int == 400
    assert _post(cloud, []).status_int == 400
