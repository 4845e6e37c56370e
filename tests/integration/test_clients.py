"""Real openstackclient commands and openstacksdk calls against a running all-in-one,
with the clouds.yaml it prints (auth_type: none)."""
import json
import os
import pathlib
import subprocess
import urllib.request

import pytest
import yaml

from tests import ports
from tests.integration import deployment

OSC_POLLING = pathlib.Path(__file__).resolve().parent / 'osc_polling'

pytestmark = [pytest.mark.clients,
              # openstacksdk's notices about its own future releases
              pytest.mark.filterwarnings('ignore::PendingDeprecationWarning')]


class AllInOne:
    """``nimbus-all-in-one`` as a subprocess; its output is kept to find the clouds.yaml."""

    def __init__(self, tmp_path, *extra_args):
        self.port = ports.free_port()
        self.proc = deployment.Process('all-in-one', [
            str(deployment.BIN / 'nimbus-all-in-one'), '--state-path', str(tmp_path / 'state'),
            '--port', str(self.port), '--compute-driver', 'fake', *extra_args],
            tmp_path / 'all-in-one.log')

    def start(self):
        self.proc.start()
        return self

    def clouds_yaml(self, timeout=60):
        """The clouds.yaml block of the output, once printed."""
        def printed():
            lines = self.proc.log_text().splitlines()
            start = next((i for i, line in enumerate(lines) if line == 'clouds:'), None)
            if start is None:
                self.proc.check_running()
                return None
            block = []
            for line in lines[start:]:
                if block and not line.startswith(' '):
                    return '\n'.join(block) + '\n'
                block.append(line)
            return None
        return deployment.wait_for(printed, timeout, 'the all-in-one to print clouds.yaml')


def _run(tmp, *extra_args):
    """Start an all-in-one; yield what points clients at it."""
    aio = AllInOne(tmp, *extra_args).start()
    try:
        text = aio.clouds_yaml()
        config = yaml.safe_load(text)
        assert config['clouds']['nimbus']['auth_type'] == 'none'
        assert ':%d/' % aio.port in config['clouds']['nimbus']['auth']['endpoint']
        (tmp / 'clouds.yaml').write_text(text)
        (tmp / 'home').mkdir()
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(tmp / 'clouds.yaml'),
                   OS_CLOUD='nimbus', HOME=str(tmp / 'home'),
                   # --wait polling twice a second instead of every 5 s
                   PYTHONPATH=os.pathsep.join(filter(None, [
                       str(OSC_POLLING), os.environ.get('PYTHONPATH')])))
        for name in [n for n in env if n.startswith('OS_') and n not in (
                'OS_CLIENT_CONFIG_FILE', 'OS_CLOUD')]:
            del env[name]
        yield {'env': env, 'tmp': tmp, 'aio': aio}
    except Exception:
        print(aio.proc.tail(80))
        raise
    finally:
        aio.proc.stop()


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    """A running all-in-one and the environment that points clients at it."""
    yield from _run(tmp_path_factory.mktemp('clients'))


@pytest.fixture(scope='module')
def two_host_cloud(tmp_path_factory):
    """An all-in-one with two compute hosts that lets a resize stay on its host."""
    tmp = tmp_path_factory.mktemp('moves')
    config = tmp / 'nimbus.conf'
    config.write_text('[compute]\nallow_resize_to_same_host = true\n')
    yield from _run(tmp, '--config-file', str(config), '--compute-hosts', 'host1,host2')


