"""Build and delete through the conductor and compute RPC APIs, without the REST API:
the core path every server takes."""
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from svc_common import conductor_rpcapi
from svc_common import compute_rpcapi
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common import states


def test_build_then_delete_releases_claims(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    active = poll(lambda: (lambda i: i if i.vm_state == 'active' else None)(
        objects.Instance.get_by_uuid(ctx, instance.uuid)))
    assert active.host in ('host1', 'host2')
    assert active.power_state == states.PowerState.RUNNING
    claims = objects.ResourceClaimList.get_by_consumer(ctx, instance.uuid)
    assert {c.resource_class: c.amount for c in claims} == {'VCPU': 1, 'MEMORY_MB': 512,
                                                            'DISK_GB': 1}
    active.task_state = states.TaskState.DELETING
    active.save(expected_task_state=None, operation='delete')
    compute_rpcapi.ComputeAPI().terminate_instance(ctx, active)
    poll(lambda: objects.Instance.get_by_uuid(ctx, instance.uuid, read_deleted='yes')
          .vm_state == 'deleted')
    assert len(objects.ResourceClaimList.get_by_consumer(ctx, instance.uuid)) == 0
    action = objects.InstanceAction.get_by_request_id(ctx, instance.uuid, ctx.request_id)
    # The delete's event finishes just after the record is marked deleted.
    events = poll(lambda: (lambda evs: evs if all(e.finish_time for e in evs) else None)(
        objects.InstanceActionEventList.get_by_action(ctx, action.id)))
    assert [e.event for e in events][:2] == ['conductor_schedule_and_build_instances',
                                             'compute_build_and_run_instance']
    assert all(e.result == 'Success' for e in events)


def _built_on(ctx, instance):
    return poll(lambda: (lambda i: i if i.vm_state == 'active' else None)(
        objects.Instance.get_by_uuid(ctx, instance.uuid))).host


def test_build_is_scheduled_by_the_stored_request_spec(core):
    """The cast carries no spec; the stored one forces host3, where the scheduler
    would not go by itself (equal hosts rank by name: the next free build takes host1)."""
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    pinned = new_instance(ctx, request_spec=objects.RequestSpec(force_host='host3'))
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [pinned], None)
    assert _built_on(ctx, pinned) == 'host3'
    free = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [free], None)
    assert _built_on(ctx, free) == 'host1'


def test_a_version_1_0_cast_schedules_by_the_spec_it_carries(core):
    """An instance an older API stored without a spec: its cast's dict still counts."""
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    cctxt = conductor_rpcapi.ConductorAPI().client.prepare(version='1.0')
    cctxt.cast(ctx, 'build_instances', instances=[instance], image=None,
               request_spec={'force_host': 'host2', 'num_instances': 1})
    assert _built_on(ctx, instance) == 'host2'


def test_no_valid_host_leaves_error_with_fault(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx, 'm1.xlarge')  # fits: 8 vCPU / 16 GiB / 160 GB
    # Fake hosts have 16 GiB * 1.5 - 512 MiB schedulable memory.
    objects.Flavor(context=ctx, flavorid='99', name='huge', vcpus=1, memory_mb=64000,
                   root_gb=1).create()
    huge = new_instance(ctx, 'huge')
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance, huge], None)
    failed = poll(lambda: (lambda i: i if i.vm_state == 'error' else None)(
        objects.Instance.get_by_uuid(ctx, huge.uuid, expected_attrs=['fault'])))
    assert failed.task_state is None and failed.host is None
    assert 'No valid host' in failed.fault.message
    assert len(objects.ResourceClaimList.get_by_consumer(ctx, huge.uuid)) == 0


def test_redelivered_build_is_idempotent(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    api = conductor_rpcapi.ConductorAPI()
    api.build_instances(ctx, [instance], None)
    api.build_instances(ctx, [instance], None)
    active = poll(lambda: (lambda i: i if i.vm_state == 'active' else None)(
        objects.Instance.get_by_uuid(ctx, instance.uuid)))
    # deliver the compute step again after it finished
    compute_rpcapi.ComputeAPI().build_and_run_instance(ctx, active.host, active, None, {})
    compute_rpcapi.ComputeAPI().build_and_run_instance(ctx, active.host, active, None, {})
    import time
    time.sleep(0.3)
    driver = core.compute(active.host).driver
    assert [c for c in driver.calls if c == ('spawn', instance.uuid)] == [
        ('spawn', instance.uuid)]
    claims = objects.ResourceClaimList.get_by_consumer(ctx, instance.uuid)
    assert len(claims) == 3


def test_power_state_sync_records_a_guest_that_went_off(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    active = poll(lambda: (lambda i: i if i.vm_state == 'active' else None)(
        objects.Instance.get_by_uuid(ctx, instance.uuid)))
    manager = core.compute(active.host)
    assert manager.sync_power_states() == 0
    manager.driver.power_off(active)  # the guest shut itself down
    assert manager.sync_power_states() == 1
    synced = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert (synced.vm_state, synced.power_state) == ('stopped', states.PowerState.SHUTDOWN)
    assert manager.sync_power_states() == 0


def test_the_scheduling_event_rides_on_the_reload_and_the_host_save(core):
    """The conductor's scheduling event starts in the transaction of the build's reload
    and ends in that of the host's save: no transaction of its own."""
    from svc_common import stats
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    core.bus.calls.clear()
    before = stats.snapshot()
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    poll(lambda: objects.Instance.get_by_uuid(ctx, instance.uuid).vm_state == 'active')
    # The conductor's own (its object calls for the compute are one transaction each):
    # reload (+ event start, with the request spec and the earlier claims read in
    # it), scheduler's view, claim, host (+ event end, the other claims released with
    # it).
    own = stats.since(before)['conductor']['txn']['BEGIN'] - len(core.bus.calls)
    assert own == 4
    action = objects.InstanceAction.get_by_request_id(ctx, instance.uuid, ctx.request_id)
    events = objects.InstanceActionEventList.get_by_action(ctx, action.id)
    scheduling = [e for e in events if e.event == 'conductor_schedule_and_build_instances']
    assert [(e.result, bool(e.start_time)) for e in scheduling] == [('Success', True)]


def test_a_steps_first_task_state_is_written_with_its_read(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    T = states.TaskState
    instance = new_instance(ctx)  # scheduling; no build is sent

    def read(uuid):
        return objects.Instance.get_for_step(ctx, uuid, 'build', (T.SCHEDULING, T.SPAWNING),
                                             begin=T.SPAWNING)

    found = read(instance.uuid)
    assert found.task_state == T.SPAWNING and not found.obj_what_changed()
    stored = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert (stored.task_state, stored.updated_at) == (T.SPAWNING, found.updated_at)
    # There already (a step delivered again): nothing written.
    assert read(instance.uuid).updated_at == stored.updated_at
    # One lost to another writer: tests/integration/test_step_begin_race.py.

