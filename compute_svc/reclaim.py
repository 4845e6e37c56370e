"""Reclaiming soft-deleted servers: a server deleted with [DEFAULT]/reclaim_instance_interval
set stays SOFT_DELETED (restorable, its claims kept) until that long after its delete;
then its host deletes it for good, as a delete would (task state DELETING by
compare-and-swap, then compute_svc/delete.py: guest, claims, record), so a crash midway
is resumed by the delete's own recovery row."""
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common import states
from compute_svc import delete

LOG = logging.getLogger(__name__)
V, T = states.VmState, states.TaskState


def _due(instance, now):
    deleted_at = instance.deleted_at or instance.updated_at
    if deleted_at is None:
        return True
    if deleted_at.tzinfo is None:
        deleted_at = deleted_at.replace(tzinfo=datetime.timezone.utc)
    return now - deleted_at >= datetime.timedelta(seconds=CONF.reclaim_instance_interval)


def reclaim_queued_deletes(manager, context):
    """Delete this host's soft-deleted servers whose time is up; returns their uuids."""
    now = timeutils.utcnow(with_timezone=True)
    reclaimed = []
    for instance in objects.InstanceList.get_by_filters(
            context, {'host': manager.host, 'vm_state': V.SOFT_DELETED.value}):
        if instance.task_state is not None or not _due(instance, now):
            continue
        instance.task_state = T.DELETING.value
        try:
            instance.save(expected_task_state=None, operation='delete')
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
            continue  # restored or deleted meanwhile
        LOG.info('Reclaiming soft-deleted instance', instance=instance)
        with manager.instance_lock(instance):
            delete.terminate_instance(manager, context, instance)
        reclaimed.append(instance.uuid)
    return reclaimed
