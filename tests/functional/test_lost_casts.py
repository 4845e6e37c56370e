"""Every cast of every operation can be lost (a broker restart, a crash after the
message was taken): the operation must stall, not break, and the conductor's
reconciler must finish it by re-sending the step the records say comes next."""
import pytest

from svc_common import resize_begin
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common import states
from tests.functional.api import helpers as api_helpers
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance
from tests.functional import test_resize_rpc as resize_helpers

V, T, M = states.VmState, states.TaskState, states.MigrationStatus


@pytest.fixture
def reconcile_soon():
    CONF.set_override('reconcile_after', 1, group='conductor')
    yield
    CONF.clear_override('reconcile_after', group='conductor')


@pytest.fixture
def ctx(core, reconcile_soon):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


def _reconcile_until(core, ctx, uuid_, predicate):
    """Run the reconciler until it re-sends a step for the stalled operation (it waits
    reconcile_after = 1 s of no progress), then wait until ``predicate`` holds."""
    conductor = core.services[0].manager
    poll(lambda: uuid_ in conductor.reconcile(), timeout=5, interval=0.2,
         what='the reconciler to re-send a step')
    return wait_instance(ctx, uuid_, predicate)


def _boot(core, ctx):
    """Through the all-in-one's own client: its casts cross the faulty bus."""
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    return instance


@pytest.mark.parametrize('method', ['build_instances', 'build_and_run_instance'])
def test_lost_build_casts(core, ctx, method):
    core.bus.lose(method)
    instance = _boot(core, ctx)
    active = _reconcile_until(core, ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    assert core.bus.lost == [method]
    assert active.task_state is None
    assert len(objects.ResourceClaimList.get_by_consumer(ctx, instance.uuid)) == 3


def test_lost_build_cast_keeps_the_forced_host(cloud, reconcile_soon):
    """A server forced onto host2 through the API, whose build_instances cast is lost,
    is built on host2 by the reconciler's copy, which carries no request spec: the
    conductor schedules by the spec stored with the instance. Left to itself the
    scheduler would choose host1 (equal hosts rank by name)."""
    ctx = nimbus_context.get_admin_context()
    conductor = cloud.aio.services[0].manager
    flavor = objects.Flavor.get_by_flavor_id(ctx, '1')
    ranked = conductor.scheduler.candidates(ctx, scheduler_mod.Request(
        resources=claim_obj.resources_for_flavor(flavor)))
    assert [h.host for h in ranked] == ['host1', 'host2']

    image = api_helpers.create_image(cloud, project='admin', roles='admin,member')
    cloud.aio.bus.lose('build_instances')
    resp = cloud.admin('POST', '/v2.1/servers', {'server': {
        'name': 'pinned', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none',
        'availability_zone': 'nova:host2'}}, version='2.37')
    assert resp.status_int == 202, resp.body
    server_id = resp.json_body_or_none['server']['id']
    assert cloud.aio.bus.lost == ['build_instances']

    poll(lambda: server_id in conductor.reconcile(), timeout=5, interval=0.2,
         what='the reconciler to re-send build_instances')
    cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    server = cloud.admin('GET', '/v2.1/servers/%s' % server_id).json_body_or_none['server']
    assert server['OS-EXT-SRV-ATTR:host'] == 'host2'
    assert set(resize_helpers._claims(ctx)) == {(server_id, 'host2')}


_OPERATION = {T.POWERING_OFF: 'stop', T.REBOOTING: 'reboot', T.DELETING: 'delete'}


@pytest.mark.parametrize('method, task, done', [
    ('stop_instance', T.POWERING_OFF, lambda i: i.vm_state == V.STOPPED),
    ('reboot_instance', T.REBOOTING, lambda i: i.task_state is None),
    ('terminate_instance', T.DELETING, lambda i: i.vm_state == V.DELETED),
])
def test_lost_action_casts(core, ctx, method, task, done):
    instance = wait_instance(ctx, _boot(core, ctx).uuid, lambda i: i.vm_state == V.ACTIVE)
    core.bus.lose(method)
    instance.task_state = task
    instance.save(expected_task_state=None, operation=_OPERATION[task])
    api = core.compute_rpcapi
    if method == 'reboot_instance':
        api.reboot_instance(ctx, instance, 'SOFT')
    else:
        getattr(api, method)(ctx, instance)
    assert core.bus.lost == [method]
    finished = _reconcile_until(core, ctx, instance.uuid, done)
    assert finished.task_state is None


@pytest.mark.parametrize('method', ['migrate_server', 'prep_resize', 'resize_instance',
                                    'finish_resize'])
def test_lost_resize_casts(core, ctx, method):
    instance = wait_instance(ctx, _boot(core, ctx).uuid, lambda i: i.vm_state == V.ACTIVE)
    core.bus.lose(method)
    resize_helpers._resize(ctx, instance, 'm1.small', core.conductor_rpcapi)
    resized = _reconcile_until(core, ctx, instance.uuid,
                               lambda i: i.vm_state == V.RESIZED and i.task_state is None,
                               )
    assert resized.flavor.name == 'm1.small'
    migration = resize_helpers._migration(ctx, instance)
    assert migration.status == M.FINISHED
    assert set(resize_helpers._claims(ctx)) == {(instance.uuid, resized.host),
                                               (migration.uuid, instance.host)}


@pytest.mark.parametrize('method, begin, vm_after', [
    ('confirm_resize', resize_begin.begin_confirm, V.ACTIVE),
    ('revert_resize', resize_begin.begin_revert, V.ACTIVE),
    ('finish_revert_resize', resize_begin.begin_revert, V.ACTIVE),
])
def test_lost_confirm_and_revert_casts(core, ctx, method, begin, vm_after):
    instance = wait_instance(ctx, _boot(core, ctx).uuid, lambda i: i.vm_state == V.ACTIVE)
    resize_helpers._resize(ctx, instance, 'm1.small')
    resized = wait_instance(ctx, instance.uuid,
                            lambda i: i.vm_state == V.RESIZED and i.task_state is None)
    migration = resize_helpers._migration(ctx, instance)
    core.bus.lose(method)
    begin(ctx, resized, migration, core.compute_rpcapi)
    done = _reconcile_until(core, ctx, instance.uuid,
                            lambda i: i.vm_state == vm_after and i.task_state is None)
    final = resize_helpers._migration(ctx, instance)
    if begin is resize_begin.begin_confirm:
        assert final.status == M.CONFIRMED
        assert set(resize_helpers._claims(ctx)) == {(instance.uuid, resized.host)}
    else:
        assert final.status == M.REVERTED and done.host == instance.host
        assert done.flavor.name == 'm1.tiny'
        assert resize_helpers._claims(ctx) == {(instance.uuid, instance.host): {
            'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}}
