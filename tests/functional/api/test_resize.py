"""Resize and cold migration through the REST API, with two fake compute hosts:
resize + confirm/revert, stopped servers, cold migration (admin, to a named host at
2.56), every refusal, and deleting a server in VERIFY_RESIZE."""
import pytest

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from tests.functional.api import helpers

HOSTS = ('host1', 'host2')


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


@pytest.fixture
def server(cloud, image):
    """An ACTIVE m1.tiny server of project demo, as the admin sees it."""
    return _boot(cloud, image)


def _boot(cloud, image, flavor='1'):
    server_id = helpers.boot(cloud, image['id'], flavor=flavor)['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return _show(cloud, server_id)


def _show(cloud, server_id, version='2.47'):
    resp = cloud.admin('GET', '/v2.1/servers/%s' % server_id, version=version)
    assert resp.status_int == 200, resp.body
    return resp.json_body_or_none['server']


def _action(cloud, server_id, body, expect=202, admin=False, **kwargs):
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers/%s/action' % server_id, body, **kwargs)
    assert resp.status_int == expect, resp.body
    return resp


def _resize(cloud, server_id, flavor='2', status='VERIFY_RESIZE'):
    resp = _action(cloud, server_id, {'resize': {'flavorRef': flavor}})
    assert resp.body == b''
    cloud.wait_for_server(server_id, status)
    return _show(cloud, server_id)


def _host(server):
    return server['OS-EXT-SRV-ATTR:host']


def _ctx():
    return nimbus_context.get_admin_context()


def _claims():
    """{(consumer, host): {resource class: amount}}"""
    nodes = {n.id: n.host for n in objects.ComputeNodeList.get_all(_ctx())}
    result = {}
    for claim in objects.ResourceClaimList.get_all(_ctx()):
        key = (claim.consumer_uuid, nodes[claim.compute_node_id])
        result.setdefault(key, {})[claim.resource_class] = claim.amount
    return result


def _migrations(server_id):
    return objects.MigrationList.get_by_filters(_ctx(), {'instance_uuid': server_id})


def _actions(server_id):
    return [a.action for a in
            objects.InstanceActionList.get_by_instance_uuid(_ctx(), server_id)][::-1]


def _flavor(cloud, flavor_id, name, vcpus=1, ram=512, disk=1, ephemeral=0):
    resp = cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'id': flavor_id, 'name': name, 'vcpus': vcpus, 'ram': ram, 'disk': disk,
        'OS-FLV-EXT-DATA:ephemeral': ephemeral}})
    assert resp.status_int == 200, resp.body


TINY = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}
SMALL = {'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 20}


def test_resize_then_confirm(cloud, server):
    source = _host(server)
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server['id'],
                         {'resize': {'flavorRef': '2', 'OS-DCF:diskConfig': 'AUTO'}})
    assert resp.status_int == 202, resp.body
    resizing = _show(cloud, server['id'])
    assert resizing['status'] in ('RESIZE', 'VERIFY_RESIZE')
    cloud.wait_for_server(server['id'], 'VERIFY_RESIZE')
    resized = _show(cloud, server['id'])
    dest = _host(resized)
    assert dest != source and dest in HOSTS
    assert resized['flavor']['original_name'] == 'm1.small'  # the new flavor already
    assert resized['progress'] == 0
    assert resized['OS-EXT-STS:vm_state'] == 'resized'
    assert resized['OS-EXT-STS:task_state'] is None
    assert _show(cloud, server['id'], version='2.1')['flavor']['id'] == '2'
    helpers.validate(cloud.admin('GET', '/v2.1/servers/%s' % server['id'], version='2.47'),
                     '2.47', 'servers', 'get_server')
    [migration] = _migrations(server['id'])
    assert (migration.status, migration.migration_type) == ('finished', 'resize')
    assert _claims() == {(server['id'], dest): SMALL, (migration.uuid, source): TINY}

    resp = _action(cloud, server['id'], {'confirmResize': None}, expect=204)
    assert resp.body == b''
    confirmed = cloud.wait_for_server(server['id'], 'ACTIVE')
    assert confirmed['flavor']['id'] == '2'
    assert _show(cloud, server['id'])['OS-EXT-STS:task_state'] is None
    cloud.wait_for(lambda: _migrations(server['id'])[0].status == 'confirmed')
    assert _claims() == {(server['id'], dest): SMALL}
    assert cloud.aio.compute(source).driver.resize_leftovers() == set()
    assert _actions(server['id']) == ['create', 'resize', 'confirmResize']


