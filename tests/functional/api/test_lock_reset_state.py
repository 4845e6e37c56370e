"""Locking a server (owner or admin, a reason at 2.73, what a lock refuses and what it
still allows, the list filter) and os-resetState, including a reset of a server stuck
in the middle of a resize, which the reconciler and start-up recovery must then leave
alone."""
import time

import pytest

from compute_svc import recovery
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers

LOCKED = 'Instance %s is locked'


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


@pytest.fixture
def server_id(cloud, image):
    """An ACTIVE server of project demo."""
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def _action(cloud, server_id, body, expect=202, admin=False, version=None):
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers/%s/action' % server_id, body, version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _show(cloud, server_id, version='2.73', admin=False):
    call = cloud.admin if admin else cloud.request
    resp = call('GET', '/v2.1/servers/%s' % server_id, version=version)
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['server']


def _ctx():
    return nimbus_context.get_admin_context()


def _actions(server_id):
    return [a.action for a in
            objects.InstanceActionList.get_by_instance_uuid(_ctx(), server_id)][::-1]


# -- lock / unlock ----------------------------------------------------------------------
def test_owner_locks_and_unlocks(cloud, server_id):
    assert _show(cloud, server_id)['locked'] is False
    resp = _action(cloud, server_id, {'lock': None})
    assert resp.body == b''
    shown = _show(cloud, server_id)
    assert (shown['locked'], shown['locked_reason']) == (True, None)
    assert _show(cloud, server_id, version='2.9')['locked'] is True
    assert 'locked' not in _show(cloud, server_id, version='2.8')
    _action(cloud, server_id, {'unlock': None})
    assert _show(cloud, server_id)['locked'] is False
    assert _actions(server_id) == ['create', 'lock', 'unlock']


def test_locked_reason_from_2_73(cloud, server_id):
    _action(cloud, server_id, {'lock': {'locked_reason': 'maintenance'}}, version='2.73')
    shown = _show(cloud, server_id)
    assert (shown['locked'], shown['locked_reason']) == (True, 'maintenance')
    helpers.validate(cloud.request('GET', '/v2.1/servers/%s' % server_id, version='2.73'),
                     '2.73', 'servers', 'get_server')
    assert 'locked_reason' not in _show(cloud, server_id, version='2.72')
    _action(cloud, server_id, {'unlock': None}, version='2.73')
    shown = _show(cloud, server_id)
    assert (shown['locked'], shown['locked_reason']) == (False, None)
    instance = objects.Instance.get_by_uuid(_ctx(), server_id)
    assert 'locked_reason' not in instance.system_metadata


@pytest.mark.parametrize('body, version', [
    ({'lock': {'locked_reason': 'x' * 256}}, '2.73'),
    ({'lock': {'reason': 'typo'}}, '2.73'),
    ({'lock': {'locked_reason': 7}}, '2.73'),
])
def test_bad_lock_bodies(cloud, server_id, body, version):
    _action(cloud, server_id, body, expect=400, version=version)
    assert _show(cloud, server_id)['locked'] is False


@pytest.mark.parametrize('body', [
    {'os-stop': None}, {'reboot': {'type': 'HARD'}}, {'resize': {'flavorRef': '2'}},
])
def test_a_lock_refuses_the_owner_changes(cloud, server_id, body):
    _action(cloud, server_id, {'lock': None})
    resp = _action(cloud, server_id, body, expect=409)
    assert helpers.fault(resp) == (409, LOCKED % server_id)
    assert _show(cloud, server_id)['status'] == 'ACTIVE'


