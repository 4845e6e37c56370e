"""The same_host and different_host hints: the filters, the one lookup of where the
named servers are, and the scheduler honouring both."""
import uuid

import pytest

from conductor_svc.scheduler import filters as filters_mod
from conductor_svc.scheduler import host_state as host_state_mod
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common import states
from tests.unit import compute_hosts


class _Host:
    def __init__(self, host):
        self.host = host


def _passing(filter_cls, hint_hosts):
    request = scheduler_mod.Request({}, hint_hosts=hint_hosts)
    return [h for h in ('h1', 'h2', 'h3')
            if filter_cls().host_passes(_Host(h), request)]


@pytest.mark.parametrize('hint_hosts, same, different', [
    ({}, ['h1', 'h2', 'h3'], ['h1', 'h2', 'h3']),  # no hint: every host
    ({'same_host': frozenset({'h2'}), 'different_host': frozenset({'h2'})},
     ['h2'], ['h1', 'h3']),
    ({'same_host': frozenset({'h1', 'h3'}), 'different_host': frozenset({'h1', 'h3'})},
     ['h1', 'h3'], ['h2']),
    # The named servers are on no host (deleted, unknown, not scheduled yet).
    ({'same_host': frozenset(), 'different_host': frozenset()}, [], ['h1', 'h2', 'h3']),
])
def test_filters(hint_hosts, same, different):
    assert _passing(filters_mod.SameHostFilter, hint_hosts) == same
    assert _passing(filters_mod.DifferentHostFilter, hint_hosts) == different


def test_both_filters_are_enabled_by_default():
    assert {'SameHostFilter', 'DifferentHostFilter'} <= set(
        CONF.scheduler.enabled_filters)
    assert scheduler_mod.Scheduler().server_hints == {'same_host', 'different_host',
                                                      'group'}


def _server(ctx, flavor, host, deleted=False):
    server = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                              vm_state=states.VmState.ACTIVE, host=host, node=host,
                              project_id='p1', user_id='u1')
    server.create()
    if deleted:
        server.destroy()
    return server.uuid


def test_hosts_of_servers(ctx, flavor):
    on_h1, on_h2 = _server(ctx, flavor, 'h1'), _server(ctx, flavor, 'h2')
    gone = _server(ctx, flavor, 'h3', deleted=True)
    unplaced, unknown = _server(ctx, flavor, None), str(uuid.uuid4())
    assert host_state_mod.hosts_of_servers(ctx, {
        'same_host': [on_h1, on_h2, gone], 'different_host': [on_h2, unplaced, unknown],
        'other': [gone, unknown]}) == {
        'same_host': {'h1': 1, 'h2': 1}, 'different_host': {'h2': 1}, 'other': {}}
    assert host_state_mod.hosts_of_servers(ctx, {}) == {}


@pytest.fixture
def lookups(monkeypatch):
    """The instance lookups the scheduler makes."""
    made = []
    real = objects.InstanceList.get_by_filters

    def get_by_filters(context, filters, *args, **kwargs):
        made.append(filters)
        return real(context, filters, *args, **kwargs)
    monkeypatch.setattr(objects.InstanceList, 'get_by_filters', get_by_filters)
    return made


def _select(ctx, **hints):
    return scheduler_mod.Scheduler().select_and_claim(
        ctx, str(uuid.uuid4()), scheduler_mod.Request({'VCPU': 1}, hints=hints)).host


def test_scheduler_honours_the_hints_with_one_lookup(ctx, flavor, lookups):
    for host in ('h1', 'h2', 'h3'):
        compute_hosts.add_host(ctx, host)
    on_h1, on_h3 = _server(ctx, flavor, 'h1'), _server(ctx, flavor, 'h3')
    # Unhinted, h1 would win each time: the emptiest host (these servers hold no
    # claims), ties by name.
    assert _select(ctx, same_host=[on_h3]) == 'h3'
    assert _select(ctx, different_host=[on_h1]) == 'h2'
    assert _select(ctx, same_host=[on_h1, on_h3], different_host=[on_h1]) == 'h3'
    # One lookup per request for all its hints, not one per host or per hint.
    assert lookups == [{'uuid': uuids, 'deleted': False}
                       for uuids in ([on_h3], [on_h1], sorted([on_h1, on_h3]))]
    with pytest.raises(exception.NoValidHost):
        _select(ctx, different_host=[on_h1, on_h3, _server(ctx, flavor, 'h2')])
    lookups.clear()
    assert _select(ctx, other=['x'], same_host=[]) == 'h1'  # no server named: no lookup
    assert lookups == []


def test_hints_of_disabled_filters_are_ignored(ctx, flavor, lookups):
    compute_hosts.add_host(ctx, 'h1')
    on_h1 = _server(ctx, flavor, 'h1')
    CONF.set_override('enabled_filters', ['ComputeFilter'], group='scheduler')
    try:
        assert _select(ctx, different_host=[on_h1]) == 'h1'
    finally:
        CONF.clear_override('enabled_filters', group='scheduler')
    assert lookups == []
