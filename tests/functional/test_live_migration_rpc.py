"""Live migration through the conductor and compute RPC APIs, with three fake compute
hosts: every cast can be lost (the reconciler re-sends the step the records name), every
handler delivered again does nothing twice, and a compute host that starts up in the
middle of one finishes it or rolls it back by where the guest is."""
import oslo_messaging as messaging
import pytest

from api_svc import live_migrate_api
from compute_svc import live_migration
from compute_svc import recovery
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import live_migration_record
from svc_common import objects
from svc_common import states
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance

V, T, M = states.VmState, states.TaskState, states.MigrationStatus


@pytest.fixture
def ctx(core):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


@pytest.fixture
def reconcile_soon():
    CONF.set_override('reconcile_after', 1, group='conductor')
    yield
    CONF.clear_override('reconcile_after', group='conductor')


def _active(core, ctx):
    """Through the composition root's clients: their casts cross its (faulty) bus."""
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    return wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)


def _live_migrate(core, ctx, instance, host=None):
    api = live_migrate_api.LiveMigrateAPI(core.conductor_rpcapi, core.compute_rpcapi)
    api.live_migrate(ctx, instance, host, 'auto')


def _migration(ctx, instance):
    return objects.MigrationList.get_by_filters(ctx, {'instance_uuid': instance.uuid})[0]


def _done(ctx, instance):
    return wait_instance(ctx, instance.uuid, lambda i: i.task_state is None)


def _claim_hosts(ctx, consumer):
    nodes = {n.id: n.host for n in objects.ComputeNodeList.get_all(ctx)}
    return {nodes[c.compute_node_id]
            for c in objects.ResourceClaimList.get_by_consumer(ctx, consumer)}


def _moved_cleanly(core, ctx, instance, source):
    done = _done(ctx, instance)
    migration = _migration(ctx, instance)
    assert migration.status == M.COMPLETED
    assert (done.vm_state, done.host) == (V.ACTIVE, migration.dest_compute)
    assert done.host != source
    assert _claim_hosts(ctx, instance.uuid) == {done.host}
    assert _claim_hosts(ctx, migration.uuid) == set()
    assert instance.uuid in core.compute(done.host).driver.list_instance_uuids()
    assert instance.uuid not in core.compute(source).driver.list_instance_uuids()
    assert live_migration_record.REQUEST_KEY not in done.system_metadata
    return done


@pytest.mark.parametrize('method', ['live_migrate_instance', 'live_migration',
                                    'post_live_migration_at_destination'])
def test_a_lost_cast_is_sent_again(core, ctx, reconcile_soon, method):
    instance = _active(core, ctx)
    source = instance.host
    core.bus.lose(method)
    _live_migrate(core, ctx, instance)
    poll(lambda: core.bus.lost, 10, what='the cast to be lost')
    assert core.bus.lost == [method]
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.MIGRATING
    conductor = core.services[0].manager
    poll(lambda: instance.uuid in conductor.reconcile(), timeout=10, interval=0.2,
         what='the reconciler to re-send a step')
    _moved_cleanly(core, ctx, instance, source)


def test_every_step_delivered_again_does_nothing(core, ctx):
    instance = _active(core, ctx)
    source = instance.host
    _live_migrate(core, ctx, instance)
    done = _moved_cleanly(core, ctx, instance, source)
    migration = _migration(ctx, instance)
    calls = {h: len(core.compute(h).driver.calls) for h in (source, done.host)}
    for step in ('live_migration', 'post_live_migration', 'rollback_live_migration'):
        getattr(core.compute(source), step)(ctx, done, migration)
    core.compute(done.host).post_live_migration_at_destination(ctx, done, migration)
    core.conductor_rpcapi.live_migrate_instance(ctx, done, migration)
    assert {h: len(core.compute(h).driver.calls) for h in calls} == calls
    _moved_cleanly(core, ctx, instance, source)


def _stopped_at(core, ctx, monkeypatch, instance, status):
    """A live migration whose source stopped at ``status`` (running: with the guest
    moved or not): the records as the crash left them."""
    stop = {}
    real = live_migration._set_status

    def set_status(migration, new, expected):
        real(migration, new, expected)
        if new == status:
            stop['migration'] = migration
            # The compute "dies" here: the handler leaves the records as they are.
            raise messaging.MessagingTimeout('the source stopped')
    monkeypatch.setattr(live_migration, '_set_status', set_status)
    _live_migrate(core, ctx, instance)
    poll(lambda: stop, 10, what='the source to stop at %s' % status)
    monkeypatch.undo()
    return stop['migration']


@pytest.mark.parametrize('guest_moved', [False, True])
def test_start_up_recovery_at_running_goes_by_where_the_guest_is(core, ctx, monkeypatch,
                                                                  guest_moved):
    instance = _active(core, ctx)
    source = instance.host
    migration = _stopped_at(core, ctx, monkeypatch, instance, M.RUNNING)
    src = core.compute(source)
    dest = core.compute(migration.dest_compute)
    if guest_moved:  # the hypervisor finished the move on its own
        src.driver.live_migration(ctx, instance, dest.host,
                                  live_migration_record.migrate_data_of(
                                      objects.Instance.get_by_uuid(ctx, instance.uuid)))
    assert recovery.recover(src, ctx) == {instance.uuid: 'live_migration'}
    if guest_moved:
        _moved_cleanly(core, ctx, instance, source)
        return
    done = _done(ctx, instance)
    assert (done.vm_state, done.host) == (V.ACTIVE, source)
    assert objects.Migration.get_by_id(ctx, migration.id).status == M.FAILED
    assert _claim_hosts(ctx, instance.uuid) == {source}
    assert instance.uuid not in dest.driver.list_instance_uuids()
    assert instance.uuid in src.driver.list_instance_uuids()
