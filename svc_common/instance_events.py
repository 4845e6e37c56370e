"""Recording what a step did: action events, and faults when it failed."""
import contextlib

from oslo_log import log as logging

from svc_common import exception
from svc_common import objects
from svc_common import states

LOG = logging.getLogger(__name__)


def start_event(context, instance_uuid, event, host):
    """Record the start of ``event`` in the request's action; False (nothing recorded)
    for a request without an action, such as an internal retry."""
    try:
        objects.InstanceActionEvent.event_start(context, instance_uuid, event, host=host)
        return True
    except exception.ActionNotFound:
        return False


def finish_event(context, instance_uuid, event, error=None):
    """Record ``event`` as Success, or Error with the traceback of ``error``."""
    try:
        objects.InstanceActionEvent.event_finish(
            context, instance_uuid, event,
            error=objects.InstanceActionEvent.format_error(error) if error else None)
    except exception.ActionNotFound:
        pass


@contextlib.contextmanager
def action_event(context, instance, event, host):
    """Record ``event`` of the request's action around the block: start, then
    Success or Error with the traceback. A request without an action (an internal
    retry) still runs, unrecorded."""
    recorded = start_event(context, instance.uuid, event, host)
    try:
        yield
    except Exception as error:
        if recorded:
            finish_event(context, instance.uuid, event, error)
        raise
    if recorded:
        finish_event(context, instance.uuid, event)


def record_fault(context, instance, error, host):
    objects.InstanceFault.from_exception(context, instance.uuid, error, host=host).create()


def set_error(context, instance, error, host):
    """Leave the instance in ERROR with a fault explaining ``error``."""
    LOG.error('Instance failed: %s', error, instance=instance)
    record_fault(context, instance, error, host)
    current = objects.Instance.get_by_uuid(context, instance.uuid)
    task_state = current.task_state
    current.vm_state = states.VmState.ERROR
    current.task_state = None
    current.save(expected_task_state=task_state)
    return current
