"""The aggregate filters and the extra spec operators they match with."""
import pytest

from conductor_svc.scheduler import extra_specs_ops
from conductor_svc.scheduler import filters as filters_mod
from conductor_svc.scheduler import host_state as host_state_mod
from conductor_svc.scheduler import manager as scheduler_mod


@pytest.mark.parametrize('value, requirement, matches', [
    ('4', '= 4', True), ('8', '= 4', True), ('2', '= 4', False), ('x', '= 4', False),
    ('4', '== 4', True), ('4.0', '== 4', True), ('5', '!= 4', True), ('4', '!= 4', False),
    ('3', '<= 4', True), ('5', '>= 4', True), ('3', '>= 4', False),
    ('abc', 's== abc', True), ('abd', 's!= abc', True), ('b', 's> a', True),
    ('a', 's>= b', False), ('a', 's< b', True), ('b', 's<= b', True),
    ('sse sse2 avx', '<in> avx', True), ('sse', '<in> avx', False),
    ('sse sse2 avx', '<all-in> sse avx', True), ('sse', '<all-in> sse avx', False),
    ('True', '<is> true', True), ('False', '<is> True', False),
    ('b', '<or> a <or> b', True), ('c', '<or> a <or> b', False),
    ('ssd', 'ssd', True), ('hdd', 'ssd', False),
])
def test_extra_spec_operators(value, requirement, matches):
    assert extra_specs_ops.match(value, requirement) is matches


def _host(*metadata):
    return host_state_mod.HostState(node=None, service=None, used={},
                                    aggregate_metadata=list(metadata))


def _passes(filter_cls, host, **request):
    return filter_cls().host_passes(host, scheduler_mod.Request({}, **request))


def test_availability_zone_filter():
    in_az1, plain = _host({'availability_zone': 'az1', 'x': '1'}, {'y': '2'}), _host()
    assert (in_az1.availability_zone, plain.availability_zone) == ('az1', 'nova')
    zone = filters_mod.AvailabilityZoneFilter
    assert _passes(zone, in_az1) and _passes(zone, plain)  # unpinned: anywhere
    assert _passes(zone, in_az1, availability_zone='az1')
    assert not _passes(zone, plain, availability_zone='az1')
    assert _passes(zone, plain, availability_zone='nova')
    assert not _passes(zone, in_az1, availability_zone='nova')


def test_aggregate_instance_extra_specs_filter():
    specs = filters_mod.AggregateInstanceExtraSpecsFilter
    host = _host({'ssd': 'true', 'cpus': '16'}, {'ssd': 'false', 'gpu': 'v100'})
    assert _passes(specs, host, extra_specs={})
    assert _passes(specs, host, extra_specs={'ssd': 'false'})  # one aggregate has it
    assert _passes(specs, host, extra_specs={'aggregate_instance_extra_specs:cpus': '>= 8'})
    assert _passes(specs, host, extra_specs={'hw:cpu_policy': 'dedicated'})  # not its scope
    assert not _passes(specs, host, extra_specs={'cpus': '>= 32'})
    assert not _passes(specs, host, extra_specs={'fpga': 'yes'})
    assert not _passes(specs, _host(), extra_specs={'ssd': 'true'})


def test_multi_tenancy_isolation_filter():
    isolation = filters_mod.AggregateMultiTenancyIsolation
    open_host = _host({'ssd': 'true'})
    assert _passes(isolation, open_host, project_id='anyone')
    isolated = _host({'filter_tenant_id': 'p1, p2'}, {'filter_tenant_id3': 'p3'})
    for project, passes in (('p1', True), ('p2', True), ('p3', True), ('p4', False)):
        assert _passes(isolation, isolated, project_id=project) is passes
