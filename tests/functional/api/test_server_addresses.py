"""Servers on the operator's networks: a fixed address on each network a server asks for
(or, by default, on each its project may use), allocated by the conductor before the
guest is built, shown in server bodies and under /servers/{id}/ips, given to the guest
as a NIC on the network's bridge, and released with the server on every delete path
(resize, migrate and shelve keep it)."""
import threading

from oslo_utils import uuidutils
import pytest

from conductor_svc.tasks import build as build_task
from svc_common import context as nimbus_context
from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common import objects
from tests.functional.api import helpers


def _ctx():
    return nimbus_context.get_admin_context()


def _network(label, cidr, **extra):
    network = objects.Network(context=_ctx(), label=label, cidr=cidr, **extra)
    network.create()
    return network


def _allocated(server_id):
    return [(ip.network.label, ip.address)
            for ip in objects.FixedIPList.get_by_instance(_ctx(), server_id)]


def _all_allocations():
    return [(ip.instance_uuid, ip.address) for ip in objects.FixedIPList.get_by_instances(
        _ctx(), [row.instance_uuid for row in _fixed_ip_rows()])]


@db_api.reader
def _rows(context):
    return context.session.query(models.FixedIP).all()


def _fixed_ip_rows():
    return _rows(_ctx())


@pytest.fixture
def image(cloud):
    return helpers.create_image(cloud, project='admin', roles='admin', visibility='public')


def _boot(cloud, image, version='2.1', networks=None, expect=202, **extra):
    server = dict({'name': 'vm', 'flavorRef': '1', 'imageRef': image['id']}, **extra)
    if networks is not None:
        server['networks'] = networks
    resp = cloud.request('POST', '/v2.1/servers', {'server': server}, version=version)
    assert resp.status_int == expect, resp.body
    return resp.json_body_or_none if expect == 202 else helpers.fault(resp)


def _active(cloud, image, **kwargs):
    server_id = _boot(cloud, image, **kwargs)['server']['id']
    return cloud.wait_for_server(server_id, 'ACTIVE')


def _guest_interfaces(cloud, server_id):
    host = helpers.server_host(cloud, server_id)
    return cloud.aio.compute(host).driver.interfaces(server_id)


def test_without_networks_servers_have_no_addresses(cloud, image):
    server = _active(cloud, image)
    assert server['addresses'] == {}
    resp = cloud.request('GET', '/v2.1/servers/%s/ips' % server['id'])
    assert helpers.validate(resp, '2.1', 'servers', 'list_addresses') == {'addresses': {}}
    assert _all_allocations() == []


def test_a_server_gets_an_address_on_every_network_its_project_may_use(cloud, image):
    private = _network('private', '10.1.0.0/24', bridge='br-nimbus')
    _network('storage', '10.2.0.0/24')  # no bridge: an address, no NIC
    _network('theirs', '10.3.0.0/24', project_id='other')
    server = _active(cloud, image)
    allocated = objects.FixedIPList.get_by_instance(_ctx(), server['id'])
    assert [(ip.network.label, ip.address) for ip in allocated] == [
        ('private', '10.1.0.2'), ('storage', '10.2.0.2')]
    mac = allocated[0].mac_address
    assert mac.startswith('fa:16:3e:') and mac != allocated[1].mac_address
    assert server['addresses'] == {
        'private': [{'version': 4, 'addr': '10.1.0.2', 'OS-EXT-IPS:type': 'fixed',
                     'OS-EXT-IPS-MAC:mac_addr': mac}],
        'storage': [{'version': 4, 'addr': '10.2.0.2', 'OS-EXT-IPS:type': 'fixed',
                     'OS-EXT-IPS-MAC:mac_addr': allocated[1].mac_address}]}
    resp = cloud.request('GET', '/v2.1/servers/%s' % server['id'])
    helpers.validate(resp, '2.1', 'servers', 'get_server')
    resp = cloud.request('GET', '/v2.1/servers/detail')
    body = helpers.validate(resp, '2.1', 'servers', 'list_servers_detail')
    assert body['servers'][0]['addresses'] == server['addresses']
    resp = cloud.request('GET', '/v2.1/servers/%s/ips' % server['id'])
    assert helpers.validate(resp, '2.1', 'servers', 'list_addresses') == {'addresses': {
        'private': [{'version': 4, 'addr': '10.1.0.2'}],
        'storage': [{'version': 4, 'addr': '10.2.0.2'}]}}
    resp = cloud.request('GET', '/v2.1/servers/%s/ips/storage' % server['id'])
    assert helpers.validate(resp, '2.1', 'servers', 'list_addresses_by_network') == {
        'storage': [{'version': 4, 'addr': '10.2.0.2'}]}
    code, message = helpers.fault(cloud.request(
        'GET', '/v2.1/servers/%s/ips/theirs' % server['id']))
    assert (code, message) == (404, 'Instance is not a member of specified network')
    assert cloud.request('GET', '/v2.1/servers/%s/ips' % server['id'],
                         project='other').status_int == 404
    # The guest has one NIC: on the bridged network, with the allocation's MAC.
    assert _guest_interfaces(cloud, server['id']) == [
        {'bridge': 'br-nimbus', 'mac_address': mac, 'address': '10.1.0.2'}]
    assert private.uuid == allocated[0].network.uuid


