"""Instance actions and their events: what was asked of a server and how each step went."""
import traceback

from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

_ACTION_FIELDS = ('id', 'action', 'instance_uuid', 'request_id', 'user_id', 'project_id',
                  'start_time', 'finish_time', 'message', 'created_at', 'updated_at')
_EVENT_FIELDS = ('id', 'event', 'action_id', 'start_time', 'finish_time', 'result',
                 'traceback', 'host', 'details', 'created_at', 'updated_at')


@db_api.writer
def _action_start(context, values):
    row = models.InstanceAction(**values)
    context.session.add(row)
    context.session.flush()
    return row


def _action_by_request(context, instance_uuid, request_id):
    return context.session.query(models.InstanceAction).filter_by(
        instance_uuid=instance_uuid, request_id=request_id).order_by(
        models.InstanceAction.id.desc()).first()


@db_api.reader
def _action_get(context, instance_uuid, request_id):
    row = _action_by_request(context, instance_uuid, request_id)
    if row is None:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    return row


@db_api.reader
def _actions_for_instance(context, instance_uuid):
    return context.session.query(models.InstanceAction).filter_by(
        instance_uuid=instance_uuid).order_by(models.InstanceAction.created_at.desc(),
                                             models.InstanceAction.id.desc()).all()


# Events are written with two statements each, in SQL Core: the action is stamped by its
# (instance, request) and the event found through a subquery, instead of loading both.

def _latest_action(instance_uuid, request_id):
    """SELECT the id of the newest action of the request on the instance."""
    actions = models.InstanceAction
    return sa.select(actions.id).where(
        actions.instance_uuid == instance_uuid, actions.request_id == request_id,
    ).order_by(actions.id.desc()).limit(1)


def _touch_action(context, instance_uuid, request_id, now, error=False):
    """Stamp the request's action (message 'Error' with ``error``); ActionNotFound
    without one."""
    actions = models.InstanceAction
    values = {'updated_at': now}
    if error:
        values['message'] = 'Error'
    stamped = context.session.execute(sa.update(actions).where(
        actions.instance_uuid == instance_uuid, actions.request_id == request_id,
    ).values(values).execution_options(synchronize_session=False)).rowcount
    if not stamped:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)


@db_api.writer
def _event_start(context, instance_uuid, request_id, event, host):
    now = base.utcnow()
    _touch_action(context, instance_uuid, request_id, now)
    events = models.InstanceActionEvent.__table__
    latest = _latest_action(instance_uuid, request_id).subquery()
    context.session.execute(events.insert().from_select(
        ['event', 'action_id', 'host', 'start_time', 'created_at'],
        sa.select(sa.literal(event), latest.c.id, sa.literal(host, sa.String),
                  sa.literal(now, sa.DateTime), sa.literal(now, sa.DateTime))))


def record_event_start(context, instance_uuid, event, host=None):
    """The start of ``event`` in the request's action (in the caller's transaction,
    if it has one); ActionNotFound for a request without an action."""
    _event_start(context, instance_uuid, context.request_id, event, host)


def record_event_finish(context, instance_uuid, event, error=None):
    """``event`` ended: 'Success', or 'Error' with the traceback text ``error`` (in the
    caller's transaction, if it has one); ActionNotFound for a request without an
    action."""
    _event_finish(context, instance_uuid, context.request_id, event,
                  'Error' if error else 'Success', error)


@db_api.writer
def _event_finish(context, instance_uuid, request_id, event, result, tb):
    now = base.utcnow()
    _touch_action(context, instance_uuid, request_id, now, error=result == 'Error')
    events = models.InstanceActionEvent.__table__
    # The newest event of that name in the action (a step run twice starts it twice).
    # Wrapped in a derived table: MySQL refuses a subquery on the table it updates.
    newest = sa.select(sa.func.max(events.c.id).label('id')).where(
        events.c.event == event,
        events.c.action_id == _latest_action(instance_uuid, request_id).scalar_subquery(),
    ).subquery()
    finished = context.session.execute(events.update().where(
        events.c.id == sa.select(newest.c.id).scalar_subquery(),
    ).values(finish_time=now, result=result, traceback=tb, updated_at=now)).rowcount
    if not finished:  # finished without having started (its start was not recorded)
        latest = _latest_action(instance_uuid, request_id).subquery()
        context.session.execute(events.insert().from_select(
            ['event', 'action_id', 'start_time', 'finish_time', 'result', 'traceback',
             'created_at'],
            sa.select(sa.literal(event), latest.c.id, sa.literal(now, sa.DateTime),
                      sa.literal(now, sa.DateTime), sa.literal(result),
                      sa.literal(tb, sa.Text), sa.literal(now, sa.DateTime))))


@db_api.reader
def _events_for_action(context, action_id):
    return context.session.query(models.InstanceActionEvent).filter_by(
        action_id=action_id).order_by(models.InstanceActionEvent.id).all()


@base.NimbusObjectRegistry.register
class InstanceAction(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'action': fields.StringField(),
        'instance_uuid': fields.UUIDField(),
        'request_id': fields.StringField(),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'message': fields.StringField(nullable=True),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, action, row):
        base.copy_db_fields(action, row, _ACTION_FIELDS)
        action._context = context
        return action

    @base.remotable_classmethod
    def action_start(cls, context, instance_uuid, action):
        row = _action_start(context, {
            'action': action, 'instance_uuid': instance_uuid,
            'request_id': context.request_id, 'user_id': context.user_id,
            'project_id': context.project_id, 'start_time': base.utcnow()})
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def get_by_request_id(cls, context, instance_uuid, request_id):
        return cls._from_db_object(context, cls(), _action_get(
            context, instance_uuid, request_id))


@base.NimbusObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('InstanceAction')}

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return base.make_list(context, cls(context), InstanceAction,
                              _actions_for_instance(context, instance_uuid))


@base.NimbusObjectRegistry.register
class InstanceActionEvent(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'event': fields.StringField(),
        'action_id': fields.IntegerField(),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'result': fields.StringField(nullable=True),
        'traceback': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, event, row):
        base.copy_db_fields(event, row, _EVENT_FIELDS)
        event._context = context
        return event

    @base.remotable_classmethod
    def event_start(cls, context, instance_uuid, event, host=None):
        """Record the start of ``event`` in the request's action (returns nothing)."""
        record_event_start(context, instance_uuid, event, host)

    @base.remotable_classmethod
    def event_finish(cls, context, instance_uuid, event, error=None):
        """Finish ``event``: 'Success', or 'Error' with the traceback of ``error``
        (passed as text, since exceptions do not cross RPC). Returns nothing."""
        record_event_finish(context, instance_uuid, event, error)

    @staticmethod
    def format_error(error):
        return ''.join(traceback.format_exception(error))


@base.NimbusObjectRegistry.register
class InstanceActionEventList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('InstanceActionEvent')}

    @base.remotable_classmethod
    def get_by_action(cls, context, action_id):
        return base.make_list(context, cls(context), InstanceActionEvent,
                              _events_for_action(context, action_id))
