"""The operator's own networks: nimbus-manage network, /os-networks and
/os-tenant-networks (until 2.35)."""
import pytest

from nimbus_cmd import manage
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from tests.functional.api import helpers

_PUBLIC = {'id', 'label', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2',
           'cidr_v6', 'gateway_v6', 'netmask_v6'}
_ADMIN_ONLY = {'created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge',
               'vlan', 'vpn_public_address', 'vpn_public_port', 'vpn_private_address',
               'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host',
               'priority', 'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp',
               'share_address'}


def _manage(capsys, *argv):
    manage._network(manage._parser().parse_args(['network', *argv]),
                    nimbus_context.get_admin_context())
    return capsys.readouterr().out


def _create(label, cidr, **extra):
    network = objects.Network(context=nimbus_context.get_admin_context(), label=label,
                              cidr=cidr, **extra)
    network.create()
    return network


def test_manage_creates_lists_and_deletes_networks(cloud, capsys):
    out = _manage(capsys, 'create', '--label', 'private', '--cidr', '10.1.0.0/24',
                  '--bridge', 'br-nimbus')
    uuid = out.split()[-1]
    _manage(capsys, 'create', '--label', 'theirs', '--cidr', '10.2.0.0/24', '--gateway',
            '10.2.0.254', '--project', 'other')
    listed = _manage(capsys, 'list').splitlines()
    assert listed[0].split() == ['ID', 'Label', 'CIDR', 'Gateway', 'Bridge', 'Project']
    assert listed[1].split() == [uuid, 'private', '10.1.0.0/24', '10.1.0.1', 'br-nimbus',
                                 '(shared)']
    assert listed[2].split()[1:] == ['theirs', '10.2.0.0/24', '10.2.0.254', '-', 'other']
    assert 'Deleted network %s' % uuid in _manage(capsys, 'delete', uuid)
    assert [n.label for n in objects.NetworkList.get_all(
        nimbus_context.get_admin_context())] == ['theirs']
    with pytest.raises(exception.NetworkNotFound):
        _manage(capsys, 'delete', uuid)


@pytest.mark.parametrize('cidr, gateway, bridge, reason', [
    ('10.0.0.0/33', None, None, 'not an IPv4 CIDR'),
    ('10.0.0.1/24', None, None, 'not an IPv4 CIDR'),  # host bits set
    ('fd00::/64', None, None, 'not an IPv4 CIDR'),
    ('10.0.0.0/31', None, None, 'no room for guests'),
    ('10.0.0.0/24', '10.0.1.1', None, 'not a host of'),
    ('10.0.0.0/24', '10.0.0.255', None, 'not a host of'),
    ('10.0.0.0/24', 'gw', None, 'not an IPv4 address'),
    ('10.0.0.0/24', None, 'a-bridge-name-too-long', 'not an interface name'),
    ('10.0.0.0/24', None, 'br;rm', 'not an interface name'),
])
def test_a_network_guests_cannot_use_is_refused(cloud, cidr, gateway, bridge, reason):
    with pytest.raises(exception.InvalidNetwork, match=reason):
        _create('bad', cidr, gateway=gateway, bridge=bridge)
    assert not objects.NetworkList.get_all(nimbus_context.get_admin_context())


def test_a_network_with_addresses_is_not_deleted(cloud, capsys):
    network = _create('private', '10.1.0.0/29')
    server_id = helpers.active_server(cloud)
    context = nimbus_context.get_admin_context()
    objects.FixedIP.allocate(context, network.uuid, server_id)
    with pytest.raises(exception.NetworkInUse, match='still has 1 allocated address'):
        _manage(capsys, 'delete', network.uuid)
    assert objects.Network.get_by_uuid(context, network.uuid).deleted is False
    objects.FixedIPList.release_for_instance(context, server_id)
    _manage(capsys, 'delete', network.uuid)
    with pytest.raises(exception.NetworkNotFound):
        objects.FixedIP.allocate(context, network.uuid, server_id)


def test_os_networks_lists_what_the_caller_may_use(cloud):
    shared = _create('private', '10.1.0.0/24', bridge='br-nimbus')
    own = _create('demo-net', '10.2.0.0/28', project_id='demo')
    other = _create('other-net', '10.3.0.0/24', project_id='other')
    resp = cloud.request('GET', '/v2.1/os-networks', version='2.35')
    networks = resp.json_body_or_none['networks']
    assert [n['id'] for n in networks] == [shared.uuid, own.uuid]
    assert networks[1] == {
        'id': own.uuid, 'label': 'demo-net', 'cidr': '10.2.0.0/28',
        'netmask': '255.255.255.240', 'gateway': '10.2.0.1', 'broadcast': '10.2.0.15',
        'dns1': None, 'dns2': None, 'cidr_v6': None, 'gateway_v6': None,
        'netmask_v6': None}
    admin = cloud.admin('GET', '/v2.1/os-networks', version='2.35').json_body_or_none
    assert [n['id'] for n in admin['networks']] == [shared.uuid, own.uuid, other.uuid]
    first = admin['networks'][0]
    assert set(first) == _PUBLIC | _ADMIN_ONLY
    assert (first['bridge'], first['dhcp_start'], first['project_id'], first['deleted'],
            first['vlan']) == ('br-nimbus', '10.1.0.2', None, False, None)
    assert admin['networks'][2]['project_id'] == 'other'
    shown = cloud.request('GET', '/v2.1/os-networks/%s' % own.uuid).json_body_or_none
    assert shown == {'network': networks[1]}
    code, message = helpers.fault(cloud.request('GET', '/v2.1/os-networks/%s' % other.uuid))
    assert (code, message) == (404, 'Network %s could not be found.' % other.uuid)
    assert cloud.admin('GET', '/v2.1/os-networks/%s' % other.uuid).status_int == 200
    assert cloud.request('GET', '/v2.1/os-networks', version='2.36').status_int == 404


def test_os_tenant_networks_lists_and_shows(cloud):
    shared = _create('private', '10.1.0.0/24')
    _create('other-net', '10.3.0.0/24', project_id='other')
    resp = cloud.request('GET', '/v2.1/os-tenant-networks', version='2.35')
    body = helpers.validate(resp, '2.35', 'tenant_networks', 'list_tenant_networks')
    assert body == {'networks': [{'id': shared.uuid, 'label': 'private',
                                  'cidr': '10.1.0.0/24'}]}
    resp = cloud.request('GET', '/v2.1/os-tenant-networks/%s' % shared.uuid)
    assert helpers.validate(resp, '2.1', 'tenant_networks', 'get_tenant_network') == {
        'network': body['networks'][0]}
    assert cloud.request('GET', '/v2.1/os-tenant-networks/%s' % shared.uuid,
                         version='2.36').status_int == 404


def test_a_deleted_network_is_not_listed(cloud):
    network = _create('private', '10.1.0.0/24')
    network.destroy()
    assert cloud.admin('GET', '/v2.1/os-networks').json_body_or_none == {'networks': []}
    assert cloud.admin('GET', '/v2.1/os-networks/%s' % network.uuid).status_int == 404
