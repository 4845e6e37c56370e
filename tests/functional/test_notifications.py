"""Versioned notifications for every resize step, start and end, on the
versioned_notifications topic."""
import threading

import oslo_messaging as messaging
import pytest

from svc_common import resize_begin
from svc_common import compute_rpcapi
from svc_common import context as nimbus_context
from svc_common import notifications
from svc_common import rpc
from svc_common import stats
from tests.functional.conftest import NOTIFYING
from tests.functional.conftest import poll
from tests.functional.conftest import wait_instance
from tests.functional import test_resize_rpc as helpers


class _Collector:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.events.append((event_type, publisher_id, payload))


@NOTIFYING
def test_resize_confirm_and_revert_notify(core):
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    collector = _Collector()
    listener = messaging.get_notification_listener(
        rpc.get_notification_transport(),
        [messaging.Target(topic='versioned_notifications')], [collector],
        executor='threading')
    listener.start()
    try:
        instance = helpers._boot(ctx)
        for end, begin in (('confirm', resize_begin.begin_confirm),
                           ('revert', resize_begin.begin_revert)):
            helpers._resize(ctx, instance, 'm1.small' if end == 'confirm' else 'm1.medium')
            resized = helpers._resized(ctx, instance)
            migration = helpers._migration(ctx, instance)
            begin(ctx, resized, migration, compute_rpcapi.ComputeAPI())
            instance = wait_instance(ctx, instance.uuid,
                                     lambda i: i.vm_state == 'active' and not i.task_state)
        wanted = ['instance.%s.%s' % (action, phase)
                  for action in ('resize_prep', 'resize', 'resize_finish', 'resize_confirm',
                                 'resize_revert')
                  for phase in ('start', 'end')]
        poll(lambda: set(wanted) <= {e[0] for e in collector.events},
             what='all resize notifications')
    finally:
        listener.stop()
        listener.wait()
    event_type, publisher, payload = next(e for e in collector.events
                                          if e[0] == 'instance.resize_finish.end')
    assert publisher.startswith('nimbus-compute:')
    assert payload['uuid'] == instance.uuid
    assert payload['migration']['status'] == 'finished'
    assert payload['flavor']['name'] == 'm1.small'


@NOTIFYING
def test_live_migration_notifies(core):
    from tests.functional import test_live_migration_rpc as live_helpers
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    collector = _Collector()
    listener = messaging.get_notification_listener(
        rpc.get_notification_transport(),
        [messaging.Target(topic='versioned_notifications')], [collector],
        executor='threading')
    listener.start()
    try:
        instance = live_helpers._active(core, ctx)
        live_helpers._live_migrate(core, ctx, instance)
        live_helpers._done(ctx, instance)
        wanted = ['instance.%s.%s' % (action, phase)
                  for action in ('live_migration_pre', 'live_migration',
                                 'live_migration_post')
                  for phase in ('start', 'end')]
        poll(lambda: set(wanted) <= {e[0] for e in collector.events},
             what='all live migration notifications')
    finally:
        listener.stop()
        listener.wait()
    event_type, publisher, payload = next(e for e in collector.events
                                          if e[0] == 'instance.live_migration_post.end')
    assert payload['migration']['migration_type'] == 'live-migration'
    assert payload['migration']['status'] == 'completed'
    assert payload['host'] == publisher.split(':', 1)[1]  # the destination's


@pytest.mark.parametrize('notification_driver, sent', [
    (None, 0), ('noop', 0), ('messagingv2', 8)])
def test_the_operators_driver_turns_notifications_on(core, monkeypatch, sent):
    """No [oslo_messaging_notifications]/driver (the default), or only 'noop': a resize
    and its confirm send nothing and build no payload. messagingv2: every step's start
    and end go out (resize_prep, resize, resize_finish, resize_confirm)."""
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    built, done = [], []
    payload, notify = notifications.instance_payload, notifications.notify_instance
    monkeypatch.setattr(notifications, 'instance_payload',
                        lambda *args: built.append(args) or payload(*args))
    monkeypatch.setattr(notifications, 'notify_instance',
                        lambda *args: done.append(notify(*args)))
    instance = helpers._boot(ctx)
    before = stats.snapshot()
    helpers._resize(ctx, instance, 'm1.small')
    resized = helpers._resized(ctx, instance)
    resize_begin.begin_confirm(ctx, resized, helpers._migration(ctx, instance),
                               compute_rpcapi.ComputeAPI())
    poll(lambda: len(done) == 8, what='the 8 notify_instance calls of a resize')
    assert stats.totals(stats.since(before), 'notification') == sent
    assert len(built) == sent
    assert rpc.notifying() == bool(sent)