@pytest.mark.parametrize('version, networks', [('2.37', 'auto'), ('2.1', []),
                                               ('2.36', None)])
def test_auto_and_absent_mean_every_usable_network(cloud, image, version, networks):
    _network('private', '10.1.0.0/24')
    server = _active(cloud, image, version=version, networks=networks)
    assert _allocated(server['id']) == [('private', '10.1.0.2')]


def test_a_server_asking_for_networks_gets_those_and_none_gets_none(cloud, image):
    _network('private', '10.1.0.0/24')
    other = _network('other', '10.2.0.0/24')
    own = _network('own', '10.3.0.0/24', project_id='demo')
    server = _active(cloud, image, networks=[{'uuid': own.uuid}, {'uuid': other.uuid}])
    assert _allocated(server['id']) == [('own', '10.3.0.2'), ('other', '10.2.0.2')]
    server = _active(cloud, image, version='2.37', networks='none')
    assert server['addresses'] == {} and _allocated(server['id']) == []


def test_bad_network_requests_are_400(cloud, image):
    theirs = _network('theirs', '10.3.0.0/24', project_id='other')
    gone = _network('gone', '10.4.0.0/24')
    gone.destroy()
    unknown = uuidutils.generate_uuid()
    for networks, message in (
            ([{'uuid': unknown}], 'Network %s could not be found.' % unknown),
            ([{'uuid': theirs.uuid}], 'Network %s could not be found.' % theirs.uuid),
            ([{'uuid': gone.uuid}], 'Network %s could not be found.' % gone.uuid),
            ([{'uuid': theirs.uuid}, {'uuid': theirs.uuid}], 'Duplicate networks'),
            ([{'uuid': 'not-a-uuid'}], 'Bad networks format'),
            ([{'port': unknown}], 'Ports are not available'),
            ([{'uuid': unknown, 'fixed_ip': '10.3.0.9'}], 'fixed IP address cannot be')):
        code, text = _boot(cloud, image, networks=networks, expect=400)
        assert code == 400 and message in text, (networks, text)
    assert cloud.request('GET', '/v2.1/servers').json_body_or_none == {'servers': []}
    # An admin's server uses the networks of its own project, too.
    resp = cloud.admin('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'flavorRef': '1', 'imageRef': image['id'],
        'networks': [{'uuid': theirs.uuid}]}})
    assert resp.status_int == 400, resp.body


