"""A compute host reading the image store directly (no [image] api_endpoint) reads a
kernel or ramdisk only when the boot request carries its record, which the API adds
once it found the caller may see it (issue 9, finding 3)."""
import uuid

import pytest

from compute_svc.virt.disks import image_client
from compute_svc.virt.disks import instance_disks
from svc_common import exception
from tests.unit.virt import fakes


@pytest.fixture
def store(tmp_path):
    path = tmp_path / 'store'
    path.mkdir()
    return path


def _put(store, data):
    image_id = str(uuid.uuid4())
    (store / image_id).write_bytes(data)
    return image_id


def _boot(tmp_path, store, boot_files):
    root = _put(store, b'\0' * 65536)
    kernel = _put(store, b'\x7fELF' + b'k' * 4000)
    meta = {'id': root, 'disk_format': 'raw', 'size': 65536, 'min_disk': 0,
            'properties': {'kernel_id': kernel}}
    if boot_files:
        meta['boot_files'] = {kernel: {'id': kernel, 'disk_format': 'aki',
                                       'size': 4004}}
    disks = instance_disks.InstanceDisks(
        'host1', instances_path=str(tmp_path / 'instances'),
        image_client=image_client.StoreImageClient(str(store)))
    disks.ensure_trees()
    return disks.create(None, fakes.instance(root, fakes.flavor()), meta)


def test_a_kernel_the_api_vouched_for_is_read(tmp_path, store):
    info = _boot(tmp_path, store, boot_files=True)
    assert info['boot']['kernel']['source']['size'] == 4004


def test_a_kernel_without_a_record_is_not_read_from_the_store(tmp_path, store):
    with pytest.raises(exception.ImageNotFound):
        _boot(tmp_path, store, boot_files=False)
