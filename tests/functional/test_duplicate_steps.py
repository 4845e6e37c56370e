"""A step delivered twice while the operation moves on elsewhere (a delayed original and
the reconciler's copy, both live): the late copy gives way instead of rolling back what
the operation already did. Found by the RabbitMQ-restart integration test."""
import pytest

from compute_svc import resize
from svc_common import conductor_rpcapi
from svc_common import context as nimbus_context
from svc_common import faults
from svc_common import objects
from svc_common.objects import claim as claim_obj
from svc_common import states
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance

V, T, M = states.VmState, states.TaskState, states.MigrationStatus


@pytest.fixture
def ctx(core):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


def _active(ctx):
    instance = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    return wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)


def _resize_with_prep_resize_lost(core, ctx, instance):
    """What the API does, with the conductor's prep_resize cast lost: the migration
    records its destination (and the instance holds the claim there), nothing more."""
    core.bus.lose('prep_resize')
    flavor = next(f for f in objects.FlavorList.get_all(ctx) if f.name == 'm1.small')
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    instance.task_state = T.RESIZE_PREP
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, operation='resize')
    core.conductor_rpcapi.migrate_server(ctx, instance, flavor)
    poll(lambda: core.bus.lost, 10, what='the conductor to send prep_resize')
    migration = objects.MigrationList.get_by_filters(ctx, {'instance_uuid': instance.uuid})[0]
    assert (migration.status, bool(migration.dest_compute)) == (M.PRE_MIGRATING, True)
    return flavor, migration


def _claims(ctx, consumer):
    return {(c.compute_node_id, c.resource_class): c.amount
            for c in objects.ResourceClaimList.get_by_consumer(ctx, consumer)}


def test_late_prep_resize_gives_way_to_resize_instance(core, ctx, monkeypatch):
    instance = _active(ctx)
    flavor, migration = _resize_with_prep_resize_lost(core, ctx, instance)
    dest_claims = _claims(ctx, instance.uuid)
    real_point = faults.point

    def source_moves_on_meanwhile(name):
        real_point(name)
        if name == 'prep_resize.after_claim':
            moving = objects.Instance.get_by_uuid(ctx, instance.uuid)
            moving.task_state = T.RESIZE_MIGRATING  # resize_instance, on the source
            moving.save(expected_task_state=T.RESIZE_PREP, operation='resize')
    monkeypatch.setattr(faults, 'point', source_moves_on_meanwhile)

    resize.prep_resize(core.compute(migration.dest_compute), ctx, instance, flavor,
                       migration, [])

    assert objects.Migration.get_by_id(ctx, migration.id).status == M.PRE_MIGRATING
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.RESIZE_MIGRATING
    assert _claims(ctx, instance.uuid) == dest_claims  # the destination keeps its claim
    assert _claims(ctx, migration.uuid)  # and the source's stays with the migration


def _ensures(monkeypatch):
    """The calls of ResourceClaim.ensure from now on (each still made)."""
    calls = []
    real_ensure = objects.ResourceClaim.ensure

    def counted(*args):
        calls.append(args)
        return real_ensure(*args)
    monkeypatch.setattr(objects.ResourceClaim, 'ensure', staticmethod(counted))
    return calls


def test_prep_resize_finds_the_conductors_claim_in_its_read(core, ctx, monkeypatch):
    """The destination's claim, made by the conductor, is checked in the step's read:
    no ensure() of its own (a round trip to the conductor fewer)."""
    instance = _active(ctx)
    flavor, migration = _resize_with_prep_resize_lost(core, ctx, instance)
    dest_claims = _claims(ctx, instance.uuid)
    ensures = _ensures(monkeypatch)

    resize.prep_resize(core.compute(migration.dest_compute), ctx, instance, flavor,
                       migration, [])

    assert ensures == []
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.RESIZED)  # went on
    assert _claims(ctx, instance.uuid) == dest_claims


def test_prep_resize_claims_again_what_went_missing(core, ctx, monkeypatch):
    instance = _active(ctx)
    flavor, migration = _resize_with_prep_resize_lost(core, ctx, instance)
    dest_claims = _claims(ctx, instance.uuid)
    objects.ResourceClaim.release(ctx, instance.uuid, host=migration.dest_compute,
                                  nodename=migration.dest_node)
    assert _claims(ctx, instance.uuid) == {}
    ensures = _ensures(monkeypatch)

    resize.prep_resize(core.compute(migration.dest_compute), ctx, instance, flavor,
                       migration, [])

    assert len(ensures) == 1
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.RESIZED)  # went on
    assert _claims(ctx, instance.uuid) == dest_claims


