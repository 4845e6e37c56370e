"""Instance disk files: create, grow, format, and read what a qcow2 header says.

Instance disks are written by their guests, so their format is never probed: callers
pass the format recorded when the disk was made (disk.info).
"""
import os
import struct

from oslo_concurrency import processutils
from oslo_log import log as logging

from compute_svc.virt.disks import utils

LOG = logging.getLogger(__name__)

_QCOW2_MAGIC = b'QFI\xfb'
_EXT_MAGIC_OFFSET = 1024 + 56  # superblock at 1024, s_magic at 56 in it
_EXT_MAGIC = b'\x53\xef'
_MBR_SIGNATURE = b'\x55\xaa'


def virtual_size(path, fmt):
    if fmt == 'raw':
        return os.path.getsize(path)
    # --force-share: reading the size of a disk a running guest holds open is fine.
    return utils.qemu_img_info(path, fmt, force_share=True)['virtual-size']


def create_overlay(path, base_path, base_format, size):
    """A qcow2 disk of ``size`` bytes whose unwritten clusters read from the base."""
    utils.qemu_img('create', '-f', 'qcow2',
                   '-o', 'backing_file=%s,backing_fmt=%s' % (base_path, base_format),
                   path, str(size))


def copy_to_raw(src, src_format, dst):
    """A standalone raw copy (zeros stay holes)."""
    utils.qemu_img('convert', '-f', src_format, '-O', 'raw', src, dst)


def flatten(path, out):
    """A standalone qcow2 copy of an overlay (its base's data merged in)."""
    utils.qemu_img('convert', '-f', 'qcow2', '-O', 'qcow2', path, out)


def capture(path, fmt, out):
    """A standalone qcow2 copy of an instance disk its guest may hold open (paused):
    --force-share reads past QEMU's lock, the chain's data merged in."""
    utils.qemu_img('convert', '-U', '-f', fmt, '-O', 'qcow2', path, out)


def rebase_in_place(path, base_path, base_format):
    """Point a qcow2 overlay at another copy of the same base (unsafe mode: only the
    header changes, which is right because the content of the base is the same)."""
    utils.qemu_img('rebase', '-f', 'qcow2', '-u', '-b', base_path, '-F', base_format, path)


def qcow2_backing_file(path):
    """The backing file name in a qcow2 header, or None. Reads only the header (which a
    guest cannot change: it sees the virtual disk, not the container)."""
    with open(path, 'rb') as f:
        header = f.read(20)
        if len(header) < 20 or header[:4] != _QCOW2_MAGIC:
            return None
        offset, size = struct.unpack('>QI', header[8:20])
        if not offset or not 0 < size <= 1023:
            return None
        f.seek(offset)
        return f.read(size).decode('utf-8', 'replace')


def is_partitionless_ext(path):
    """Whether a raw disk is one ext2/3/4 filesystem without a partition table."""
    with open(path, 'rb') as f:
        head = f.read(_EXT_MAGIC_OFFSET + 2)
    if len(head) < _EXT_MAGIC_OFFSET + 2:
        return False
    return head[_EXT_MAGIC_OFFSET:] == _EXT_MAGIC and head[510:512] != _MBR_SIGNATURE


def grow_ext_filesystem(path):
    """e2fsck then resize2fs a partitionless ext filesystem to fill its raw file.
    Returns whether it grew; a filesystem that fails the check is left to the guest."""
    try:
        # -p repairs what is safe without questions; exit 1 means it fixed something.
        utils.execute('e2fsck', '-f', '-p', path, check_exit_code=[0, 1])
        utils.execute('resize2fs', path)
    except processutils.ProcessExecutionError as error:
        LOG.warning('Not growing the filesystem of %s on the host: %s', path,
                    error.stderr or error)
        return False
    return True


def extend(path, fmt, size):
    """Grow a disk to ``size`` bytes (never shrink). A raw disk holding a partitionless
    ext filesystem gets it grown too; other guests grow their filesystems themselves
    (cloud-init's growpart/resizefs, or the demo guest's init). Returns whether the
    disk grew."""
    current = virtual_size(path, fmt)
    if size <= current:
        return False
    utils.qemu_img('resize', '-f', fmt, path, str(size))
    LOG.info('Extended %s from %d to %d bytes', path, current, size)
    if fmt == 'raw' and is_partitionless_ext(path):
        grow_ext_filesystem(path)
    return True


def make_ext4(path, size, label):
    """A raw file of ``size`` bytes holding an empty ext4 filesystem (no loop device)."""
    utils.create_sparse_file(path, size)
    utils.execute('mkfs.ext4', '-F', '-q', '-L', label, path)


def make_swap(path, size):
    utils.create_sparse_file(path, size)
    utils.execute('mkswap', '-L', 'swap', path)
