"""How an instance disk is stored, behind one ``Image`` interface.

``images_type`` picks the backend: ``qcow2`` makes each disk a thin overlay on the cached
base (only what the guest writes takes space, and only that moves on a migration);
``flat`` makes a standalone raw copy (no dependency on the cache, full size on disk).
Rbd and Lvm would be further subclasses: storage elsewhere, same calls.
"""
import abc
import os

from svc_common import exception
from compute_svc.virt.disks import disk


class Image(abc.ABC):
    """One disk of one instance (``disk``, ``disk.local``, ``disk.swap``)."""

    #: the disk's format as libvirt's <driver type=...> and qemu-img -f name it
    driver_format: str = None

    def __init__(self, path):
        self.path = path

    def exists(self):
        return os.path.exists(self.path)

    def create(self, cache, base_name, fetch, size=None):
        """Make the disk from base ``base_name`` (fetched into the cache by ``fetch`` if
        missing), ``size`` bytes or the base's size. Does nothing if the disk exists;
        a crash half-way leaves no half-made disk (it is built aside, then renamed)."""
        if self.exists():
            return None
        with cache.use(base_name, fetch) as base:
            if size and base.virtual_size > size:
                raise exception.FlavorDiskSmallerThanImage(flavor_size=size,
                                                           image_size=base.virtual_size)
            tmp = self.path + '.tmp'
            if os.path.exists(tmp):
                os.unlink(tmp)
            try:
                self._create_from_base(tmp, base, size or base.virtual_size)
                os.replace(tmp, self.path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return base

    @abc.abstractmethod
    def _create_from_base(self, path, base, size):
        """Write the new disk at ``path``."""

    def resize(self, size):
        """Grow to ``size`` bytes; returns whether it grew."""
        return disk.extend(self.path, self.driver_format, size)

    def virtual_size(self):
        return disk.virtual_size(self.path, self.driver_format)

    def attach_to_base(self, base):
        """After the disk moved hosts: make it use this host's copy of its base."""

    def describe(self, base):
        """What disk.info records about this disk."""
        return {'format': self.driver_format, 'base': base.name if base else None,
                'base_format': base.format if base else None}


class Qcow2(Image):
    driver_format = 'qcow2'

    def _create_from_base(self, path, base, size):
        disk.create_overlay(path, base.path, base.format, size)

    def attach_to_base(self, base):
        if disk.qcow2_backing_file(self.path) != base.path:
            disk.rebase_in_place(self.path, base.path, base.format)


class Flat(Image):
    driver_format = 'raw'

    def _create_from_base(self, path, base, size):
        disk.copy_to_raw(base.path, base.format, path)
        disk.extend(path, 'raw', size)

    def describe(self, base):
        # A flat disk no longer needs its base; keeping the name lets the cache manager
        # keep the image around for further boots of it, as long as this disk exists.
        return dict(super().describe(base), base_needed=False)


BACKENDS = {'qcow2': Qcow2, 'flat': Flat}


def backend(images_type) -> type:
    try:
        return BACKENDS[images_type]
    except KeyError:
        raise ValueError('Unknown images_type %r (known: %s)' % (
            images_type, ', '.join(sorted(BACKENDS)))) from None


def for_existing(path, driver_format) -> Image:
    """The backend of a disk that exists, from the format disk.info recorded for it (the
    configured images_type may have changed since it was made)."""
    for cls in BACKENDS.values():
        if cls.driver_format == driver_format:
            return cls(path)
    raise ValueError('No backend stores disks as %r' % driver_format)