def test_resize_then_revert(cloud, server):
    source = _host(server)
    resized = _resize(cloud, server['id'])
    dest = _host(resized)
    resp = _action(cloud, server['id'], {'revertResize': None})
    assert resp.body == b''
    cloud.wait_for_server(server['id'], 'ACTIVE')
    back = _show(cloud, server['id'])
    assert _host(back) == source
    assert back['flavor']['original_name'] == 'm1.tiny'
    assert back['OS-EXT-STS:power_state'] == 1
    cloud.wait_for(lambda: _migrations(server['id'])[0].status == 'reverted')
    assert _claims() == {(server['id'], source): TINY}
    assert server['id'] not in cloud.aio.compute(dest).driver.list_instance_uuids()
    assert _actions(server['id']) == ['create', 'resize', 'revertResize']


def test_failed_revert_ends_in_error_not_in_a_task_state(cloud, server):
    _resize(cloud, server['id'])
    cloud.aio.compute(_host(_show(cloud, server['id']))).driver.fail_on['destroy'] = \
        exception.NimbusException('stuck')
    _action(cloud, server['id'], {'revertResize': {}})
    errored = cloud.wait_for_server(server['id'], 'ERROR')
    assert errored['OS-EXT-STS:task_state'] is None
    assert 'stuck' in _show(cloud, server['id'])['fault']['message']


def test_a_move_between_rbd_and_file_disks_is_refused_and_rolled_back(cloud, server):
    """compute_svc/disk_storage.py: a source with RBD disks, a destination keeping
    files. The source refuses before the guest stops; the resize is rolled back (the
    server running where it was, its old flavor and claim, the migration error) and a
    fault says why. Between hosts of the same storage it goes."""
    source = _host(server)
    dest = next(h for h in HOSTS if h != source)
    drivers = {h: cloud.aio.compute(h).driver for h in HOSTS}
    drivers[source].storage, drivers[dest].storage = 'rbd', 'file'
    try:
        _action(cloud, server['id'], {'resize': {'flavorRef': '2'}})
        cloud.wait_for(lambda: [m.status for m in _migrations(server['id'])] == ['error'],
                       what='the migration to fail')
        cloud.wait_for_server(server['id'], 'ACTIVE')
        shown = _show(cloud, server['id'])
        assert _host(shown) == source and shown['flavor']['original_name'] == 'm1.tiny'
        assert (shown['OS-EXT-STS:vm_state'], shown['OS-EXT-STS:task_state'],
                shown['OS-EXT-STS:power_state']) == ('active', None, 1)
        assert _claims() == {(server['id'], source): TINY}
        assert ('migrate_disk_and_power_off', server['id']) not in drivers[source].calls
        fault = objects.InstanceFault.get_latest_for_instance(_ctx(), server['id'])
        assert 'RBD images in a Ceph pool' in fault.message
        instance = objects.Instance.get_by_uuid(_ctx(), server['id'])
        assert instance.old_flavor is None and instance.new_flavor is None
        assert 'resize_dest_disk_storage' not in instance.system_metadata
        drivers[dest].storage = 'rbd'
        assert _host(_resize(cloud, server['id'])) == dest
    finally:
        drivers[source].storage = drivers[dest].storage = None


def test_resize_of_a_stopped_server(cloud, server):
    _action(cloud, server['id'], {'os-stop': None})
    cloud.wait_for_server(server['id'], 'SHUTOFF')
    resized = _resize(cloud, server['id'])
    assert resized['OS-EXT-STS:power_state'] == 4
    _action(cloud, server['id'], {'confirmResize': {}}, expect=204)
    done = cloud.wait_for_server(server['id'], 'SHUTOFF')
    assert done['OS-EXT-STS:vm_state'] == 'stopped'
    assert done['flavor']['id'] == '2'


