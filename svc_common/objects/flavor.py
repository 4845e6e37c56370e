import functools
import json

from oslo_db import exception as db_exc
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common import name_filter
from svc_common.objects import base
from svc_common.objects import flavor_access

_FIELDS = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap',
           'rxtx_factor', 'is_public', 'disabled', 'description', 'extra_specs',
           'created_at', 'updated_at')


@db_api.reader
def _flavor_get(context, column, value):
    row = context.session.query(models.Flavor).filter(column == value).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=value)
    return row


@db_api.writer
def _flavor_create(context, values):
    row = models.Flavor(**values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry as e:
        field = 'name' if 'name' in (e.columns or []) else 'id'
        raise exception.FlavorExists(field=field, value=values.get(
            'name' if field == 'name' else 'flavorid'))
    return row


@db_api.writer
def _flavor_update(context, flavorid, values):
    row = context.session.query(models.Flavor).filter_by(flavorid=flavorid).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return base.update_row(context, row, values)


@db_api.writer
def _flavor_destroy(context, flavorid):
    row = context.session.query(models.Flavor).filter_by(flavorid=flavorid).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    flavor_access.remove_all(context, row.id)
    context.session.delete(row)


@db_api.reader
def _flavor_get_all(context, filters, limit, marker, sort_key, sort_dir):
    query = context.session.query(models.Flavor)
    if filters.get('is_public') is not None:
        public = models.Flavor.is_public == filters['is_public']
        project_id = filters.get('access_project_id')
        if filters['is_public'] and project_id is not None:
            # Public, or private with access for the project.
            public = sa.or_(public, models.Flavor.id.in_(
                sa.select(models.FlavorProject.flavor_id).where(
                    models.FlavorProject.project_id == project_id)))
        query = query.filter(public)
    if 'min_memory_mb' in filters:
        query = query.filter(models.Flavor.memory_mb >= filters['min_memory_mb'])
    if 'min_root_gb' in filters:
        query = query.filter(models.Flavor.root_gb >= filters['min_root_gb'])
    if not filters.get('include_disabled', True):
        query = query.filter(models.Flavor.disabled == sa.false())
    column = getattr(models.Flavor, sort_key)
    order = column.desc() if sort_dir == 'desc' else column.asc()
    tiebreak = models.Flavor.flavorid.desc() if sort_dir == 'desc' else models.Flavor.flavorid
    rows = query.order_by(order, tiebreak).all()
    if filters.get('name'):
        match = name_filter.matcher(filters['name'])
        rows = [r for r in rows if match(r.name)]
    if marker is not None:
        ids = [r.flavorid for r in rows]
        if marker not in ids:
            raise exception.FlavorNotFound(flavor_id=marker)
        rows = rows[ids.index(marker) + 1:]
    return rows[:limit] if limit is not None else rows


@base.NimbusObjectRegistry.register
class Flavor(base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: save() (description, extra specs, disabled, is_public)
    VERSION = '1.1'

    fields = {
        'id': fields.IntegerField(),
        'flavorid': fields.StringField(),
        'name': fields.StringField(),
        'memory_mb': fields.IntegerField(),
        'vcpus': fields.IntegerField(),
        'root_gb': fields.IntegerField(),
        'ephemeral_gb': fields.IntegerField(default=0),
        'swap': fields.IntegerField(default=0),
        'rxtx_factor': fields.FloatField(default=1.0),
        'is_public': fields.BooleanField(default=True),
        'disabled': fields.BooleanField(default=False),
        'description': fields.StringField(nullable=True),
        'extra_specs': fields.DictOfStringsField(default={}),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, flavor, row):
        base.copy_db_fields(flavor, row, _FIELDS, json_fields=('extra_specs',))
        flavor._context = context
        return flavor

    @base.remotable_classmethod
    def get_by_flavor_id(cls, context, flavorid):
        # A statement built once, no ORM object: what every server create and resize
        # reads.
        return cls._from_db_object(context, cls(), _flavor_row(context, flavorid))

    @base.remotable_classmethod
    def get_by_id(cls, context, flavor_id):
        return cls._from_db_object(context, cls(), _flavor_get(
            context, models.Flavor.id, flavor_id))

    @base.remotable
    def create(self):
        values = self.obj_get_changes()
        values['extra_specs'] = json.dumps(values.get('extra_specs') or {})
        for name in ('ephemeral_gb', 'swap', 'rxtx_factor', 'is_public', 'disabled'):
            values.setdefault(name, self.fields[name].default)
        self._from_db_object(self._context, self, _flavor_create(self._context, values))

    @base.remotable
    def save(self):
        """Write changes of the fields a flavor may change after creation."""
        changes = self.obj_get_changes()
        values = {k: v for k, v in changes.items()
                  if k in ('description', 'extra_specs', 'disabled', 'is_public')}
        if 'extra_specs' in values:
            values['extra_specs'] = json.dumps(values['extra_specs'] or {})
        if values:
            self._from_db_object(self._context, self,
                                 _flavor_update(self._context, self.flavorid, values))

    @base.remotable
    def destroy(self):
        _flavor_destroy(self._context, self.flavorid)

    def to_json_dict(self):
        """What an Instance stores of its flavor (the flavor may be deleted later)."""
        return self.obj_to_primitive()


@functools.lru_cache(maxsize=256)
def _decoded(stored):
    flavor = Flavor.obj_from_primitive(json.loads(stored))
    attrs = dict(flavor.__dict__)
    collections = {name: attrs.pop(name) for name, value in list(attrs.items())
                   if isinstance(value, (set, dict, list))}
    return type(flavor), attrs, collections


def from_stored(stored):
    """The flavor an instance stored as the JSON text ``stored`` (its ``to_json_dict``),
    as ``Flavor.obj_from_primitive`` makes it. Instances share a few flavors: each text
    is decoded once, and every flavor made of it is a copy (its own collections)."""
    cls, attrs, collections = _decoded(stored)
    flavor = cls.__new__(cls)
    copied = flavor.__dict__
    copied.update(attrs)
    for name, value in collections.items():
        if isinstance(value, fields.CoercedDict):
            items, value = value, fields.CoercedDict()
            value.enable_coercing(items._element_type, flavor, items._field)
            dict.update(value, items)
        else:
            value = type(value)(value)
        copied[name] = value
    return flavor


@base.NimbusObjectRegistry.register
class FlavorList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('Flavor')}

    @base.remotable_classmethod
    def get_all(cls, context, filters=None, limit=None, marker=None, sort_key='flavorid',
                sort_dir='asc'):
        rows = _flavor_get_all(context, filters or {}, limit, marker, sort_key, sort_dir)
        return base.make_list(context, cls(context), Flavor, rows)


# -- the API's read of a flavor by its flavor id: a statement built once ---------------
_FLAVORS = models.Flavor.__table__
_BY_FLAVORID = sa.select(_FLAVORS).where(_FLAVORS.c.flavorid == sa.bindparam('flavorid'))


@db_api.reader
def _flavor_row(context, flavorid):
    row = context.session.connection().execute(_BY_FLAVORID, {'flavorid': flavorid}).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row

