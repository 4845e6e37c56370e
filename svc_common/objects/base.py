"""Base classes for Nimbus versioned objects.

``NimbusObject.indirection_api`` is set in compute processes: every remotable method then
runs in the conductor over RPC instead of locally, which is how compute reaches the
database without any database code of its own. A process that hosts a conductor beside
its computes (the all-in-one the fast tiers run) sets it for the compute's work only
(``use_indirection_for_role``): its message handlers and periodic tasks, the threads whose
role is the compute's, send their object calls to the conductor over the bus as a
compute process does; the conductor and the API reach the database directly.
"""
import datetime
import enum
import json
from typing import Any, TYPE_CHECKING

from oslo_utils import timeutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields
import sqlalchemy as sa
from sqlalchemy.orm import attributes as orm_attributes

from svc_common.db import kept
from svc_common import stats

remotable = ovo_base.remotable
remotable_classmethod = ovo_base.remotable_classmethod


class _NoCheck:
    """Default of compare-and-swap arguments: "do not compare". Its repr is fixed
    because method signatures are part of the objects' pinned fingerprints."""

    def __repr__(self):
        return '<no check>'


NO_CHECK = _NoCheck()


class NimbusObjectRegistry(ovo_base.VersionedObjectRegistry):
    notification_classes = []

    def registration_hook(self, cls, index):
        # Make the newest registered version the module attribute, as Nova does.
        import svc_common.objects as objects
        version = tuple(int(x) for x in cls.VERSION.split('.'))
        current = getattr(objects, cls.obj_name(), None)
        if current is None or tuple(int(x) for x in current.VERSION.split('.')) <= version:
            setattr(objects, cls.obj_name(), cls)


class _Indirection:
    """``indirection_api`` as oslo.versionedobjects reads it (on the class or an object):
    the API of the thread's role if one is set for it, else the process's."""

    def __init__(self):
        self.process_api = None
        self.by_role = {}

    def __get__(self, obj, owner=None):
        if self.by_role:
            api = self.by_role.get(stats.current_role())
            if api is not None:
                return api
        return self.process_api


_INDIRECTION = _Indirection()


class NimbusObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = 'nimbus_object'
    OBJ_PROJECT_NAMESPACE = 'nimbus'
    indirection_api = _INDIRECTION

    if TYPE_CHECKING:  # the fields are attributes made at run time, from ``fields``
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    @classmethod
    def _obj_from_primitive(cls, context, objver, primitive):
        """An object from its primitive (what crosses RPC), as oslo.versionedobjects
        makes it, with each field's value stored as ``set_field`` stores it."""
        obj = cls()
        obj._context = context
        obj.VERSION = objver
        data = cls._obj_primitive_field(primitive, 'data')
        plan = _plan(cls)
        for name, _, field, how in plan.fields:
            if name in data:
                value = data[name]
                if value is None or how is _AS_IS or how is _COPY:
                    pass  # its own primitive, or a dict of strings the storer checks
                elif how is _TIME:
                    value = _time_from_primitive(field, obj, name, value)
                else:
                    value = field.from_primitive(obj, name, value)
                set_field(obj, name, value, plan.storers)
        obj._changed_fields = {name for name in cls._obj_primitive_field(
            primitive, 'changes', []) if name in cls.fields}
        return obj

    def obj_attr_is_set(self, attrname):
        """Whether ``attrname`` has a value (AttributeError for a name that is no field),
        as oslo.versionedobjects says, without building the list of the object's field
        names at every ask as it does."""
        if attrname not in self.fields and attrname not in self.obj_extra_fields:
            return super().obj_attr_is_set(attrname)  # raises its AttributeError
        return hasattr(self, ovo_base._get_attrname(attrname))

    def obj_what_changed(self):
        """The fields changed, an object field also when the object in it changed (as
        oslo.versionedobjects says), looking only at the fields that can hold an
        object: the generic way asks every field whether it is set and what it holds,
        which was most of what sending an Instance over RPC cost."""
        changes = {name for name in self._changed_fields if name in self.fields}
        attrs = self.__dict__
        for name, attrname in _plan(type(self)).objects:
            value = attrs.get(attrname)
            if isinstance(value, ovo_base.VersionedObject) and value.obj_what_changed():
                changes.add(name)
        return changes

    def obj_to_primitive(self, target_version=None, version_manifest=None):
        """The primitive oslo.versionedobjects makes, with the values that are their own
        primitive (strings, numbers, booleans) taken as they are and dicts of strings
        copied, instead of each going through its field. For another version than the
        object's, or with a manifest, the generic way (it makes them compatible)."""
        if target_version not in (None, self.VERSION) or version_manifest:
            return super().obj_to_primitive(target_version, version_manifest)
        data = {}
        attrs = self.__dict__
        for name, attrname, field, how in _plan(type(self)).fields:
            if attrname in attrs:
                value = attrs[attrname]
                if value is None or how is _AS_IS:
                    data[name] = value
                elif how is _COPY:
                    data[name] = dict(value)
                else:
                    data[name] = field.to_primitive(self, name, value)
        primitive = {self._obj_primitive_key('name'): self.obj_name(),
                     self._obj_primitive_key('namespace'): self.OBJ_PROJECT_NAMESPACE,
                     self._obj_primitive_key('version'): self.VERSION,
                     self._obj_primitive_key('data'): data}
        changes = [name for name in self.obj_what_changed() if name in data]
        if changes:
            primitive[self._obj_primitive_key('changes')] = changes
        return primitive


