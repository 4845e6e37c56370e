"""openstackclient's server actions against an all-in-one: pause/unpause,
suspend/resume, rescue/unrescue, and (with [DEFAULT]/reclaim_instance_interval) delete,
restore and delete --force (the clients tier, marker ``clients``)."""
import pytest

from tests.integration import test_clients as clients

pytestmark = [pytest.mark.clients,
              pytest.mark.filterwarnings('ignore::PendingDeprecationWarning')]
openstack = clients.openstack


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('actions')
    config = tmp / 'nimbus.conf'
    config.write_text('[DEFAULT]\nreclaim_instance_interval = 3600\n')
    yield from clients._run(tmp, '--config-file', str(config))


def _do(cloud, *args):
    openstack(cloud, 'server', *args, parse=False)


def test_server_actions(cloud):
    clients._create_image(cloud)
    openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
              '--nic', 'none', '--wait', 'held')
    _do(cloud, 'pause', 'held')
    paused = clients._wait_status(cloud, 'held', 'PAUSED')
    assert paused['OS-EXT-STS:vm_state'] == 'paused'
    assert [s['Name'] for s in openstack(cloud, 'server', 'list', '--status', 'PAUSED')] \
        == ['held']
    _do(cloud, 'unpause', 'held')
    clients._wait_status(cloud, 'held', 'ACTIVE')
    _do(cloud, 'suspend', 'held')
    assert clients._wait_status(cloud, 'held', 'SUSPENDED')['OS-EXT-STS:vm_state'] == \
        'suspended'
    _do(cloud, 'resume', 'held')
    clients._wait_status(cloud, 'held', 'ACTIVE')
    _do(cloud, 'rescue', 'held')
    assert clients._wait_status(cloud, 'held', 'RESCUE')['OS-EXT-STS:vm_state'] == \
        'rescued'
    _do(cloud, 'unrescue', 'held')
    clients._wait_status(cloud, 'held', 'ACTIVE')
    _do(cloud, 'rescue', '--image', 'img1', '--password', 'rescue-me', 'held')
    clients._wait_status(cloud, 'held', 'RESCUE')
    _do(cloud, 'unrescue', 'held')
    clients._wait_status(cloud, 'held', 'ACTIVE')
    events = [e['Action'] for e in openstack(cloud, 'server', 'event', 'list', 'held')]
    assert events == ['unrescue', 'rescue', 'unrescue', 'rescue', 'resume', 'suspend',
                      'unpause', 'pause', 'create']

    # Deleted, it is kept restorable; soft-deleted servers are not listed (nor found by
    # name), so the id names it from here on.
    server_id = openstack(cloud, 'server', 'show', 'held')['id']
    _do(cloud, 'delete', 'held')
    clients._wait_status(cloud, server_id, 'SOFT_DELETED')
    assert openstack(cloud, 'server', 'list') == []
    _do(cloud, 'restore', server_id)
    clients._wait_status(cloud, server_id, 'ACTIVE')
    _do(cloud, 'delete', '--force', '--wait', server_id)
    assert openstack(cloud, 'server', 'list') == []