def openstack(cloud, *args, parse=True):
    argv = [str(deployment.BIN / 'openstack'), *args] + (['-f', 'json'] if parse else [])
    result = subprocess.run(argv, env=cloud['env'], capture_output=True, text=True,
                            timeout=180, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, 'openstack %s failed (%s):\n%s\n%s\n--- service log\n%s' % (
        ' '.join(args), result.returncode, result.stdout, result.stderr,
        cloud['aio'].proc.tail(30))
    return json.loads(result.stdout) if parse else result.stdout


def _create_image(cloud):
    data = cloud['tmp'] / 'disk.raw'
    data.write_bytes(b'\0' * 65536)
    created = openstack(cloud, 'image', 'create', '--file', str(data), '--disk-format', 'raw',
                        '--container-format', 'bare', 'img1')
    assert created['name'] == 'img1'
    assert created['status'] == 'active'
    return created


@pytest.fixture(scope='module')
def image(cloud):
    return _create_image(cloud)


def test_openstackclient(cloud, image):
    flavors = {f['Name']: f for f in openstack(cloud, 'flavor', 'list')}
    assert {'m1.tiny', 'm1.small'} <= set(flavors)
    assert flavors['m1.tiny']['RAM'] == 512

    created = openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
                        '--nic', 'none', '--wait', 'vm1')
    assert created['name'] == 'vm1'
    assert created['status'] == 'ACTIVE'

    listed = openstack(cloud, 'server', 'list')
    assert [(s['Name'], s['Status']) for s in listed] == [('vm1', 'ACTIVE')]
    assert listed[0]['Image'] == 'img1'
    assert listed[0]['Flavor'] == 'm1.tiny'

    shown = openstack(cloud, 'server', 'show', 'vm1')
    assert shown['id'] == created['id']
    assert shown['status'] == 'ACTIVE'
    assert 'm1.tiny' in json.dumps(shown['flavor'])

    openstack(cloud, 'server', 'delete', '--wait', 'vm1', parse=False)
    assert openstack(cloud, 'server', 'list') == []


def test_admin_apis_with_openstackclient(cloud, image):
    """Aggregates and zones, private flavors, quota classes, as openstackclient drives
    them (at the newest microversion it and Nimbus share)."""
    (service,) = [s for s in openstack(cloud, 'compute', 'service', 'list')
                  if s['Binary'] == 'nova-compute']
    aggregate = openstack(cloud, 'aggregate', 'create', '--zone', 'az1', 'rack1')
    assert aggregate['availability_zone'] == 'az1'
    openstack(cloud, 'aggregate', 'add', 'host', 'rack1', service['Host'])
    openstack(cloud, 'aggregate', 'set', '--property', 'ssd=true', 'rack1', parse=False)
    shown = openstack(cloud, 'aggregate', 'show', 'rack1')
    assert shown['hosts'] == [service['Host']] and shown['properties']['ssd'] == 'true'
    assert 'az1' in {z['Zone Name'] for z in openstack(cloud, 'availability', 'zone', 'list',
                                                       '--compute')}

    # (Without an identity service openstackclient cannot name a project to give a
    # private flavor to; the functional tier covers access lists.)
    flavor = openstack(cloud, 'flavor', 'create', '--private', '--ram', '64', '--disk', '0',
                       '--vcpus', '1', 'secret')
    assert flavor['os-flavor-access:is_public'] is False
    assert [f['Name'] for f in openstack(cloud, 'flavor', 'list', '--private')] == ['secret']

    openstack(cloud, 'quota', 'set', '--default', '--instances', '20', 'default', parse=False)
    endpoint = yaml.safe_load((cloud['tmp'] / 'clouds.yaml').read_text())['clouds'][
        'nimbus']['auth']['endpoint']
    request = urllib.request.Request(endpoint + '/os-quota-sets/admin/defaults',
                                     headers={'X-Auth-Token': 'notused'})  # as clients send
    with urllib.request.urlopen(request) as resp:
        assert json.load(resp)['quota_set']['instances'] == 20

    created = openstack(cloud, 'server', 'create', '--flavor', 'secret', '--image', 'img1',
                        '--nic', 'none', '--availability-zone', 'az1', '--wait', 'zoned')
    shown = openstack(cloud, 'server', 'show', 'zoned')
    assert (shown['id'], shown['OS-EXT-AZ:availability_zone'],
            shown['pinned_availability_zone'], shown['scheduler_hints']) == (
        created['id'], 'az1', 'az1', {})
    openstack(cloud, '--os-compute-api-version', '2.104', 'server', 'unset',
              '--pinned-availability-zone', 'zoned', parse=False)
    assert openstack(cloud, 'server', 'show', 'zoned')['pinned_availability_zone'] is None
    openstack(cloud, 'server', 'delete', '--wait', 'zoned', parse=False)
    openstack(cloud, 'aggregate', 'remove', 'host', 'rack1', service['Host'], parse=False)
    openstack(cloud, 'aggregate', 'delete', 'rack1', parse=False)
    openstack(cloud, 'flavor', 'delete', 'secret', parse=False)