def test_a_full_network_fails_the_build_with_a_fault(cloud, image):
    network = _network('tiny', '10.9.0.0/30')  # .1 the gateway, .2 the one address
    first = _active(cloud, image)
    assert _allocated(first['id']) == [('tiny', '10.9.0.2')]
    second = _boot(cloud, image)['server']['id']
    server = cloud.wait_for_server(second, 'ERROR')
    assert server['fault']['message'] == (
        'No fixed IP addresses available for network: %s' % network.uuid)
    assert server['addresses'] == {} and _allocated(second) == []
    assert cloud.request('DELETE', '/v2.1/servers/%s' % first['id']).status_int == 204
    cloud.wait_for_server(first['id'], 'DELETED')
    third = _active(cloud, image)
    assert _allocated(third['id']) == [('tiny', '10.9.0.2')]  # released, taken again


def test_allocating_is_idempotent_per_instance_and_network(cloud, image):
    network = _network('private', '10.1.0.0/24')
    server = _active(cloud, image)
    first = objects.FixedIP.allocate(_ctx(), network.uuid, server['id'])
    again = objects.FixedIP.allocate(_ctx(), network.uuid, server['id'])
    assert (first.id, first.address, first.mac_address) == (
        again.id, again.address, again.mac_address)
    assert len(_fixed_ip_rows()) == 1


def test_concurrent_allocations_never_share_an_address_or_take_two(cloud, image):
    network = _network('small', '10.5.0.0/28')  # 13 addresses for guests
    servers = [helpers.boot(cloud, image['id'], name='vm%d' % i)['server']['id']
               for i in range(6)]
    for server_id in servers:
        cloud.wait_for_server(server_id, 'ACTIVE')
    results, errors = [], []

    def allocate(server_id):
        try:
            results.append(objects.FixedIP.allocate(_ctx(), network.uuid, server_id))
        except Exception as error:  # reported below
            errors.append(error)
    threads = [threading.Thread(target=allocate, args=(server_id,))
               for server_id in servers for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    by_server = {}
    for fixed_ip in results:
        by_server.setdefault(fixed_ip.instance_uuid, set()).add(fixed_ip.address)
    assert all(len(addresses) == 1 for addresses in by_server.values())
    assert len({next(iter(a)) for a in by_server.values()}) == len(servers)
    assert len(_fixed_ip_rows()) == len(servers)


def test_a_resumed_or_duplicated_build_finds_its_allocation(cloud, image):
    _network('private', '10.1.0.0/24')
    cloud.aio.bus.duplicate('build_instances')
    server = _active(cloud, image)
    assert _allocated(server['id']) == [('private', '10.1.0.2')]
    # The conductor's build task run again for the same instance (a resumed build):
    instance = objects.Instance.get_by_uuid(_ctx(), server['id'])
    instance.task_state = 'scheduling'
    instance.vm_state = 'building'
    task = build_task.BuildTask(_ctx(), [instance], None, cloud.aio.scheduler,
                                cloud.aio.compute_rpcapi)
    spec = objects.RequestSpec.get_by_instance_uuid(_ctx(), server['id'])
    assert task._allocate_addresses(instance, spec)
    assert task._allocate_addresses(instance, spec)
    assert _allocated(server['id']) == [('private', '10.1.0.2')]
    assert len(_fixed_ip_rows()) == 1


def test_a_deleted_instance_gets_no_address(cloud, image):
    network = _network('private', '10.1.0.0/24')
    server = _active(cloud, image)
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server['id']).status_int == 204
    cloud.wait_for_server(server['id'], 'DELETED')
    with pytest.raises(exception.InstanceNotFound):
        objects.FixedIP.allocate(_ctx(), network.uuid, server['id'])
    assert _fixed_ip_rows() == []


def test_the_compute_delete_releases_the_addresses(cloud, image):
    _network('private', '10.1.0.0/24')
    server = _active(cloud, image)
    assert _allocated(server['id'])
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server['id']).status_int == 204
    cloud.wait_for_server(server['id'], 'DELETED')
    assert _fixed_ip_rows() == []