def test_the_move_step_read_says_whether_the_destination_claim_is_held(core, ctx):
    instance = _active(ctx)
    flavor, migration = _resize_with_prep_resize_lost(core, ctx, instance)
    resources = claim_obj.resources_for_flavor(flavor)

    def read(statuses=(M.PRE_MIGRATING,), claimed=resources):
        return objects.Instance.get_for_move_step(
            ctx, instance.uuid, migration.id, list(statuses), 'resize', [T.RESIZE_PREP],
            dest_claim=claimed)
    found, read_migration, held = read()
    assert (found.uuid, read_migration.id, held) == (instance.uuid, migration.id, True)
    assert read(claimed=dict(resources, VCPU=resources['VCPU'] + 1))[2] is False
    assert read(statuses=(M.FINISHED,))[0::2] == [None, None]  # no step: nothing checked
    assert len(objects.Instance.get_for_move_step(
        ctx, instance.uuid, migration.id, [M.PRE_MIGRATING], 'resize', [T.RESIZE_PREP])) == 2


def test_late_migrate_server_resumes_the_recorded_destination(core, ctx, monkeypatch):
    instance = _active(ctx)
    flavor, migration = _resize_with_prep_resize_lost(core, ctx, instance)
    chosen_before = len(core.scheduler.selections)

    core.conductor_rpcapi.migrate_server(ctx, instance, flavor)
    resized = wait_instance(ctx, instance.uuid,
                            lambda i: i.vm_state == V.RESIZED and i.task_state is None)

    # the destination was not chosen again
    assert len(core.scheduler.selections) == chosen_before
    assert resized.host == migration.dest_compute
    assert len(objects.MigrationList.get_by_filters(
        ctx, {'instance_uuid': instance.uuid})) == 1


def test_two_conductors_choosing_a_destination_at_once(core, ctx, monkeypatch):
    """Two deliveries of migrate_server both choose and claim a destination; recording it
    is a compare-and-swap, so one wins and the other leaves no claim behind."""
    from conductor_svc.tasks import migrate as migrate_task
    from svc_common import faults
    instance = _active(ctx)
    flavor = next(f for f in objects.FlavorList.get_all(ctx) if f.name == 'm1.small')
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    instance.task_state = T.RESIZE_PREP
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, operation='resize')
    core.bus.lose('prep_resize', times=None)  # to see where each attempt sends it
    conductor = core.services[0].manager
    real_point = faults.point
    other = {}

    def interleave(name):
        real_point(name)
        if name == 'conductor.migrate.after_dest_claim' and not other:
            # The first attempt has claimed but not recorded its choice: the second,
            # steered to another host, runs to the end now.
            first_claims = _claims(ctx, instance.uuid)
            other['claims'] = first_claims
            taken = {objects.ComputeNode.get_by_id(ctx, node).host
                     for node, _ in first_claims}
            target = next(h for h in ('host2', 'host3', 'host1')
                          if h not in taken and h != instance.host)
            migrate_task.MigrationTask(ctx, instance, flavor, conductor.scheduler,
                                       conductor.compute_rpcapi,
                                       target_host=target).execute()
            other['target'] = target
    monkeypatch.setattr(migrate_task.faults, 'point', interleave)
    migrate_task.MigrationTask(ctx, instance, flavor, conductor.scheduler,
                               conductor.compute_rpcapi).execute()

    migration = objects.MigrationList.get_by_filters(ctx, {'instance_uuid': instance.uuid})
    assert len(migration) == 1 and migration[0].dest_compute == other['target']
    assert [server for _, server, _ in core.bus.lost_casts] == [other['target']]
    dest_node = objects.ComputeNode.get_by_host_and_nodename(
        ctx, migration[0].dest_compute, migration[0].dest_node)
    assert {node for node, _ in _claims(ctx, instance.uuid)} == {dest_node.id}


@pytest.mark.parametrize('method', ['build_instances', 'build_and_run_instance'])
def test_a_build_delivered_twice_builds_once(core, ctx, method):
    core.bus.duplicate(method)
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    active = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    assert core.bus.duplicated == [method]
    claims = objects.ResourceClaimList.get_by_consumer(ctx, instance.uuid)
    assert {c.compute_node_id for c in claims} == {
        objects.ComputeNode.get_by_host_and_nodename(ctx, active.host, active.node).id}
    assert len(claims) == 3  # VCPU, MEMORY_MB, DISK_GB: claimed once
    assert [i for h in ('host1', 'host2', 'host3')
            for i in core.compute(h).driver.list_instance_uuids()
            if i == instance.uuid] == [instance.uuid]  # one guest, on its host


def test_a_stop_delivered_twice_stops_once(core, ctx):
    instance = _active(ctx)
    instance.task_state = T.POWERING_OFF
    instance.save(expected_task_state=None, operation='stop')
    core.bus.duplicate('stop_instance')
    core.compute_rpcapi.stop_instance(ctx, instance)
    stopped = wait_instance(ctx, instance.uuid,
                            lambda i: i.vm_state == V.STOPPED and i.task_state is None)
    assert core.bus.duplicated == ['stop_instance']
    assert stopped.fault is None
