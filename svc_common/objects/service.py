import collections
import datetime

from oslo_db import exception as db_exc
from oslo_utils import uuidutils
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import conditions
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

_FIELDS = ('id', 'uuid', 'host', 'binary', 'topic', 'report_count', 'disabled',
           'disabled_reason', 'forced_down', 'last_seen_up', 'version', 'created_at',
           'updated_at', 'deleted_at', 'deleted')


def up_cutoff(down_time, now=None):
    """The earliest last_seen_up (aware UTC) of a service up at ``now`` (default: now):
    seen within ``down_time`` seconds."""
    return (now or datetime.datetime.now(datetime.timezone.utc)) - datetime.timedelta(
        seconds=down_time)


def seen_since(last_seen_up, cutoff):
    """Whether a service last seen at ``last_seen_up`` (None: never) is up, seen at or
    after ``cutoff`` (from up_cutoff)."""
    return last_seen_up is not None and last_seen_up >= cutoff


def _query(context):
    return context.session.query(models.Service).filter_by(deleted=0)


@db_api.reader
def _service_get(context, **by):
    row = _query(context).filter_by(**by).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=by)
    return row


@db_api.writer
def _service_create(context, values):
    row = models.Service(uuid=uuidutils.generate_uuid(), **values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.ServiceExists(host=values['host'], binary=values['binary'])
    return row


@db_api.writer
def _service_update(context, service_id, values):
    row = _query(context).filter_by(id=service_id).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return base.update_row(context, row, values)


@db_api.writer
def _service_heartbeat(context, service_id):
    now = base.utcnow()
    count = _query(context).filter_by(id=service_id).update(
        {'report_count': models.Service.report_count + 1, 'last_seen_up': now},
        synchronize_session=False)
    if not count:
        raise exception.ServiceNotFound(service_id=service_id)
    return _query(context).filter_by(id=service_id).one()


@db_api.writer
def _services_seen(context, seen):
    """Record heartbeats: ``seen`` is {service id: when it was seen up (naive UTC)}.

    One UPDATE per distinct second among the times (usually one or two for a batch),
    never moving last_seen_up backwards, and leaving updated_at alone: it changes only
    when a service changes (disabled, forced down, created, deleted), which is what the
    scheduler's view of the hosts re-reads."""
    table = models.Service.__table__
    by_second = collections.defaultdict(list)
    for service_id, when in seen.items():
        by_second[base.naive(when).replace(microsecond=0)].append(service_id)
    updated = 0
    for when, ids in sorted(by_second.items()):
        updated += context.session.execute(table.update().where(
            table.c.id.in_(sorted(ids)), table.c.deleted == 0,
            sa.or_(table.c.last_seen_up.is_(None), table.c.last_seen_up < when)).values(
            report_count=table.c.report_count + 1, last_seen_up=when,
            updated_at=table.c.updated_at)).rowcount
    return updated


@db_api.writer
def _service_destroy(context, service_id):
    row = _query(context).filter_by(id=service_id).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    row.deleted, row.deleted_at = row.id, base.utcnow()


@db_api.reader
def _service_get_all(context, filters):
    query = _query(context)
    for key in ('host', 'binary', 'topic'):
        if filters.get(key):
            query = query.filter_by(**{key: filters[key]})
    if filters.get('disabled') is not None:
        query = query.filter_by(disabled=filters['disabled'])
    return query.order_by(models.Service.id).all()


_SERVICES = models.Service.__table__
# Built once: the live services of a topic on some hosts.
_OF_HOSTS = sa.select(_SERVICES).where(
    _SERVICES.c.host.in_(sa.bindparam('hosts', expanding=True)),
    _SERVICES.c.topic == sa.bindparam('topic'), _SERVICES.c.deleted == 0).order_by(
    _SERVICES.c.id)


@db_api.reader
def _services_of_hosts(context, hosts, topic):
    return context.session.connection().execute(_OF_HOSTS, {'hosts': hosts,
                                                            'topic': topic}).all()


def services_by_host(context, hosts, topic):
    """{host: its first service of ``topic``} of ``hosts`` (a host without one left out),
    in one query built once: what a server list shows of its hosts."""
    found = {}
    for row in _services_of_hosts(context, list(hosts), topic) if hosts else ():
        found.setdefault(row.host, row)
    return {host: Service._from_db_object(context, Service(), row)
            for host, row in found.items()}


def _changed_since():
    services = models.Service
    since = sa.bindparam('since', type_=services.updated_at.type)
    return sa.select(services).where(services.binary == sa.bindparam('binary'),
                                     conditions.changed_since(services, since)).order_by(
        services.id)


_CHANGED_SINCE = _changed_since()


@db_api.reader
def _service_get_changed(context, binary, since):
    return context.session.execute(_CHANGED_SINCE,
                                   {'binary': binary, 'since': since}).scalars().all()


@db_api.reader
def _service_last_seen(context, binary):
    services = models.Service
    return dict(context.session.query(services.id, services.last_seen_up).filter(
        services.binary == binary, services.deleted == 0))


@base.NimbusObjectRegistry.register
class Service(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'host': fields.StringField(),
        'binary': fields.StringField(),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.IntegerField(default=0),
        'disabled': fields.BooleanField(default=False),
        'disabled_reason': fields.StringField(nullable=True),
        'forced_down': fields.BooleanField(default=False),
        'last_seen_up': fields.DateTimeField(nullable=True),
        'version': fields.IntegerField(default=0),
    })

    @staticmethod
    def _from_db_object(context, service, row):
        base.copy_db_fields(service, row, _FIELDS)
        service._context = context
        return service

    @base.remotable_classmethod
    def get_by_host_and_binary(cls, context, host, binary):
        return cls._from_db_object(context, cls(), _service_get(context, host=host,
                                                                binary=binary))

    @base.remotable_classmethod
    def get_by_id(cls, context, service_id):
        return cls._from_db_object(context, cls(), _service_get(context, id=service_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, service_uuid):
        return cls._from_db_object(context, cls(), _service_get(context, uuid=service_uuid))

    @base.remotable
    def create(self):
        changes = self.obj_get_changes()
        self._from_db_object(self._context, self, _service_create(self._context, changes))

    @base.remotable
    def save(self):
        changes = {k: base.naive(v) for k, v in self.obj_get_changes().items()}
        if changes:
            self._from_db_object(self._context, self,
                                 _service_update(self._context, self.id, changes))

    @base.remotable
    def heartbeat(self):
        self._from_db_object(self._context, self, _service_heartbeat(self._context, self.id))

    @staticmethod
    def record_heartbeats(context, seen):
        """Mark services seen up, {service id: when}, in one transaction (a conductor
        folding the heartbeats it received); the rows it updated."""
        return _services_seen(context, seen) if seen else 0

    @base.remotable
    def destroy(self):
        _service_destroy(self._context, self.id)

    def is_up(self, down_time, now=None):
        """Up when not forced down and seen within ``down_time`` seconds."""
        return not self.forced_down and seen_since(self.last_seen_up,
                                                   up_cutoff(down_time, now))


@base.NimbusObjectRegistry.register
class ServiceList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('Service')}

    @base.remotable_classmethod
    def get_all(cls, context, filters=None):
        return base.make_list(context, cls(context), Service,
                              _service_get_all(context, filters or {}))

    @classmethod
    def get_changed_since(cls, context, binary, since):
        """The services of ``binary`` created or changed (disabled, forced down,
        deleted: not a heartbeat) at or after ``since`` (naive UTC), deleted ones
        included."""
        return base.make_list(context, cls(context), Service,
                              _service_get_changed(context, binary, since))

    @staticmethod
    def last_seen(context, binary):
        """{service id: last_seen_up (naive UTC or None)} of the services of ``binary``."""
        return _service_last_seen(context, binary)
