"""The API's reads and writes with statements built once (no ORM query built per call)
give what the object methods they stand for give."""
import uuid

import pytest

from svc_common import exception
from svc_common import objects
from svc_common.objects import instance_action as instance_action_obj
from svc_common import states


def _instance(ctx, flavor):
    instance = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                                vm_state=states.VmState.ACTIVE.value, project_id='p',
                                user_id='u', display_name='vm', metadata={'k': 'v'},
                                system_metadata={'image_a': 'b'})
    instance.create()
    return instance


def _fields(obj):
    """{field: value} of what is set (objects as primitives: they compare by identity)."""
    return {name: (value.obj_to_primitive() if hasattr(value, 'obj_to_primitive') else value)
            for name in obj.fields if obj.obj_attr_is_set(name)
            for value in [getattr(obj, name)]}


def test_get_by_flavor_id_reads_what_the_orm_read_gives(ctx, flavor):
    """Its statement built once and its Core row give the flavor the ORM's row gives."""
    got = objects.Flavor.get_by_flavor_id(ctx, flavor.flavorid)
    assert _fields(got) == _fields(objects.Flavor.get_by_id(ctx, flavor.id))
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(ctx, 'nope')


def test_start_action_records_what_action_start_records(ctx, flavor):
    instance = _instance(ctx, flavor)
    ctx.request_id = 'req-one'
    instance_action_obj.start_action(ctx, instance.uuid, 'resize')
    ctx.request_id = 'req-two'
    objects.InstanceAction.action_start(ctx, instance.uuid, 'resize')
    one, two = (objects.InstanceAction.get_by_request_id(ctx, instance.uuid, r)
                for r in ('req-one', 'req-two'))
    ignored = {'id', 'request_id', 'start_time', 'created_at'}
    assert {k: v for k, v in _fields(one).items() if k not in ignored} == {
        k: v for k, v in _fields(two).items() if k not in ignored}
    assert one.start_time and one.created_at and one.finish_time is None


def test_services_by_host_is_each_hosts_first_live_service_of_the_topic(ctx):
    from svc_common.objects import service as service_obj
    made = {}
    for host, binary, topic in (('h1', 'nimbus-compute', 'compute'),
                                ('h2', 'nimbus-compute', 'compute'),
                                ('h2', 'nimbus-conductor', 'conductor'),
                                ('h3', 'nimbus-compute', 'compute')):
        service = objects.Service(context=ctx, host=host, binary=binary, topic=topic)
        service.create()
        made[host, topic] = service
    made['h3', 'compute'].destroy()
    found = service_obj.services_by_host(ctx, ['h1', 'h2', 'h3', 'h4'], 'compute')
    assert sorted(found) == ['h1', 'h2']
    for host, service in found.items():
        (expected,) = objects.ServiceList.get_all(ctx, {'host': host, 'topic': 'compute'})
        assert _fields(service) == _fields(expected)
    assert service_obj.services_by_host(ctx, [], 'compute') == {}


def test_host_zones(ctx):
    from svc_common.objects import aggregate as aggregate_obj
    for name, zone, hosts in (('a1', 'z1', ['h1', 'h2']), ('a2', None, ['h3', 'h2']),
                              ('a3', 'z2', ['h4'])):
        aggregate = objects.Aggregate.create(ctx, name, availability_zone=zone)
        for host in hosts:
            aggregate.add_host(host)
    assert aggregate_obj.host_zones(ctx) == {'h1': 'z1', 'h2': 'z1', 'h4': 'z2'}


def test_group_uuid_of_instance_is_the_groups(ctx, flavor):
    from svc_common.objects import instance_group as instance_group_obj
    grouped, alone = _instance(ctx, flavor), _instance(ctx, flavor)
    group = objects.InstanceGroup(context=ctx, uuid=str(uuid.uuid4()), name='g',
                                  project_id='p', user_id='u', policy='affinity')
    group.create()
    instance_group_obj.add_member(ctx, group.uuid, grouped.uuid)
    assert instance_group_obj.group_uuid_of_instance(ctx, grouped.uuid) == \
        objects.InstanceGroup.get_by_instance_uuid(ctx, grouped.uuid).uuid == group.uuid
    assert instance_group_obj.group_uuid_of_instance(ctx, alone.uuid) is None
    group.destroy()
    assert instance_group_obj.group_uuid_of_instance(ctx, grouped.uuid) is None


def test_fixed_ips_of_instances_is_get_by_instances(ctx, flavor):
    from svc_common.objects import network as network_obj
    one, two, none = (_instance(ctx, flavor) for _ in range(3))
    for label, cidr in (('net-a', '10.1.0.0/24'), ('net-b', '10.2.0.0/24')):
        network = objects.Network(context=ctx, label=label, cidr=cidr)
        network.create()
        for instance in (one, two):
            objects.FixedIP.allocate(ctx, network.uuid, instance.uuid)
    uuids = [one.uuid, two.uuid, none.uuid]
    got = network_obj.fixed_ips_of_instances(ctx, uuids)
    expected = objects.FixedIPList.get_by_instances(ctx, uuids)
    assert [_fields(f) for f in got] == [_fields(f) for f in expected]
    assert len(got) == 4 and {f.network.label for f in got} == {'net-a', 'net-b'}
    assert network_obj.fixed_ips_of_instances(ctx, []) == []
