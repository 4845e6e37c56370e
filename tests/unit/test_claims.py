"""Claims: capacity checks, generation conflicts, and real threads racing."""
import threading
import uuid

import pytest

from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common.objects import claim as claim_obj
from tests.unit import compute_hosts


def test_claim_checks_capacity_and_generation(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    consumer = str(uuid.uuid4())
    gen = objects.ResourceClaim.claim(ctx, consumer, node.id, {'VCPU': 3}, node.generation)
    assert gen == node.generation + 1
    with pytest.raises(exception.ClaimConflict):
        objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 1},
                                    node.generation)
    with pytest.raises(exception.InsufficientResources):
        objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 2}, gen)
    # Re-claiming for the same consumer replaces its claim rather than adding to it.
    objects.ResourceClaim.claim(ctx, consumer, node.id, {'VCPU': 4}, gen)
    assert objects.ResourceClaim.usage(ctx)[node.id] == {'VCPU': 4}


def test_claim_without_generation_checks_capacity_under_the_lock(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    gen = objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 3})
    assert gen == node.generation + 1
    # No generation: the node having changed since anyone read it is no conflict...
    assert objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 1}) == gen + 1
    # ...but its capacity is: it is full now.
    with pytest.raises(exception.InsufficientResources):
        objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 1})
    assert objects.ResourceClaim.usage(ctx)[node.id] == {'VCPU': 4}


def test_racing_builds_without_hints_never_sleep(ctx, monkeypatch):
    """Plain requests claim under the node lock: racing them costs no back-off, and a
    host that filled up since the read just refuses."""
    compute_hosts.add_host(ctx, 'h1')
    compute_hosts.add_host(ctx, 'h2')
    slept = []
    monkeypatch.setattr(claim_obj, 'backoff', slept.append)
    scheduler = scheduler_mod.Scheduler()
    results, barrier = [], threading.Barrier(12)

    def boot():
        barrier.wait()
        try:
            results.append(scheduler.select_and_claim(
                ctx, str(uuid.uuid4()), scheduler_mod.Request({'VCPU': 1})).host)
        except exception.NoValidHost:
            results.append(None)
    threads = [threading.Thread(target=boot) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(filter(None, results)) == ['h1'] * 4 + ['h2'] * 4
    assert results.count(None) == 4
    assert slept == []


def test_release_and_move_are_repeatable(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    objects.ResourceClaim.claim(ctx, a, node.id, {'VCPU': 1, 'MEMORY_MB': 10},
                                node.generation)
    assert objects.ResourceClaim.move(ctx, a, b) == 2
    assert objects.ResourceClaim.move(ctx, a, b) == 0
    assert objects.ResourceClaim.release(ctx, b) == 2
    assert objects.ResourceClaim.release(ctx, b) == 0


def test_release_on_a_node_named_by_host_and_node_name(ctx):
    h1, h2 = compute_hosts.add_host(ctx, 'h1'), compute_hosts.add_host(ctx, 'h2')
    consumer = str(uuid.uuid4())
    for node in (h1, h2):
        objects.ResourceClaim.claim(ctx, consumer, node.id, {'VCPU': 1, 'MEMORY_MB': 10})
    # No such node (another host's name, or a node the host no longer has): nothing.
    assert objects.ResourceClaim.release(ctx, consumer, host='h1', nodename='h2') == 0
    assert objects.ResourceClaim.release(ctx, consumer, host='h3', nodename='h3') == 0
    assert objects.ResourceClaim.release(ctx, consumer, host='h1', nodename='h1') == 2
    assert objects.ResourceClaim.usage(ctx) == {h2.id: {'VCPU': 1, 'MEMORY_MB': 10}}


def test_inventory_change_bumps_generation(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    before = node.generation
    node.vcpus = 8
    node.update_inventory()
    assert node.generation == before + 1
    node.update_inventory()
    assert node.generation == before + 1


def test_racing_threads_never_overbook(ctx):
    """16 threads claim one vCPU each on two 4-vCPU hosts: exactly 8 win."""
    compute_hosts.add_host(ctx, 'h1')
    compute_hosts.add_host(ctx, 'h2')
    scheduler = scheduler_mod.Scheduler()
    results, barrier = [], threading.Barrier(16)

    def boot():
        barrier.wait()
        try:
            sel = scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                             scheduler_mod.Request({'VCPU': 1}))
            results.append(sel.host)
        except exception.NoValidHost:
            results.append(None)

    CONF.set_override('claim_retries', 50, group='scheduler')
    try:
        threads = [threading.Thread(target=boot) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        CONF.clear_override('claim_retries', group='scheduler')
    assert sorted(filter(None, results)) == ['h1'] * 4 + ['h2'] * 4
    usage = objects.ResourceClaim.usage(ctx)
    assert sorted(u['VCPU'] for u in usage.values()) == [4, 4]


def test_scheduler_spreads_and_respects_disabled_hosts(ctx):
    compute_hosts.add_host(ctx, 'h1')
    compute_hosts.add_host(ctx, 'h2')
    scheduler = scheduler_mod.Scheduler()
    hosts = [scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                        scheduler_mod.Request({'MEMORY_MB': 512})).host
             for _ in range(4)]
    assert sorted(hosts) == ['h1', 'h1', 'h2', 'h2']
    svc = objects.Service.get_by_host_and_binary(ctx, 'h2', 'nimbus-compute')
    svc.disabled = True
    svc.save()
    hosts = {scheduler.select_and_claim(ctx, str(uuid.uuid4()),
                                        scheduler_mod.Request({'MEMORY_MB': 1})).host
             for _ in range(3)}
    assert hosts == {'h1'}


def test_down_host_is_filtered(ctx):
    compute_hosts.add_host(ctx, 'h1')
    CONF.set_override('service_down_time', 1)
    try:
        import time
        time.sleep(1.1)
        with pytest.raises(exception.NoValidHost):
            scheduler_mod.Scheduler().select_and_claim(ctx, str(uuid.uuid4()),
                                                       scheduler_mod.Request({'VCPU': 1}))
    finally:
        CONF.clear_override('service_down_time')


def test_a_claim_writes_its_classes_in_one_insert(ctx):
    from svc_common import stats
    node = compute_hosts.add_host(ctx, 'h1')
    consumer = str(uuid.uuid4())
    before = stats.snapshot()
    objects.ResourceClaim.claim(ctx, consumer, node.id,
                                {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 2})
    assert stats.by_name(stats.since(before), 'sql').get('INSERT') == 1
    held = {c.resource_class: c.amount for c in
            objects.ResourceClaimList.get_by_consumer(ctx, consumer)}
    assert held == {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 2}
    from svc_common.db import api as db_api
    from svc_common.db import models

    @db_api.reader
    def stamps(context):
        return [row.created_at for row in context.session.query(
            models.ResourceClaim).filter_by(consumer_uuid=consumer)]
    assert len(stamps(ctx)) == 3 and all(stamps(ctx))
