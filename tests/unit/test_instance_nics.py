"""A guest's NICs come from the addresses its step read with the instance (``fixed_ips``,
Instance 1.9), else from a read of their own."""
from oslo_utils import uuidutils
import pytest

from compute_svc.virt import driver
from svc_common import context as nimbus_context
from svc_common import objects
from svc_common.objects import instance as instance_obj
from svc_common.objects import network as network_obj

objects.register_all()
UUID = uuidutils.generate_uuid()


def _fixed_ips(*bridges):
    return network_obj.FixedIPList(objects=[network_obj.FixedIP(
        id=i, address='10.0.0.%d' % (i + 2), instance_uuid=UUID,
        mac_address='fa:16:3e:00:00:%02x' % i,
        network=network_obj.Network(uuid=uuidutils.generate_uuid(), label='n%d' % i,
                                    cidr='10.0.0.0/24', gateway='10.0.0.1',
                                    bridge=bridge))
        for i, bridge in enumerate(bridges)])


@pytest.fixture
def reads(monkeypatch):
    calls = []

    def get_by_instance(context, instance_uuid):
        calls.append(instance_uuid)
        return _fixed_ips('br-read')
    monkeypatch.setattr(objects.FixedIPList, 'get_by_instance', get_by_instance)
    return calls


def test_the_addresses_read_with_the_instance_make_the_nics(reads):
    ctx = nimbus_context.get_admin_context()
    instance = instance_obj.Instance(uuid=UUID, fixed_ips=_fixed_ips('br0', None))
    vifs = driver.vifs_for(ctx, instance)
    assert [(v.bridge, v.address, v.mac_address) for v in vifs] == [
        ('br0', '10.0.0.2', 'fa:16:3e:00:00:00')]  # no bridge: no NIC
    assert driver.vifs_for(ctx, instance_obj.Instance(uuid=UUID,
                                                      fixed_ips=_fixed_ips())) == []
    assert reads == []


def test_without_them_the_nics_are_read(reads):
    ctx = nimbus_context.get_admin_context()
    assert [v.bridge for v in driver.vifs_for(ctx, instance_obj.Instance(uuid=UUID))] == [
        'br-read']
    assert reads == [UUID]


def test_the_addresses_are_not_sent_to_older_services():
    instance = instance_obj.Instance(uuid=UUID, fixed_ips=_fixed_ips('br0'))
    assert 'fixed_ips' in instance.obj_to_primitive()['nimbus_object.data']
    old = instance.obj_to_primitive(target_version='1.8')['nimbus_object.data']
    assert old == {'uuid': UUID}
    manifest = {'Instance': '1.8', 'FixedIPList': '1.0', 'FixedIP': '1.0', 'Network': '1.0'}
    old = instance.obj_to_primitive(target_version='1.8', version_manifest=manifest)
    assert old['nimbus_object.data'] == {'uuid': UUID}
