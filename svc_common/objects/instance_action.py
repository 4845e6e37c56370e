"""Instance actions and their events: what was asked of a server and how each step went."""
import traceback

from oslo_versionedobjects import fields

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


@db_api.writer
def _event_start(context, instance_uuid, request_id, event, host):
    action = _action_by_request(context, instance_uuid, request_id)
    if action is None:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    action.updated_at = base.utcnow()
    row = models.InstanceActionEvent(event=event, action_id=action.id, host=host,
                                     start_time=base.utcnow())
    context.session.add(row)
    context.session.flush()
    return row


@db_api.writer
def _event_finish(context, instance_uuid, request_id, event, result, tb):
    action = _action_by_request(context, instance_uuid, request_id)
    if action is None:
        raise exception.ActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    now = base.utcnow()
    row = context.session.query(models.InstanceActionEvent).filter_by(
        action_id=action.id, event=event).order_by(models.InstanceActionEvent.id.desc()).first()
    if row is None:
        row = models.InstanceActionEvent(event=event, action_id=action.id, start_time=now)
        context.session.add(row)
    row.finish_time, row.result, row.traceback = now, result, tb
    action.updated_at = now
    if result == 'Error':
        action.message = 'Error'
    context.session.flush()
    return row


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
        return cls._from_db_object(context, cls(), _event_start(
            context, instance_uuid, context.request_id, event, host))

    @base.remotable_classmethod
    def event_finish(cls, context, instance_uuid, event, error=None):
        """Finish ``event``: 'Success', or 'Error' with the traceback of ``error``
        (passed as text, since exceptions do not cross RPC)."""
        result = 'Error' if error else 'Success'
        return cls._from_db_object(context, cls(), _event_finish(
            context, instance_uuid, context.request_id, event, result, error))

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
