"""Resize and cold migration through the conductor and compute RPC APIs, with three
fake compute hosts: every step, both ways out (confirm, revert), and the failures."""
import uuid

import pytest

from svc_common import resize_begin
from svc_common import compute_rpcapi
from svc_common import conductor_rpcapi
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common import states
from svc_common import stats
from conductor_svc.tasks import migrate
from tests.functional import fakes
from tests import moves
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance

V, T, M = states.VmState, states.TaskState, states.MigrationStatus


@pytest.fixture
def ctx(core):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


def _boot(ctx, flavor='m1.tiny'):
    instance = new_instance(ctx, flavor)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    return wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)


def _flavor(ctx, name):
    return next(f for f in objects.FlavorList.get_all(ctx) if f.name == name)


def _resize(ctx, instance, flavor_name, conductor=None, target_host=None):
    """What the API does: record the action, CAS to resize_prep with the requested
    flavor stored (so a lost cast can be re-sent), cast the conductor (through
    ``conductor``, a client, when given)."""
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    flavor = _flavor(ctx, flavor_name)
    instance.task_state = T.RESIZE_PREP
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, operation='resize')
    (conductor or conductor_rpcapi.ConductorAPI()).migrate_server(
        ctx, instance, flavor, target_host=target_host)


def _migration(ctx, instance):
    return objects.MigrationList.get_by_filters(ctx, {'instance_uuid': instance.uuid})[0]


def _claims(ctx):
    """{(consumer, host): {resource class: amount}}"""
    nodes = {n.id: n.host for n in objects.ComputeNodeList.get_all(ctx)}
    result = {}
    for claim in objects.ResourceClaimList.get_all(ctx):
        key = (claim.consumer_uuid, nodes[claim.compute_node_id])
        result.setdefault(key, {})[claim.resource_class] = claim.amount
    return result


def _resized(ctx, instance):
    return wait_instance(ctx, instance.uuid,
                         lambda i: i.vm_state == V.RESIZED and i.task_state is None)


