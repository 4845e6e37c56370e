"""A real guest on an operator's network: the domain has one virtio NIC on the network's
bridge with the MAC of the server's fixed address, the guest (the demo guest, booted to
stay up) reads its static address from the config drive's network_data.json and
configures it, and answers ping from the host's address on that bridge (the network's
gateway). The bridge is the test's own (a Linux bridge, no libvirt network, nothing of
the host's firewall touched), removed afterwards."""
import subprocess
import uuid

import pytest

from svc_common import context as nimbus_context
from svc_common import objects
from compute_svc.virt.libvirt import config
from tests.libvirt import test_rest_guests as rest

CIDR, GATEWAY = '10.213.77.0/24', '10.213.77.1'


def _ip(*args):
    subprocess.run(['ip', *args], check=True, capture_output=True)


@pytest.fixture
def bridge():
    """A test bridge holding the network's gateway address."""
    name = 'nbr%s' % uuid.uuid4().hex[:8]
    _ip('link', 'add', 'name', name, 'type', 'bridge')
    try:
        _ip('addr', 'add', '%s/24' % GATEWAY, 'dev', name)
        _ip('link', 'set', name, 'up')
        yield name
    finally:
        subprocess.run(['ip', 'link', 'del', name], capture_output=True)


def _pings(address):
    # busybox's ping: the host may have no other.
    return subprocess.run(['busybox', 'ping', '-c', '1', '-W', '1', address],
                          capture_output=True).returncode == 0


def test_guest_gets_a_nic_on_the_bridge_and_answers_ping(rest_cloud, bridge):
    cloud = rest_cloud
    network = objects.Network(context=nimbus_context.get_admin_context(), label='private',
                              cidr=CIDR, bridge=bridge)
    network.create()
    cloud.set_image_mode(cloud.demo_image, 'stay')  # up until deleted, to answer ping
    body = {'server': {'name': 'net-guest', 'imageRef': cloud.demo_image,
                       'flavorRef': rest._flavor_id(cloud, 'm1.tiny'),
                       'networks': [{'uuid': network.uuid}], 'config_drive': True}}
    sid = cloud.call('POST', '/v2.1/servers', body, expect=202).json_body['server']['id']
    server = rest._wait_status(cloud, sid, 'ACTIVE')
    [address] = server['addresses']['private']
    mac, ip = address['OS-EXT-IPS-MAC:mac_addr'], address['addr']
    assert ip == '10.213.77.2'

    xml = cloud.driver(server[rest.HOST])._guest(sid).xml()
    assert config.interfaces(xml) == [(bridge, mac)]
    # The tap libvirt made for it is a port of the bridge.
    ports = subprocess.run(['ip', '-o', 'link', 'show', 'master', bridge],
                           capture_output=True, text=True, check=True).stdout
    assert len(ports.splitlines()) == 1, ports

    facts = rest._wait_boot(cloud, sid, 1)
    assert (facts.get('net_mac'), facts.get('net_ip')) == (mac, ip), facts
    cloud.wait_for(lambda: _pings(ip), 30, 0.5, 'the guest to answer ping at %s' % ip)
    rest._delete_and_check_nothing_left(cloud, [sid])
    assert objects.FixedIPList.get_by_instance(nimbus_context.get_admin_context(), sid) \
        .objects == []
    assert not _pings(ip)
