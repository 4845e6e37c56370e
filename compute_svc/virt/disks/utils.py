"""Running host commands and small file helpers for the libvirt driver.

Every command is an argument list handed to oslo.concurrency's processutils, never a
shell string; qemu-img is always told the format of every image it opens (``-f``, and
``backing_fmt`` for overlays), so it never guesses a format from guest-controlled bytes.
"""
import hashlib
import json
import os
import shutil

from oslo_concurrency import processutils
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# Formats qemu-img may be told; names as qemu spells them.
QEMU_FORMATS = frozenset({'raw', 'qcow2', 'vmdk', 'vdi', 'vpc', 'vhdx', 'qed'})
# qemu-img subcommands and the flag each takes for the input format.
_FORMAT_FLAG = {'info': '-f', 'resize': '-f', 'convert': '-f', 'create': '-f',
                'rebase': '-f', 'check': '-f', 'map': '-f'}


def execute(*cmd, **kwargs):
    """Run ``cmd`` (an argument list). Returns (stdout, stderr); raises
    processutils.ProcessExecutionError on a non-zero exit."""
    if kwargs.get('shell'):
        raise ValueError('commands never run through a shell')
    if not cmd or not all(isinstance(arg, str) for arg in cmd):
        raise TypeError('command arguments must be strings: %r' % (cmd,))
    return processutils.execute(*cmd, **kwargs)


def qemu_img(subcommand, *args, **kwargs):
    """``qemu-img SUBCOMMAND ARGS`` — refuses to run without an explicit format."""
    flag = _FORMAT_FLAG.get(subcommand)
    if flag is None:
        raise ValueError('qemu-img %s is not used by Nimbus' % subcommand)
    if flag not in args:
        raise ValueError('qemu-img %s without an explicit %s FORMAT' % (subcommand, flag))
    fmt = args[args.index(flag) + 1]
    if fmt not in QEMU_FORMATS:
        raise ValueError('unknown image format %r' % fmt)
    return execute('qemu-img', subcommand, *args, **kwargs)


def qemu_img_info(path, fmt, force_share=False):
    """qemu-img's view of an image we own (never of a downloaded one before inspection)."""
    extra = ('--force-share',) if force_share else ()
    out, _err = qemu_img('info', '-f', fmt, '--output=json', *extra, path)
    return json.loads(out)


def cache_name(image_id):
    """File name of an image in the cache: sha1 of its id (ids are not file names)."""
    return hashlib.sha1(image_id.encode()).hexdigest()


def ensure_tree(path):
    os.makedirs(path, exist_ok=True)
    return path


def write_json_atomic(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def allocated_bytes(path):
    """Bytes a file really occupies (sparse files and qcow2 overlays are much smaller
    than their size)."""
    return os.stat(path).st_blocks * 512


def tree_allocated_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += allocated_bytes(os.path.join(root, name))
            except FileNotFoundError:
                pass
    return total


def remove_tree(path):
    """Remove a directory tree; a missing one is fine."""
    if os.path.isdir(path):
        shutil.rmtree(path)


def create_sparse_file(path, size):
    with open(path, 'wb') as f:
        f.truncate(size)


def sparse_copy(src, dst, chunk=4 * 1024 * 1024):
    """Copy ``src`` to ``dst`` keeping holes; return the bytes of data copied."""
    copied = 0
    size = os.path.getsize(src)
    with open(src, 'rb') as fin, open(dst, 'wb') as fout:
        fd = fin.fileno()
        offset = 0
        while offset < size:
            try:
                data_start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole is left
                break
            hole_start = os.lseek(fd, data_start, os.SEEK_HOLE)
            fin.seek(data_start)
            fout.seek(data_start)
            remaining = hole_start - data_start
            while remaining:
                buf = fin.read(min(chunk, remaining))
                if not buf:
                    break
                fout.write(buf)
                copied += len(buf)
                remaining -= len(buf)
            offset = hole_start
        fout.truncate(size)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copymode(src, dst)
    return copied