def test_cold_migration_is_for_admins(cloud, server):
    source = _host(server)
    resp = _action(cloud, server['id'], {'migrate': None}, expect=403)
    assert 'os-migrate-server:migrate' in helpers.fault(resp)[1]
    _action(cloud, server['id'], {'migrate': None}, admin=True)
    cloud.wait_for_server(server['id'], 'VERIFY_RESIZE')
    moved = _show(cloud, server['id'])
    assert _host(moved) != source
    assert moved['flavor']['original_name'] == 'm1.tiny'
    [migration] = _migrations(server['id'])
    assert migration.migration_type == 'migration'
    assert migration.old_instance_type_id == migration.new_instance_type_id
    _action(cloud, server['id'], {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server['id'], 'ACTIVE')
    assert _claims() == {(server['id'], _host(moved)): TINY}
    assert _actions(server['id']) == ['create', 'migrate', 'confirmResize']


def test_cold_migration_takes_an_empty_object(cloud, server):
    # Tempest sends {"migrate": {}} at any microversion.
    _action(cloud, server['id'], {'migrate': {}}, admin=True)
    cloud.wait_for_server(server['id'], 'VERIFY_RESIZE')
    assert _host(_show(cloud, server['id'])) != _host(server)


def test_cold_migration_to_a_named_host(cloud, server):
    source = _host(server)
    target = 'host2' if source == 'host1' else 'host1'
    # Before 2.56 the body names no host.
    _action(cloud, server['id'], {'migrate': {'host': target}}, expect=400, admin=True)
    resp = _action(cloud, server['id'], {'migrate': {'host': 'nowhere'}}, expect=400,
                   admin=True, version='2.56')
    assert 'nowhere' in helpers.fault(resp)[1]
    _action(cloud, server['id'], {'migrate': {'host': source}}, expect=400, admin=True,
            version='2.56')
    _action(cloud, server['id'], {'migrate': {'host': target}}, admin=True, version='2.56')
    cloud.wait_for_server(server['id'], 'VERIFY_RESIZE')
    assert _host(_show(cloud, server['id'])) == target
    _action(cloud, server['id'], {'migrate': {}}, expect=409, admin=True, version='2.56')


def test_refusals(cloud, server, image):
    sid = server['id']

    def refused(body, code, message=None, **kwargs):
        resp = _action(cloud, sid, body, expect=code, **kwargs)
        if message:
            assert message in helpers.fault(resp)[1], resp.body
        return resp

    refused({'resize': {'flavorRef': '1'}}, 400, 'When resizing, instances must change '
                                                 'flavor!')
    refused({'resize': {'flavorRef': '99'}}, 400, 'Flavor 99 could not be found.')
    refused({'resize': {}}, 400)
    refused({'resize': {'flavorRef': '2', 'colour': 'red'}}, 400)
    _flavor(cloud, 'zero', 'zero-root', disk=0)
    refused({'resize': {'flavorRef': 'zero'}}, 400, 'Resize to zero disk flavor is not '
                                                    'allowed.')
    refused({'confirmResize': None}, 409, "Cannot 'confirmResize' instance %s while it is "
                                          "in vm_state active" % sid)
    refused({'revertResize': None}, 409, "Cannot 'revertResize' instance")
    assert _actions(sid) == ['create']
    assert not _migrations(sid)

    # Disk shrinks: root (m1.small -> m1.tiny) and ephemeral.
    big = _boot(cloud, image, flavor='2')
    resp = _action(cloud, big['id'], {'resize': {'flavorRef': '1'}}, expect=400)
    assert 'root disk down' in helpers.fault(resp)[1]
    _flavor(cloud, 'eph2', 'eph2', disk=20, ram=2048, ephemeral=2)
    _flavor(cloud, 'eph1', 'eph1', disk=40, ram=2048, ephemeral=1)
    _resize(cloud, big['id'], flavor='eph2')
    _action(cloud, big['id'], {'confirmResize': None}, expect=204)
    cloud.wait_for_server(big['id'], 'ACTIVE')
    resp = _action(cloud, big['id'], {'resize': {'flavorRef': 'eph1'}}, expect=400)
    assert 'ephemeral disk down' in helpers.fault(resp)[1]

    # A resize in progress: a second one is a conflict.
    _resize(cloud, sid)
    refused({'resize': {'flavorRef': '3'}}, 409, "Cannot 'resize' instance %s while it is "
                                                 "in vm_state resized" % sid)
    refused({'migrate': None}, 409, admin=True)


def test_quota_counts_the_growth_only(cloud, server):
    resp = cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'cores': 1}})
    assert resp.status_int == 200, resp.body
    resp = _action(cloud, server['id'], {'resize': {'flavorRef': '3'}}, expect=403)
    assert list(resp.json_body_or_none) == ['overLimit']
    assert helpers.fault(resp) == (
        403, 'Quota exceeded for cores: Requested 1, but already used 1 of 1 cores')
    assert _actions(server['id']) == ['create']
    # m1.small has as many cores as m1.tiny: only its RAM grows, within the quota.
    _resize(cloud, server['id'], flavor='2')
    _action(cloud, server['id'], {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server['id'], 'ACTIVE')
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'cores': 20, 'ram': 3000}})
    resp = _action(cloud, server['id'], {'resize': {'flavorRef': '3'}}, expect=403)
    assert 'Quota exceeded for ram: Requested 2048, but already used 2048 of 3000 ram' \
        in helpers.fault(resp)[1]


