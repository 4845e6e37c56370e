"""Downloaded images: fetch into a file, inspect it before any tool opens it, convert.

The inspection uses oslo.utils' format inspector, which reads headers in pure Python and
was written for exactly the attacks a hostile image carries: a qcow2 whose backing file
or data file points at a host file, a vmdk whose descriptor names extents on the host, an
image declared raw that is really qcow2 (so a later format probe would follow its backing
file), and sizes that do not fit the flavor. Only an image that passed is handed to
qemu-img, and then always with its format spelled out.
"""
import dataclasses
import os

from oslo_log import log as logging
from oslo_utils.imageutils import format_inspector

from svc_common import exception
from compute_svc.virt.disks import utils

LOG = logging.getLogger(__name__)

# disk_format of the image record -> the inspector's (and qemu's) format name.
DISK_FORMATS = {'raw': 'raw', 'ami': 'raw', 'qcow2': 'qcow2', 'vmdk': 'vmdk', 'vdi': 'vdi',
                'vhd': 'vhd', 'vhdx': 'vhdx'}
_QEMU_NAME = {'vhd': 'vpc'}
# Kernels and ramdisks are given to QEMU as files (-kernel/-initrd), never opened by its
# block layer; still, each must be what its role says (inspect_boot_file).
BOOT_FORMATS = frozenset({'aki', 'ari'})
# (offset, magic) of what a kernel is: x86 bzImage ('HdrS' setup header), ELF (vmlinux),
# arm64 Image, PE (EFI stub); and of what a ramdisk is: gzip, cpio (newc, crc, odc),
# xz, zstd, lz4 (legacy, frame), bzip2, lzma, lzop.
_BOOT_MAGIC = {
    'aki': ((0x202, b'HdrS'), (0, b'\x7fELF'), (0x38, b'ARM\x64'), (0, b'MZ')),
    'ari': ((0, b'\x1f\x8b'), (0, b'070701'), (0, b'070702'), (0, b'070707'),
            (0, b'\xfd7zXZ\x00'), (0, b'\x28\xb5\x2f\xfd'), (0, b'\x02\x21\x4c\x18'),
            (0, b'\x04\x22\x4d\x18'), (0, b'BZh'), (0, b'\x5d\x00\x00'),
            (0, b'\x89LZO')),
}
_BOOT_ROLE = {'aki': 'a kernel', 'ari': 'a ramdisk'}
# Formats a cached base keeps when force_raw_images is off; others are always made raw.
KEEP_FORMATS = frozenset({'raw', 'qcow2'})


@dataclasses.dataclass
class Inspected:
    format: str          # qemu's name for it
    virtual_size: int    # bytes the guest would see


def _unacceptable(image_id, reason):
    return exception.ImageUnacceptable(image_id=image_id, reason=reason)


def inspect(path, disk_format, image_id, max_virtual_size=None) -> Inspected:
    """Check a downloaded file against its record; raise ImageUnacceptable or
    FlavorDiskSmallerThanImage. Reads only headers, runs no external tool."""
    if disk_format in BOOT_FORMATS:
        return inspect_boot_file(path, disk_format, image_id)
    expected = DISK_FORMATS.get(disk_format)
    if expected is None:
        raise _unacceptable(image_id, 'disk_format %r is not supported' % disk_format)
    try:
        found = format_inspector.detect_file_format(path)
    except Exception as error:  # any parse failure of hostile bytes is a rejection
        raise _unacceptable(image_id, 'its format cannot be determined (%s: %s)' % (
            type(error).__name__, error)) from error
    detected = str(found)
    if expected == 'raw' and detected == 'gpt':
        detected = 'raw'  # a whole disk with a partition table is still a raw image
    if detected != expected:
        raise _unacceptable(image_id, 'declared %s but the data is %s' % (disk_format,
                                                                        detected))
    try:
        found.safety_check()
    except format_inspector.SafetyCheckFailed as error:
        reasons = '; '.join('%s: %s' % (name, failure)
                            for name, failure in sorted(error.failures.items()))
        raise _unacceptable(image_id, 'safety check failed (%s)' % reasons) from error
    except Exception as error:
        raise _unacceptable(image_id, 'safety check failed (%s: %s)' % (
            type(error).__name__, error)) from error
    size = os.path.getsize(path) if expected == 'raw' else found.virtual_size
    if not size:
        raise _unacceptable(image_id, 'its virtual size cannot be determined')
    if max_virtual_size and size > max_virtual_size:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=max_virtual_size,
                                                   image_size=size)
    return Inspected(_QEMU_NAME.get(expected, expected), size)


def inspect_boot_file(path, disk_format, image_id) -> Inspected:
    """A kernel (aki) or ramdisk (ari) must start as one does; a disk image (qcow2,
    vmdk, ...) or anything else is refused."""
    with open(path, 'rb') as src:
        head = src.read(4096)
    try:
        found = str(format_inspector.detect_file_format(path))
    except Exception as error:
        raise _unacceptable(image_id, 'its format cannot be determined (%s: %s)' % (
            type(error).__name__, error)) from error
    if found not in ('raw', 'gpt', 'mbr'):
        raise _unacceptable(image_id, 'declared %s but the data is a %s disk image'
                                      % (disk_format, found))
    if not any(head[offset:offset + len(magic)] == magic
               for offset, magic in _BOOT_MAGIC[disk_format]):
        raise _unacceptable(image_id, 'declared %s but the data is not %s'
                                      % (disk_format, _BOOT_ROLE[disk_format]))
    return Inspected('raw', os.path.getsize(path))


def fetch_to_base(client, context, image_id, image_meta, part_path, max_virtual_size=None,
                  force_raw=True) -> dict:
    """Download, inspect and (when needed) convert an image into ``part_path``.

    Returns the base's facts for the cache: format, virtual size, the image id."""
    disk_format = (image_meta or {}).get('disk_format')
    client.download(context, image_id, part_path, image_meta)
    found = inspect(part_path, disk_format, image_id, max_virtual_size)
    fmt = found.format
    if disk_format not in BOOT_FORMATS and fmt != 'raw' and (
            force_raw or fmt not in KEEP_FORMATS):
        converted = part_path + '.converted'
        try:
            utils.qemu_img('convert', '-f', fmt, '-O', 'raw', part_path, converted)
            os.replace(converted, part_path)
        finally:
            if os.path.exists(converted):
                os.unlink(converted)
        LOG.info('Converted image %s from %s to raw', image_id, fmt)
        fmt = 'raw'
    return {'format': fmt, 'virtual_size': found.virtual_size, 'image_id': image_id}
