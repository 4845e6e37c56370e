"""RequestSpec: what a build asked the scheduler for.

The API stores it in the transaction that creates its instance (``Instance.create``), so
no crash leaves an instance without it, and ``Instance.destroy`` deletes the row in the
transaction that soft-deletes the instance (a deleted instance is never scheduled again,
and nothing archives instances, so keeping the row would only leave it behind). The
conductor schedules from it, whichever cast brought the build: the API's, or the
reconciler's copy after that one was lost. Instances created before specs were stored
have none; ``for_instance`` stands in for them.
"""
import json

from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

# What the request asked for; stored as the object's versioned primitive in one column.
_SPEC_FIELDS = ('project_id', 'user_id', 'flavor_id', 'image_id', 'availability_zone',
                'force_host', 'scheduler_hints', 'num_instances', 'requested_networks')
_ROW_FIELDS = ('id', 'instance_uuid', 'created_at', 'updated_at')


@db_api.writer
def write(context, spec):
    """Insert ``spec``'s row. Called inside the instance's own creating transaction."""
    row = models.RequestSpec(instance_uuid=spec.instance_uuid, spec=_to_text(spec))
    context.session.add(row)
    context.session.flush()
    return row


@db_api.writer
def remove(context, instance_uuid):
    """Delete the spec of ``instance_uuid``. Called inside the instance's deleting
    transaction."""
    context.session.query(models.RequestSpec).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)


# The spec of one instance: every build and move reads it (a plain row: its text).
_OF_INSTANCE = sa.select(models.RequestSpec.__table__).where(
    models.RequestSpec.instance_uuid == sa.bindparam('instance_uuid'))


@db_api.reader
def _spec_get(context, instance_uuid):
    row = context.session.connection().execute(
        _OF_INSTANCE, {'instance_uuid': instance_uuid}).first()
    if row is None:
        raise exception.RequestSpecNotFound(instance_uuid=instance_uuid)
    return row


@db_api.reader
def _specs_get(context, instance_uuids):
    return context.session.query(models.RequestSpec).filter(
        models.RequestSpec.instance_uuid.in_(instance_uuids)).all()


def scheduler_hints(context, instance_uuids):
    """{instance uuid: the scheduler hints it was built with} in one query (instances
    without a stored spec are left out)."""
    return {row.instance_uuid: RequestSpec._from_db_object(context, RequestSpec(),
                                                           row).scheduler_hints
            for row in _specs_get(context, list(instance_uuids))} if instance_uuids else {}


def hints_of(context, instance_uuid):
    """The scheduler hints ``instance_uuid`` was built with, which a move honours too
    ({} for an instance stored without a spec: created before specs were kept)."""
    try:
        return RequestSpec.get_by_instance_uuid(context, instance_uuid).scheduler_hints
    except exception.RequestSpecNotFound:
        return {}


def _to_text(spec):
    data = RequestSpec(**{name: getattr(spec, name) for name in _SPEC_FIELDS
                          if spec.obj_attr_is_set(name)})
    return json.dumps(data.obj_to_primitive())


@base.NimbusObjectRegistry.register
class RequestSpec(base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: requested_networks
    VERSION = '1.1'

    fields = {
        'id': fields.IntegerField(),
        'instance_uuid': fields.UUIDField(),
        'project_id': fields.StringField(nullable=True, default=None),
        'user_id': fields.StringField(nullable=True, default=None),
        'flavor_id': fields.StringField(nullable=True, default=None),  # the flavorid
        'image_id': fields.StringField(nullable=True, default=None),
        'availability_zone': fields.StringField(nullable=True, default=None),
        'force_host': fields.StringField(nullable=True, default=None),
        'scheduler_hints': fields.DictOfListOfStringsField(default={}),
        'num_instances': fields.IntegerField(default=1),
        # The uuids of the networks to give the instance an address on (the API
        # resolves 'auto' to the project's networks; none: no address).
        'requested_networks': fields.ListOfStringsField(default=[]),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, spec, row):
        stored = RequestSpec.obj_from_primitive(json.loads(row.spec))
        for name in _SPEC_FIELDS:
            if stored.obj_attr_is_set(name):
                setattr(spec, name, getattr(stored, name))
        spec.obj_set_defaults()  # fields newer than the stored version
        base.copy_db_fields(spec, row, _ROW_FIELDS)
        spec._context = context
        return spec

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._from_db_object(context, cls(), _spec_get(context, instance_uuid))

    @classmethod
    def for_instance(cls, instance, **values):
        """A spec for an instance stored without one (created before specs were kept):
        what its record says, and ``values``."""
        spec = cls(instance_uuid=instance.uuid, project_id=instance.project_id,
                   user_id=instance.user_id, flavor_id=instance.flavor.flavorid,
                   image_id=instance.image_ref,
                   availability_zone=instance.availability_zone, **values)
        spec.obj_set_defaults()
        return spec