def test_resize_then_confirm(core, ctx):
    instance = _boot(ctx)
    source = instance.host
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    assert migration.status == M.FINISHED
    assert migration.migration_type == states.MigrationType.RESIZE
    assert (migration.source_compute, migration.dest_compute) == (source, resized.host)
    assert resized.host != source
    assert resized.flavor.name == 'm1.small' and resized.old_flavor.name == 'm1.tiny'
    assert resized.vcpus == 1 and resized.memory_mb == 2048
    assert _claims(ctx) == {
        (instance.uuid, resized.host): {'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 20},
        (migration.uuid, source): {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}}
    assert core.compute(source).driver.resize_leftovers() == {instance.uuid}

    resize_begin.begin_confirm(ctx, resized, migration, compute_rpcapi.ComputeAPI())
    done = wait_instance(ctx, instance.uuid,
                         lambda i: i.vm_state == V.ACTIVE and i.task_state is None)
    assert done.old_flavor is None and done.new_flavor is None
    assert _migration(ctx, instance).status == M.CONFIRMED
    assert _claims(ctx) == {
        (instance.uuid, resized.host): {'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 20}}
    assert core.compute(source).driver.resize_leftovers() == set()
    events = objects.InstanceActionEventList.get_by_action(
        ctx, objects.InstanceAction.get_by_request_id(ctx, instance.uuid,
                                                      ctx.request_id).id)
    # Each step's event once, started with its reload and ended with its last save.
    ended = sorted((e.event, e.result) for e in events if e.start_time and e.finish_time)
    assert ended == sorted((step, 'Success') for step in (
        'conductor_migrate_server', 'compute_prep_resize', 'compute_resize_instance',
        'compute_finish_resize', 'compute_confirm_resize'))


def test_a_failed_confirm_keeps_its_task_for_the_reconciler(core, ctx):
    """The source's driver fails the confirm: the step records a fault and an Error
    event and leaves the instance confirming, with the migration's claim; the step sent
    again (as the reconciler does) confirms."""
    instance = _boot(ctx)
    source = instance.host
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    manager = core.compute(source)
    manager.driver.fail_on['confirm_migration'] = RuntimeError('source disk busy')
    with pytest.raises(RuntimeError):
        resize_begin.begin_confirm(ctx, resized, migration, _Direct(manager))
    stuck = objects.Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=['fault'])
    assert (stuck.vm_state, stuck.task_state) == (V.RESIZED, T.RESIZE_CONFIRMING)
    assert 'source disk busy' in stuck.fault.details
    assert (migration.uuid, source) in _claims(ctx)  # the source's claim stays
    events = objects.InstanceActionEventList.get_by_action(
        ctx, objects.InstanceAction.get_by_request_id(ctx, instance.uuid,
                                                      ctx.request_id).id)
    assert [e.result for e in events if e.event == 'compute_confirm_resize'] == ['Error']
    manager.confirm_resize(ctx, stuck, _migration(ctx, instance))
    done = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert (done.vm_state, done.task_state) == (V.ACTIVE, None)
    assert _migration(ctx, instance).status == M.CONFIRMED
    assert migration.uuid not in {c for c, _ in _claims(ctx)}


class _Direct:
    """A compute client whose confirm_resize runs the source's step in this thread."""

    def __init__(self, manager):
        self.manager = manager

    def confirm_resize(self, context, instance, migration):
        self.manager.confirm_resize(context, instance, migration)


def test_a_host_keeping_disks_elsewhere_refuses_and_the_next_host_takes_it(core, ctx):
    """The host that made a server's disks records their storage; a destination that
    keeps disks elsewhere (files, for a server on RBD) refuses in prep_resize before it
    claims, and the resize goes on to the scheduler's next host."""
    drivers = {h: core.compute(h).driver for h in ('host1', 'host2', 'host3')}
    filler = str(uuid.uuid4())
    for driver in drivers.values():
        driver.storage = 'rbd'
    try:
        instance = _boot(ctx)
        assert objects.Instance.get_by_uuid(ctx, instance.uuid).system_metadata[
            'disk_storage'] == 'rbd'
        files_host, rbd_host = sorted(h for h in drivers if h != instance.host)
        drivers[files_host].storage = 'file'
        # The files host has the most free memory: the scheduler's first choice.
        node = objects.ComputeNode.get_by_host_and_nodename(ctx, rbd_host, rbd_host)
        objects.ResourceClaim.claim(ctx, filler, node.id, {'MEMORY_MB': 1024})
        _resize(ctx, instance, 'm1.small')
        resized = _resized(ctx, instance)
        assert resized.host == rbd_host
        assert ('prepare_migration_target', instance.uuid) not in \
            drivers[files_host].calls
        assert (instance.uuid, files_host) not in _claims(ctx)
        fault = objects.InstanceFault.get_latest_for_instance(ctx, instance.uuid)
        assert 'RBD images in a Ceph pool' in fault.message
    finally:
        objects.ResourceClaim.release(ctx, filler)
        for driver in drivers.values():
            driver.storage = None


def test_resize_then_revert(core, ctx):
    instance = _boot(ctx)
    source = instance.host
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    resize_begin.begin_revert(ctx, resized, migration, compute_rpcapi.ComputeAPI())
    back = wait_instance(ctx, instance.uuid,
                         lambda i: i.vm_state == V.ACTIVE and i.task_state is None)
    assert back.host == source and back.flavor.name == 'm1.tiny'
    assert back.power_state == states.PowerState.RUNNING
    assert _migration(ctx, instance).status == M.REVERTED
    assert _claims(ctx) == {(instance.uuid, source): {'VCPU': 1, 'MEMORY_MB': 512,
                                                      'DISK_GB': 1}}
    assert instance.uuid not in core.compute(resized.host).driver.list_instance_uuids()
    assert core.compute(source).driver.get_info(back).power_state == \
        states.PowerState.RUNNING


def test_resize_of_a_stopped_server_stays_stopped(core, ctx):
    instance = _boot(ctx)
    instance.task_state = T.POWERING_OFF
    instance.save(expected_task_state=None, operation='stop')
    compute_rpcapi.ComputeAPI().stop_instance(ctx, instance)
    stopped = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.STOPPED)
    _resize(ctx, stopped, 'm1.small')
    resized = _resized(ctx, instance)
    assert resized.power_state == states.PowerState.SHUTDOWN
    resize_begin.begin_confirm(ctx, resized, _migration(ctx, instance), compute_rpcapi.ComputeAPI())
    done = wait_instance(ctx, instance.uuid,
                         lambda i: i.task_state is None and i.vm_state != V.RESIZED)
    assert done.vm_state == V.STOPPED


def test_cold_migration_keeps_the_flavor(core, ctx):
    instance = _boot(ctx)
    _resize(ctx, instance, 'm1.tiny')
    moved = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    assert migration.migration_type == states.MigrationType.MIGRATION
    assert moved.host != instance.host and moved.flavor.name == 'm1.tiny'


def test_target_host_is_honoured(core, ctx):
    instance = _boot(ctx)
    target = 'host3' if instance.host != 'host3' else 'host2'
    _resize(ctx, instance, 'm1.tiny', target_host=target)
    assert _resized(ctx, instance).host == target


def test_disks_go_to_the_address_the_destination_gives(core, ctx, monkeypatch):
    """The destination records its migration address ([libvirt]/migration_address) as
    the migration's dest_host; the source copies the disks there."""
    instance = _boot(ctx)
    target = 'host3' if instance.host != 'host3' else 'host2'
    monkeypatch.setattr(core.compute(target).driver, 'migration_address',
                        lambda: '192.0.2.7')
    source_driver = core.compute(instance.host).driver
    copied_to = []
    real_move = source_driver.migrate_disk_and_power_off
    monkeypatch.setattr(source_driver, 'migrate_disk_and_power_off',
                        lambda c, i, dest_host, f: copied_to.append(dest_host) or
                        real_move(c, i, dest_host, f))
    _resize(ctx, instance, 'm1.tiny', target_host=target)
    assert _resized(ctx, instance).host == target
    migration = _migration(ctx, instance)
    assert (migration.dest_compute, migration.dest_host) == (target, '192.0.2.7')
    assert copied_to == ['192.0.2.7']


def _only_source_enabled(ctx, source):
    for svc in objects.ServiceList.get_all(ctx, {'binary': 'nimbus-compute'}):
        if svc.host != source:
            svc.disabled = True
            svc.save()


def test_same_host_resize_refused_by_default(core, ctx):
    instance = _boot(ctx)
    _only_source_enabled(ctx, instance.host)
    _resize(ctx, instance, 'm1.small')
    back = wait_instance(ctx, instance.uuid, lambda i: i.task_state is None)
    assert back.vm_state == V.ACTIVE and back.flavor.name == 'm1.tiny'
    assert 'No valid host' in back.fault.message
    assert _migration(ctx, instance).status == M.ERROR
    assert _claims(ctx) == {(instance.uuid, instance.host): {'VCPU': 1, 'MEMORY_MB': 512,
                                                             'DISK_GB': 1}}


def test_same_host_resize_when_allowed(core, ctx):
    CONF.set_override('allow_resize_to_same_host', True, group='compute')
    try:
        instance = _boot(ctx)
        _only_source_enabled(ctx, instance.host)
        _resize(ctx, instance, 'm1.small')
        resized = _resized(ctx, instance)
        assert resized.host == instance.host
        migration = _migration(ctx, instance)
        resize_begin.begin_confirm(ctx, resized, migration, compute_rpcapi.ComputeAPI())
        wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
        assert _claims(ctx) == {(instance.uuid, instance.host): {
            'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 20}}
    finally:
        CONF.clear_override('allow_resize_to_same_host', group='compute')


def test_failed_destination_reschedules_to_an_alternate(core, ctx):
    instance = _boot(ctx)
    assert instance.host == 'host1'  # ties break by host name
    core.compute('host2').driver.fail_on['prepare_migration_target'] = \
        exception.NimbusException('host2 cannot take it')
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    assert resized.host == 'host3'
    migration = _migration(ctx, instance)
    assert migration.dest_compute == 'host3'
    assert set(_claims(ctx)) == {(instance.uuid, 'host3'), (migration.uuid, 'host1')}


def test_failed_destination_without_alternates_rolls_back(core, ctx):
    instance = _boot(ctx)
    for host in ('host2', 'host3'):
        core.compute(host).driver.fail_on['prepare_migration_target'] = \
            exception.NimbusException('%s cannot take it' % host)
    _resize(ctx, instance, 'm1.small')
    back = wait_instance(ctx, instance.uuid, lambda i: i.task_state is None)
    assert back.vm_state == V.ACTIVE and back.host == 'host1'
    assert 'cannot take it' in back.fault.message
    assert _migration(ctx, instance).status == M.ERROR
    assert _claims(ctx) == {(instance.uuid, 'host1'): {'VCPU': 1, 'MEMORY_MB': 512,
                                                       'DISK_GB': 1}}


def test_failure_after_the_move_leaves_error_not_a_task_state(core, ctx):
    instance = _boot(ctx)
    for host in ('host2', 'host3'):
        core.compute(host).driver.fail_on['finish_migration'] = \
            exception.NimbusException('disk would not grow')
    _resize(ctx, instance, 'm1.small')
    failed = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ERROR)
    assert failed.task_state is None
    assert 'disk would not grow' in failed.fault.message
    assert _migration(ctx, instance).status == M.ERROR


def test_delete_while_verify_resize_cleans_both_hosts(core, ctx):
    instance = _boot(ctx)
    source = instance.host
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    resized.task_state = T.DELETING
    resized.save(expected_task_state=None, operation='delete')
    compute_rpcapi.ComputeAPI().terminate_instance(ctx, resized)
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.DELETED)
    poll(lambda: _migration(ctx, instance).status == M.CONFIRMED)
    assert _claims(ctx) == {}
    assert core.compute(source).driver.resize_leftovers() == set()
    assert instance.uuid not in core.compute(resized.host).driver.list_instance_uuids()


def test_auto_confirm_after_the_window(core, ctx):
    instance = _boot(ctx)
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    dest = core.compute(resized.host)
    assert dest.confirm_expired_resizes() == 0  # window 0: off
    CONF.set_override('resize_confirm_window', 1, group='compute')
    try:
        assert dest.confirm_expired_resizes() == 0  # not old enough yet
        import time
        time.sleep(1.1)
        assert dest.confirm_expired_resizes() == 1
        assert any(task == dest.confirm_expired_resizes
                   for _, task in dest.periodic_tasks())
    finally:
        CONF.clear_override('resize_confirm_window', group='compute')
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    assert _migration(ctx, instance).status == M.CONFIRMED


def test_redelivered_steps_do_nothing_twice(core, ctx):
    instance = _boot(ctx)
    _resize(ctx, instance, 'm1.small')
    resized = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    api = compute_rpcapi.ComputeAPI()
    api.prep_resize(ctx, resized.host, resized, resized.flavor, migration, [])
    api.resize_instance(ctx, resized, migration, resized.flavor)
    api.finish_resize(ctx, resized, migration)
    conductor_rpcapi.ConductorAPI().migrate_server(ctx, resized, resized.flavor)
    import time
    time.sleep(0.5)
    again = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert (again.vm_state, again.task_state, again.host) == (V.RESIZED, None, resized.host)
    dest_calls = core.compute(resized.host).driver.calls
    assert dest_calls.count(('finish_migration', instance.uuid)) == 1
    assert len(_claims(ctx)) == 2


def test_the_migrate_task_starts_a_move_in_four_transactions(core, ctx):
    """The conductor's part of a resize: the step's read (its event started with it),
    the migration looked for and made with the source claim handed to it (its node
    looked up, and the hints the server was built with read, with it), the
    scheduler's claim, the destination recorded (with the instance's other claims
    dropped and the event ended)."""
    instance = _boot(ctx)
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    flavor = _flavor(ctx, 'm1.small')
    instance.task_state = T.RESIZE_PREP
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, operation='resize')
    dest = next(h for h in ('host1', 'host2', 'host3') if h != instance.host)
    scheduler = fakes.ClaimingOn(ctx, dest)
    before = stats.snapshot()
    with stats.role('migrate-task'):
        migrate.MigrationTask(ctx, instance, flavor, scheduler,
                              compute_rpcapi.ComputeAPI()).execute()
    counts = stats.since(before).get('migrate-task', {})
    assert counts['txn']['BEGIN'] == 4, counts
    migration = _migration(ctx, instance)
    assert (migration.status, migration.dest_compute) == (M.PRE_MIGRATING, dest)
    action = objects.InstanceAction.get_by_request_id(ctx, instance.uuid, ctx.request_id)
    events = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    assert [(e.result, bool(e.finish_time)) for e in events
            if e.event == migrate.EVENT] == [('Success', True)]
    _resized(ctx, instance)


