"""A change to an object's fields or remotable methods changes what crosses RPC: it must
come with a version bump and a new line here."""
from oslo_versionedobjects import fixture

from svc_common import objects
from svc_common.objects import base

objects.register_all()

EXPECTED = {
    'Aggregate': '1.0-2428c5e9dc9ddf2f4a5e36969c3f468a',
    'AggregateList': '1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e',
    'ComputeNode': '1.0-b6f208388c4ab33b17e598914d8751a9',
    'ComputeNodeList': '1.0-4d7772da63342b5bd3aacb0ddced9bcd',
    'FixedIP': '1.0-6a86e1c799c5e45d482cb4bf75d7f76d',
    'FixedIPList': '1.0-32b1fcecea693c5c0ccb8f478a5745b0',
    'Flavor': '1.1-1f72f002cc84b3a1bfb273ea9b421c22',
    'FlavorList': '1.0-fd37e8708824fcc656c293dbde653fc9',
    'Instance': '1.13-c55f7a5e9cd9746d0977cf4b87dec615',
    'InstanceAction': '1.0-0cf45d7c932079e721b502a2b141c9f9',
    'InstanceActionEvent': '1.0-c059fd678d603f53f966305b18f588bc',
    'InstanceActionEventList': '1.0-13d92fb953030cdbfee56481756e02be',
    'InstanceActionList': '1.0-4a53826625cc280e15fae64a575e0879',
    'InstanceFault': '1.0-3d0c037502bf766ca4a6003856de2397',
    'InstanceGroup': '1.0-df2fd7e137e2dc5fc2938314bb24653b',
    'InstanceGroupList': '1.0-a1c6146862bce9205e24a50adcfa3fd2',
    'InstanceList': '1.1-153eb31ff06a69298f8e2a8dbfa4b0ed',
    'KeyPair': '1.0-c747cd8d204de516b0e230d6b1233099',
    'KeyPairList': '1.0-94aad3ac5c938eef4b5e83da0212f506',
    'Network': '1.0-c7f742d1570455ac3b7875f96d2e8f59',
    'NetworkList': '1.0-79f105287745148403d0dc4a64df7394',
    'Migration': '1.2-fe603e20da50f1a2538f4e2153773cef',
    'MigrationList': '1.1-4f9ebd4e848a45235aa62142ca6d8fc6',
    'RequestSpec': '1.1-32599ddeab4a566b9768f4887bf64143',
    'ResourceClaim': '1.5-2f40bf2b56dd60c2774e5d700d595be5',
    'ResourceClaimList': '1.0-e8a293e4c3fe007e014b82cd6fbaa87c',
    'Service': '1.0-1fd84b8d148cf9993e224570f9194353',
    'ServiceList': '1.0-ff48fc1575f20800796b48266114c608',
    'TaskLog': '1.0-18731f0011f57e1ca35acd73b2a183d6',
    'TaskLogList': '1.0-d0ea81727fbffbfbd66a7f7c2cb9f8df',
}


def test_object_fingerprints_are_pinned():
    checker = fixture.ObjectVersionChecker(base.NimbusObjectRegistry.obj_classes())
    expected, actual = checker.test_hashes(EXPECTED)
    assert expected == actual, (
        'Objects changed: bump their VERSION, note it in the class, and update EXPECTED')


def test_objects_round_trip_as_primitives():
    serializer = base.NimbusObjectSerializer()
    flavor = objects.Flavor(flavorid='1', name='t', vcpus=1, memory_mb=1, root_gb=0)
    primitive = serializer.serialize_entity(None, flavor)
    assert primitive['nimbus_object.name'] == 'Flavor'
    again = serializer.deserialize_entity(None, primitive)
    assert _changes_as_a_set(again.obj_to_primitive()) == _changes_as_a_set(
        flavor.obj_to_primitive())


def _changes_as_a_set(primitive):
    """An object's primitive with its list of changed fields as a set: the list is made
    from a set, in an order that follows the process's string hashing (PYTHONHASHSEED),
    and a round trip may list the same fields in another order."""
    changes = primitive['nimbus_object.changes']
    return dict(primitive, **{'nimbus_object.changes': set(changes)})
