"""The crash matrix's disk checks find each kind of damage (so a green matrix means
something): built on real qcow2 files, no deployment."""
import hashlib
import os
import shutil
import subprocess
import types

import pytest

from tests.integration import disk_checks

pytestmark = pytest.mark.skipif(not shutil.which('qemu-img'),
                                reason='qemu-img missing: run tools/install-libvirt')
UUID = '0f0e0d0c-0b0a-4909-8807-060504030201'
IMAGE = os.urandom(1024 * 1024)


@pytest.fixture
def hosts(tmp_path):
    """Two hosts' instances paths; the instance's disk on hostA (1 GiB), written by its
    guest and recorded."""
    paths = {h: tmp_path / h for h in ('hostA', 'hostB')}
    for path in paths.values():
        (path / '_base').mkdir(parents=True)
    base = paths['hostA'] / '_base' / 'img'
    base.write_bytes(IMAGE)
    _make_disk(paths['hostA'] / UUID, base, 1)
    disk_checks.write_as_guest(str(paths['hostA'] / UUID / 'disk'), len(IMAGE), 7)
    expected = disk_checks.Expected()
    expected.bases['img'] = hashlib.sha256(IMAGE).hexdigest()
    expected.record(UUID, 'hostA', str(paths['hostA'] / UUID / 'disk'))
    return types.SimpleNamespace(paths=paths, expected=expected)


def _make_disk(inst_dir, base, size_gb):
    inst_dir.mkdir()
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', str(base), '-F', 'raw',
                    str(inst_dir / 'disk'), '%dG' % size_gb], check=True)
    (inst_dir / 'disk.info').write_text('{}')


def _problems(hosts, on='hostA', root_gb=1, keep_on=None):
    row = types.SimpleNamespace(host=on)
    disks = {h: disk_checks.HostDisks(p) for h, p in hosts.paths.items()}
    return disk_checks.problems_of(UUID, row, root_gb, keep_on or {}, disks, hosts.expected)


def _move(hosts, src, dst, dst_name=UUID, src_name=UUID):
    shutil.copytree(hosts.paths[src] / src_name, hosts.paths[dst] / dst_name)


def test_disks_where_they_belong_are_fine(hosts):
    assert _problems(hosts) == []


def test_disks_missing_on_the_instance_host(hosts):
    assert _problems(hosts, on='hostB') == [
        '%s: leftover %s on hostA (disk, disk.info)' % (UUID, UUID),
        '%s has no %s on hostB' % (UUID, UUID)]


def test_a_pre_resize_copy_kept_or_lost(hosts):
    _move(hosts, 'hostA', 'hostA', dst_name=UUID + '_resize')
    assert _problems(hosts) == ['%s: leftover %s_resize on hostA (disk, disk.info)' % (
        UUID, UUID)]
    shutil.rmtree(hosts.paths['hostA'] / (UUID + '_resize'))
    assert _problems(hosts, keep_on={'hostA': 1}) == [
        '%s has no %s_resize on hostA' % (UUID, UUID)]


def test_stray_files_in_an_instance_directory(hosts):
    (hosts.paths['hostA'] / UUID / 'disk.info.outgoing').write_text('{}')
    assert _problems(hosts) == ['%s on hostA holds disk, disk.info, disk.info.outgoing '
                                '(expected disk, disk.info)' % UUID]


def test_what_the_guest_wrote_is_lost(hosts):
    disk = hosts.paths['hostA'] / UUID / 'disk'
    disk.unlink()
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b',
                    str(hosts.paths['hostA'] / '_base' / 'img'), '-F', 'raw', str(disk),
                    '1G'], check=True)
    assert _problems(hosts) == [
        'the guest would read other data from the disk of %s on hostA' % UUID,
        'the disk file of %s on hostA changed' % UUID]


def test_a_moved_and_grown_disk_keeps_what_the_guest_sees(hosts):
    shutil.copy(hosts.paths['hostA'] / '_base' / 'img', hosts.paths['hostB'] / '_base')
    _move(hosts, 'hostA', 'hostB')
    shutil.rmtree(hosts.paths['hostA'] / UUID)
    disk = str(hosts.paths['hostB'] / UUID / 'disk')
    subprocess.run(['qemu-img', 'rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b',
                    str(hosts.paths['hostB'] / '_base' / 'img'), disk], check=True)
    assert _problems(hosts, on='hostB', root_gb=2) == [
        'disk of %s on hostB is %d bytes, the flavor 2 GiB' % (UUID, 1024 ** 3)]
    subprocess.run(['qemu-img', 'resize', '-q', disk, '2G'], check=True)
    assert _problems(hosts, on='hostB', root_gb=2) == []


def test_orphans_and_damaged_bases(hosts):
    disks = {h: disk_checks.HostDisks(p) for h, p in hosts.paths.items()}
    assert disk_checks.orphans(disks, {UUID}) == []
    assert disk_checks.base_problems(disks, hosts.expected) == []
    _move(hosts, 'hostA', 'hostB', dst_name='1d2c3b4a-0000-4000-8000-000000000000')
    with open(hosts.paths['hostA'] / '_base' / 'img', 'r+b') as base:
        base.write(b'rot')
    disks = {h: disk_checks.HostDisks(p) for h, p in hosts.paths.items()}
    assert disk_checks.orphans(disks, {UUID}) == [
        '1d2c3b4a-0000-4000-8000-000000000000 on hostB belongs to no instance']
    assert disk_checks.base_problems(disks, hosts.expected) == [
        'cached base img on hostA is not the image']
