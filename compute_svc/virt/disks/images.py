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
# Kernels and ramdisks are given to QEMU as files (-kernel/-initrd): never opened by its
# block layer, so there is no format to check.
BOOT_FORMATS = frozenset({'aki', 'ari'})
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
        return Inspected('raw', os.path.getsize(path))
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