def test_the_local_delete_of_a_server_without_a_host_releases_them(cloud, image):
    _network('private', '10.1.0.0/24')
    server_id = _boot(cloud, image)['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    service = objects.Service.get_by_host_and_binary(
        _ctx(), helpers.server_host(cloud, server_id), 'nimbus-compute')
    service.forced_down = True
    service.save()
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404
    assert _fixed_ip_rows() == []


def test_a_server_that_never_got_a_host_is_deleted_with_its_addresses(cloud, image):
    _network('private', '10.1.0.0/24')
    cloud.aio.bus.lose('build_and_run_instance', to_host=True)
    server_id = _boot(cloud, image)['server']['id']
    # The conductor allocated, recorded a host and cast the build, which was lost.
    cloud.wait_for(lambda: helpers.server_host(cloud, server_id), what='a host')
    assert _allocated(server_id) == [('private', '10.1.0.2')]
    instance = objects.Instance.get_by_uuid(_ctx(), server_id)
    instance.host = None  # as if the build were lost before a host was recorded
    instance.save()
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    assert cloud.request('GET', '/v2.1/servers/%s' % server_id).status_int == 404
    assert _fixed_ip_rows() == []


def test_the_reaper_releases_what_a_deleted_instance_still_holds(cloud, image):
    network = _network('private', '10.1.0.0/24')
    server_id = _active(cloud, image)['id']
    host = helpers.server_host(cloud, server_id)
    service = objects.Service.get_by_host_and_binary(_ctx(), host, 'nimbus-compute')
    service.forced_down = True
    service.save()
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    _insert_fixed_ip(_ctx(), network.id, server_id)  # an allocation that outlived it
    assert cloud.aio.compute(host).reap_deleted() == [server_id]
    assert _fixed_ip_rows() == []


@db_api.writer
def _insert_fixed_ip(context, network_id, instance_uuid):
    context.session.add(models.FixedIP(network_id=network_id, instance_uuid=instance_uuid,
                                       address='10.1.0.99', mac_address='fa:16:3e:0:0:99'))


@pytest.fixture
def reclaim():
    CONF.set_override('reclaim_instance_interval', 1)
    yield
    CONF.clear_override('reclaim_instance_interval')


def test_soft_delete_keeps_them_until_the_reclaim(cloud, image, reclaim):
    _network('private', '10.1.0.0/24')
    server_id = _active(cloud, image)['id']
    manager = cloud.aio.compute(helpers.server_host(cloud, server_id))
    assert cloud.request('DELETE', '/v2.1/servers/%s' % server_id).status_int == 204
    cloud.wait_for_server(server_id, 'SOFT_DELETED')
    assert _allocated(server_id) == [('private', '10.1.0.2')]  # restorable: kept
    cloud.wait_for(lambda: manager.reclaim_queued_deletes() == [server_id], timeout=5,
                   interval=0.2, what='the reclaim')
    assert _fixed_ip_rows() == []


def _action(cloud, server_id, body, expect=202):
    resp = cloud.admin('POST', '/v2.1/servers/%s/action' % server_id, body)
    assert resp.status_int == expect, resp.body


def test_resize_migrate_and_shelve_keep_the_addresses(cloud, image):
    _network('private', '10.1.0.0/24', bridge='br-nimbus')
    server_id = _active(cloud, image)['id']
    kept = _allocated(server_id)
    mac = objects.FixedIPList.get_by_instance(_ctx(), server_id)[0].mac_address
    nic = [{'bridge': 'br-nimbus', 'mac_address': mac, 'address': '10.1.0.2'}]
    _action(cloud, server_id, {'resize': {'flavorRef': '2'}})
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    assert _guest_interfaces(cloud, server_id) == nic  # the resized guest's NIC
    _action(cloud, server_id, {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'migrate': None})
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    _action(cloud, server_id, {'revertResize': None})
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert _allocated(server_id) == kept
    _action(cloud, server_id, {'shelve': None})
    cloud.wait_for_server(server_id, 'SHELVED_OFFLOADED')
    assert _allocated(server_id) == kept
    _action(cloud, server_id, {'unshelve': None})
    server = cloud.wait_for_server(server_id, 'ACTIVE')
    assert _allocated(server_id) == kept and _guest_interfaces(cloud, server_id) == nic
    assert server['addresses']['private'][0]['addr'] == '10.1.0.2'


