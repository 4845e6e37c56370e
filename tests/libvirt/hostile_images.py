"""A corpus of hostile images, built by the tests themselves with qemu-img and printf.

Each tries to make the compute host read one of its own files (``secret``) into a guest
disk, or to take more disk than the flavor has.
"""
import dataclasses
import os
import subprocess

from svc_common import exception


@dataclasses.dataclass
class Case:
    name: str
    path: str
    disk_format: str
    error: type
    reason: str          # a piece of the error message
    root_gb: int = 1


def _qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, capture_output=True)


def _vmdk_descriptor(path, create_type, extent):
    with open(path, 'w') as f:
        f.write('# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n'
                'createType="%s"\n\n# Extent description\n%s\n\n'
                'ddb.virtualHWVersion = "4"\n' % (create_type, extent))


def build(directory):
    """Write the corpus into ``directory``; returns (secret_path, [Case])."""
    os.makedirs(directory, exist_ok=True)
    secret = os.path.join(directory, 'host-secret.raw')
    with open(secret, 'wb') as f:
        f.write(b'HOST SECRET\n' * 4096)
    d = lambda name: os.path.join(directory, name)  # noqa: E731
    _qemu_img('create', '-f', 'qcow2', '-F', 'raw', '-b', secret, d('backing.qcow2'), '1M')
    _qemu_img('create', '-f', 'qcow2', '-o', 'data_file=%s' % d('data-file.raw'),
              d('data-file.qcow2'), '1M')
    _vmdk_descriptor(d('flat-extent.vmdk'), 'monolithicFlat', 'RW 2048 FLAT "%s" 0' % secret)
    _vmdk_descriptor(d('sparse-extent.vmdk'), 'monolithicSparse',
                     'RW 2048 SPARSE "%s"' % secret)
    _qemu_img('create', '-f', 'qcow2', '-F', 'raw', '-b', secret, d('raw-but-qcow2.img'),
              '1M')
    with open(d('qcow2-but-raw.img'), 'wb') as f:
        f.write(b'\0' * 65536)
    _qemu_img('create', '-f', 'qcow2', d('too-large.qcow2'), '2G')
    unacceptable = exception.ImageUnacceptable
    cases = [
        Case('qcow2-backing-file', d('backing.qcow2'), 'qcow2', unacceptable,
             'backing_file: Image has a backing file'),
        Case('qcow2-data-file', d('data-file.qcow2'), 'qcow2', unacceptable,
             'data_file: Image has data_file set'),
        Case('vmdk-flat-extent', d('flat-extent.vmdk'), 'vmdk', unacceptable,
             'descriptor: Unsupported subformat'),
        Case('vmdk-extent-path', d('sparse-extent.vmdk'), 'vmdk', unacceptable,
             'descriptor: Invalid extent filenames found'),
        Case('raw-declared-but-qcow2', d('raw-but-qcow2.img'), 'raw', unacceptable,
             'declared raw but the data is qcow2'),
        Case('qcow2-declared-but-raw', d('qcow2-but-raw.img'), 'qcow2', unacceptable,
             'declared qcow2 but the data is raw'),
        Case('virtual-size-too-large', d('too-large.qcow2'), 'qcow2',
             exception.FlavorDiskSmallerThanImage, 'image is 2147483648 bytes'),
    ]
    return secret, cases
