"""TaskLog: one host's run of a periodic task for one period. The instance usage audit
writes one per compute host and period (compute_svc/usage_audit.py);
os-instance_usage_audit_log reads them.

A row is begun RUNNING (at most one per task, host and period: the unique key makes a
second start fail) and ended DONE by a compare-and-swap on that state.
"""
import datetime

from oslo_db import exception as db_exc
from oslo_versionedobjects import fields

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

RUNNING, DONE = 'RUNNING', 'DONE'
INSTANCE_USAGE_AUDIT = 'instance_usage_audit'  # the task's name
_FIELDS = ('id', 'task_name', 'state', 'host', 'period_beginning', 'period_ending',
           'message', 'task_items', 'errors', 'created_at', 'updated_at')


def audit_period(unit, before=None):
    """(beginning, ending) of the last whole period of ``unit`` (hour, day, month,
    year) that ended at or before ``before`` (default now), naive UTC."""
    before = base.naive(before) if before is not None else base.utcnow()
    if unit == 'hour':
        end = before.replace(minute=0, second=0, microsecond=0)
        return end - datetime.timedelta(hours=1), end
    if unit == 'day':
        end = before.replace(hour=0, minute=0, second=0, microsecond=0)
        return end - datetime.timedelta(days=1), end
    if unit == 'year':
        end = datetime.datetime(before.year, 1, 1)
        return datetime.datetime(before.year - 1, 1, 1), end
    end = datetime.datetime(before.year, before.month, 1)
    previous = end - datetime.timedelta(days=1)
    return datetime.datetime(previous.year, previous.month, 1), end


def _query(context, task_name, beginning, ending):
    return context.session.query(models.TaskLog).filter_by(
        task_name=task_name, period_beginning=base.naive(beginning),
        period_ending=base.naive(ending))


@db_api.writer
def _begin(context, values):
    row = models.TaskLog(state=RUNNING, task_items=0, errors=0, **values)
    context.session.add(row)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.TaskAlreadyRunning(task_name=values['task_name'], host=values['host'])
    return row


@db_api.writer
def _end(context, task_log_id, values):
    count = context.session.query(models.TaskLog).filter_by(
        id=task_log_id, state=RUNNING).update(dict(values, state=DONE,
                                                   updated_at=base.utcnow()),
                                              synchronize_session=False)
    if not count:
        row = context.session.get(models.TaskLog, task_log_id)
        raise exception.TaskNotRunning(task_name=row.task_name if row else '?',
                                       host=row.host if row else '?')
    return context.session.get(models.TaskLog, task_log_id)


@db_api.reader
def _get_all(context, task_name, beginning, ending, host):
    query = _query(context, task_name, beginning, ending)
    if host is not None:
        query = query.filter_by(host=host)
    return query.order_by(models.TaskLog.id).all()


@base.NimbusObjectRegistry.register
class TaskLog(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'task_name': fields.StringField(),
        'state': fields.StringField(),
        'host': fields.StringField(),
        'period_beginning': fields.DateTimeField(),
        'period_ending': fields.DateTimeField(),
        'message': fields.StringField(),
        'task_items': fields.IntegerField(default=0),
        'errors': fields.IntegerField(default=0),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, task_log, row):
        base.copy_db_fields(task_log, row, _FIELDS)
        task_log._context = context
        return task_log

    @base.remotable
    def begin_task(self):
        """Record the run as RUNNING; TaskAlreadyRunning if this host began it already
        for the period."""
        values = {name: base.naive(getattr(self, name)) for name in (
            'task_name', 'host', 'period_beginning', 'period_ending', 'message')}
        self._from_db_object(self._context, self, _begin(self._context, values))

    @base.remotable
    def end_task(self):
        """Record the run as DONE with its items, errors and message."""
        values = {name: getattr(self, name) for name in ('task_items', 'errors', 'message')}
        self._from_db_object(self._context, self, _end(self._context, self.id, values))


@base.NimbusObjectRegistry.register
class TaskLogList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('TaskLog')}

    @base.remotable_classmethod
    def get_all(cls, context, task_name, period_beginning, period_ending, host=None):
        rows = _get_all(context, task_name, period_beginning, period_ending, host)
        return base.make_list(context, cls(context), TaskLog, rows)
