"""RBD images that a crash left behind in the shared pool, found and removed by the host
that should (at start-up and with the reaper, ``[libvirt] images_type = rbd``).

An instance's RBD images are named ``<uuid>_<disk>`` (``_disk``, ``_disk.local``,
``_disk.swap``, ``_disk.config``, ``.part`` while made) in a pool every host shares, so an
image name says whose disk it is, not which host uses it; the ``nimbus.host`` metadata
says which host made it. For each instance with images in the pool, this host:

- leaves them alone when the instance is unknown to this deployment (they may be
  someone else's), in a task state, has a migration still open, or is in any state
  but active, stopped, paused, suspended or shelved (ERROR is an operator's to look
  at; RESIZED awaits a confirmation; a state this does not know may hold disks
  disk.info does not name): something is using or moving them;
- removes them all when the instance is deleted, or is stable with no host (offloaded),
  and this host made them or was the instance's last;
- when the instance lives on this host, stable: removes the images its disk.info does
  not name (a disk a crashed step made and never recorded, a ``.part``), keeps the
  config drive when the instance has one, and drops a resize or createImage snapshot
  (``nimbus_resize``, ``nimbus_snapshot_<image>``) no operation needs any more;
- leaves an instance that lives on another host to that host (the images are its disks).

An image with a watcher (a guest has it open, anywhere) is never removed, and Ceph
refuses to remove one that gained a watcher meanwhile. The decision (``plan``) reads no
cluster and no database, and is tested alone.
"""
import dataclasses
import uuid as uuid_lib

from oslo_log import log as logging

from svc_common import exception
from svc_common import objects
from svc_common import states
from compute_svc.virt.disks import configdrive
from compute_svc.virt.disks import rbd_disks

LOG = logging.getLogger(__name__)
V = states.VmState
RESIZE_SNAP = rbd_disks.RESIZE_SNAP


def instance_uuid(name):
    """The uuid of an instance image's name, or None for any other name."""
    head, sep, _rest = name.partition('_')
    if not sep:
        return None
    try:
        return head if str(uuid_lib.UUID(head)) == head else None
    except ValueError:
        return None


@dataclasses.dataclass
class Plan:
    remove: list = dataclasses.field(default_factory=list)   # image names
    drop_snapshot: list = dataclasses.field(default_factory=list)  # (image, snapshot)
    why: dict = dataclasses.field(default_factory=dict)  # name -> reason (logged)

    def __bool__(self):
        return bool(self.remove or self.drop_snapshot)


# The states in which an instance's disks are exactly what its disk.info names; any
# other (building, resized, error, or one this module does not know: a rescue's extra
# disk, say) leaves its images alone.
SETTLED = frozenset({V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.SHELVED,
                     V.SHELVED_OFFLOADED})


def _busy(instance, open_migration):
    """Why an instance's images must not be touched now, or None."""
    if instance.vm_state not in SETTLED:
        return 'in %s' % instance.vm_state
    if instance.task_state is not None:
        return 'in task state %s' % instance.task_state
    if open_migration:
        return 'with an open migration'
    return None


def plan(host, uuid, images, instance, open_migration, recorded):  # noqa: C901
    """What to do with the images of instance ``uuid`` seen by ``host``.

    ``images``: {name: {'owner', 'snaps', 'watchers'}}; ``instance``: its record (deleted
    ones included) or None; ``open_migration``: whether a migration of it is open;
    ``recorded``: the image names this host's disk.info of it names (None without one).
    """
    result = Plan()

    def remove(name, why):
        if images[name]['watchers']:
            LOG.warning('RBD image %s has watchers: not removing it (%s)', name, why)
            return
        result.remove.append(name)
        result.why[name] = why

    if instance is None:
        return result  # never this deployment's: maybe someone else's
    made_here = [n for n, i in images.items() if i['owner'] == host]
    if instance.deleted:
        mine = instance.host == host
        for name in sorted(images):
            if mine or name in made_here:
                remove(name, 'its instance is deleted')
        return result
    if _busy(instance, open_migration):
        return result
    if instance.host is None:
        for name in sorted(made_here):
            remove(name, 'its instance has no host (%s)' % instance.vm_state)
        return result
    if instance.host != host or recorded is None:
        return result  # another host's disks (or no disk.info here to judge by)
    keep = set(recorded)
    if configdrive.required(instance):
        keep.add(rbd_disks.RbdDisks.name(uuid, rbd_disks.CONFIG_DRIVE))
    for name, image in sorted(images.items()):
        if name not in keep:
            remove(name, 'named by no disk of its instance')
            continue
        for snap in image['snaps']:
            if snap == RESIZE_SNAP or snap.startswith(rbd_disks.CAPTURE_PREFIX):
                result.drop_snapshot.append((name, snap))
                result.why[name] = 'a snapshot no resize or createImage needs'
    return result


