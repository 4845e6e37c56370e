"""pause/unpause/suspend/resume/rescue/unrescue on a compute host: delivered twice,
killed at their fault points and resumed by start-up recovery, their casts lost and
re-sent by the reconciler, and their notifications; each time the driver does the step
once more at most, and the server ends where the step takes it."""

import oslo_messaging as messaging
import pytest

from compute_svc import guest_actions
from svc_common import guest_actions as actions_table
from compute_svc import recovery
from svc_common.conf import CONF
from svc_common import compute_rpcapi
from svc_common import conductor_rpcapi
from svc_common import context as nimbus_context
from svc_common import faults
from svc_common import objects
from svc_common import rpc
from tests.functional.conftest import new_instance
from tests.functional.conftest import NOTIFYING
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance
from tests.functional.test_notifications import _Collector

HOLDS = actions_table.ACTIONS
# step -> the vm_state it starts from
STARTS_FROM = {'pause': 'active', 'unpause': 'paused', 'suspend': 'active',
               'resume': 'suspended', 'rescue': 'active', 'unrescue': 'rescued',
               'soft_delete': 'active', 'restore': 'soft-delete'}
BEFORE = {'unpause': 'pause', 'resume': 'suspend', 'unrescue': 'rescue',
          'restore': 'soft_delete'}
# step -> the driver method it calls (by default the step's name)
DRIVER_CALLS = {'soft_delete': 'power_off', 'restore': 'power_on'}


class Killed(BaseException):
    """The process dying at a fault point."""


@pytest.fixture
def ctx(core):
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


def _begin(ctx, instance, name):
    """What the API writes before it casts."""
    objects.InstanceAction.action_start(ctx, instance.uuid, name)
    instance.task_state = HOLDS[name].task_state
    instance.save(expected_task_state=None, operation=name)
    return instance


def _ready(core, ctx, name):
    """An instance in the state ``name`` starts from, with ``name`` begun."""
    instance = new_instance(ctx)
    conductor_rpcapi.ConductorAPI().build_instances(ctx, [instance], None)
    instance = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == 'active')
    if name in BEFORE:
        guest_actions.run(core.compute(instance.host), ctx,
                          _begin(ctx, instance, BEFORE[name]), BEFORE[name])
        instance = objects.Instance.get_by_uuid(ctx, instance.uuid)
    assert instance.vm_state == STARTS_FROM[name]
    return _begin(ctx, instance, name)


def _calls(core, instance):
    return [n for n, uuid in core.compute(instance.host).driver.calls if uuid == instance.uuid]


def _done(ctx, instance, name):
    hold = HOLDS[name]
    done = wait_instance(ctx, instance.uuid, lambda i: i.task_state is None)
    assert (done.vm_state, done.power_state) == (hold.vm_state, hold.power_state)
    return done


@pytest.mark.parametrize('name', sorted(HOLDS))
def test_a_second_delivery_does_nothing(core, ctx, name):
    instance = _ready(core, ctx, name)
    manager = core.compute(instance.host)
    before = len(_calls(core, instance))
    getattr(manager, '%s_instance' % name)(ctx, instance)
    getattr(manager, '%s_instance' % name)(ctx, instance)
    done = _done(ctx, instance, name)
    assert _calls(core, instance)[before:] == [DRIVER_CALLS.get(name, name)]
    assert manager.driver.get_info(done).power_state == HOLDS[name].power_state


@pytest.mark.parametrize('name', sorted(HOLDS))
def test_killed_after_the_driver_recovery_finishes(core, ctx, monkeypatch, name):
    instance = _ready(core, ctx, name)
    manager = core.compute(instance.host)
    real_point = faults.point

    def die_at(point):
        real_point(point)
        if point == '%s.after_driver' % name:
            raise Killed(point)
    monkeypatch.setattr(faults, 'point', die_at)
    with pytest.raises(Killed):
        guest_actions.run(manager, ctx, instance, name)
    monkeypatch.undo()
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == \
        HOLDS[name].task_state
    before = len(_calls(core, instance))
    assert recovery.recover(manager, ctx) == {instance.uuid: '%s_instance' % name}
    done = _done(ctx, instance, name)
    # the driver's step again: harmless
    assert _calls(core, instance)[before:] == [DRIVER_CALLS.get(name, name)]
    assert manager.driver.get_info(done).power_state == HOLDS[name].power_state


def test_a_lost_cast_is_sent_again_by_the_reconciler(core, ctx, monkeypatch):
    CONF.set_override('reconcile_after', 1, group='conductor')
    try:
        instance = _ready(core, ctx, 'pause')
        core.bus.lose('pause_instance')
        core.compute_rpcapi.pause_instance(ctx, instance)
        assert [kwargs['instance'].uuid for _, _, kwargs in core.bus.lost_casts] == [
            instance.uuid]
        conductor = core.services[0].manager
        poll(lambda: conductor.reconcile().get(instance.uuid) == 'pause_instance',
             timeout=5, interval=0.2, what='the reconciler to re-send pause_instance')
        _done(ctx, instance, 'pause')
    finally:
        CONF.clear_override('reconcile_after', group='conductor')


@NOTIFYING
def test_notifications(core, ctx):
    collector = _Collector()
    listener = messaging.get_notification_listener(
        rpc.get_notification_transport(),
        [messaging.Target(topic='versioned_notifications')], [collector],
        executor='threading')
    listener.start()
    try:
        instance = _ready(core, ctx, 'pause')
        api = compute_rpcapi.ComputeAPI()
        api.pause_instance(ctx, instance)
        names = ('pause', 'unpause', 'suspend', 'resume', 'rescue', 'unrescue',
                 'soft_delete', 'restore')
        for previous, name in zip(names, names[1:]):
            instance = _begin(ctx, _done(ctx, instance, previous), name)
            getattr(api, '%s_instance' % name)(ctx, instance)
        _done(ctx, instance, 'restore')
        wanted = ['instance.%s.%s' % (name, phase) for name in names
                  for phase in ('start', 'end')]
        poll(lambda: set(wanted) <= {e[0] for e in collector.events},
             what='all the notifications')
    finally:
        listener.stop()
        listener.wait()
    payload = next(p for e, _publisher, p in collector.events
                   if e == 'instance.suspend.end')
    assert (payload['uuid'], payload['state']) == (instance.uuid, 'suspended')


def test_a_rescue_boots_the_image_the_record_names(core, ctx):
    instance = _ready(core, ctx, 'rescue')
    instance.system_metadata = dict(instance.system_metadata or {},
                                    **{actions_table.RESCUE_IMAGE: 'rescue-image'})
    instance.save()
    manager = core.compute(instance.host)
    manager.rescue_instance(ctx, instance)
    _done(ctx, instance, 'rescue')
    assert 'rescue from rescue-image' in manager.driver.get_console_output(ctx, instance)


def test_a_failed_rescue_leaves_error_with_a_fault(core, ctx):
    instance = _ready(core, ctx, 'rescue')
    core.compute(instance.host).driver.fail_on['rescue'] = RuntimeError('no rescue disk')
    compute_rpcapi.ComputeAPI().rescue_instance(ctx, instance)
    failed = wait_instance(ctx, instance.uuid, lambda i: i.vm_state == 'error')
    assert failed.task_state is None
    assert 'no rescue disk' in failed.fault.details
