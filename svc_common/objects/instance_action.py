"""Instance actions and their events: what was asked of a server and how each step went."""
import datetime
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


def _latest_event_write():
    """The time of the action's latest event write (a start, or a finish): the
    action's updated_at, which its row does not keep (see below)."""
    events = models.InstanceActionEvent
    return sa.select(sa.func.max(sa.func.coalesce(events.updated_at, events.created_at))).where(
        events.action_id == models.InstanceAction.id).scalar_subquery()


def _with_events(session):
    """Query (action row, its latest event write)."""
    return session.query(models.InstanceAction, _latest_event_write())


def _action_by_request(context, instance_uuid, request_id):
    return _with_events(context.session).filter(
        models.InstanceAction.instance_uuid == instance_uuid,
        models.InstanceAction.request_id == request_id).order_by(
        models.InstanceAction.id.desc()).first()


@db_api.reader
def _action_get(context, instance_uuid, request_id):
    found = _action_by_request(context, instance_uuid, request_id)
    if found is None:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    return found


@db_api.reader
def _actions_for_instance(context, instance_uuid):
    return _with_events(context.session).filter(
        models.InstanceAction.instance_uuid == instance_uuid).order_by(
        models.InstanceAction.created_at.desc(), models.InstanceAction.id.desc()).all()


# An event is written with one statement, in SQL Core: its action found through a
# subquery by (instance, request), instead of loading it. The action's row is not
# stamped at each event (two statements an event, fourteen a server's boot, resize and
# confirm): its updated_at is read as the latest of its own and its events' writes. Only
# an event ending in error writes the action (its message, 'Error'). The statements are
# built once, their values bound at each execution: building them again for every event
# cost more CPU than running them.

_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__


def _param(name, type_=None):
    # (A bind parameter may not take the name of a column the statement writes.)
    return sa.bindparam('p_' + name, type_=type_)


def _values(**values):
    return {'p_' + name: value for name, value in values.items()}


def _latest_action():
    """SELECT the id of the newest action of the request on the instance."""
    return sa.select(_ACTIONS.c.id).where(
        _ACTIONS.c.instance_uuid == _param('instance_uuid'),
        _ACTIONS.c.request_id == _param('request_id'),
    ).order_by(_ACTIONS.c.id.desc()).limit(1)


def _insert_event(columns, *values):
    latest = _latest_action().subquery()
    return _EVENTS.insert().from_select(
        ['event', 'action_id', *columns],
        sa.select(_param('event', sa.String), latest.c.id, *values))


def _finish_newest():
    """The newest event of that name in the action (a step run twice starts it twice).
    Wrapped in a derived table: MySQL refuses a subquery on the table it updates."""
    newest = sa.select(sa.func.max(_EVENTS.c.id).label('id')).where(
        _EVENTS.c.event == _param('event'),
        _EVENTS.c.action_id == _latest_action().scalar_subquery(),
    ).subquery()
    return _EVENTS.update().where(
        _EVENTS.c.id == sa.select(newest.c.id).scalar_subquery(),
    ).values(finish_time=_param('now', sa.DateTime), result=_param('result'),
             traceback=_param('traceback', sa.Text), updated_at=_param('now', sa.DateTime))


# An event that ends in error marks its action so (the only write of the action's row
# an event makes).
_STAMP_ERROR = _ACTIONS.update().where(
    _ACTIONS.c.instance_uuid == _param('instance_uuid'),
    _ACTIONS.c.request_id == _param('request_id'),
).values(updated_at=_param('now', sa.DateTime), message='Error')
_START = _insert_event(['host', 'start_time', 'created_at'], _param('host', sa.String),
                       _param('now', sa.DateTime), _param('now', sa.DateTime))
_FINISH = _finish_newest()
# An event that finishes without having started (its start was not recorded).
_START_AND_FINISH = _insert_event(
    ['start_time', 'finish_time', 'result', 'traceback', 'created_at'],
    _param('now', sa.DateTime), _param('now', sa.DateTime), _param('result', sa.String),
    _param('traceback', sa.Text), _param('now', sa.DateTime))


def _written(count, instance_uuid, request_id):
    """A statement naming the request's action wrote ``count`` rows: none, no such
    action (ActionNotFound)."""
    if not count:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)


@db_api.writer
def _event_start(context, instance_uuid, request_id, event, host):
    _written(context.session.execute(_START, _values(
        instance_uuid=instance_uuid, request_id=request_id, event=event, host=host,
        now=base.utcnow())).rowcount, instance_uuid, request_id)


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
    params = _values(instance_uuid=instance_uuid, request_id=request_id, event=event,
                     result=result, traceback=tb, now=base.utcnow())
    if result == 'Error':
        _written(context.session.execute(_STAMP_ERROR, params).rowcount, instance_uuid,
                 request_id)
    if not context.session.execute(_FINISH, params).rowcount:
        _written(context.session.execute(_START_AND_FINISH, params).rowcount,
                 instance_uuid, request_id)


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
    def _from_db_object(context, action, row, latest_event=None):
        """From its row and (if any) the time of its latest event write, which is its
        updated_at when later than the row's own."""
        base.copy_db_fields(action, row, _ACTION_FIELDS)
        if latest_event is not None and (row.updated_at is None or
                                         latest_event > row.updated_at):
            base.set_field(action, 'updated_at', latest_event.replace(
                tzinfo=datetime.timezone.utc))
        action._context = context
        return action

    @classmethod
    def _from_found(cls, context, found):
        return cls._from_db_object(context, cls(), *found)

    @base.remotable_classmethod
    def action_start(cls, context, instance_uuid, action):
        row = _action_start(context, {
            'action': action, 'instance_uuid': instance_uuid,
            'request_id': context.request_id, 'user_id': context.user_id,
            'project_id': context.project_id, 'start_time': base.utcnow()})
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def get_by_request_id(cls, context, instance_uuid, request_id):
        return cls._from_found(context, _action_get(context, instance_uuid, request_id))


@base.NimbusObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('InstanceAction')}

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        actions = cls(context)
        actions.objects = [InstanceAction._from_found(context, found)
                           for found in _actions_for_instance(context, instance_uuid)]
        actions.obj_reset_changes()
        return actions


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


# -- the API's start of an action: one statement built once ---------------------------
_ACTION_INSERT = _ACTIONS.insert()


@db_api.writer
def start_action(context, instance_uuid, action):
    """InstanceAction.action_start without the object: one INSERT of a statement built
    once (no ORM unit of work), for a caller that needs nothing back."""
    context.session.connection().execute(_ACTION_INSERT, {
        'action': action, 'instance_uuid': instance_uuid, 'request_id': context.request_id,
        'user_id': context.user_id, 'project_id': context.project_id,
        'start_time': base.utcnow()})