class NimbusPersistentObject:
    fields = {
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
        'deleted_at': fields.DateTimeField(nullable=True),
        'deleted': fields.BooleanField(default=False),
    }


class ObjectListBase(ovo_base.ObjectListBase):
    pass


class NimbusObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = NimbusObject


_SLOW = object()  # "this value needs the field's own coercion"
_EXACT_TYPES = {fields.String: str, fields.UUID: str, fields.Integer: int,
                fields.Float: float, fields.Boolean: bool}


# Each storer is one function of (object, field name, value), its check written in it:
# one call per field filled, ~40 per instance read.
def _exactly(nullable, exact):
    def store(obj, name, value):
        if type(value) is exact:
            return value
        return None if value is None and nullable else _SLOW
    return store


def _one_of(nullable, valid):
    def store(obj, name, value):
        if type(value) is str and value in valid:
            return value
        return None if value is None and nullable else _SLOW
    return store


def _aware_time(nullable):
    def store(obj, name, value):
        if type(value) is datetime.datetime and value.tzinfo is not None:
            return value
        return None if value is None and nullable else _SLOW
    return store


def _coerced_dict_of_strings(field):
    element_type = field._type._element_type
    values_nullable = element_type.nullable

    def store(obj, name, value):
        if value is None:
            return None if field.nullable else _SLOW
        if type(value) is not dict or not all(
                type(k) is str and (type(v) is str or (v is None and values_nullable))
                for k, v in value.items()):
            return _SLOW
        # What the field's coercion makes of it: a dict that coerces what is added to
        # it later, here filled without coercing each item again.
        coerced = fields.CoercedDict()
        coerced.enable_coercing(element_type, obj, name)
        dict.update(coerced, value)
        return coerced
    return store


def _stored_as_is(field):
    """For a field whose coercion leaves a value of the right type as it is, a function
    of (object, field name, value) giving the value the field would store, or ``_SLOW``
    for one that needs the coercion (a wrong type, a null the field replaces or
    refuses); None for a field type not covered here. Values read from the database
    almost always have the right type, and the generic coercion of
    oslo.versionedobjects was most of what filling an object from a row cost."""
    kind, nullable = type(field._type), field.nullable
    if kind in _EXACT_TYPES:
        return _exactly(nullable, _EXACT_TYPES[kind])
    if kind is fields.Enum:
        return _one_of(nullable, frozenset(field._type._valid_values))
    if kind is fields.DateTime and field._type.tzinfo_aware:
        return _aware_time(nullable)
    if kind is fields.Dict and type(field._type._element_type._type) is fields.String:
        return _coerced_dict_of_strings(field)
    return None


