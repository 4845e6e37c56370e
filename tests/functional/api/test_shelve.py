"""shelve, shelveOffload and unshelve through REST: the states a server goes through,
what it holds on which host, its shelved image, the answers at each microversion, the
409s of the shelved states, the periodic offload, and each task state resumed."""
import pytest

from compute_svc import recovery
from compute_svc import shelve as compute_shelve
from svc_common import faults
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common import states
from tests.functional.api import helpers

T, V = states.TaskState, states.VmState


@pytest.fixture
def image_id(cloud):
    return helpers.create_image(cloud, name='base', project='admin', roles='admin',
                                visibility='public')['id']


@pytest.fixture
def server_id(cloud, image_id):
    server_id = helpers.boot(cloud, image_id, name='shelver')['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


@pytest.fixture
def keep_host():
    """Shelved servers keep their host until offloaded ([DEFAULT]/shelved_offload_time
    -1)."""
    CONF.set_override('shelved_offload_time', -1)
    yield
    CONF.clear_override('shelved_offload_time')


def _action(cloud, server_id, body, expect=202, version='2.1', admin=False):
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers/%s/action' % server_id, body, version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _show(cloud, server_id):
    return cloud.admin('GET', '/v2.1/servers/%s' % server_id,
                       version='2.91').json_body_or_none['server']


def _wait(cloud, server_id, status):
    def reached():
        server = _show(cloud, server_id)
        assert server['status'] != 'ERROR', server.get('fault')
        return server if server['status'] == status and \
            server['OS-EXT-STS:task_state'] is None else None
    return cloud.wait_for(reached, what='server %s to be %s' % (server_id, status))


def _claims(server_id):
    ctx = nimbus_context.get_admin_context()
    return objects.ResourceClaimList.get_by_consumer(ctx, server_id)


def _images(cloud):
    return {i['name']: i for i in cloud.request('GET', '/image/v2/images').json_body_or_none[
        'images']}


def _events(cloud, server_id):
    actions = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions' % server_id,
                            version='2.51').json_body_or_none['instanceActions']
    detail = cloud.request('GET', '/v2.1/servers/%s/os-instance-actions/%s' % (
        server_id, actions[0]['request_id']), version='2.51').json_body_or_none
    return actions[0]['action'], sorted(
        (e['event'], e['result']) for e in detail['instanceAction']['events'])


def test_shelve_offloads_at_once_and_unshelve_schedules_again(cloud, server_id):
    host = helpers.server_host(cloud, server_id)
    assert _claims(server_id)
    _action(cloud, server_id, {'shelve': None})
    server = _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    assert server['OS-EXT-SRV-ATTR:host'] is None and server['OS-EXT-STS:power_state'] == 0
    assert server['OS-EXT-STS:vm_state'] == 'shelved_offloaded'
    assert not _claims(server_id)
    driver = cloud.aio.compute(host).driver
    assert server_id not in driver.list_instance_uuids()
    shelved = _images(cloud)['shelver-shelved']
    assert shelved['status'] == 'active' and shelved['image_type'] == 'snapshot'
    assert shelved['instance_uuid'] == server_id
    assert _events(cloud, server_id) == ('shelve', [
        ('compute_shelve_instance', 'Success'),
        ('compute_shelve_offload_instance', 'Success')])
    listed = cloud.request('GET', '/v2.1/servers/detail?status=SHELVED_OFFLOADED'
                           ).json_body_or_none['servers']
    assert [s['id'] for s in listed] == [server_id]
    assert not cloud.request('GET', '/v2.1/servers?status=ACTIVE').json_body_or_none[
        'servers']

    _action(cloud, server_id, {'unshelve': None})
    server = _wait(cloud, server_id, 'ACTIVE')
    new_host = server['OS-EXT-SRV-ATTR:host']
    assert new_host and _claims(server_id)
    assert 'shelver-shelved' not in _images(cloud)  # gone before the server is ACTIVE
    new_driver = cloud.aio.compute(new_host).driver
    calls = [c for c, uuid in new_driver.calls if uuid == server_id]
    assert calls[-3:] == ['spawn', 'detach_root_from_image', 'power_on']
    assert _events(cloud, server_id) == ('unshelve', [
        ('compute_unshelve_instance', 'Success'),
        ('conductor_unshelve_instance', 'Success')])
    sysmeta = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(),
                                           server_id).system_metadata
    assert compute_shelve.SHELVED_IMAGE_ID not in sysmeta


def test_shelved_server_keeps_its_host_until_offloaded(cloud, server_id, keep_host):
    host = helpers.server_host(cloud, server_id)
    _action(cloud, server_id, {'shelve': None})
    server = _wait(cloud, server_id, 'SHELVED')
    assert server['OS-EXT-SRV-ATTR:host'] == host and _claims(server_id)
    assert cloud.aio.compute(host).driver.get_info(
        objects.Instance(uuid=server_id)).power_state == states.PowerState.SHUTDOWN
    listed = cloud.request('GET', '/v2.1/servers?status=SHELVED').json_body_or_none[
        'servers']
    assert [s['id'] for s in listed] == [server_id]
    _action(cloud, server_id, {'shelveOffload': None}, expect=403)  # admins only
    _action(cloud, server_id, {'shelveOffload': None}, admin=True)
    server = _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    assert server['OS-EXT-SRV-ATTR:host'] is None and not _claims(server_id)