def test_openstacksdk(cloud, image, monkeypatch):
    import openstack as sdk
    for name, value in cloud['env'].items():
        monkeypatch.setenv(name, value)
    conn = sdk.connect(cloud='nimbus')
    try:
        assert 'm1.tiny' in {f.name for f in conn.list_flavors()}
        # The cloud layer's create_server(wait=True) deletes a server that comes up
        # without an IP address (so it would with Nova and networks "none"): create
        # through the compute proxy and wait there.
        image = conn.image.find_image('img1', ignore_missing=False)
        flavor = conn.compute.find_flavor('m1.tiny', ignore_missing=False)
        server = conn.compute.create_server(name='sdk1', image_id=image.id,
                                            flavor_id=flavor.id, networks='none')
        server = conn.compute.wait_for_server(server, status='ACTIVE', wait=60)
        assert server.status == 'ACTIVE'
        assert conn.get_server(server.id).name == 'sdk1'
        assert conn.delete_server(server.id, wait=True, timeout=60)
        assert conn.get_server(server.id) is None
    finally:
        conn.close()


def _wait_status(cloud, server, status, timeout=60):
    def reached():
        shown = openstack(cloud, 'server', 'show', server)
        assert shown['status'] != 'ERROR', shown
        return shown if shown['status'] == status else None
    return deployment.wait_for(reached, timeout, 'server %s to be %s' % (server, status))


def _host(shown):
    return shown['OS-EXT-SRV-ATTR:host']


def test_resize_and_migrate_with_openstackclient(two_host_cloud):
    cloud = two_host_cloud
    _create_image(cloud)
    created = openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
                        '--nic', 'none', '--wait', 'vm')
    first_host = _host(openstack(cloud, 'server', 'show', 'vm'))
    other_host = 'host2' if first_host == 'host1' else 'host1'

    # Resize on the same host (the other one disabled; allowed by the config file).
    openstack(cloud, 'compute', 'service', 'set', '--disable', other_host, 'nova-compute',
              parse=False)
    openstack(cloud, 'server', 'resize', '--flavor', 'm1.small', '--wait', 'vm', parse=False)
    resized = openstack(cloud, 'server', 'show', 'vm')
    assert resized['status'] == 'VERIFY_RESIZE'
    assert _host(resized) == first_host
    assert 'm1.small' in json.dumps(resized['flavor'])
    openstack(cloud, 'server', 'resize', 'confirm', 'vm', parse=False)
    assert _host(_wait_status(cloud, 'vm', 'ACTIVE')) == first_host
    openstack(cloud, 'compute', 'service', 'set', '--enable', other_host, 'nova-compute',
              parse=False)

    # Resize and revert: back to m1.small.
    openstack(cloud, 'server', 'resize', '--flavor', 'm1.medium', '--wait', 'vm', parse=False)
    assert 'm1.medium' in json.dumps(openstack(cloud, 'server', 'show', 'vm')['flavor'])
    openstack(cloud, 'server', 'resize', 'revert', 'vm', parse=False)
    reverted = _wait_status(cloud, 'vm', 'ACTIVE')
    assert 'm1.small' in json.dumps(reverted['flavor'])
    assert _host(reverted) == first_host

    # Cold migration to the other host, confirmed.
    openstack(cloud, 'server', 'migrate', '--wait', 'vm', parse=False)
    migrated = openstack(cloud, 'server', 'show', 'vm')
    assert migrated['status'] == 'VERIFY_RESIZE'
    assert _host(migrated) == other_host
    openstack(cloud, 'server', 'resize', 'confirm', 'vm', parse=False)
    assert _host(_wait_status(cloud, 'vm', 'ACTIVE')) == other_host

    migrations = openstack(cloud, 'server', 'migration', 'list')
    assert [(m['Type'], m['Status']) for m in migrations] == [
        ('migration', 'confirmed'), ('resize', 'reverted'), ('resize', 'confirmed')]
    assert {m['Server UUID'] for m in migrations} == {created['id']}

    events = openstack(cloud, 'server', 'event', 'list', 'vm')
    assert [e['Action'] for e in events] == [
        'confirmResize', 'migrate', 'revertResize', 'resize', 'confirmResize', 'resize',
        'create']
    shown = openstack(cloud, 'server', 'event', 'show', 'vm', events[1]['Request ID'])
    assert shown['action'] == 'migrate'
    assert 'compute_finish_resize' in json.dumps(shown['events'])

    openstack(cloud, 'server', 'delete', '--wait', 'vm', parse=False)