_AS_IS, _COPY, _TIME, _FIELD = 'as is', 'copy', 'time', 'field'
_PLANS: dict = {}
def _as_primitive(field):
    """How a value of ``field`` becomes primitive and back: ``_AS_IS`` (it is its own: a
    string, a number, a boolean), ``_COPY`` (a dict of strings), ``_TIME`` (a time with
    its zone: the field's to_primitive, back by ``_time_from_primitive``) or ``_FIELD``
    (the field's to_primitive and from_primitive)."""
    kind = type(field._type)
    if kind in _EXACT_TYPES or kind is fields.Enum:
        return _AS_IS
    if kind is fields.Dict and type(field._type._element_type._type) is fields.String:
        return _COPY
    if kind is fields.DateTime and field._type.tzinfo_aware:
        return _TIME
    return _FIELD


def _time_from_primitive(field, obj, name, value):
    """What a time field's from_primitive makes of ``value`` (an aware time; UTC when
    the text names no zone), for the ISO 8601 text its to_primitive writes
    ('2026-12-06T05:22:05Z') read by ``datetime.fromisoformat`` (~0.4 us) instead of
    the iso8601 package (~19 us: a server's lifecycle crosses RPC with some hundred
    times in its objects); any other text through the field itself."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return field.from_primitive(obj, name, value)
    if parsed.utcoffset() is None:
        return parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


class _Plan:
    """What ``cls``'s fields need, worked out once a class from each field's type:
    ``fields``, (name, attribute, field, how it becomes primitive) of every field, and
    ``storers``, name -> (attribute, the function of ``_stored_as_is`` or None) of the
    writable ones (what ``set_field`` takes), and ``objects``, (name, attribute) of the
    fields that can hold an object (what ``obj_what_changed`` looks into)."""
    __slots__ = ('fields', 'storers', 'objects')

    def __init__(self, cls):
        self.fields = tuple((name, ovo_base._get_attrname(name), field, _as_primitive(field))
                            for name, field in cls.fields.items())
        self.storers = {name: (attrname, _stored_as_is(field))
                        for name, attrname, field, _ in self.fields
                        if not field.read_only}
        self.objects = tuple((name, attrname) for name, attrname, field, _ in self.fields
                             if isinstance(field._type, fields.Object))


def _plan(cls):
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _Plan(cls)
    return plan


def set_field(obj, name, value, storers=None):
    """``setattr(obj, name, value)``, without the field's generic coercion for a value
    of the type the field stores (it stores it as it is). Records no change: for filling
    an object from the database, whose changes are reset after."""
    attrname, store = (storers or _plan(type(obj)).storers).get(name, (None, None))
    stored = _SLOW if store is None else store(obj, name, value)
    if stored is _SLOW:
        setattr(obj, name, value)
    else:
        obj.__dict__[attrname] = stored


def copy_db_fields(obj, db_row, names, json_fields=()):
    """Fill ``names`` of ``obj`` from a model row; JSON text columns are decoded."""
    attrs = obj.__dict__
    for name, attrname, convert, store in _filling(type(obj), names, json_fields):
        value = getattr(db_row, name)
        if convert is not None:
            value = convert(value)
        stored = _SLOW if store is None else store(obj, name, value)
        if stored is _SLOW:
            setattr(obj, name, value)
        else:
            attrs[attrname] = stored
    obj.obj_reset_changes()
    return obj


def _from_json(text):
    return json.loads(text) if text else {}


def _as_aware(value):
    """A naive datetime (what every DateTime column stores) as UTC."""
    if type(value) is datetime.datetime and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


_FILLINGS: dict = {}


def _filling(cls, names, json_fields):
    """How ``copy_db_fields`` fills ``names`` of a ``cls``, worked out once per (class,
    names): per name, (name, attribute, how the column's value is converted or None,
    the storer or None). A JSON column is decoded, ``deleted`` (0, or the row's id
    once deleted) made a boolean; any other value that may be a naive datetime is made
    aware, except in a field whose storer takes only a string, number or boolean (a
    datetime there is no value it could store as it is either)."""
    key = (cls, names, json_fields)
    steps = _FILLINGS.get(key)
    if steps is None:
        plan = _plan(cls)
        hows = {name: how for name, _, _, how in plan.fields}
        steps = []
        for name in names:
            attrname, store = plan.storers.get(name, (None, None))
            if name in json_fields:
                convert = _from_json
            elif name == 'deleted':
                convert = bool
            elif hows.get(name) is _AS_IS:  # a string, number or boolean field
                convert = None
            else:
                convert = _as_aware
            steps.append((name, attrname or ovo_base._get_attrname(name), convert, store))
        steps = _FILLINGS[key] = tuple(steps)
    return steps


def swap_rows(session, model, values, shape, where, params):
    """UPDATE ``model``'s table SET ``values`` (by mapped attribute name) WHERE
    ``where()``, on the session's connection, without the session's ORM execution
    (which cost about half as much again as the statement itself). The statement is
    built once per (``model``, the names in ``values``, ``shape``) and kept
    (``kept.statement``). ``shape`` must name everything that decides ``where()``'s
    conditions, which take whatever differs from call to call as bind parameters, given
    in ``params`` (the values set are bound as ``set_<name>``). Building an UPDATE with
    its checks and its cache key cost more than running it (~150 us for an
    instance's). Returns the number of rows matched."""
    names = tuple(sorted(values))

    def build():
        columns = sa.inspect(model).columns
        return sa.update(model.__table__).where(*where()).values(
            {columns[name]: sa.bindparam('set_' + name, type_=columns[name].type)
             for name in names})
    statement = kept.statement(('swap', model, names, shape), build)
    bound = dict(params)
    bound.update(('set_' + name, value) for name, value in values.items())
    return session.connection().execute(statement, bound).rowcount


def update_row(context, row, values):
    """Apply ``values`` to a model row, stamp updated_at, flush; returns the row."""
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    context.session.flush()
    return row


def rounds_times(session):
    """Whether the database stores times other than written: MySQL's DATETIME drops the
    fractions of a second (rounding or truncating, by version), so what a write wrote
    is not the row as stored, and a writer that must return the row reads it back."""
    return session.get_bind().dialect.name == 'mysql'


def written(session, row, values):
    """``row`` as it is after an UPDATE that wrote ``values`` to it: the values become
    its loaded state, so that nothing reads the row again (enum members as the strings
    SQL stores); read again instead where the database ``rounds_times``. Returns the
    row (a ``kept.Record`` read again is a new one)."""
    record = isinstance(row, kept.Record)
    if rounds_times(session):
        if record:
            return row.read_again(session)
        session.refresh(row)
        return row
    for key, value in values.items():
        value = value.value if isinstance(value, enum.Enum) else value
        if record:
            setattr(row, key, value)
        else:
            orm_attributes.set_committed_value(row, key, value)
    return row


def make_list(context, list_obj, item_cls, rows, **extra):
    list_obj.objects = [item_cls._from_db_object(context, item_cls(), row, **extra)
                        for row in rows]
    list_obj._context = context
    list_obj.obj_reset_changes()
    return list_obj


def utcnow():
    """Naive UTC, the form every DateTime column stores."""
    return timeutils.utcnow().replace(tzinfo=None)


def naive(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def use_indirection(api):
    """Route every remotable method of this process through ``api``."""
    _INDIRECTION.process_api = api


def use_indirection_for_role(role, api):
    """Route the remotable methods of the threads working as ``role`` (a service's topic:
    its message handlers and periodic tasks, see ``svc_common.stats``) through ``api``;
    None: no more."""
    if api is None:
        _INDIRECTION.by_role.pop(role, None)
    else:
        _INDIRECTION.by_role[role] = api