def test_other_projects_and_readers(cloud, server):
    sid = server['id']
    resp = _action(cloud, sid, {'resize': {'flavorRef': '2'}}, expect=404, project='other')
    _action(cloud, sid, {'resize': {'flavorRef': '2'}}, expect=403, roles='reader')
    _action(cloud, sid, {'migrate': None}, expect=404, project='other')
    assert resp.json_body_or_none['itemNotFound']


def test_delete_in_verify_resize_cleans_both_hosts(cloud, server):
    source = _host(server)
    dest = _host(_resize(cloud, server['id']))
    resp = cloud.request('DELETE', '/v2.1/servers/%s' % server['id'])
    assert resp.status_int == 204
    cloud.wait_for_server(server['id'], 'DELETED')
    cloud.wait_for(lambda: _migrations(server['id'])[0].status == 'confirmed',
                   what='the source to be cleaned')
    cloud.wait_for(lambda: _claims() == {}, what='no claims')
    for host in HOSTS:
        driver = cloud.aio.compute(host).driver
        assert driver.resize_leftovers() == set()
        assert server['id'] not in driver.list_instance_uuids()
    assert {source, dest} == set(HOSTS)


@pytest.fixture
def same_host():
    CONF.set_override('allow_resize_to_same_host', True, group='compute')
    yield
    CONF.clear_override('allow_resize_to_same_host', group='compute')


def _disable(cloud, host):
    resp = cloud.admin('GET', '/v2.1/os-services?binary=nova-compute&host=%s' % host,
                       version='2.53')
    service = resp.json_body_or_none['services'][0]
    resp = cloud.admin('PUT', '/v2.1/os-services/%s' % service['id'],
                       {'status': 'disabled'}, version='2.53')
    assert resp.status_int == 200, resp.body


def test_same_host_resize_when_allowed(cloud, server, same_host):
    """With only the server's own host enabled, a resize stays there."""
    source = _host(server)
    _disable(cloud, 'host2' if source == 'host1' else 'host1')
    resized = _resize(cloud, server['id'])
    assert _host(resized) == source
    _action(cloud, server['id'], {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server['id'], 'ACTIVE')
    assert _claims() == {(server['id'], source): SMALL}
    assert cloud.aio.compute(source).driver.resize_leftovers() == set()


def test_cold_migration_never_stays_on_its_host(cloud, server, same_host):
    """allow_resize_to_same_host is for resizes: with the other host disabled, a cold
    migration finds no host and the server stays where it was."""
    source = _host(server)
    _disable(cloud, 'host2' if source == 'host1' else 'host1')
    _action(cloud, server['id'], {'migrate': None}, admin=True)
    cloud.wait_for(lambda: [m.status for m in _migrations(server['id'])] == ['error'],
                   what='the migration to fail')
    back = cloud.wait_for_server(server['id'], 'ACTIVE')
    assert _host(_show(cloud, server['id'])) == source
    assert back['OS-EXT-STS:task_state'] is None
