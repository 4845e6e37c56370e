"""The fast tiers' computes reach the database as a compute process does: their object
calls go to the conductor over the bus (object indirection), while the conductor and
the API in the same process reach it directly."""
import logging

from oslo_utils import uuidutils
import pytest

from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common.objects import base as obj_base
from svc_common.objects import instance as instance_obj
from svc_common import resize_begin
from svc_common import states
from svc_common import stats
from tests.functional.conftest import new_instance
from tests.functional.conftest import wait_instance

V = states.VmState


def test_a_computes_object_calls_cross_the_bus_to_the_conductor(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    calls = list(core.bus.calls)
    # The step's reload, which starts its action event too (no call of its own);
    assert calls.count(('object_class_action_versions', 'get_for_step')) == 1
    assert ('object_class_action_versions', 'event_start') not in calls
    # the guest's NICs (its addresses) came with that read, and so did spawning;
    assert ('object_class_action_versions', 'get_by_instance') not in calls
    # then active, which also ends the event (no call of its own)
    assert calls.count(('object_action', 'save')) == 1
    assert ('object_class_action_versions', 'event_finish') not in calls


def test_a_move_step_reads_its_migration_and_instance_in_one_call(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    instance = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    flavor = next(f for f in objects.FlavorList.get_all(ctx) if f.name == 'm1.small')
    instance.task_state = states.TaskState.RESIZE_PREP
    instance.new_flavor = flavor
    instance.save(expected_task_state=None, operation='resize')
    core.bus.calls.clear()
    core.conductor_rpcapi.migrate_server(ctx, instance, flavor)
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.RESIZED)
    calls = list(core.bus.calls)
    # prep_resize, resize_instance and finish_resize: one read each, nothing else read
    # for the migration
    assert calls.count(('object_class_action_versions', 'get_for_move_step')) == 3
    assert ('object_class_action_versions', 'get_by_id') not in calls
    assert ('object_class_action_versions', 'get_for_step') not in calls
    # resize_instance's first writes of the instance and migration (the start of the
    # move) go with its read, the last ones together; finish_resize's first write (the
    # new flavor) with its read, its last writes of both together.
    assert calls.count(('object_action', 'save_with_migration')) == 2
    # prep_resize: read (the conductor's claim on it found there), last save;
    # resize_instance: read (and the move's start), last write; finish_resize: read
    # (the addresses and the new flavor with it), last write.
    assert ('object_class_action_versions', 'ensure') not in calls
    assert ('object_class_action_versions', 'get_by_host_and_nodename') not in calls
    assert ('object_class_action_versions', 'get_by_consumer') not in calls
    assert ('object_class_action_versions', 'get_by_instance') not in calls
    assert len(calls) == 6, calls
    core.bus.calls.clear()
    instance = objects.Instance.get_by_uuid(ctx, instance.uuid)
    migration = objects.MigrationList.get_by_filters(
        ctx, {'instance_uuid': instance.uuid})[0]
    resize_begin.begin_confirm(ctx, instance, migration, core.compute_rpcapi)
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    calls = list(core.bus.calls)
    # confirm_resize: the instance and migration read together, then both written
    # together (the migration's claim goes with its confirmed status).
    assert calls.count(('object_class_action_versions', 'get_for_move_step')) == 1
    assert ('object_class_action_versions', 'get_by_id') not in calls
    assert ('object_class_action_versions', 'get_for_step') not in calls
    assert ('object_class_action_versions', 'release') not in calls
    assert len(calls) == 2, calls


def test_only_the_computes_threads_are_routed(core):
    assert obj_base.NimbusObject.indirection_api is None  # this thread: the process's
    with stats.role('compute'):
        assert obj_base.NimbusObject.indirection_api is core.conductor_rpcapi
    with stats.role('conductor'):
        assert obj_base.NimbusObject.indirection_api is None
    with stats.role('api'):
        assert obj_base.NimbusObject.indirection_api is None


def test_an_answer_like_not_found_is_the_callers_not_an_error_of_the_conductor(
        core, caplog):
    """A domain error (a record gone, a lost compare-and-swap) reaches the compute as
    itself, and the conductor's RPC server does not log it as an error of its own."""
    ctx = nimbus_context.get_admin_context()
    missing = uuidutils.generate_uuid()
    with caplog.at_level(logging.DEBUG, logger='oslo_messaging.rpc.server'):
        with stats.role('compute'):
            with pytest.raises(exception.InstanceNotFound):
                objects.Instance.get_by_uuid(ctx, missing)
    records = [r for r in caplog.records if r.name == 'oslo_messaging.rpc.server']
    assert [r.levelname for r in records if r.levelno > logging.DEBUG] == []
    assert any('Expected exception' in r.getMessage() for r in records)


def test_a_save_sends_back_only_the_nested_objects_it_replaced(core, monkeypatch):
    """A write that leaves the instance's flavor and addresses as they were sends them
    back to the compute no more (a Flavor's primitive is costly), a change of
    system_metadata included; one that read the row back (as on MySQL) made new ones,
    and sends those."""
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    instance = new_instance(ctx)
    core.conductor_rpcapi.build_instances(ctx, [instance], None)
    wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    conductor = core.services[0].manager
    instance = objects.Instance.get_by_uuid(ctx, instance.uuid)
    instance.fixed_ips = objects.FixedIPList.get_by_instance(ctx, instance.uuid)
    instance.obj_reset_changes()
    instance.display_name = 'renamed'
    updates, _ = conductor.object_action(ctx, instance, 'save', (), {})
    assert {'flavor', 'fixed_ips'}.isdisjoint(updates)
    assert 'updated_at' in updates
    instance.system_metadata = dict(instance.system_metadata, note='x')
    updates, _ = conductor.object_action(ctx, instance, 'save', (), {})
    assert {'flavor', 'fixed_ips'}.isdisjoint(updates)
    monkeypatch.setattr(instance_obj, '_swapped', lambda *args: False)
    instance.display_name = 'read back'
    updates, _ = conductor.object_action(ctx, instance, 'save', (), {})
    assert 'flavor' in updates
    monkeypatch.undo()
    instance.flavor.description = 'changed in place'
    updates, _ = conductor.object_action(ctx, instance, 'save', (), {})
    assert 'flavor' in updates  # a nested object's own change goes back too