def test_the_steps_that_define_a_guest_read_its_nics_with_the_instance(cloud, image):
    """Build, finish_resize and rebuild read the addresses with the step's instance: the
    guest gets its NICs without a call of its own for them (with networks or none)."""
    _network('private', '10.1.0.0/24', bridge='br-nimbus')
    bus = cloud.aio.bus
    del bus.calls[:]
    server_id = _active(cloud, image)['id']
    nic = [{'bridge': 'br-nimbus', 'mac_address': objects.FixedIPList.get_by_instance(
        _ctx(), server_id)[0].mac_address, 'address': '10.1.0.2'}]
    assert _guest_interfaces(cloud, server_id) == nic
    _action(cloud, server_id, {'resize': {'flavorRef': '2'}})
    cloud.wait_for_server(server_id, 'VERIFY_RESIZE')
    assert _guest_interfaces(cloud, server_id) == nic
    _action(cloud, server_id, {'confirmResize': None}, expect=204)
    cloud.wait_for_server(server_id, 'ACTIVE')
    _action(cloud, server_id, {'rebuild': {'imageRef': image['id']}})
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert _guest_interfaces(cloud, server_id) == nic
    none_id = _active(cloud, image, version='2.37', networks='none')['id']
    assert _guest_interfaces(cloud, none_id) == []
    assert ('object_class_action_versions', 'get_by_instance') not in bus.calls


def test_servers_are_filtered_by_address(cloud, image):
    _network('private', '10.1.0.0/24')
    first = _active(cloud, image)['id']
    second = _active(cloud, image)['id']

    def listed(query, **kwargs):
        resp = cloud.request('GET', '/v2.1/servers?%s' % query, **kwargs)
        assert resp.status_int == 200, resp.body
        return sorted(s['id'] for s in resp.json_body_or_none['servers'])
    assert listed('ip=10.1.0.2') == [first]
    assert listed('ip=10.1.0.3') == [second]
    assert listed('ip=10.1.0') == sorted([first, second])
    assert listed('ip=10.2') == []
    assert listed('ip6=fd00') == []
    assert listed('ip=10.1.0.2', project='other') == []
    code, _ = helpers.fault(cloud.request('GET', '/v2.1/servers?ip=10.1.(0'))
    assert code == 400


@pytest.mark.parametrize('version', ['2.1', '2.74', '2.75'])
def test_update_and_rebuild_answers_show_addresses_as_nova_does(cloud, image, version):
    """Until 2.75 the reduced body of PUT and rebuild has addresses without their type
    and MAC (Tempest's schema allows no more); from 2.75 the full body has them."""
    _network('private', '10.1.0.0/24')
    server_id = _active(cloud, image)['id']
    resp = cloud.request('PUT', '/v2.1/servers/%s' % server_id,
                         {'server': {'name': 'renamed'}}, version=version)
    body = helpers.validate(resp, version, 'servers', 'update_server')
    expected = {'version': 4, 'addr': '10.1.0.2'}
    if version == '2.75':
        expected.update({'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': objects.
                         FixedIPList.get_by_instance(_ctx(), server_id)[0].mac_address})
    assert body['server']['addresses'] == {'private': [expected]}
    resp = cloud.request('POST', '/v2.1/servers/%s/action' % server_id,
                         {'rebuild': {'imageRef': image['id']}}, version=version)
    body = helpers.validate(resp, version, 'servers', 'rebuild_server_with_admin_pass')
    assert body['server']['addresses'] == {'private': [expected]}
    cloud.wait_for_server(server_id, 'ACTIVE')
    assert _allocated(server_id) == [('private', '10.1.0.2')]  # a rebuild keeps it
