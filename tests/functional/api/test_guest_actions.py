"""pause/unpause and suspend/resume through the REST API: the statuses, the 409s Nova
gives for a server in the wrong state, actions and their events, policy, locks, list
filters, and what the fake hypervisor holds."""
import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

P = states.PowerState


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


@pytest.fixture
def server_id(cloud, image):
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def _action(cloud, server_id, name, expect=202, **kwargs):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, {name: None},
                         **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def _guest(cloud, server_id):
    host = helpers.server_host(cloud, server_id)
    instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)
    return cloud.aio.compute(host).driver.get_info(instance).power_state


def _actions(server_id):
    ctx = nimbus_context.get_admin_context()
    found = objects.InstanceActionList.get_by_instance_uuid(ctx, server_id)
    return {a.action: [e.event for e in objects.InstanceActionEventList.get_by_action(
        ctx, a.id)] for a in found}


@pytest.mark.parametrize('hold, release, held_status, held_power', [
    ('pause', 'unpause', 'PAUSED', P.PAUSED),
    ('suspend', 'resume', 'SUSPENDED', P.SHUTDOWN),
])
def test_hold_and_release(cloud, server_id, hold, release, held_status, held_power):
    resp = _action(cloud, server_id, hold)
    assert resp.body == b''
    server = cloud.wait_for_server(server_id, held_status)
    assert server['OS-EXT-STS:vm_state'] == held_status.lower()
    assert server['OS-EXT-STS:power_state'] == held_power
    assert _guest(cloud, server_id) == held_power
    helpers.validate(cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.96'),
                     '2.96', 'servers', 'get_server')
    listed = cloud.request('GET', '/v2.1/servers/detail?status=%s' % held_status)
    assert [s['id'] for s in listed.json_body_or_none['servers']] == [server_id]
    assert cloud.request('GET', '/v2.1/servers?status=ACTIVE').json_body_or_none[
        'servers'] == []

    # The same action again, the other one on an active server, a resize or migration
    # of the held server: 409, as Nova.
    code, message = helpers.fault(_action(cloud, server_id, hold, expect=409))
    assert code == 409 and "Cannot '%s' instance" % hold in message
    assert 'vm_state %s' % held_status.lower() in message
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'resize': {'flavorRef': '2'}})
    assert resp.status_int == 409, resp.body
    resp = cloud.admin('POST', '/v2.1/servers/%s/action' % server_id, {'migrate': None})
    assert resp.status_int == 409, resp.body

    _action(cloud, server_id, release)
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert server['OS-EXT-STS:power_state'] == P.RUNNING
    assert _guest(cloud, server_id) == P.RUNNING
    _action(cloud, server_id, release, expect=409)
    assert _actions(server_id)[hold] == ['compute_%s_instance' % hold]
    assert _actions(server_id)[release] == ['compute_%s_instance' % release]
    shown = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id)
    assert {a['action'] for a in shown.json_body_or_none['instanceActions']} >= {
        hold, release}


@pytest.mark.parametrize('hold, held_status', [('pause', 'PAUSED'),
                                              ('suspend', 'SUSPENDED')])
def test_a_hard_reboot_brings_a_held_server_back_booted_afresh(cloud, server_id, hold,
                                                             held_status):
    _action(cloud, server_id, hold)
    cloud.wait_for_server(server_id, held_status)
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'reboot': {'type': 'SOFT'}})
    assert resp.status_int == 409, resp.body  # as Nova: only a hard reboot
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'reboot': {'type': 'HARD'}})
    assert resp.status_int == 202, resp.body
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert server['OS-EXT-STS:power_state'] == P.RUNNING
    assert _guest(cloud, server_id) == P.RUNNING
    assert _actions(server_id)['reboot'] == ['compute_reboot_instance']
    console = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                            {'os-getConsoleOutput': {}}).json_body_or_none['output']
    assert 'rebooted (HARD)' in console
    _action(cloud, server_id, 'unpause' if hold == 'pause' else 'resume', expect=409)


def test_a_paused_server_cannot_be_suspended_or_stopped(cloud, server_id):
    _action(cloud, server_id, 'pause')
    cloud.wait_for_server(server_id, 'PAUSED')
    _action(cloud, server_id, 'suspend', expect=409)
    _action(cloud, server_id, 'os-stop', expect=409)
    _action(cloud, server_id, 'resume', expect=409)
    # A paused server can still be deleted.
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')


def test_policy_lock_and_bad_bodies(cloud, server_id):
    # Another project's member does not see the server; a reader may not pause it.
    _action(cloud, server_id, 'pause', expect=404, project='other')
    _action(cloud, server_id, 'pause', expect=403, roles='reader')
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'pause': {'now': True}})
    assert resp.status_int == 400, resp.body
    _action(cloud, server_id, 'lock')
    _action(cloud, server_id, 'suspend', expect=409)
    resp = cloud.admin('POST', '/v2.1/servers/%s/action' % server_id, {'suspend': None})
    assert resp.status_int == 202, resp.body
    cloud.wait_for_server(server_id, 'SUSPENDED')