def _open_migrations(context, host):
    return {m.instance_uuid for m in objects.MigrationList.get_by_filters(
        context, {'host': host}) if not m.is_terminal}


def _recorded(disks, uuid):
    """The RBD image names this host's disk.info of ``uuid`` names, or None."""
    if not disks.exist(uuid):
        return None
    info = disks.read_info(disks.inst_dir(uuid))
    return {e['rbd'].split('/', 1)[1] for e in info['disks'].values()
            if e.get('backend') == 'rbd'}


def reap(manager, context, disks):
    """Remove what ``plan`` says for every instance with images in the pool of
    ``disks`` (an InstanceDisks on RBD); returns {image name: what was done}."""
    cluster = disks.rbd.cluster
    names = {}
    for name in cluster.list():
        uuid = instance_uuid(name)
        if uuid is not None:
            names.setdefault(uuid, []).append(name)
    if not names:
        return {}
    admin = context.elevated(read_deleted='yes')
    known = {i.uuid: i for i in objects.InstanceList.get_by_filters(
        admin, {'uuid': sorted(names)})}
    # Only the images this host may have to judge are opened (reading an image's owner,
    # snapshots and watchers costs a round trip): not those of instances unknown here
    # nor of live instances on other hosts.
    wanted = sorted(u for u, i in known.items()
                    if i.deleted or i.host in (manager.host, None))
    described = cluster.describe(names={n for u in wanted for n in names[u]})
    migrating = _open_migrations(context, manager.host)
    done = {}
    for uuid in wanted:
        instance = known[uuid]
        images = {n: described[n] for n in names[uuid] if n in described}
        if not plan(manager.host, uuid, images, instance, uuid in migrating,
                    _recorded(disks, uuid)):
            continue
        with manager.instance_lock(instance):  # what runs for it here waits, and we for it
            done.update(_reap_one(manager, context, disks, uuid, instance))
    return done


def _reap_one(manager, context, disks, uuid, instance):
    """Decide again under the instance's lock, with its record and images read again."""
    if not instance.deleted:
        try:
            instance = objects.Instance.get_by_uuid(context, uuid)
        except exception.InstanceNotFound:
            return {}
    images = disks.rbd.cluster.describe(uuid + '_')
    migrating = uuid in _open_migrations(context, manager.host)
    decided = plan(manager.host, uuid, images, instance, migrating, _recorded(disks, uuid))
    done = {}
    for name in decided.remove:
        LOG.warning('Removing RBD image %s/%s: %s', disks.rbd.cluster.pool, name,
                    decided.why[name])
        try:
            disks.rbd.cluster.remove(name)
            done[name] = 'removed'
        except Exception as error:  # e.g. a watcher since: the next run looks again
            LOG.warning('Could not remove RBD image %s: %s', name, error)
    for name, snap in decided.drop_snapshot:
        LOG.warning('Dropping snapshot %s of RBD image %s: %s', snap, name,
                    decided.why[name])
        try:
            disks.rbd.cluster.snap_remove(name, snap)
            done['%s@%s' % (name, snap)] = 'dropped'
        except Exception as error:  # e.g. a clone of it still exists
            LOG.warning('Could not drop snapshot %s of %s: %s', snap, name, error)
    return done
