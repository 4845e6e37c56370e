"""rebuild_instance on a compute host: delivered twice, killed at each of its fault
points and resumed by start-up recovery, its cast lost and re-sent by the reconciler;
each time the server ends rebuilt once, from the image its record names."""
import pytest

from compute_svc import rebuild
from compute_svc import recovery
from svc_common import compute_rpcapi
from svc_common import conductor_rpcapi
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import faults
from svc_common import objects
from svc_common import states
from tests.functional.conftest import new_instance
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance

V, T, P = states.VmState, states.TaskState, states.PowerState
NEW_IMAGE = 'f5a1c3e2-7d4b-4c1e-9a0f-3b2d1e0c9a8b'


class Killed(BaseException):
    """The process dying at a fault point: no handler below the test catches it."""


@pytest.fixture
def ctx(core):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


def _active(ctx, stopped=False):
    instance = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    instance = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ACTIVE)
    if stopped:
        instance.vm_state, instance.power_state = V.STOPPED, P.SHUTDOWN
        # as the power sync records it
        instance.save(expected_task_state=None, operation='sync_power_state')
    return instance


def _begin(ctx, instance):
    """What the API writes before it casts."""
    objects.InstanceAction.action_start(ctx, instance.uuid, 'rebuild')
    instance.image_ref = NEW_IMAGE
    instance.task_state = T.REBUILDING
    instance.save(expected_task_state=None, operation='rebuild')
    return instance


def _calls(core, instance):
    driver = core.compute(instance.host).driver
    return [name for name, uuid in driver.calls if uuid == instance.uuid]


def _rebuilt(ctx, instance, vm_state=V.ACTIVE):
    return wait_instance(ctx, instance.uuid,
                         lambda i: i.task_state is None and i.vm_state == vm_state)


def test_a_second_delivery_does_nothing(core, ctx):
    instance = _begin(ctx, _active(ctx))
    manager = core.compute(instance.host)
    before = len(_calls(core, instance))
    manager.rebuild_instance(ctx, instance)
    manager.rebuild_instance(ctx, instance)
    done = _rebuilt(ctx, instance)
    assert _calls(core, instance)[before:] == ['power_off', 'destroy', 'create_disks',
                                               'spawn']
    assert (done.image_ref, done.power_state) == (NEW_IMAGE, P.RUNNING)
    assert done.launched_at > instance.launched_at
    assert manager.driver.get_info(done).power_state == P.RUNNING


@pytest.mark.parametrize('point, task_after', [
    ('rebuild.after_destroy', T.REBUILDING),
    ('rebuild.after_disk', T.REBUILD_BLOCK_DEVICE_MAPPING),
    ('rebuild.after_spawn', T.REBUILD_SPAWNING),
])
@pytest.mark.parametrize('stopped', [False, True])
def test_killed_at_each_point_recovery_finishes(core, ctx, monkeypatch, point, task_after,
                                                stopped):
    instance = _begin(ctx, _active(ctx, stopped))
    manager = core.compute(instance.host)
    real_point = faults.point

    def die_at(name):
        real_point(name)
        if name == point:
            raise Killed(name)
    monkeypatch.setattr(rebuild.faults, 'point', die_at)
    with pytest.raises(Killed):
        rebuild.rebuild_instance(manager, ctx, instance)
    monkeypatch.undo()
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == task_after
    before = _calls(core, instance)

    assert recovery.recover(manager, ctx) == {instance.uuid: 'rebuild_instance'}
    done = _rebuilt(ctx, instance, V.STOPPED if stopped else V.ACTIVE)
    again = _calls(core, instance)[len(before):]
    assert again == {'rebuild.after_destroy': ['power_off', 'destroy', 'create_disks',
                                               'spawn'],
                     'rebuild.after_disk': ['create_disks', 'spawn'],
                     'rebuild.after_spawn': ['spawn']}[point]
    power = P.SHUTDOWN if stopped else P.RUNNING
    assert (done.image_ref, done.power_state) == (NEW_IMAGE, power)
    assert manager.driver.get_info(done).power_state == power
    assert manager.driver.list_instance_uuids().count(instance.uuid) == 1


def test_a_failure_leaves_error_with_a_fault(core, ctx):
    instance = _begin(ctx, _active(ctx))
    core.compute(instance.host).driver.fail_on['spawn'] = RuntimeError('no room for it')
    compute_rpcapi.ComputeAPI().rebuild_instance(ctx, instance)
    failed = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == V.ERROR)
    assert failed.task_state is None
    assert 'no room for it' in failed.fault.details


def test_a_lost_cast_is_sent_again_by_the_reconciler(core, ctx, monkeypatch):
    CONF.set_override('reconcile_after', 1, group='conductor')
    try:
        instance = _begin(ctx, _active(ctx))
        core.bus.lose('rebuild_instance')
        core.compute_rpcapi.rebuild_instance(ctx, instance)
        assert [kwargs['instance'].uuid for _, _, kwargs in core.bus.lost_casts] == [
            instance.uuid]
        conductor = core.services[0].manager
        poll(lambda: conductor.reconcile().get(instance.uuid) == 'rebuild_instance',
             timeout=5, interval=0.2, what='the reconciler to re-send rebuild_instance')
        assert _rebuilt(ctx, instance).image_ref == NEW_IMAGE
    finally:
        CONF.clear_override('reconcile_after', group='conductor')


def test_a_delete_meanwhile_wins(core, ctx):
    instance = _begin(ctx, _active(ctx))
    deleting = objects.Instance.get_by_uuid(ctx, instance.uuid)
    deleting.task_state = T.DELETING
    deleting.save(expected_task_state=T.REBUILDING, operation='delete')
    manager = core.compute(instance.host)
    before = len(_calls(core, instance))
    manager.rebuild_instance(ctx, instance)
    assert _calls(core, instance)[before:] == []
