"""What the shared RBD pool must hold once nothing is in flight, for the crash matrix on
RBD (the instance directories, guests, claims and migrations are checked by
tests/integration/crash_checks.py as for the file backends):

- a live instance has exactly ``<uuid>_disk`` (its flavor has no other disk), of the
  flavor's root size, whose first ``VIEW_BYTES`` are what its guest saw before the
  operation (the image's data and what the guest wrote after it); an offloaded one has
  none (its shelved image holds its disk);
- that disk has the resize snapshot exactly while a resize awaits its confirmation;
- a deleted instance has no image at all, and no image belongs to no instance.
Instances in ERROR are left to an operator, as there.
"""
import hashlib

from tests.integration import disk_checks

GiB = 1024 ** 3
VIEW_BYTES = disk_checks.VIEW_BYTES
RESIZE_SNAP = 'nimbus_resize'


class Pool:
    """The pool's images made by ``hosts`` (their owner metadata), read once."""

    def __init__(self, cluster, hosts):
        self.cluster = cluster
        self.images = {name: image for name, image in cluster.describe().items()
                       if image['owner'] in hosts}
        self._views = {}

    def of(self, uuid):
        return {n: i for n, i in self.images.items() if n.startswith(uuid + '_')}

    def view(self, name):
        if name not in self._views:
            self._views[name] = view_of(self.cluster, name)
        return self._views[name]


def view_of(cluster, name):
    """(hash of the first VIEW_BYTES a guest reads from image ``name``, its size)."""
    with cluster.image(name, read_only=True) as image:
        size = image.size()
        data = image.read(0, min(VIEW_BYTES, size))
    return hashlib.sha256(data.ljust(VIEW_BYTES, b'\0')).hexdigest(), size


def write_as_guest(cluster, name, offset, pattern, length=64 * 1024):
    with cluster.image(name) as image:
        image.write(bytes([pattern]) * length, offset)
        image.flush()


def problems_of(uuid, row, awaiting_confirmation, pool, views):
    """What is wrong with the RBD images of instance ``uuid`` (``row`` None when it is
    deleted); ``views``: uuid -> the guest view hash it must have."""
    held = pool.of(uuid)
    if row is None:
        return ['%s: leftover RBD image %s of a deleted instance' % (uuid, n)
                for n in sorted(held)]
    if row.vm_state == 'error':
        return []
    if row.vm_state == 'shelved_offloaded':
        return ['%s: leftover RBD image %s of an offloaded instance' % (uuid, n)
                for n in sorted(held)]
    disk = uuid + '_disk'
    problems = ['%s: leftover RBD image %s' % (uuid, n) for n in sorted(held) if n != disk]
    if disk not in held:
        return problems + ['%s has no RBD disk' % uuid]
    view, size = pool.view(disk)
    if size != row.root_gb * GiB:
        problems.append('RBD disk of %s is %d bytes, the flavor %d GiB' % (
            uuid, size, row.root_gb))
    if uuid in views and view != views[uuid]:
        problems.append('the guest would read other data from the RBD disk of %s' % uuid)
    wanted = [RESIZE_SNAP] if awaiting_confirmation else []
    if held[disk]['snaps'] != wanted:
        problems.append('RBD disk of %s has snapshots %s, expected %s' % (
            uuid, held[disk]['snaps'], wanted))
    return problems


def orphans(pool, live_uuids):
    return ['RBD image %s belongs to no live instance' % name for name in sorted(
        pool.images) if name.split('_', 1)[0] not in live_uuids]
