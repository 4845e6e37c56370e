"""openstackclient's server actions against an all-in-one: pause/unpause,
suspend/resume (the clients tier, marker ``clients``)."""
import pytest

from tests.integration import test_clients as clients

pytestmark = [pytest.mark.clients,
              pytest.mark.filterwarnings('ignore::PendingDeprecationWarning')]
openstack = clients.openstack


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    yield from clients._run(tmp_path_factory.mktemp('actions'))


def _do(cloud, *args):
    openstack(cloud, 'server', *args, parse=False)


def test_pause_and_suspend(cloud):
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
    events = [e['Action'] for e in openstack(cloud, 'server', 'event', 'list', 'held')]
    assert events == ['resume', 'suspend', 'unpause', 'pause', 'create']
    _do(cloud, 'delete', '--wait', 'held')
