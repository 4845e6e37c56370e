"""Recording what a step did: action events, and faults when it failed."""
import contextlib

from oslo_log import log as logging

from svc_common import exception
from svc_common import objects
from svc_common import operations
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
def action_event(context, instance, event, host, started=False):
    """Record ``event`` of the request's action around the block: start (unless
    ``started`` already), then Success or Error with the traceback. A request without
    an action (an internal retry) still runs, unrecorded."""
    recorded = started or start_event(context, instance.uuid, event, host)
    instance._open_event = event if recorded else None  # for step_runner.final_save
    try:
        yield
    except Exception as error:
        instance._open_event = None
        if recorded:
            finish_event(context, instance.uuid, event, error)
        raise
    if recorded and instance._open_event == event:  # (not ended by a final save)
        instance._open_event = None
        finish_event(context, instance.uuid, event)


def end_open_event(context, instance):
    """End (Success) the event ``action_event`` has open for ``instance``, if any, in
    the caller's transaction: for a step whose commit point is not the instance's save
    (``step_runner.final_save`` ends it with that), so that the event needs no
    transaction of its own. ``action_event`` then does not end it again."""
    event = getattr(instance, '_open_event', None)
    if event is not None:
        finish_event(context, instance.uuid, event)
        instance._open_event = None


def record_fault(context, instance, error, host):
    objects.InstanceFault.from_exception(context, instance.uuid, error, host=host).create()


def set_error(context, instance, error, host, operation=None):
    """Leave the instance in ERROR with a fault explaining ``error``, if it is still in
    a task state of the failed ``operation`` (without one: still in the task state
    ``instance`` shows); an instance another operation moved on (a delete) is left
    to it. Returns the instance in ERROR, or None."""
    LOG.error('Instance failed: %s', error, instance=instance)
    record_fault(context, instance, error, host)
    expected = (operations.get(operation).task_states if operation is not None
                else instance.task_state)
    current = objects.Instance.get_by_uuid(context, instance.uuid)
    current.vm_state = states.VmState.ERROR
    current.task_state = None
    try:
        current.save(expected_task_state=expected, operation='fail')
    except exception.UnexpectedTaskStateError as moved_on:
        LOG.warning('Not marked ERROR: %s', moved_on, instance=instance)
        return None
    return current
