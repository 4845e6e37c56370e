"""Deleting an instance from this host: guest, then claims, then the record.

That order makes a crash at any point resumable: the record still says 'deleting',
and running this again destroys nothing twice and releases nothing twice."""
from oslo_log import log as logging

from svc_common import faults
from svc_common import objects
from svc_common import states
from svc_common import step_runner
from svc_common import instance_events as events

LOG = logging.getLogger(__name__)


def terminate_instance(manager, context, instance):
    def gone():  # already deleted: make sure nothing of it is left here
        manager.driver.destroy(context, instance)
        objects.ResourceClaim.release(context, instance.uuid)

    current = step_runner.current(context, instance, 'delete', states.TaskState.DELETING,
                                  'Delete', on_gone=gone)
    if current is None:
        return
    with events.action_event(context, current, 'compute_terminate_instance', manager.host):
        manager.driver.destroy(context, current)
        faults.point('delete.after_destroy')
        objects.ResourceClaim.release(context, current.uuid)
        faults.point('delete.after_release')
        _clean_unconfirmed_resize(manager, context, current)
        current.destroy(expected_task_state=states.TaskState.DELETING)
    LOG.info('Instance deleted', instance=current)



def _clean_unconfirmed_resize(manager, context, instance):
    """A server deleted in VERIFY_RESIZE still has its old guest and the migration's
    claim on the source: confirming the migration cleans them."""
    for migration in objects.MigrationList.get_by_filters(
            context, {'instance_uuid': instance.uuid,
                      'status': [states.MigrationStatus.FINISHED,
                                 states.MigrationStatus.CONFIRMING]}):
        manager.compute_rpcapi.confirm_resize(context, instance, migration)
