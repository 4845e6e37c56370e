"""Microversion 2.74: an admin boots a server onto a named host and/or hypervisor node."""
import dataclasses

import pytest

from svc_common import context
from svc_common import objects
from tests.functional.api import helpers

NODES = {'host1': 'node-1.example', 'host2': 'node-2.example'}


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


@pytest.fixture
def nodes(cloud, monkeypatch):
    """host1 and host2 report the hypervisor hostnames of NODES instead of their host
    names, so that a node name taken for a host name cannot pass."""
    ctx = context.get_admin_context()
    for host, nodename in NODES.items():
        manager = cloud.aio.compute(host)
        report = manager.driver.get_available_resource
        monkeypatch.setattr(manager.driver, 'get_available_resource',
                            lambda report=report, nodename=nodename: dataclasses.replace(
                                report(), hypervisor_hostname=nodename))
        old = objects.ComputeNode.get_by_host_and_nodename(ctx, host, host)
        manager.update_available_resource()
        old.destroy()
    return NODES


def _boot(cloud, image, expect=202, version='2.74', flavor='1', admin=True, **destination):
    server = dict({'name': 'vm', 'flavorRef': flavor, 'imageRef': image['id'],
                   'networks': 'none'}, **destination)
    call = cloud.admin if admin else cloud.request
    resp = call('POST', '/v2.1/servers', {'server': server}, version=version)
    assert resp.status_int == expect, resp.body
    return resp


def _placed(cloud, resp, status='ACTIVE'):
    """(host, node) the server created by ``resp`` ended on, once it has ``status``."""
    server_id = resp.json_body_or_none['server']['id']
    cloud.wait_for_server(server_id, status, project='admin')
    server = cloud.admin('GET', '/v2.1/servers/%s' % server_id).json_body_or_none['server']
    return server['OS-EXT-SRV-ATTR:host'], server['OS-EXT-SRV-ATTR:hypervisor_hostname']


def test_hypervisor_hostname_lands_on_its_node(cloud, image, nodes):
    # host1 would win an unpinned boot (both empty; ties go by host name).
    resp = _boot(cloud, image, hypervisor_hostname=nodes['host2'])
    assert _placed(cloud, resp) == ('host2', nodes['host2'])
    resp = _boot(cloud, image, host='host2', hypervisor_hostname=nodes['host2'])
    assert _placed(cloud, resp) == ('host2', nodes['host2'])


def test_requested_node_without_room_fails_to_schedule(cloud, image, nodes):
    cloud.admin('POST', '/v2.1/flavors', {'flavor': {
        'name': 'wide', 'id': 'wide', 'ram': 512, 'vcpus': 1, 'disk': 150}})  # of 200 GB
    first = _boot(cloud, image, flavor='wide', hypervisor_hostname=nodes['host2'])
    assert _placed(cloud, first) == ('host2', nodes['host2'])
    second = _boot(cloud, image, flavor='wide', hypervisor_hostname=nodes['host2'])
    server_id = second.json_body_or_none['server']['id']
    server = cloud.wait_for_server(server_id, 'ERROR', project='admin')
    assert 'No valid host' in server['fault']['message']  # host1 had room, unasked


@pytest.mark.parametrize('destination, message', [
    ({'host': 'nowhere'}, 'Compute host nowhere could not be found.'),
    ({'hypervisor_hostname': 'host2'},
     'Compute host with hypervisor hostname host2 could not be found.'),
    ({'host': 'host1', 'hypervisor_hostname': NODES['host2']},
     'Compute host host1 with hypervisor hostname %s could not be found.' % NODES['host2']),
    ({'host': 'host1', 'availability_zone': 'nova:host2'},
     'The availability zone forces host host2 but the requested destination is host '
     'host1.'),
])
def test_unknown_destination_is_a_bad_request(cloud, image, nodes, destination, message):
    resp = _boot(cloud, image, expect=400, **destination)
    assert helpers.fault(resp) == (400, message)
    servers = cloud.admin('GET', '/v2.1/servers?all_tenants=1').json_body_or_none
    assert servers['servers'] == []


def test_only_admins_name_a_destination_and_only_from_2_74(cloud, image, nodes):
    for destination in ({'hypervisor_hostname': nodes['host1']}, {'host': 'host1'}):
        resp = _boot(cloud, image, expect=403, admin=False, **destination)
        assert helpers.fault(resp) == (403, 'Policy does not allow '
                                            'compute:servers:create:requested_destination '
                                            'to be performed.')
        resp = _boot(cloud, image, expect=400, version='2.73', **destination)
        assert 'Additional properties are not allowed' in helpers.fault(resp)[1]
    assert cloud.request('GET', '/v2.1/servers').json_body_or_none['servers'] == []
