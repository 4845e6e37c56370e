"""Compute heartbeats folded by the conductor: many casts, one write; a service is up
exactly as long as service_down_time allows after the heartbeat was *sent*."""
import datetime
from unittest import mock

import pytest

from conductor_svc import heartbeats
from conductor_svc import manager as conductor_manager
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common.objects import base as obj_base
from svc_common import service as service_mod
from svc_common import stats

UTC = datetime.timezone.utc


def _services(ctx, count):
    return [service_mod.register(ctx, 'h%d' % i, 'nimbus-compute', 'compute')
            for i in range(count)]


def _iso(when):
    return when.replace(tzinfo=None).isoformat()


def _reload(ctx, service):
    return objects.Service.get_by_id(ctx, service.id)


def test_many_heartbeats_are_one_transaction(ctx):
    services = _services(ctx, 50)
    batch = heartbeats.HeartbeatBatch()
    now = obj_base.utcnow() + datetime.timedelta(seconds=2)
    for s in services:
        batch.add(s.id, _iso(now), now=now)
    before = stats.snapshot()
    assert batch.flush(ctx) == 50
    counts = stats.since(before)
    sql = stats.by_name(counts, 'sql')
    assert sql.get('UPDATE') == 1 and not sql.get('SELECT')
    assert batch.pending() == 0 and batch.flush(ctx) == 0
    for s in services:
        fresh = _reload(ctx, s)
        assert fresh.report_count == s.report_count + 1
        assert fresh.last_seen_up == now.replace(microsecond=0, tzinfo=UTC)


def test_a_heartbeat_leaves_updated_at_alone(ctx):
    """updated_at moves when a service changes, not when it beats (the scheduler's view
    re-reads services by it)."""
    service, = _services(ctx, 1)
    updated_at = _reload(ctx, service).updated_at
    batch = heartbeats.HeartbeatBatch()
    batch.add(service.id, _iso(obj_base.utcnow() + datetime.timedelta(seconds=5)))
    batch.flush(ctx)
    assert _reload(ctx, service).updated_at == updated_at


def test_a_queued_heartbeat_does_not_make_a_dead_service_up(ctx):
    """A heartbeat that waited in the queue longer than service_down_time (no conductor
    ran meanwhile) records the time it was sent: its service stays down."""
    service, = _services(ctx, 1)
    now = datetime.datetime.now(UTC)
    old = now - datetime.timedelta(seconds=CONF.service_down_time + 5)
    # register() beat just now: move it back as if the service died long ago.
    _set_last_seen(ctx, service, old - datetime.timedelta(seconds=30))
    batch = heartbeats.HeartbeatBatch()
    batch.add(service.id, _iso(old))
    batch.flush(ctx)
    fresh = _reload(ctx, service)
    assert fresh.last_seen_up == old.replace(microsecond=0)
    assert not fresh.is_up(CONF.service_down_time, now)
    # A heartbeat sent now (even one whose sender's clock runs ahead) makes it up, at
    # most as of now.
    batch.add(service.id, _iso(now + datetime.timedelta(hours=1)))
    batch.flush(ctx)
    fresh = _reload(ctx, service)
    assert fresh.is_up(CONF.service_down_time, now + datetime.timedelta(seconds=1))
    assert fresh.last_seen_up <= datetime.datetime.now(UTC)
    assert not fresh.is_up(CONF.service_down_time,
                           now + datetime.timedelta(seconds=CONF.service_down_time + 2))


def _set_last_seen(ctx, service, when):
    from svc_common.db import api as db_api
    from svc_common.db import models

    @db_api.writer
    def put(context):
        context.session.query(models.Service).filter_by(id=service.id).update(
            {'last_seen_up': when.replace(tzinfo=None)}, synchronize_session=False)
    put(ctx)


def test_an_older_heartbeat_never_moves_last_seen_back(ctx):
    service, = _services(ctx, 1)
    seen = _reload(ctx, service).last_seen_up
    batch = heartbeats.HeartbeatBatch()
    batch.add(service.id, _iso(seen - datetime.timedelta(seconds=20)))
    batch.flush(ctx)
    assert _reload(ctx, service).last_seen_up == seen


def test_heartbeats_survive_a_failed_flush(ctx):
    service, = _services(ctx, 1)
    batch = heartbeats.HeartbeatBatch()
    later = obj_base.utcnow() + datetime.timedelta(seconds=3)
    batch.add(service.id, _iso(later), now=later)
    with mock.patch.object(objects.Service, 'record_heartbeats', side_effect=RuntimeError):
        with pytest.raises(RuntimeError):
            batch.flush(ctx)
    assert batch.pending() == 1
    batch.flush(ctx)
    assert _reload(ctx, service).last_seen_up == later.replace(microsecond=0, tzinfo=UTC)


def test_the_conductor_flushes_periodically_and_on_stop(ctx):
    service, = _services(ctx, 1)
    manager = conductor_manager.ConductorManager.__new__(conductor_manager.ConductorManager)
    manager.heartbeats = heartbeats.HeartbeatBatch()
    assert (CONF.conductor.heartbeat_flush_interval,
            manager.flush_heartbeats) in manager.periodic_tasks()
    later = obj_base.utcnow() + datetime.timedelta(seconds=3)
    with mock.patch.object(obj_base, 'utcnow', return_value=later):
        manager.service_heartbeat(ctx, service.id, _iso(later))
    manager.cleanup_host()
    assert _reload(ctx, service).last_seen_up == later.replace(microsecond=0, tzinfo=UTC)


def test_no_host_is_never_answered_over_heartbeats_not_yet_written(ctx):
    """After an outage of every conductor longer than service_down_time, the computes'
    last_seen_up are old until the next flush; a boot scheduled before it finds the
    hosts whose heartbeats this conductor already took up, not "no valid host"."""
    from conductor_svc.scheduler import manager as scheduler_mod
    from tests.unit import compute_hosts
    compute_hosts.add_host(ctx, 'h1')
    service = objects.Service.get_by_host_and_binary(ctx, 'h1', 'nimbus-compute')
    _set_last_seen(ctx, service, obj_base.utcnow() - datetime.timedelta(
        seconds=CONF.service_down_time + 5))
    request = scheduler_mod.Request({'VCPU': 1})
    with pytest.raises(exception.NoValidHost):
        scheduler_mod.Scheduler().select_and_claim(ctx, 'a' * 32, request)

    batch = heartbeats.HeartbeatBatch()
    now = obj_base.utcnow()
    batch.add(service.id, _iso(now), now=now)
    selection = scheduler_mod.Scheduler(batch).select_and_claim(ctx, 'b' * 32, request)
    assert selection.host == 'h1'
    assert batch.pending() == 0
    assert _reload(ctx, service).is_up(CONF.service_down_time)


def test_the_conductor_and_its_scheduler_share_one_batch():
    from conductor_svc import cmd
    svc = cmd.make_service(bus=mock.Mock())
    assert svc.manager.scheduler.heartbeats is svc.manager.heartbeats