def test_unshelve_of_a_shelved_server_starts_its_guest_again(cloud, server_id, keep_host):
    host = helpers.server_host(cloud, server_id)
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED')
    _action(cloud, server_id, {'unshelve': {'availability_zone': 'nova'}}, version='2.77',
            expect=409)  # a zone only for an offloaded server
    _action(cloud, server_id, {'unshelve': None})
    server = _wait(cloud, server_id, 'ACTIVE')
    assert server['OS-EXT-SRV-ATTR:host'] == host
    calls = [c for c, uuid in cloud.aio.compute(host).driver.calls if uuid == server_id]
    assert calls[-1] == 'power_on' and 'spawn' not in calls[1:]
    cloud.wait_for(lambda: 'shelver-shelved' not in _images(cloud),
                   what='the shelved image to go')


def test_the_periodic_task_offloads_after_shelved_offload_time(cloud, server_id):
    CONF.set_override('shelved_offload_time', 1)
    try:
        host = helpers.server_host(cloud, server_id)
        _action(cloud, server_id, {'shelve': None})
        _wait(cloud, server_id, 'SHELVED')
        manager = cloud.aio.compute(host)
        assert manager.offload_shelved() == []  # not shelved long enough yet
        offloaded = cloud.wait_for(manager.offload_shelved, timeout=5, interval=0.3,
                                   what='the periodic offload')
        assert offloaded == [server_id]
        assert _wait(cloud, server_id, 'SHELVED_OFFLOADED')['OS-EXT-SRV-ATTR:host'] is None
    finally:
        CONF.clear_override('shelved_offload_time')


def test_shelved_states_refuse_other_actions(cloud, server_id):
    _action(cloud, server_id, {'unshelve': None}, expect=409)
    _action(cloud, server_id, {'shelveOffload': None}, admin=True, expect=409)
    _action(cloud, server_id, {'shelve': {'x': 1}}, expect=400)
    _action(cloud, server_id, {'shelve': {}})  # as Tempest's client sends it
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    for body in ({'os-stop': None}, {'os-start': None}, {'reboot': {'type': 'HARD'}},
                 {'resize': {'flavorRef': '2'}}, {'createImage': {'name': 'x'}},
                 {'shelve': None}, {'migrate': None}):
        _action(cloud, server_id, body, expect=409, admin='migrate' in body)
    _action(cloud, server_id, {'shelveOffload': None}, admin=True, expect=409)
    _action(cloud, server_id, {'unshelve': {'availability_zone': 'nova'}}, expect=400)


def test_unshelve_to_a_zone_and_to_a_host(cloud, server_id):
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    _action(cloud, server_id, {'unshelve': {'availability_zone': 'nowhere'}},
            version='2.77', expect=400)
    _action(cloud, server_id, {'unshelve': {'host': 'host2'}}, version='2.91',
            expect=403)  # a host is for admins to name
    _action(cloud, server_id, {'unshelve': {'host': 'nohost'}}, version='2.91',
            admin=True, expect=400)
    _action(cloud, server_id, {'unshelve': {'availability_zone': 'nova', 'host': 'host2'}},
            version='2.91', admin=True)
    server = _wait(cloud, server_id, 'ACTIVE')
    assert (server['OS-EXT-SRV-ATTR:host'], server['OS-EXT-AZ:availability_zone']) == (
        'host2', 'nova')
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    _action(cloud, server_id, {'unshelve': {'availability_zone': None, 'host': 'host1'}},
            version='2.91', admin=True)
    assert _wait(cloud, server_id, 'ACTIVE')['OS-EXT-SRV-ATTR:host'] == 'host1'
    instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)
    assert instance.availability_zone is None  # unpinned
    assert compute_shelve.UNSHELVE_HOST not in instance.system_metadata


def test_unshelve_without_a_valid_host_stays_offloaded(cloud, server_id):
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    for host in ('host1', 'host2'):
        cloud.admin('PUT', '/v2.1/os-services/disable', {'host': host,
                                                         'binary': 'nova-compute'})
    _action(cloud, server_id, {'unshelve': None})
    server = _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    assert server['OS-EXT-SRV-ATTR:host'] is None and not _claims(server_id)
    action, events = _events(cloud, server_id)
    assert (action, events) == ('unshelve', [('conductor_unshelve_instance', 'Error')])
    assert 'shelver-shelved' in _images(cloud)  # still there to unshelve from


def test_deleting_a_shelved_server_deletes_its_image(cloud, server_id):
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    assert 'shelver-shelved' in _images(cloud)
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'DELETED')
    cloud.wait_for(lambda: 'shelver-shelved' not in _images(cloud),
                   what='the shelved image to go')


