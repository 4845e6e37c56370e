"""/os-instance_usage_audit_log: how each compute host's instance usage audit of a
period went (see compute_svc/usage_audit.py), the last completed period or the last
one before a time."""
import datetime

from api_svc.policies import instance_usage_audit_log as audit_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import zones as zones_mod
from svc_common.conf import CONF
from svc_common import exception
from svc_common import objects
from svc_common.objects import task_log as task_log_obj


def _report(context, before=None):
    beginning, ending = task_log_obj.audit_period(CONF.instance_usage_audit_period, before)
    logs = objects.TaskLogList.get_all(context, task_log_obj.INSTANCE_USAGE_AUDIT,
                                       beginning, ending)
    # Disabled hosts too: they may have run instances in the period.
    hosts = {s.host for s in objects.ServiceList.get_all(context) if zones_mod.is_compute(s)}
    done = {log.host for log in logs if log.state == task_log_obj.DONE}
    running = {log.host for log in logs if log.state == task_log_obj.RUNNING}
    not_run = sorted(hosts - {log.host for log in logs})
    errors = sum(log.errors for log in logs)
    status = '%s hosts done. %d errors.' % (
        'ALL' if done >= hosts else '%d of %d' % (len(done), len(hosts)), errors)
    return {
        'period_beginning': str(beginning), 'period_ending': str(ending),
        'num_hosts': len(hosts), 'num_hosts_done': len(done),
        'num_hosts_running': len(running), 'num_hosts_not_run': len(not_run),
        'hosts_not_run': not_run, 'total_instances': sum(log.task_items for log in logs),
        'total_errors': errors, 'overall_status': status,
        'log': {log.host: {'state': log.state, 'instances': log.task_items,
                           'errors': log.errors, 'message': log.message} for log in logs},
    }


def index(req):
    policy.authorize(req.context, audit_policies.LIST)
    req.check_query((), since='2.102')
    return api_request.json_response({'instance_usage_audit_logs': _report(req.context)})


def show(req, before_timestamp):
    policy.authorize(req.context, audit_policies.SHOW)
    req.check_query((), since='2.102')
    try:
        before = datetime.datetime.strptime(before_timestamp, '%Y-%m-%d %H:%M:%S')
    except ValueError:
        raise exception.Invalid(message='Invalid timestamp for date %s' % before_timestamp)
    return api_request.json_response({'instance_usage_audit_log': _report(req.context,
                                                                          before)})