def test_a_lock_refuses_delete_but_not_reads(cloud, server_id):
    _action(cloud, server_id, {'lock': None})
    resp = cloud.request('DELETE', '/v2.1/servers/%s' % server_id)
    assert resp.status_int == 409 and helpers.fault(resp) == (409, LOCKED % server_id)
    assert _show(cloud, server_id)['status'] == 'ACTIVE'
    for path in ('/v2.1/servers', '/v2.1/servers/detail',
                 '/v2.1/servers/%s/os-instance-actions' % server_id):
        assert cloud.request('GET', path).status_int == 200
    resp = _action(cloud, server_id, {'os-getConsoleOutput': {}}, expect=200)
    assert 'output' in resp.json_body_or_none
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id,
                         {'server': {'name': 'renamed'}})  # as Nova: a rename is allowed
    assert resp.status_int == 200, resp.body
    _action(cloud, server_id, {'unlock': None})
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')


def test_an_admin_acts_on_a_locked_server(cloud, server_id):
    _action(cloud, server_id, {'lock': None})
    _action(cloud, server_id, {'os-stop': None}, admin=True)
    cloud.wait_for_server(server_id, 'SHUTOFF')
    _action(cloud, server_id, {'migrate': None}, admin=True)
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    assert _action(cloud, server_id, {'confirmResize': None}, expect=409)
    _action(cloud, server_id, {'confirmResize': None}, admin=True, expect=204)
    cloud.wait_for_server(server_id, 'SHUTOFF')
    assert cloud.admin('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')


def test_an_admin_lock_binds_the_owner(cloud, server_id):
    _action(cloud, server_id, {'lock': {'locked_reason': 'audit'}}, admin=True,
            version='2.73')
    resp = _action(cloud, server_id, {'unlock': None}, expect=403)
    assert 'unlock_override' in helpers.fault(resp)[1]
    _action(cloud, server_id, {'lock': {'locked_reason': 'mine now'}}, version='2.73')
    instance = objects.Instance.get_by_uuid(_ctx(), server_id)
    assert (instance.locked_by, instance.locked_reason) == ('admin', 'audit')
    _action(cloud, server_id, {'unlock': None}, expect=403)
    _action(cloud, server_id, {'unlock': None}, admin=True)
    assert _show(cloud, server_id)['locked'] is False


def test_an_admin_unlocks_the_owners_lock(cloud, server_id):
    _action(cloud, server_id, {'lock': None})
    assert objects.Instance.get_by_uuid(_ctx(), server_id).locked_by == 'owner'
    _action(cloud, server_id, {'unlock': None}, admin=True)
    assert _show(cloud, server_id)['locked'] is False


def test_lock_survives_a_save_of_an_older_copy(cloud, server_id):
    """A service saving system_metadata it read before the lock (a resize step, say)
    keeps the lock's keys."""
    stale = objects.Instance.get_by_uuid(_ctx(), server_id)
    _action(cloud, server_id, {'lock': {'locked_reason': 'why'}}, version='2.73')
    stale.system_metadata = dict(stale.system_metadata, old_vm_state='active')
    stale.save()
    fresh = objects.Instance.get_by_uuid(_ctx(), server_id)
    assert fresh.locked and fresh.system_metadata['old_vm_state'] == 'active'
    assert (fresh.locked_by, fresh.locked_reason) == ('owner', 'why')


def test_list_filter_locked_from_2_73(cloud, image, server_id):
    other = helpers.boot(cloud, image['id'], name='other')['server']['id']
    cloud.wait_for_server(other, 'ACTIVE')
    _action(cloud, server_id, {'lock': None})

    def listed(query, version='2.73'):
        resp = cloud.request('GET', '/v2.1/servers/detail' + query, version=version)
        assert resp.status_int == 200, resp.body
        return {s['id'] for s in resp.json_body_or_none['servers']}
    assert listed('?locked=true') == {server_id}
    assert listed('?locked=False') == {other}
    assert listed('?locked=true', version='2.72') == {server_id, other}
    resp = cloud.request('GET', '/v2.1/servers?locked=maybe', version='2.73')
    assert resp.status_int == 400


