"""Disks moved with the production transport, rsync over ssh, to a private sshd on
127.0.0.1 that serves as "the other host" (its instances path is another directory)."""
import os
import shutil
import subprocess
import time

import pytest

from compute_svc.virt.disks import disk
from compute_svc.virt.disks import utils
from tests import ports
from tests.unit.virt import fakes

MiB = 1024 * 1024



@pytest.fixture
def sshd(tmp_path, libvirt_host):
    if not os.path.exists('/usr/sbin/sshd') or not shutil.which('rsync'):
        pytest.fail('sshd or rsync missing: tools/install-libvirt installs them')
    d = tmp_path / 'sshd'
    d.mkdir()
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(d / 'host_key')],
                   check=True)
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(d / 'client_key')],
                   check=True)
    shutil.copy(d / 'client_key.pub', d / 'authorized_keys')
    port = ports.free_port()
    (d / 'sshd_config').write_text('\n'.join([
        'Port %d' % port, 'ListenAddress 127.0.0.1', 'HostKey %s' % (d / 'host_key'),
        'AuthorizedKeysFile %s' % (d / 'authorized_keys'), 'PidFile %s' % (d / 'sshd.pid'),
        'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
        'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', '']))
    os.makedirs('/run/sshd', exist_ok=True)
    proc = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f', str(d / 'sshd_config')],
                            stderr=subprocess.PIPE)
    options = ['-i', str(d / 'client_key'), '-p', str(port), '-oBatchMode=yes',
               '-oStrictHostKeyChecking=no', '-oUserKnownHostsFile=/dev/null',
               '-oLogLevel=ERROR']
    deadline = time.monotonic() + 10
    while subprocess.run(['ssh'] + options + ['127.0.0.1', 'true'],
                         capture_output=True).returncode:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail('private sshd did not come up: %s' % proc.stderr.read())
        time.sleep(0.1)
    yield options
    proc.terminate()
    proc.wait(10)


def test_cold_migration_over_rsync_and_ssh(make_driver, image_api, tmp_path, sshd):
    from compute_svc.virt.disks import remotefs

    a, b = make_driver('hostA'), make_driver('hostB')
    a.disks.remotefs = remotefs.SshTransport(a.instances_path, {'127.0.0.1': b.instances_path},
                                       sshd)
    flavor = fakes.flavor(root_gb=1)
    inst = fakes.instance(image_api.demo['id'], flavor)
    a.spawn(None, inst, image_api.demo, power_on=False)
    overlay = os.path.join(a.instances_path, inst.uuid, 'disk')
    utils.execute('qemu-io', '-f', 'qcow2', '-c', 'write -P 0x5a 100M 8M', overlay)
    overlay_bytes = utils.allocated_bytes(overlay)

    moved = a.migrate_disk_and_power_off(None, inst, '127.0.0.1', flavor)
    print('overlay allocated %d bytes; rsync sent %d bytes' % (overlay_bytes,
                                                              moved['bytes_sent']))
    assert moved['shared'] is False
    assert 8 * MiB < moved['bytes_sent'] < overlay_bytes + 256 * 1024  # not the 1 GiB disk

    b.finish_migration(None, fakes.Migration(inst.uuid, 'hostA', 'hostB'), inst, None,
                       False, power_on=False)
    b_disk = os.path.join(b.instances_path, inst.uuid, 'disk')
    assert disk.virtual_size(b_disk, 'qcow2') == 1024 * MiB
    out, _ = utils.execute('qemu-io', '-f', 'qcow2', '-r', '-c', 'read -P 0x5a 100M 8M',
                           b_disk)
    assert 'read 8388608/8388608' in out
    a.confirm_migration(None, fakes.Migration(inst.uuid, 'hostA', 'hostB'), inst)
    assert not os.path.exists(os.path.join(a.instances_path, inst.uuid + '_resize'))
