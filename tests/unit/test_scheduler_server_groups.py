"""Server groups in the scheduler: the (anti-)affinity filters, the soft-policy
weighers, and the scheduler resolving a group hint into where its other members are --
on their hosts or, not yet recorded, where they hold claims."""
import collections
import types
import uuid

import pytest

from conductor_svc.scheduler import filters as filters_mod
from conductor_svc.scheduler import manager as scheduler_mod
from conductor_svc.scheduler import weighers as weighers_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common import states
from tests.unit import compute_hosts

HOSTS = ('h1', 'h2', 'h3')


def _request(policy, members_on, rules=None):
    group = objects.InstanceGroup(policy=policy, rules=rules or {})
    return scheduler_mod.Request({}, hint_hosts={'group': collections.Counter(members_on)},
                                 group=group)


def _passing(filter_cls, request):
    return [h for h in HOSTS
            if filter_cls().host_passes(types.SimpleNamespace(host=h), request)]


AFFINITY = filters_mod.ServerGroupAffinityFilter
ANTI = filters_mod.ServerGroupAntiAffinityFilter


@pytest.mark.parametrize('members_on, together, apart', [
    ({}, list(HOSTS), list(HOSTS)),  # no member placed yet
    ({'h2': 1}, ['h2'], ['h1', 'h3']),
    ({'h1': 1, 'h3': 2}, ['h1', 'h3'], ['h2']),
])
def test_filters(members_on, together, apart):
    assert _passing(AFFINITY, _request('affinity', members_on)) == together
    assert _passing(ANTI, _request('anti-affinity', members_on)) == apart


def test_max_server_per_host():
    request = _request('anti-affinity', {'h1': 1, 'h2': 2},
                       rules={'max_server_per_host': 2})
    assert _passing(ANTI, request) == ['h1', 'h3']


@pytest.mark.parametrize('policy', ['soft-affinity', 'soft-anti-affinity', None])
def test_filters_leave_other_requests_alone(policy):
    request = (_request(policy, {'h1': 1}) if policy else
               scheduler_mod.Request({}, hint_hosts={}))
    assert _passing(AFFINITY, request) == _passing(ANTI, request) == list(HOSTS)


def _hosts(names):
    return [types.SimpleNamespace(host=h, nodename=h) for h in names]


@pytest.mark.parametrize('policy, best_first', [
    ('soft-affinity', ['h2', 'h3', 'h1']),
    ('soft-anti-affinity', ['h1', 'h3', 'h2']),
    ('anti-affinity', ['h1', 'h2', 'h3']),  # not weighed: the name breaks the tie
])
def test_soft_weighers(policy, best_first):
    weighers = weighers_mod.get_weighers(['ServerGroupSoftAffinityWeigher',
                                          'ServerGroupSoftAntiAffinityWeigher'])
    request = _request(policy, {'h2': 2, 'h3': 1})
    ranked = weighers_mod.order_hosts(weighers, _hosts(HOSTS), request)
    assert [h.host for h in ranked] == best_first


def test_group_filters_and_weighers_are_on_by_default():
    assert {'ServerGroupAffinityFilter', 'ServerGroupAntiAffinityFilter'} <= set(
        CONF.scheduler.enabled_filters)
    assert {'ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher'} <= set(
        CONF.scheduler.enabled_weighers)


# -- the scheduler, over the database --------------------------------------------------
@pytest.fixture
def hosts(ctx):
    return {host: compute_hosts.add_host(ctx, host) for host in HOSTS}


def _group(ctx, policy, **rules):
    group = objects.InstanceGroup(context=ctx, uuid=str(uuid.uuid4()), name='g',
                                  project_id='p1', user_id='u1', policy=policy,
                                  rules=rules)
    group.create()
    return group.uuid


def _member(ctx, flavor, group_uuid, host=None):
    spec = objects.RequestSpec(scheduler_hints={'group': [group_uuid]})
    server = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                              vm_state=states.VmState.ACTIVE, host=host, node=host,
                              project_id='p1', user_id='u1')
    server.create(request_spec=spec)
    return server.uuid


def _select(ctx, group_uuid, consumer=None):
    return scheduler_mod.Scheduler().select_and_claim(
        ctx, consumer or str(uuid.uuid4()),
        scheduler_mod.Request({'VCPU': 1}, hints={'group': [group_uuid]})).host


def test_membership_follows_the_instance(ctx, flavor):
    group = _group(ctx, 'affinity')
    first, second = _member(ctx, flavor, group), _member(ctx, flavor, group)
    assert objects.InstanceGroup.get_by_uuid(ctx, group).members == [first, second]
    assert objects.InstanceGroup.get_by_instance_uuid(ctx, second).uuid == group
    objects.Instance.get_by_uuid(ctx, first).destroy()
    assert objects.InstanceGroup.get_by_uuid(ctx, group).members == [second]
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_instance_uuid(ctx, first)
    with pytest.raises(exception.InstanceGroupNotFound):
        _member(ctx, flavor, str(uuid.uuid4()))  # no such group: no instance either
    assert len(objects.InstanceList.get_by_filters(ctx, {})) == 1


def test_scheduler_places_by_the_group(ctx, flavor, hosts):
    together, apart = _group(ctx, 'affinity'), _group(ctx, 'anti-affinity')
    # Unhinted, h1 would win: these servers hold no claims, ties go by name.
    _member(ctx, flavor, together, 'h3')
    assert _select(ctx, together) == 'h3'
    _member(ctx, flavor, apart, 'h1')
    _member(ctx, flavor, apart, 'h2')
    assert _select(ctx, apart) == 'h3'
    _member(ctx, flavor, apart, 'h3')
    with pytest.raises(exception.NoValidHost):
        _select(ctx, apart)


def test_the_server_placed_is_not_its_own_neighbour(ctx, flavor, hosts):
    """A move of a member: where it is now does not count against it."""
    apart = _group(ctx, 'anti-affinity')
    moving = _member(ctx, flavor, apart, 'h1')
    _member(ctx, flavor, apart, 'h2')
    assert _select(ctx, apart, consumer=moving) == 'h1'


def test_claims_of_members_not_yet_recorded_count(ctx, flavor, hosts):
    """A member another conductor has claimed h1 for, but not yet recorded there,
    keeps an anti-affinity choice off h1: choices that race meet at the claim."""
    apart = _group(ctx, 'anti-affinity')
    pending = _member(ctx, flavor, apart)
    objects.ResourceClaim.claim(ctx, pending, hosts['h1'].id, {'VCPU': 1},
                                objects.ComputeNode.get_by_id(ctx, hosts['h1'].id).generation)
    CONF.set_override('cpu_weight_multiplier', -1.0, group='scheduler')  # h1 the fullest
    try:
        assert _select(ctx, apart) == 'h2'
    finally:
        CONF.clear_override('cpu_weight_multiplier', group='scheduler')


def test_max_server_per_host_rule(ctx, flavor, hosts):
    apart = _group(ctx, 'anti-affinity', max_server_per_host=2)
    for host in ('h1', 'h1', 'h2', 'h2', 'h3'):
        _member(ctx, flavor, apart, host)
    assert _select(ctx, apart) == 'h3'


def test_a_deleted_group_constrains_nothing(ctx, flavor, hosts):
    apart = _group(ctx, 'anti-affinity')
    _member(ctx, flavor, apart, 'h1')
    objects.InstanceGroup.get_by_uuid(ctx, apart).destroy()
    assert _select(ctx, apart) == 'h1'