def test_failed_shelve_leaves_the_server_as_it_was(cloud, server_id):
    host = helpers.server_host(cloud, server_id)
    cloud.aio.compute(host).driver.fail_on['snapshot'] = RuntimeError('disk unreadable')
    _action(cloud, server_id, {'shelve': None})
    server = _wait(cloud, server_id, 'ACTIVE')
    assert server['OS-EXT-SRV-ATTR:host'] == host
    assert cloud.aio.compute(host).driver.get_info(
        objects.Instance(uuid=server_id)).power_state == states.PowerState.RUNNING
    cloud.wait_for(lambda: 'shelver-shelved' not in _images(cloud),
                   what='the shelved image to go')


def _stalled(cloud, server_id, body, method):
    """Ask for an action whose cast goes nowhere; the instance as SQL has it then."""
    cloud.aio.bus.lose(method)
    _action(cloud, server_id, body)
    assert cloud.aio.bus.lost[-1] == method
    return objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)


@pytest.mark.parametrize('task', [T.SHELVING, T.SHELVING_IMAGE_PENDING_UPLOAD,
                                  T.SHELVING_IMAGE_UPLOADING])
def test_each_shelve_phase_resumes(cloud, server_id, task):
    instance = _stalled(cloud, server_id, {'shelve': None}, 'shelve_instance')
    manager = cloud.aio.compute(instance.host)
    previous = T.SHELVING
    for following in (T.SHELVING_IMAGE_PENDING_UPLOAD, T.SHELVING_IMAGE_UPLOADING):
        if task == previous:
            break
        instance.task_state = following.value
        instance.save(expected_task_state=previous, operation='shelve')
        previous = following
    ctx = nimbus_context.get_admin_context()
    manager.shelve_instance(ctx, instance)
    manager.shelve_instance(ctx, instance)  # again: nothing more
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    assert _images(cloud)['shelver-shelved']['status'] == 'active'


def test_lost_unshelve_casts_are_sent_again(cloud, server_id):
    """The conductor's reconciler finds an unshelve that made no progress (its cast to
    the conductor, then its cast to the compute host, lost) and sends the step again."""
    CONF.set_override('reconcile_after', 1, group='conductor')
    try:
        _action(cloud, server_id, {'shelve': None})
        _wait(cloud, server_id, 'SHELVED_OFFLOADED')
        _stalled(cloud, server_id, {'unshelve': None}, 'unshelve_instance')
        cloud.aio.bus.lose('unshelve_instance', to_host=True)
        conductor = next(s.manager for s in cloud.aio.services
                         if s.binary == 'nimbus-conductor')
        cloud.wait_for(lambda: server_id in conductor.reconcile(), timeout=60,
                       interval=0.2, what='the reconciler to schedule the unshelve')
        cloud.wait_for(lambda: helpers.server_host(cloud, server_id),
                       what='the unshelve to be scheduled')  # then its cast is lost
        cloud.wait_for(lambda: len(cloud.aio.bus.lost) == 2, what='the cast to be lost')
        assert [c[1] is None for c in cloud.aio.bus.lost_casts[-2:]] == [True, False]
        cloud.wait_for(lambda: server_id in conductor.reconcile(), timeout=60,
                       interval=0.2, what='the reconciler to re-send the unshelve')
        _wait(cloud, server_id, 'ACTIVE')
    finally:
        CONF.clear_override('reconcile_after', group='conductor')


class Killed(BaseException):
    """The compute process ends at a fault point (no handler may catch it)."""


def test_unshelve_killed_after_its_image_went_is_finished_by_recovery(
        cloud, server_id, monkeypatch):
    """The shelved image goes before the record says ACTIVE; a compute that dies between
    the two finds its guest built when it starts again, and ends the unshelve without
    the image."""
    _action(cloud, server_id, {'shelve': None})
    _wait(cloud, server_id, 'SHELVED_OFFLOADED')
    cloud.aio.bus.lose('unshelve_instance', to_host=True)
    _action(cloud, server_id, {'unshelve': None})
    host = cloud.wait_for(lambda: helpers.server_host(cloud, server_id),
                          what='the unshelve to be scheduled')
    manager = cloud.aio.compute(host)
    ctx = nimbus_context.get_admin_context()
    real_point = faults.point

    def die_at(point):
        real_point(point)
        if point == 'unshelve.after_image_discarded':
            raise Killed(point)
    monkeypatch.setattr(faults, 'point', die_at)
    with pytest.raises(Killed):
        manager.unshelve_instance(
            ctx, objects.Instance.get_by_uuid(ctx, server_id))
    monkeypatch.undo()
    assert 'shelver-shelved' not in _images(cloud)
    assert objects.Instance.get_by_uuid(ctx, server_id).task_state == T.SPAWNING
    before = len(manager.driver.calls)
    assert recovery.recover(manager, ctx) == {server_id: 'unshelve_instance'}
    server = _wait(cloud, server_id, 'ACTIVE')
    assert server['OS-EXT-SRV-ATTR:host'] == host
    again = [c for c, uuid in manager.driver.calls[before:] if uuid == server_id]
    assert 'spawn' not in again  # the guest built before the crash serves
