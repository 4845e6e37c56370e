"""How the scheduler spreads servers over equal hosts: the RAM and vCPU weighers prefer
the host with the most free (a positive multiplier spreads, a negative one stacks),
and choices made at once in one conductor count each other's claims."""
from concurrent import futures
import uuid

import pytest

from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import objects
from tests.unit import compute_hosts

RESOURCES = {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}


@pytest.fixture
def hosts(ctx):
    return [compute_hosts.add_host(ctx, 'h%02d' % i).id for i in range(6)]


def _choose(ctx, scheduler):
    return scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                      scheduler_mod.Request(dict(RESOURCES))).host


def test_positive_multipliers_spread_one_server_per_host(ctx, hosts):
    scheduler = scheduler_mod.Scheduler()
    assert [_choose(ctx, scheduler) for _ in range(6)] == ['h%02d' % i for i in range(6)]
    assert _choose(ctx, scheduler) == 'h00'  # all equal again: the name decides


@pytest.mark.parametrize('weigher', ['ram', 'cpu'])
def test_a_negative_multiplier_stacks(ctx, hosts, weigher):
    CONF.set_override('%s_weight_multiplier' % weigher, -1.0, group='scheduler')
    try:
        scheduler = scheduler_mod.Scheduler()
        assert {_choose(ctx, scheduler) for _ in range(3)} == {'h00'}
    finally:
        CONF.clear_override('%s_weight_multiplier' % weigher, group='scheduler')


def test_a_choice_counts_the_claims_being_made(ctx, hosts):
    """A second choice made while the first one's claim is still on its way to the
    database takes another host; a claim that failed stops counting."""
    scheduler = scheduler_mod.Scheduler()
    request = scheduler_mod.Request(dict(RESOURCES))
    first, claiming = scheduler._choose(ctx, request, None, False)
    second, _ = scheduler._choose(ctx, request, None, False)
    assert (first[0].host, second[0].host) == ('h00', 'h01')
    scheduler.hosts.claimed(claiming, committed=False)
    third, _ = scheduler._choose(ctx, request, None, False)
    assert third[0].host == 'h00'


def test_a_committed_claim_counts_once(ctx, hosts):
    """Counted while the view has not read it back, then from the database only."""
    scheduler = scheduler_mod.Scheduler()
    view = scheduler.hosts
    selection = scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                           scheduler_mod.Request(dict(RESOURCES)))
    for _ in range(2):
        read, states = view.read(ctx)
        free = {h.node.id: h.free('VCPU') for h in view.with_claims(read, states)}
        assert free[selection.compute_node_id] == 3
        assert set(free.values()) == {3, 4}


def test_threads_choosing_at_once_take_different_hosts(ctx, hosts):
    scheduler = scheduler_mod.Scheduler()
    with futures.ThreadPoolExecutor(3) as pool:
        chosen = list(pool.map(lambda _: _choose(ctx, scheduler), range(6)))
    assert sorted(chosen) == ['h%02d' % i for i in range(6)]
    usage = objects.ResourceClaim.usage(ctx)
    assert sorted(u['VCPU'] for u in usage.values()) == [1] * 6
