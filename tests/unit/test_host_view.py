"""The scheduler's view of the hosts: read whole once, then only what changed, and
never the reason for a wrong answer (claims stay exact, "no host" comes from a fresh
read, a dead host never looks up)."""
import datetime
import uuid
from unittest import mock

import pytest

from conductor_svc.scheduler import host_view as host_view_mod
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from tests.unit import compute_hosts


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _view():
    clock = Clock()
    return host_view_mod.HostView(clock=clock), clock


def _by_host(ctx, view):
    return {h.host: h for h in view.host_states(ctx)}


@mock.patch.object(host_view_mod, 'OVERLAP', datetime.timedelta(0))
def test_choices_after_the_first_read_only_what_changed(ctx):
    for i in range(5):
        compute_hosts.add_host(ctx, 'h%d' % i)
    view, clock = _view()
    with mock.patch.object(objects.ComputeNodeList, 'get_all',
                           wraps=objects.ComputeNodeList.get_all) as read_all:
        view.host_states(ctx)
        clock.now += 1
        changed = []
        real = objects.ComputeNodeList.get_changed_since

        def spy(context, since, **kwargs):
            nodes = real(context, since, **kwargs)
            changed.append(len(nodes))
            return nodes
        with mock.patch.object(objects.ComputeNodeList, 'get_changed_since', spy):
            for _ in range(3):
                assert len(view.host_states(ctx)) == 5
        assert read_all.call_count == 1
    assert changed == [0, 0, 0]
    clock.now += host_view_mod.FULL_REFRESH
    with mock.patch.object(objects.ComputeNodeList, 'get_all',
                           wraps=objects.ComputeNodeList.get_all) as read_all:
        view.host_states(ctx)
    assert read_all.call_count == 1


def test_an_unchanged_inventory_report_is_not_a_change(ctx):
    """A compute's periodic full report of the same inventory writes nothing, so the
    host views read nothing again; a changed one moves the node's updated_at."""
    node = compute_hosts.add_host(ctx, 'h1')
    before = objects.ComputeNode.get_by_id(ctx, node.id)
    since = before.updated_at or before.created_at
    compute_hosts.add_host(ctx, 'h1')  # the same inventory again
    again = objects.ComputeNode.get_by_id(ctx, node.id)
    assert (again.updated_at, again.generation) == (before.updated_at, before.generation)
    assert len(objects.ComputeNodeList.get_changed_since(
        ctx, since + datetime.timedelta(microseconds=1))) == 0
    compute_hosts.add_host(ctx, 'h1', vcpus=8)
    changed = objects.ComputeNode.get_by_id(ctx, node.id)
    assert changed.generation == before.generation + 1
    assert changed.updated_at > since


def test_claims_releases_inventory_and_new_hosts_show_at_the_next_choice(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    view, clock = _view()
    assert _by_host(ctx, view)['h1'].free('VCPU') == 4
    consumer = str(uuid.uuid4())
    objects.ResourceClaim.claim(ctx, consumer, node.id, {'VCPU': 3})
    assert _by_host(ctx, view)['h1'].free('VCPU') == 1
    objects.ResourceClaim.release(ctx, consumer)
    assert _by_host(ctx, view)['h1'].free('VCPU') == 4
    bigger = compute_hosts.add_host(ctx, 'h1', vcpus=8)
    assert _by_host(ctx, view)['h1'].free('VCPU') == 8
    assert _by_host(ctx, view)['h1'].generation == bigger.generation
    compute_hosts.add_host(ctx, 'h2')
    assert sorted(_by_host(ctx, view)) == ['h1', 'h2']
    objects.ComputeNode.get_by_id(ctx, node.id).destroy()
    assert sorted(_by_host(ctx, view)) == ['h2']


def test_a_disabled_or_deleted_service_shows_at_the_next_choice(ctx):
    compute_hosts.add_host(ctx, 'h1')
    view, clock = _view()
    assert _by_host(ctx, view)['h1'].service_up()
    service = objects.Service.get_by_host_and_binary(ctx, 'h1', 'nimbus-compute')
    service.disabled = True
    service.save()
    assert not _by_host(ctx, view)['h1'].service_up()
    service.destroy()
    assert _by_host(ctx, view)['h1'].service is None


def test_last_seen_is_reread_so_a_dead_host_goes_down_and_a_live_one_stays_up(ctx):
    compute_hosts.add_host(ctx, 'h1')
    compute_hosts.add_host(ctx, 'h2')
    view, clock = _view()
    assert all(h.service_up() for h in view.host_states(ctx))
    start = datetime.datetime.now(datetime.timezone.utc)
    later = start + datetime.timedelta(seconds=CONF.service_down_time + 1)
    # h2 keeps beating (through a conductor's batch), h1 died.
    h2 = objects.Service.get_by_host_and_binary(ctx, 'h2', 'nimbus-compute')
    objects.Service.record_heartbeats(ctx, {h2.id: later.replace(tzinfo=None)})
    clock.now += host_view_mod.seen_refresh()
    with mock.patch('svc_common.objects.service.datetime') as dt:
        dt.datetime.now.return_value = later + datetime.timedelta(seconds=1)
        dt.timezone, dt.timedelta = datetime.timezone, datetime.timedelta
        up = {h.host: h.service_up() for h in view.host_states(ctx)}
    assert up == {'h1': False, 'h2': True}


def test_a_stale_view_never_makes_no_valid_host(ctx):
    """The view says every host is full; the database has room: the scheduler reads
    every host again before it answers "no host", and claims."""
    node = compute_hosts.add_host(ctx, 'h1', vcpus=2)
    scheduler = scheduler_mod.Scheduler()
    first = str(uuid.uuid4())
    scheduler.select_and_claim(ctx, first, scheduler_mod.Request({'VCPU': 2}))
    scheduler.hosts.host_states(ctx)  # the view now holds h1 full
    with mock.patch.object(objects.ComputeNodeList, 'get_changed_since',
                           return_value=objects.ComputeNodeList(objects=[])):
        objects.ResourceClaim.release(ctx, first)  # unseen by the view
        selection = scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                               scheduler_mod.Request({'VCPU': 2}))
    assert selection.compute_node_id == node.id
    with pytest.raises(exception.NoValidHost):
        scheduler.select_and_claim(ctx, str(uuid.uuid4()), scheduler_mod.Request({'VCPU': 1}))


def test_a_stale_view_never_overbooks(ctx):
    """The view says there is room; the node filled meanwhile: the claim refuses."""
    node = compute_hosts.add_host(ctx, 'h1', vcpus=2)
    scheduler = scheduler_mod.Scheduler()
    scheduler.hosts.host_states(ctx)
    objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 2})
    with mock.patch.object(objects.ComputeNodeList, 'get_changed_since',
                           return_value=objects.ComputeNodeList(objects=[])):
        with pytest.raises(exception.NoValidHost):
            scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                       scheduler_mod.Request({'VCPU': 1}))
    assert objects.ResourceClaim.usage(ctx)[node.id] == {'VCPU': 2}
