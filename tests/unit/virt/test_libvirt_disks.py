"""Disk backends and disk helpers on real (small) files with real qemu-img and e2fsprogs."""
import os
import re
import subprocess

import pytest

from svc_common import exception
from compute_svc.virt.disks import disk
from compute_svc.virt.disks import imagebackend
from compute_svc.virt.disks import imagecache
from compute_svc.virt.disks import utils

MiB = 1024 * 1024


def _ext4_fs_bytes(path):
    out = subprocess.run(['dumpe2fs', '-h', path], check=True, capture_output=True,
                         text=True).stdout
    count = int(re.search(r'^Block count:\s+(\d+)', out, re.M).group(1))
    size = int(re.search(r'^Block size:\s+(\d+)', out, re.M).group(1))
    return count * size


@pytest.fixture
def cache(tmp_path):
    return imagecache.ImageCache(str(tmp_path / 'instances'))


def _make_ext4_base(size):
    def fetch(part):
        disk.make_ext4(part, size, 'root')
        return {'format': 'raw', 'virtual_size': size}
    return fetch


def test_qcow2_disk_is_an_overlay_on_the_base(tmp_path, cache):
    image = imagebackend.Qcow2(str(tmp_path / 'disk'))
    base = image.create(cache, 'base-a', _make_ext4_base(8 * MiB), 32 * MiB)
    info = utils.qemu_img_info(image.path, 'qcow2')
    assert info['virtual-size'] == 32 * MiB
    assert info['backing-filename'] == base.path == cache.path('base-a')
    assert info['backing-filename-format'] == 'raw'
    assert disk.qcow2_backing_file(image.path) == base.path
    assert utils.allocated_bytes(image.path) < MiB
    assert image.create(cache, 'base-a', None, 32 * MiB) is None  # exists: nothing to do


def test_qcow2_resize_grows_only(tmp_path, cache):
    image = imagebackend.Qcow2(str(tmp_path / 'disk'))
    image.create(cache, 'base-a', _make_ext4_base(8 * MiB), None)
    assert image.virtual_size() == 8 * MiB
    assert image.resize(16 * MiB) is True
    assert image.virtual_size() == 16 * MiB
    assert image.resize(8 * MiB) is False
    assert image.virtual_size() == 16 * MiB


def test_flat_disk_is_a_copy_grown_with_its_filesystem(tmp_path, cache):
    image = imagebackend.Flat(str(tmp_path / 'disk'))
    image.create(cache, 'base-b', _make_ext4_base(8 * MiB), 24 * MiB)
    assert os.path.getsize(image.path) == 24 * MiB
    assert disk.qcow2_backing_file(image.path) is None
    assert _ext4_fs_bytes(image.path) == 24 * MiB  # e2fsck + resize2fs on the host
    assert image.resize(40 * MiB) is True
    assert _ext4_fs_bytes(image.path) == 40 * MiB
    assert _ext4_fs_bytes(cache.path('base-b')) == 8 * MiB  # the base is untouched


def test_raw_disk_that_is_not_ext_is_only_grown(tmp_path):
    path = str(tmp_path / 'disk')
    utils.create_sparse_file(path, 4 * MiB)
    assert not disk.is_partitionless_ext(path)
    assert disk.extend(path, 'raw', 8 * MiB) is True
    assert os.path.getsize(path) == 8 * MiB


def test_disk_smaller_than_the_image_is_refused(tmp_path, cache):
    image = imagebackend.Qcow2(str(tmp_path / 'disk'))
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        image.create(cache, 'base-c', _make_ext4_base(16 * MiB), 8 * MiB)
    assert not image.exists() and not os.path.exists(image.path + '.tmp')
    assert cache.read('base-c') is not None  # the base itself is fine to keep


def test_backend_registry():
    assert imagebackend.backend('qcow2') is imagebackend.Qcow2
    assert imagebackend.backend('flat') is imagebackend.Flat
    with pytest.raises(ValueError):
        imagebackend.backend('rbd')
    assert isinstance(imagebackend.for_existing('/x', 'raw'), imagebackend.Flat)


def test_attach_to_base_rewrites_only_the_header(tmp_path, cache):
    image = imagebackend.Qcow2(str(tmp_path / 'disk'))
    image.create(cache, 'base-d', _make_ext4_base(8 * MiB), None)
    other = imagecache.ImageCache(str(tmp_path / 'other-host'))
    with other.use('base-d', _make_ext4_base(8 * MiB)) as moved_base:
        image.attach_to_base(moved_base)
    assert disk.qcow2_backing_file(image.path) == other.path('base-d')
    subprocess.run(['qemu-img', 'check', '-q', '-f', 'qcow2', image.path], check=True)


def test_ephemeral_and_swap_formats(tmp_path):
    eph, swap = str(tmp_path / 'eph'), str(tmp_path / 'swap')
    disk.make_ext4(eph, 16 * MiB, 'ephemeral0')
    disk.make_swap(swap, 8 * MiB)
    out = subprocess.run(['blkid', eph, swap], capture_output=True, text=True).stdout
    assert 'LABEL="ephemeral0"' in out and 'TYPE="ext4"' in out and 'TYPE="swap"' in out
