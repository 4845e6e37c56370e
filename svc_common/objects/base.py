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
from sqlalchemy.orm import attributes as orm_attributes

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


def copy_db_fields(obj, db_row, names, json_fields=()):
    """Fill ``names`` of ``obj`` from a model row; JSON text columns are decoded."""
    for name in names:
        value = getattr(db_row, name)
        if name in json_fields:
            value = json.loads(value) if value else {}
        elif name == 'deleted':
            value = bool(value)
        elif isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        setattr(obj, name, value)
    obj.obj_reset_changes()
    return obj


def update_row(context, row, values):
    """Apply ``values`` to a model row, stamp updated_at, flush; returns the row."""
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    context.session.flush()
    return row


def written(session, row, values):
    """``row`` as it is after an UPDATE that wrote ``values`` to it: the values become
    its loaded state, so that nothing reads the row again (enum members as the strings
    SQL stores). MySQL's DATETIME drops fractions of a second (rounding or truncating,
    by version): there the row is read again instead. Returns the row."""
    if session.get_bind().dialect.name == 'mysql':
        session.refresh(row)
        return row
    for key, value in values.items():
        orm_attributes.set_committed_value(
            row, key, value.value if isinstance(value, enum.Enum) else value)
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
