"""The instance usage audit ([DEFAULT]/instance_usage_audit): once per completed period
([DEFAULT]/instance_usage_audit_period), each compute host sends an ``instance.exists``
notification for every instance it ran during the period and records the run as a task
log, which os-instance_usage_audit_log reports.

The run is recorded RUNNING before the first notification and DONE after the last, so
a host that crashed in between finds its own RUNNING record of an earlier process and
does the period again (its consumers may see a notification twice, never none).
"""
import time

from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import exception
from svc_common import notifications
from svc_common import objects
from svc_common.objects import base as objects_base
from svc_common.objects import task_log as task_log_obj
from svc_common import rpc

LOG = logging.getLogger(__name__)
TASK = task_log_obj.INSTANCE_USAGE_AUDIT
_PROCESS_STARTED = objects_base.utcnow()


def _active_in(instance, beginning, ending):
    """Whether the instance existed (launched, not yet terminated) during the period."""
    launched = objects_base.naive(instance.launched_at)
    terminated = objects_base.naive(instance.terminated_at)
    return (launched is None or launched < ending) and (
        terminated is None or terminated > beginning)


def _notify_exists(context, instance, beginning, ending, host):
    notifier = rpc.get_notifier('nimbus-compute:%s' % host)
    if notifier is None:
        return
    payload = notifications.instance_payload(instance)
    payload['audit_period'] = {'audit_period_beginning': beginning.isoformat(),
                               'audit_period_ending': ending.isoformat()}
    notifier.info(context, 'instance.exists', payload)


def _record(context, host, beginning, ending):
    """The run to do: a new RUNNING record, or one an earlier process of this host left
    RUNNING; None when the period is done (or being done by this process)."""
    for log in objects.TaskLogList.get_all(context, TASK, beginning, ending, host=host):
        stale = objects_base.naive(log.created_at) < _PROCESS_STARTED
        return log if log.state == task_log_obj.RUNNING and stale else None
    log = objects.TaskLog(context=context, task_name=TASK, host=host,
                          period_beginning=beginning, period_ending=ending,
                          message='Instance usage audit started...')
    try:
        log.begin_task()
    except exception.TaskAlreadyRunning:
        return None
    return log


def audit(manager, context):
    """Audit the last completed period on this host unless it has been; returns the
    task log of the run (None when nothing was to do)."""
    if not CONF.instance_usage_audit:
        return None
    beginning, ending = task_log_obj.audit_period(CONF.instance_usage_audit_period)
    log = _record(context, manager.host, beginning, ending)
    if log is None:
        return None
    started = time.monotonic()
    instances = [i for i in objects.InstanceList.get_by_filters(
        context.elevated(read_deleted='yes'), {'host': manager.host})
        if _active_in(i, beginning, ending)]
    errors = 0
    for instance in instances:
        try:
            _notify_exists(context, instance, beginning, ending, manager.host)
        except Exception:
            LOG.exception('Could not send instance.exists', instance=instance)
            errors += 1
    log.task_items, log.errors = len(instances), errors
    log.message = 'Instance usage audit ran for host %s, %s instances in %.2f seconds.' % (
        manager.host, len(instances), time.monotonic() - started)
    log.end_task()
    return log
