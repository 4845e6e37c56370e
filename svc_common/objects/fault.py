import traceback

from oslo_versionedobjects import fields

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

_FIELDS = ('id', 'instance_uuid', 'code', 'message', 'details', 'host', 'created_at')


@db_api.writer
def _fault_create(context, values):
    row = models.InstanceFault(**values)
    context.session.add(row)
    context.session.flush()
    return row


@db_api.reader
def _fault_latest(context, instance_uuid):
    return context.session.query(models.InstanceFault).filter_by(
        instance_uuid=instance_uuid).order_by(models.InstanceFault.id.desc()).first()


@base.NimbusObjectRegistry.register
class InstanceFault(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'instance_uuid': fields.UUIDField(),
        'code': fields.IntegerField(),
        'message': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'created_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, fault, row):
        base.copy_db_fields(fault, row, _FIELDS)
        fault._context = context
        return fault

    @base.remotable_classmethod
    def get_latest_for_instance(cls, context, instance_uuid):
        row = _fault_latest(context, instance_uuid)
        return cls._from_db_object(context, cls(), row) if row else None

    @base.remotable
    def create(self):
        self._from_db_object(self._context, self, _fault_create(
            self._context, self.obj_get_changes()))

    @classmethod
    def from_exception(cls, context, instance_uuid, error, host=None):
        """A fault describing ``error``; NimbusExceptions keep their code and message."""
        code = getattr(error, 'code', 500) if isinstance(error, exception.NimbusException) \
            else 500
        message = (error.message if isinstance(error, exception.NimbusException)
                   else error.__class__.__name__)
        details = ''.join(traceback.format_exception(error)) if code == 500 else str(error)
        return cls(context=context, instance_uuid=instance_uuid, code=code,
                   message=message[:255], details=details, host=host)
