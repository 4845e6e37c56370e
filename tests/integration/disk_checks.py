"""Disk files of a deployment whose computes keep real disks (``[fake_driver]/disks``):
where they are, and whether they are what they should be.

- An instance's disks (``<instances_path>/<uuid>/``) are on its host only, and hold
  exactly ``disk`` and ``disk.info`` (no half-made ``.tmp``, no ``.outgoing`` copy,
  no marker of a shared-storage check left behind), plus the libvirt driver's own
  files under that driver.
- The source of a resize awaiting confirmation keeps ``<uuid>_resize``; nothing else
  does.
- What the guest sees on its root disk is what it saw before the operation: the first
  ``VIEW_BYTES`` read through qemu (base and overlay together) hash the same; and on the
  host where it was recorded, the disk file itself is byte for byte the same (there the
  code never rewrites it: stop, start, the ``_resize`` copy, a revert).
- The root disk's virtual size is the flavor's: grown by a resize, the old one after a
  revert.
- Every cached base of a known image is the image, byte for byte.
- No snapshot capture (``.snapshots/``) waits for an upload.
"""
import hashlib
import os
import subprocess
import tempfile

from compute_svc.virt.disks import disk as disk_mod

GiB = 1024 ** 3
VIEW_BYTES = 2 * 1024 ** 2  # the image (1 MiB) and what the tests write after it
INSTANCE_FILES = {'disk', 'disk.info'}
LIBVIRT_INSTANCE_FILES = INSTANCE_FILES | {'console.log', 'libvirt.xml'}
SKIP_DIRS = {'_base', 'locks', '.snapshots'}


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def guest_view_sha256(path):
    """Hash of the first VIEW_BYTES the guest reads from a disk (qcow2 or raw)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'view.raw')
        subprocess.run(['qemu-img', 'dd', '-O', 'raw', 'bs=%d' % VIEW_BYTES, 'count=1',
                        'if=%s' % path, 'of=%s' % out], check=True, capture_output=True,
                       timeout=60)
        with open(out, 'rb') as f:
            data = f.read(VIEW_BYTES)
    return hashlib.sha256(data.ljust(VIEW_BYTES, b'\0')).hexdigest()


def image_view_sha256(data):
    """What a guest of a new disk made from an image with ``data`` reads."""
    return hashlib.sha256(data[:VIEW_BYTES].ljust(VIEW_BYTES, b'\0')).hexdigest()


def write_as_guest(path, offset, pattern, length=64 * 1024):
    """Write into a disk as its guest would (through qemu, into the overlay)."""
    subprocess.run(['qemu-io', '-c', 'write -P %d %d %d' % (pattern, offset, length), path],
                   check=True, capture_output=True, timeout=60)


class HostDisks:
    """One host's instances path, read lazily."""

    def __init__(self, path):
        self.path = str(path)
        self._dirs = None

    @property
    def dirs(self):
        """{directory name: sorted file names} of the instance directories."""
        if self._dirs is None:
            self._dirs = {}
            if os.path.isdir(self.path):
                for name in os.listdir(self.path):
                    full = os.path.join(self.path, name)
                    if name not in SKIP_DIRS and os.path.isdir(full):
                        self._dirs[name] = sorted(os.listdir(full))
        return self._dirs

    def disk(self, dirname):
        return os.path.join(self.path, dirname, 'disk')

    def bases(self):
        base_dir = os.path.join(self.path, '_base')
        if not os.path.isdir(base_dir):
            return {}
        return {n: os.path.join(base_dir, n) for n in os.listdir(base_dir)}


class Expected:
    """What the test knows about disks: image data by cache name, and per instance the
    guest's view of its root disk plus (host, file hash) where it was recorded."""

    def __init__(self, instance_files=INSTANCE_FILES):
        self.instance_files = instance_files  # what an instance directory holds
        self.bases = {}      # cache name -> sha256 of the image
        self.views = {}      # uuid -> guest view hash
        self.files = {}      # uuid -> (host, sha256 of the disk file)

    def record(self, uuid, host, disk_path):
        self.views[uuid] = guest_view_sha256(disk_path)
        self.files[uuid] = (host, file_sha256(disk_path))


def problems_of(uuid, row, root_gb, keep_on, disks, expected):
    """What is wrong with the disks of instance ``uuid`` (``row`` None when it is
    deleted): ``root_gb`` of its flavor, ``keep_on`` {host: old root_gb} where it must
    keep a pre-resize copy, ``disks`` {host: HostDisks}."""
    problems = []
    for host, held in disks.items():
        wanted = {uuid: root_gb if row is not None and row.host == host else None,
                  uuid + '_resize': keep_on.get(host)}
        for dirname, size_gb in wanted.items():
            files = held.dirs.get(dirname)
            if files is None:
                if size_gb is not None:
                    problems.append('%s has no %s on %s' % (uuid, dirname, host))
                continue
            if size_gb is None:
                problems.append('%s: leftover %s on %s (%s)' % (
                    uuid, dirname, host, ', '.join(files)))
                continue
            problems += _dir_problems(uuid, host, held, dirname, files, size_gb, expected)
    return problems


def _dir_problems(uuid, host, held, dirname, files, size_gb, expected):
    where = '%s on %s' % (dirname, host)
    wanted = expected.instance_files
    extra, missing = set(files) - wanted, wanted - set(files)
    problems = []
    if extra or missing:
        problems.append('%s holds %s (expected %s)' % (
            where, ', '.join(files) or 'nothing', ', '.join(sorted(wanted))))
    if 'disk' not in files:
        return problems
    disk = held.disk(dirname)
    size = disk_mod.virtual_size(disk, 'qcow2')  # the crash tests' disks: overlays
    if size != size_gb * GiB:
        problems.append('disk of %s is %d bytes, the flavor %d GiB' % (where, size, size_gb))
    view = expected.views.get(uuid)
    if view is not None and guest_view_sha256(disk) != view:
        problems.append('the guest would read other data from the disk of %s' % where)
    recorded = expected.files.get(uuid)
    if recorded is not None and recorded[0] == host and file_sha256(disk) != recorded[1]:
        problems.append('the disk file of %s changed' % where)
    return problems


def orphans(disks, known_uuids):
    """Instance directories of no known instance."""
    found = []
    for host, held in disks.items():
        for dirname in held.dirs:
            if dirname.split('_')[0] not in known_uuids:
                found.append('%s on %s belongs to no instance' % (dirname, host))
    return found


def leftover_captures(disks):
    """Snapshot captures still waiting for an upload once nothing is in flight."""
    found = []
    for host, held in disks.items():
        captures = os.path.join(held.path, '.snapshots')
        if os.path.isdir(captures):
            found += ['snapshot capture %s left on %s' % (name, host)
                      for name in sorted(os.listdir(captures))]
    return found


def base_problems(disks, expected):
    found = []
    for host, held in disks.items():
        for name, path in held.bases().items():
            want = expected.bases.get(name)
            if want is not None and file_sha256(path) != want:
                found.append('cached base %s on %s is not the image' % (name, host))
    return found
