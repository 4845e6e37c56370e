"""The image cache of a compute host: ``<instances_path>/_base``.

One file per base: a downloaded image (named sha1 of its id), a generated ephemeral
filesystem (``ephemeral_<GB>_<fs>``) or swap area (``swap_<MB>``). Beside each, a small
``<name>.info`` (JSON) records what the base is and its format, written before the base
is renamed into place, so the format of a base is never guessed from its content.

A base is made under an external per-file lock: download or build into ``<name>.part``,
then an atomic rename. Every boot that needs a base holds the same lock while it builds
its disk from it, so however many boots wait, the first one fetches and the others find
the file; and the cache manager, taking that lock too, never removes a base in the moment
a new disk is being made from it.

Age is the file's mtime: a base is touched each time a disk is made from it and each time
the manager finds it in use, so an unused base's age is the time since it was last used.
"""
import contextlib
import dataclasses
import os
import time

from oslo_concurrency import lockutils
from oslo_log import log as logging

from compute_svc.virt.disks import disk
from compute_svc.virt.disks import utils

LOG = logging.getLogger(__name__)
INFO_SUFFIX = '.info'
PART_SUFFIX = '.part'


@dataclasses.dataclass
class Base:
    name: str
    path: str
    format: str
    virtual_size: int
    info: dict


class ImageCache:

    def __init__(self, instances_path, subdirectory='_base'):
        self.base_dir = os.path.join(instances_path, subdirectory)
        self.lock_path = os.path.join(instances_path, 'locks')

    def path(self, name):
        if not name or os.sep in name or name.startswith('.'):
            raise ValueError('bad cache file name %r' % name)
        return os.path.join(self.base_dir, name)

    def lock(self, name, blocking=True):
        utils.ensure_tree(self.lock_path)
        return lockutils.lock(name, lock_file_prefix='nimbus-base-', external=True,
                              lock_path=self.lock_path, blocking=blocking)

    def read(self, name):
        """The cached base ``name``, or None when it is not (completely) cached."""
        path = self.path(name)
        info = utils.read_json(path + INFO_SUFFIX)
        if info is None or not os.path.exists(path):
            return None
        return Base(name, path, info['format'], info['virtual_size'], info)

    @contextlib.contextmanager
    def use(self, name, fetch):
        """Hold base ``name`` while the caller builds from it; ``fetch(part_path)`` makes
        it first when missing and returns its info (format, virtual_size, ...)."""
        with self.lock(name):
            base = self.read(name)
            if base is None:
                base = self._make(name, fetch)
            os.utime(base.path)
            yield base

    def _make(self, name, fetch):
        utils.ensure_tree(self.base_dir)
        path = self.path(name)
        part = path + PART_SUFFIX
        for leftover in (part, path):  # from a crash half-way
            if os.path.exists(leftover):
                os.unlink(leftover)
        started = time.monotonic()
        try:
            info = dict(fetch(part), name=name)
            utils.write_json_atomic(path + INFO_SUFFIX, info)
            os.replace(part, path)
        finally:
            if os.path.exists(part):
                os.unlink(part)
        LOG.info('Cached base %s (%s) in %.2fs', name, info['format'],
                 time.monotonic() - started)
        return Base(name, path, info['format'], info['virtual_size'], info)

    def remove(self, name):
        for path in (self.path(name), self.path(name) + INFO_SUFFIX):
            if os.path.exists(path):
                os.unlink(path)

    def names(self):
        """Base names present (complete or not)."""
        try:
            entries = os.listdir(self.base_dir)
        except FileNotFoundError:
            return []
        names = set()
        for entry in entries:
            for suffix in (INFO_SUFFIX, PART_SUFFIX):
                if entry.endswith(suffix):
                    entry = entry[:-len(suffix)]
            if not entry.endswith('.tmp'):
                names.add(entry)
        return sorted(names)


class ImageCacheManager:
    """The periodic task: find which bases instances use, remove old unused ones."""

    def __init__(self, cache, instances_path, min_age_seconds, remove_unused=True):
        self.cache = cache
        self.instances_path = instances_path
        self.min_age_seconds = min_age_seconds
        self.remove_unused = remove_unused

    def instance_dirs(self):
        """Every instance directory here, including ``<uuid>_resize`` ones."""
        skip = {os.path.basename(self.cache.base_dir), 'locks'}
        try:
            entries = sorted(os.listdir(self.instances_path))
        except FileNotFoundError:
            return []
        return [os.path.join(self.instances_path, e) for e in entries
                if e not in skip and not e.startswith('.') and
                os.path.isdir(os.path.join(self.instances_path, e))]

    def bases_in_use(self):
        """Base names referenced by any instance: through disk.info, and through the
        backing file recorded in each qcow2 disk's header."""
        in_use = set()
        for inst_dir in self.instance_dirs():
            info = utils.read_json(os.path.join(inst_dir, 'disk.info'), {}) or {}
            for name, disk_info in (info.get('disks') or {}).items():
                if disk_info.get('base'):
                    in_use.add(disk_info['base'])
                path = os.path.join(inst_dir, name)
                if disk_info.get('format') == 'qcow2' and os.path.exists(path):
                    backing = disk.qcow2_backing_file(path)
                    if backing and os.path.dirname(backing) == self.cache.base_dir:
                        in_use.add(os.path.basename(backing))
            for boot in (info.get('boot') or {}).values():
                if isinstance(boot, dict) and boot.get('base'):
                    in_use.add(boot['base'])
        return in_use

    def run(self, now=None):
        """One pass; returns what it found and did."""
        now = time.time() if now is None else now
        in_use = self.bases_in_use()
        report = {'in_use': [], 'removed': [], 'kept': []}
        for name in self.cache.names():
            path = self.cache.path(name)
            if name in in_use:
                if os.path.exists(path):
                    os.utime(path, (now, now))
                report['in_use'].append(name)
                continue
            if self._remove_if_old(name, now):
                report['removed'].append(name)
            else:
                report['kept'].append(name)
        if report['removed']:
            LOG.info('Image cache: removed unused bases %s', ', '.join(report['removed']))
        return report

    def _remove_if_old(self, name, now):
        try:
            with self.cache.lock(name, blocking=False):
                return self._remove_locked(name, now)
        except lockutils.AcquireLockFailedException:
            return False  # a boot is using or fetching it right now

    def _remove_locked(self, name, now):
        path = self.cache.path(name)
        if os.path.exists(path + PART_SUFFIX):
            os.unlink(path + PART_SUFFIX)  # nobody holds the lock: a crash's leftover
        if not os.path.exists(path):
            self.cache.remove(name)  # a lone .info
            return True
        age = now - os.stat(path).st_mtime  # re-read under the lock
        if not self.remove_unused or age < self.min_age_seconds:
            return False
        self.cache.remove(name)
        return True
