import os

import pytest

from compute_svc.virt.disks import remotefs
from compute_svc.virt.disks import utils


def test_local_transport_copies_between_instance_paths(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    a.mkdir()
    fs = remotefs.LocalTransport(str(a), {'hostB': str(b)})
    src = a / 'disk'
    with open(src, 'wb') as f:
        f.truncate(32 << 20)
        f.write(b'z' * 200000)
    fs.make_dir('hostB', 'uuid')
    sent = fs.copy_to(str(src), 'hostB', 'uuid/disk')
    assert 200000 <= sent < 300000  # the data, not the 32 MiB
    assert (b / 'uuid' / 'disk').read_bytes() == src.read_bytes()
    fs.create_file('hostB', 'marker')
    assert (b / 'marker').exists()
    fs.remove('hostB', 'marker')
    fs.remove('hostB', 'uuid')
    fs.remove('hostB', 'missing')
    assert os.listdir(b) == []
    assert fs.path('other', 'x') == str(a / 'x')  # unknown host: same path as here


def test_paths_stay_inside_the_instances_path(tmp_path):
    fs = remotefs.LocalTransport(str(tmp_path))
    for bad in ('/etc/passwd', '../x', 'a/../../x'):
        with pytest.raises(ValueError):
            fs.path('h', bad)


def test_ssh_transport_commands(monkeypatch):
    calls = []

    def fake_execute(*cmd, **kwargs):
        calls.append(cmd)
        if cmd[0] == 'rsync':
            return 'Number of files: 1\nTotal bytes sent: 1,234,567\n', ''
        return '', ''
    monkeypatch.setattr(utils, 'execute', fake_execute)
    fs = remotefs.SshTransport('/var/lib/nimbus/instances', {'b': '/srv/b'},
                               ['-oBatchMode=yes', '-p', '2222'])
    fs.make_dir('b', "it's")
    assert calls[-1] == ('ssh', '-oBatchMode=yes', '-p', '2222', 'b', '--', 'mkdir', '-p',
                         "'/srv/b/it'\"'\"'s'")
    sent = fs.copy_to('/var/lib/nimbus/instances/u_resize/disk', 'b', 'u/disk')
    assert sent == 1234567
    assert calls[-1] == ('rsync', '--sparse', '--times', '--stats', '-e',
                         'ssh -oBatchMode=yes -p 2222',
                         '/var/lib/nimbus/instances/u_resize/disk', 'b:/srv/b/u/disk')
    fs.remove('c', 'u')
    assert calls[-1][-4:] == ('--', 'rm', '-rf', '/var/lib/nimbus/instances/u')