def test_a_failing_driver_leaves_the_server_as_it_was_with_a_fault(cloud, server_id):
    host = helpers.server_host(cloud, server_id)
    cloud.aio.compute(host).driver.fail_on['pause'] = RuntimeError('cannot hold it')
    _action(cloud, server_id, 'pause')
    ctx = nimbus_context.get_admin_context()
    cloud.wait_for(lambda: objects.Instance.get_by_uuid(ctx, server_id).task_state is None
                   and _actions(server_id).get('pause'), what='the pause to fail')
    server = cloud.request('GET', '/v2.1/servers/%s' % server_id).json_body_or_none['server']
    assert server['status'] == 'ACTIVE'
    events = objects.InstanceActionEventList.get_by_action(
        ctx, next(a.id for a in objects.InstanceActionList.get_by_instance_uuid(
            ctx, server_id) if a.action == 'pause'))
    assert [e.result for e in events] == ['Error']
    fault = objects.InstanceFault.get_latest_for_instance(ctx, server_id)
    assert 'cannot hold it' in fault.details


# -- rescue / unrescue -----------------------------------------------------------------
def _rescue(cloud, server_id, body=None, expect=200, **kwargs):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id, {'rescue': body},
                         **kwargs)
    assert resp.status_int == expect, resp.body
    return resp.json_body_or_none


def _console(cloud, server_id):
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'os-getConsoleOutput': {}})
    return resp.json_body_or_none['output']


def test_rescue_and_unrescue(cloud, server_id, image):
    body = _rescue(cloud, server_id)
    assert len(body['adminPass']) >= 8
    server = cloud.wait_for_server(server_id, 'RESCUE')
    assert server['OS-EXT-STS:vm_state'] == 'rescued'
    assert 'rescue from %s' % image['id'] in _console(cloud, server_id)
    helpers.validate(cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.96'),
                     '2.96', 'servers', 'get_server')
    assert [s['id'] for s in cloud.request('GET', '/v2.1/servers?status=RESCUE')
            .json_body_or_none['servers']] == [server_id]
    # Rescued: no second rescue, no pause, resize or stop (409).
    _rescue(cloud, server_id, expect=409)
    for name in ('pause', 'suspend', 'os-stop'):
        _action(cloud, server_id, name, expect=409)
    _action(cloud, server_id, 'unrescue')
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert 'unrescued\nSeaBIOS' in _console(cloud, server_id)  # its disk boots again
    _action(cloud, server_id, 'unrescue', expect=409)
    assert _actions(server_id)['rescue'] == ['compute_rescue_instance']
    assert _actions(server_id)['unrescue'] == ['compute_unrescue_instance']


def test_rescue_with_an_image_and_a_password_from_a_stopped_server(cloud, server_id):
    other = helpers.create_image(cloud, name='rescuer', hw_rescue_bus='usb')  # stable (2.87)
    _action(cloud, server_id, 'os-stop')
    cloud.wait_for_server(server_id, 'SHUTOFF')
    body = _rescue(cloud, server_id, {'adminPass': 'secret-pass',
                                      'rescue_image_ref': other['id']})
    assert body == {'adminPass': 'secret-pass'}
    cloud.wait_for_server(server_id, 'RESCUE')
    assert 'rescue from %s' % other['id'] in _console(cloud, server_id)
    _action(cloud, server_id, 'unrescue')
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert server['OS-EXT-STS:power_state'] == P.RUNNING


def test_rescue_refusals(cloud, server_id):
    missing = '6b3b5bb4-7c3e-4b0a-9df6-0d5d2b3f1a11'
    code, message = helpers.fault(cloud.request(
        'POST', '/v2.1/servers/%s/action' % server_id,
        {'rescue': {'rescue_image_ref': missing}}))
    assert code == 400 and missing in message
    _rescue(cloud, server_id, {'bogus': 1}, expect=400)
    unattachable = helpers.create_image(cloud, name='cd-on-virtio', hw_rescue_device='cdrom',
                                        hw_rescue_bus='virtio')
    code, message = helpers.fault(cloud.request(
        'POST', '/v2.1/servers/%s/action' % server_id,
        {'rescue': {'rescue_image_ref': unattachable['id']}}))
    assert code == 400 and 'cdrom' in message
    _rescue(cloud, server_id, expect=404, project='other')
    _rescue(cloud, server_id, expect=403, roles='reader')
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['status'] == 'ACTIVE'