# -- os-resetState -----------------------------------------------------------------------
def test_reset_state_is_for_admins(cloud, server_id):
    resp = _action(cloud, server_id, {'os-resetState': {'state': 'error'}}, expect=403)
    assert 'reset_state' in helpers.fault(resp)[1]
    assert _show(cloud, server_id)['status'] == 'ACTIVE'
    resp = cloud.admin('POST', '/v2.1/servers/%s/action' % ('0' * 32),
                       {'os-resetState': {'state': 'error'}})
    assert resp.status_int == 404


@pytest.mark.parametrize('state', ['invalid', 'ACTIVE', 'stopped', 1, None])
def test_reset_state_refuses_other_states(cloud, server_id, state):
    _action(cloud, server_id, {'os-resetState': {'state': state}}, admin=True, expect=400)
    _action(cloud, server_id, {'os-resetState': {}}, admin=True, expect=400)


def test_reset_to_error_and_back_clears_the_task(cloud, server_id):
    _action(cloud, server_id, {'lock': None})  # admins reset locked servers too
    instance = objects.Instance.get_by_uuid(_ctx(), server_id)
    instance.task_state = 'powering-off'  # a stop that never came back
    instance.save(expected_task_state=None, operation='stop')
    _action(cloud, server_id, {'os-resetState': {'state': 'error'}}, admin=True)
    shown = _show(cloud, server_id, admin=True)
    assert (shown['status'], shown['OS-EXT-STS:vm_state'],
            shown['OS-EXT-STS:task_state']) == ('ERROR', 'error', None)
    _action(cloud, server_id, {'os-resetState': {'state': 'active'}}, admin=True)
    shown = _show(cloud, server_id, admin=True)
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == ('ACTIVE', None)


@pytest.fixture
def reconcile_soon():
    CONF.set_override('reconcile_after', 1, group='conductor')
    yield
    CONF.clear_override('reconcile_after', group='conductor')


def _claims():
    nodes = {n.id: n.host for n in objects.ComputeNodeList.get_all(_ctx())}
    return {(c.consumer_uuid, nodes[c.compute_node_id])
            for c in objects.ResourceClaimList.get_all(_ctx())}


def test_reset_of_a_stuck_resize_is_left_alone_after(cloud, server_id, reconcile_soon,
                                                     monkeypatch):
    """resize_instance never reaches the source: the resize is stuck in resize_prep
    with the migration pre-migrating. After a reset to error the migration is over,
    the claims are the instance's on its host again, and neither the reconciler nor
    a compute's start-up recovery sends a step of the abandoned resize."""
    cloud.aio.bus.lose('resize_instance', times=None)
    source = _show(cloud, server_id, admin=True)['OS-EXT-SRV-ATTR:host']
    _action(cloud, server_id, {'resize': {'flavorRef': '2'}})
    cloud.wait_for(lambda: cloud.aio.bus.lost, what='prep_resize to cast resize_instance')
    [migration] = objects.MigrationList.get_by_filters(_ctx(), {'instance_uuid': server_id})
    assert migration.status == 'pre-migrating' and migration.dest_compute != source
    assert _claims() == {(server_id, migration.dest_compute), (migration.uuid, source)}

    _action(cloud, server_id, {'os-resetState': {'state': 'error'}}, admin=True)
    shown = _show(cloud, server_id, admin=True)
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == ('ERROR', None)
    assert objects.Migration.get_by_id(_ctx(), migration.id).status == 'error'
    assert _claims() == {(server_id, source)}

    conductor = cloud.aio.services[0].manager
    time.sleep(1.2)  # past reconcile_after: a stalled operation would be re-sent now
    assert server_id not in conductor.reconcile()
    for host in ('host1', 'host2'):
        assert server_id not in recovery.recover(cloud.aio.compute(host), _ctx())
    assert cloud.aio.bus.lost == ['resize_instance']  # sent once, never again
    assert _claims() == {(server_id, source)}
    # An admin can then delete it (or reset it to active).
    assert cloud.admin('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')
    assert _claims() == set()