@pytest.mark.parametrize('with_instance', [False, True])
def test_a_migration_written_confirmed_holds_no_claim(core, ctx, with_instance):
    instance = _boot(ctx)
    _resize(ctx, instance, 'm1.small')
    instance = _resized(ctx, instance)
    migration = _migration(ctx, instance)
    assert (migration.uuid, migration.source_compute) in _claims(ctx)
    migration.status = M.CONFIRMED
    if with_instance:  # as confirm_resize writes it
        instance.task_state = T.RESIZE_CONFIRMING
        instance.save(expected_task_state=None, operation='confirm_resize')
        instance.vm_state, instance.task_state = V.ACTIVE, None
        instance.save_with_migration(migration, (M.FINISHED,),
                                     expected_task_state=T.RESIZE_CONFIRMING,
                                     operation='confirm_resize')
    else:  # as the source's clean-up of a server deleted meanwhile writes it
        migration.save(expected_status=(M.FINISHED,))
    assert not [key for key in _claims(ctx) if key[0] == migration.uuid]
    assert (instance.uuid, migration.dest_compute) in _claims(ctx)


def test_a_move_steps_first_writes_go_with_its_read_and_only_forward(ctx):
    """``get_for_move_step(begin=, begin_status=, new_flavor=)``: from the states before
    them, the task state, migration status and new flavor are written with the read;
    from later states (a step delivered again) nothing is written."""
    T, M = states.TaskState, states.MigrationStatus
    instance = new_instance(ctx)
    small = next(f for f in objects.FlavorList.get_all(ctx) if f.name == 'm1.small')
    migration = moves.as_prep_resize_leaves_it(ctx, instance, new_flavor=small)

    def resize_read():
        return moves.resize_step_read(ctx, instance, migration)

    found, moved = resize_read()
    assert (found.task_state, moved.status) == (T.RESIZE_MIGRATING, M.MIGRATING)
    assert not found.obj_what_changed() and not moved.obj_what_changed()
    assert objects.Migration.get_by_id(ctx, migration.id).status == M.MIGRATING
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.RESIZE_MIGRATING
    # The move's end (as resize_instance writes it), then the step delivered again:
    # nothing goes back.
    found.task_state, moved.status = T.RESIZE_MIGRATED, M.POST_MIGRATING
    found.save_with_migration(moved, (M.MIGRATING,), expected_task_state=T.RESIZE_MIGRATING,
                              operation='resize')
    found, moved = resize_read()
    assert (found.task_state, moved.status) == (T.RESIZE_MIGRATED, M.POST_MIGRATING)
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.RESIZE_MIGRATED

    def finish_read():
        return objects.Instance.get_for_move_step(
            ctx, instance.uuid, migration.id, [M.POST_MIGRATING, M.FINISHED], 'resize',
            (T.RESIZE_MIGRATED, T.RESIZE_FINISH), begin=T.RESIZE_FINISH, new_flavor=True)

    found, _ = finish_read()
    assert (found.task_state, found.flavor.name) == (T.RESIZE_FINISH, 'm1.small')
    stored = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert (stored.task_state, stored.flavor.name) == (T.RESIZE_FINISH, 'm1.small')
    # the sizes the quotas count come with the flavor
    assert (stored.vcpus, stored.memory_mb, stored.root_gb) == (
        small.vcpus, small.memory_mb, small.root_gb)
    assert (found.memory_mb, found.updated_at) == (small.memory_mb, stored.updated_at)
    assert finish_read()[0].updated_at == stored.updated_at  # again: nothing written
