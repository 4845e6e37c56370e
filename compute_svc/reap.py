"""Leftovers of deleted instances on this host, removed.

The API deletes an instance's record itself when its host is down (it cannot ask the
host), so the guest and its disks outlive it there; a resize source keeps the
pre-resize guest and ``_resize`` copy of an instance deleted while its destination was
down. Nothing would ever ask for them again: at start-up and every
``[compute]/reap_deleted_interval`` seconds, the driver's guests are looked up (one query),
and one whose instance is deleted goes with its disks. Guests of instances this deployment
never had are left alone (they may be someone else's) and logged.
"""
from oslo_log import log as logging

from svc_common import objects
from compute_svc import rbd_leftovers

LOG = logging.getLogger(__name__)


def reap_deleted(manager, context):
    """Destroy the guests (and disks) of deleted instances, then remove the RBD images
    this host should (rbd_leftovers); returns the deleted instances' uuids."""
    reaped = _reap_guests(manager, context)
    disks = manager.driver.rbd_instance_disks()
    if disks is not None:
        rbd_leftovers.reap(manager, context, disks)
    return reaped


def _reap_guests(manager, context):
    uuids = sorted(set(manager.driver.list_instance_uuids()) |
                   set(manager.driver.list_disk_uuids()))
    if not uuids:
        return []
    known = {instance.uuid: instance for instance in objects.InstanceList.get_by_filters(
        context.elevated(read_deleted='yes'), {'uuid': uuids})}
    reaped = []
    for uuid in uuids:
        instance = known.get(uuid)
        if instance is None:
            LOG.warning('Guest %s on %s belongs to no instance of this deployment; '
                        'leaving it', uuid, manager.host)
            continue
        if not instance.deleted:
            continue
        with manager.instance_lock(instance):
            LOG.warning('Removing the guest and disks of deleted instance', instance=instance)
            manager.driver.destroy(context, instance, destroy_disks=True)
            # Its deletion released its addresses; whatever it still holds goes now.
            objects.FixedIPList.release_for_instance(context, uuid)
        reaped.append(uuid)
    return reaped
