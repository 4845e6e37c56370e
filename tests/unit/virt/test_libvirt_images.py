"""Inspection and fetch of downloaded images, on real files made with qemu-img."""
import os
import subprocess

import pytest

from svc_common import exception
from compute_svc.virt.disks import images
from compute_svc.virt.disks import utils
from tests.libvirt import hostile_images
from tests.unit.virt import fakes

GiB = 1024 ** 3


@pytest.fixture
def commands(monkeypatch):
    """Every external command the driver runs."""
    calls = []
    real = utils.execute

    def recording(*cmd, **kwargs):
        calls.append(cmd)
        return real(*cmd, **kwargs)
    monkeypatch.setattr(utils, 'execute', recording)
    return calls


def _qcow2(path, size='4M'):
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(path), size], check=True)
    return str(path)


def test_accepts_qcow2_and_raw(tmp_path):
    found = images.inspect(_qcow2(tmp_path / 'ok.qcow2'), 'qcow2', 'img')
    assert (found.format, found.virtual_size) == ('qcow2', 4 * 1024 * 1024)
    raw = tmp_path / 'ok.raw'
    raw.write_bytes(b'\0' * 3 * 512)
    found = images.inspect(str(raw), 'raw', 'img')
    assert (found.format, found.virtual_size) == ('raw', 1536)


def test_a_raw_disk_with_a_partition_table_is_raw(tmp_path):
    path = tmp_path / 'mbr.raw'
    mbr = bytearray(1024 * 1024)
    mbr[446:462] = bytes([0x80, 0, 2, 0, 0x83, 0, 0, 0]) + (2048).to_bytes(4, 'little') + \
        (2048).to_bytes(4, 'little')
    mbr[510:512] = b'\x55\xaa'
    path.write_bytes(bytes(mbr))
    assert images.inspect(str(path), 'raw', 'img').format == 'raw'


def test_kernels_and_ramdisks_are_not_disk_images(tmp_path):
    kernel = tmp_path / 'vmlinuz'
    kernel.write_bytes(b'MZ' + b'\0' * 508 + b'\x55\xaa' + b'HdrS' * 100)
    assert images.inspect(str(kernel), 'aki', 'k').format == 'raw'


@pytest.mark.parametrize('disk_format, head', [
    ('aki', b'\x7fELF\x02\x01'), ('ari', b'\x1f\x8b\x08'), ('ari', b'070701'),
    ('ari', b'\x28\xb5\x2f\xfd')])
def test_boot_files_that_are_what_they_say(tmp_path, disk_format, head):
    path = tmp_path / 'boot'
    path.write_bytes(head + b'\0' * 2000)
    assert images.inspect(str(path), disk_format, 'b').format == 'raw'


@pytest.mark.parametrize('disk_format', ['aki', 'ari'])
def test_boot_files_that_are_disk_images_or_anything_else_are_refused(tmp_path,
                                                                      disk_format):
    with pytest.raises(exception.ImageUnacceptable, match='qcow2 disk image'):
        images.inspect(_qcow2(tmp_path / 'x'), disk_format, 'b')
    other = tmp_path / 'text'
    other.write_bytes(b'#!/bin/sh\nrm -rf /\n' * 100)
    with pytest.raises(exception.ImageUnacceptable, match='is not a'):
        images.inspect(str(other), disk_format, 'b')


def test_unsupported_disk_format(tmp_path):
    with pytest.raises(exception.ImageUnacceptable, match="disk_format 'iso'"):
        images.inspect(_qcow2(tmp_path / 'x'), 'iso', 'img')


@pytest.mark.parametrize('case_name', [
    'qcow2-backing-file', 'qcow2-data-file', 'vmdk-flat-extent', 'vmdk-extent-path',
    'raw-declared-but-qcow2', 'qcow2-declared-but-raw', 'virtual-size-too-large'])
def test_hostile_images_are_rejected_before_any_tool_runs(tmp_path, commands, case_name):
    _secret, cases = hostile_images.build(str(tmp_path / 'corpus'))
    case = {c.name: c for c in cases}[case_name]
    client = fakes.FakeImageClient()
    image = client.add(case.path, case.disk_format)
    part = str(tmp_path / 'base.part')
    commands.clear()
    with pytest.raises(case.error) as raised:
        images.fetch_to_base(client, None, image['id'], image, part,
                             max_virtual_size=case.root_gb * GiB)
    assert case.reason in str(raised.value)
    assert commands == []  # no qemu-img (or anything else) touched the file


def test_qcow2_is_converted_to_raw_when_forced(tmp_path, commands):
    client = fakes.FakeImageClient()
    image = client.add(_qcow2(tmp_path / 'img.qcow2'), 'qcow2')
    part = str(tmp_path / 'base.part')
    info = images.fetch_to_base(client, None, image['id'], image, part, force_raw=True)
    assert info == {'format': 'raw', 'virtual_size': 4 * 1024 * 1024,
                    'image_id': image['id']}
    assert os.path.getsize(part) == 4 * 1024 * 1024
    assert [c[:6] for c in commands] == [
        ('qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw')]
    assert not os.path.exists(part + '.converted')


def test_qcow2_is_kept_when_not_forced(tmp_path, commands):
    client = fakes.FakeImageClient()
    image = client.add(_qcow2(tmp_path / 'img.qcow2'), 'qcow2')
    info = images.fetch_to_base(client, None, image['id'], image, str(tmp_path / 'p'),
                                force_raw=False)
    assert info['format'] == 'qcow2'
    assert commands == []


def test_download_is_verified_against_the_record(tmp_path):
    client = fakes.FakeImageClient()
    image = client.add(_qcow2(tmp_path / 'img.qcow2'), 'qcow2')
    with pytest.raises(exception.ImageDownloadFailed, match='got .* bytes'):
        client.download(None, image['id'], str(tmp_path / 'p'), dict(image, size=1))
    with pytest.raises(exception.ImageDownloadFailed, match='hash'):
        client.download(None, image['id'], str(tmp_path / 'p'),
                        dict(image, checksum='0' * 32))