def test_snapshot_with_openstackclient(cloud, image):
    openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
              '--nic', 'none', '--wait', 'snapshot-vm')
    made = openstack(cloud, 'server', 'image', 'create', '--wait', '--name', 'snap1',
                     'snapshot-vm')
    shown = openstack(cloud, 'image', 'show', made['id'])
    assert shown['status'] == 'active'
    assert shown['properties']['image_type'] == 'snapshot'
    server = openstack(cloud, 'server', 'show', 'snapshot-vm')
    assert shown['properties']['instance_uuid'] == server['id']
    assert server['status'] == 'ACTIVE'

    openstack(cloud, 'server', 'backup', 'create', '--name', 'bk', '--type', 'daily',
              '--rotate', '1', '--wait', 'snapshot-vm', parse=False)
    openstack(cloud, 'server', 'backup', 'create', '--name', 'bk2', '--type', 'daily',
              '--rotate', '1', '--wait', 'snapshot-vm', parse=False)
    _wait_status(cloud, 'snapshot-vm', 'ACTIVE')
    names = sorted(i['Name'] for i in openstack(cloud, 'image', 'list'))
    assert 'bk2' in names and 'bk' not in names and 'snap1' in names

    copy = openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'snap1',
                     '--nic', 'none', '--wait', 'snapshot-copy')
    assert copy['status'] == 'ACTIVE'
    for name in ('snapshot-copy', 'snapshot-vm'):
        openstack(cloud, 'server', 'delete', '--wait', name, parse=False)
    for name in ('snap1', 'bk2'):
        openstack(cloud, 'image', 'delete', name, parse=False)


def test_shelve_with_openstackclient(cloud, image):
    openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
              '--nic', 'none', '--wait', 'shelve-vm')
    openstack(cloud, 'server', 'shelve', '--offload', '--wait', 'shelve-vm', parse=False)
    shown = openstack(cloud, 'server', 'show', 'shelve-vm')
    assert shown['status'] == 'SHELVED_OFFLOADED'
    assert shown['OS-EXT-SRV-ATTR:host'] is None
    assert 'shelve-vm-shelved' in [i['Name'] for i in openstack(cloud, 'image', 'list')]
    openstack(cloud, 'server', 'unshelve', '--wait', 'shelve-vm', parse=False)
    shown = openstack(cloud, 'server', 'show', 'shelve-vm')
    assert shown['status'] == 'ACTIVE' and shown['OS-EXT-SRV-ATTR:host']
    assert 'shelve-vm-shelved' not in [i['Name'] for i in openstack(cloud, 'image', 'list')]
    openstack(cloud, 'server', 'delete', '--wait', 'shelve-vm', parse=False)


def test_server_actions_with_openstackclient(cloud, image):
    """Pause, suspend, rescue and a hard reboot of a paused server, as openstackclient
    sends them; the status and the instance actions are read back with it too."""
    openstack(cloud, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'img1',
              '--nic', 'none', '--wait', 'actions-vm')
    for action, status in (('pause', 'PAUSED'), ('unpause', 'ACTIVE'),
                           ('suspend', 'SUSPENDED'), ('resume', 'ACTIVE'),
                           ('rescue', 'RESCUE'), ('unrescue', 'ACTIVE'),
                           ('pause', 'PAUSED')):
        openstack(cloud, 'server', action, 'actions-vm', parse=False)
        _wait_status(cloud, 'actions-vm', status)
    openstack(cloud, 'server', 'reboot', '--hard', 'actions-vm', parse=False)
    _wait_status(cloud, 'actions-vm', 'ACTIVE')
    events = openstack(cloud, 'server', 'event', 'list', 'actions-vm')
    assert {'pause', 'unpause', 'suspend', 'resume', 'rescue', 'unrescue', 'reboot'} <= {
        e['Action'] for e in events}
    openstack(cloud, 'server', 'delete', '--wait', 'actions-vm', parse=False)
