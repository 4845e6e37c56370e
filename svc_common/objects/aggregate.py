"""Aggregate: a named set of compute hosts with metadata.

The metadata key ``availability_zone`` puts the aggregate's hosts in that zone; a host
in no such aggregate is in ``[DEFAULT]/default_availability_zone``. A host is in one
zone only, and a change that would move a host that runs servers to another zone is
refused, so a server never finds itself in a zone it was not placed in. Those checks run
in the transaction that makes the change. The API and the conductor (the scheduler's
filters) read aggregates; computes never do.
"""
from oslo_db import exception as db_exc
from oslo_utils import uuidutils
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.conf import CONF
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

AZ_KEY = 'availability_zone'
_FIELDS = ('id', 'uuid', 'name', 'created_at', 'updated_at')
_UNSET = object()


def zone_of(zones):
    """The zone of a host in aggregates with ``zones`` (a set; empty: the default)."""
    return ','.join(sorted(zones)) if zones else CONF.default_availability_zone


# -- SQL ------------------------------------------------------------------------------
def _row(context, aggregate_id):
    row = context.session.get(models.Aggregate, aggregate_id)
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _details(context, rows):
    """[(row, [hosts], {metadata})] for aggregate rows, in two queries."""
    ids = [row.id for row in rows]
    hosts = {i: [] for i in ids}
    metadata = {i: {} for i in ids}
    if ids:
        for h in context.session.query(models.AggregateHost).filter(
                models.AggregateHost.aggregate_id.in_(ids)).order_by(models.AggregateHost.id):
            hosts[h.aggregate_id].append(h.host)
        for m in context.session.query(models.AggregateMetadata).filter(
                models.AggregateMetadata.aggregate_id.in_(ids)):
            metadata[m.aggregate_id][m.key] = m.value
    return [(row, hosts[row.id], metadata[row.id]) for row in rows]


def _zones_by_host(context, hosts=None, excluding=None):
    """{host: {zones of its aggregates}} (hosts in no zoned aggregate are left out),
    leaving out aggregate ``excluding``."""
    query = context.session.query(models.AggregateHost.host, models.AggregateMetadata.value) \
        .join(models.AggregateMetadata,
              models.AggregateMetadata.aggregate_id == models.AggregateHost.aggregate_id) \
        .filter(models.AggregateMetadata.key == AZ_KEY)
    if hosts is not None:
        query = query.filter(models.AggregateHost.host.in_(hosts))
    if excluding is not None:
        query = query.filter(models.AggregateHost.aggregate_id != excluding)
    zones = {}
    for host, zone in query:
        zones.setdefault(host, set()).add(zone)
    return zones


def _hosts_of(context, aggregate_id):
    return [h for (h,) in context.session.query(models.AggregateHost.host).filter_by(
        aggregate_id=aggregate_id)]


def _check_zone_change(context, aggregate_id, host, zone_before, zone_after, action):
    """Refuse a change that leaves ``host`` in two zones, or moves a host that runs
    servers to another zone. ``zone_before``/``zone_after``: the zone the aggregate
    gives the host before and after the change (None: none)."""
    others = _zones_by_host(context, [host], excluding=aggregate_id).get(host, set())
    if zone_after and others - {zone_after}:
        raise exception.InvalidAggregateAction(
            action=action, aggregate_id=aggregate_id,
            reason='host %s is in availability zone %s by another aggregate' % (
                host, zone_of(others)))
    before = zone_of(others | ({zone_before} if zone_before else set()))
    after = zone_of(others | ({zone_after} if zone_after else set()))
    if before != after and context.session.query(models.Instance.id).filter_by(
            host=host, deleted=0).first() is not None:
        raise exception.InvalidAggregateAction(
            action=action, aggregate_id=aggregate_id,
            reason='host %s has servers in availability zone %s; it cannot move to %s' % (
                host, before, after))


def _check_zone_name(zone, aggregate_id, action):
    if zone == CONF.internal_service_availability_zone:
        raise exception.InvalidAggregateAction(
            action=action, aggregate_id=aggregate_id,
            reason='the availability zone %s is reserved for internal services' % zone)


def _set_zone(context, row, zone, action):
    """Give aggregate ``row`` the zone ``zone`` (None: none), with the checks."""
    current = context.session.query(models.AggregateMetadata).filter_by(
        aggregate_id=row.id, key=AZ_KEY).first()
    old = current.value if current else None
    if zone == old:
        return
    _check_zone_name(zone, row.id, action)
    for host in _hosts_of(context, row.id):
        _check_zone_change(context, row.id, host, old, zone, action)
    if zone is None:
        context.session.delete(current)
    elif current is None:
        context.session.add(models.AggregateMetadata(aggregate_id=row.id, key=AZ_KEY,
                                                     value=zone))
    else:
        current.value = zone


def _flush(context, row, on_duplicate):
    """Stamp and flush a change of aggregate ``row``; ``on_duplicate`` is raised when a
    unique key refuses it (a taken name, or a racing change)."""
    row.updated_at = base.utcnow()
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise on_duplicate


def _raced(aggregate_id):
    return exception.Conflict(reason='aggregate %s was changed concurrently; try again'
                                     % aggregate_id)


@db_api.writer
def _create(context, name, zone):
    row = models.Aggregate(uuid=uuidutils.generate_uuid(), name=name)
    context.session.add(row)
    _flush(context, row, exception.AggregateNameExists(aggregate_name=name))
    if zone is not None:
        _set_zone(context, row, zone, 'create')
        context.session.flush()
    return _details(context, [row])[0]


@db_api.writer
def _update(context, aggregate_id, name, zone):
    row = _row(context, aggregate_id)
    if name is not _UNSET:
        row.name = name
    if zone is not _UNSET:
        _set_zone(context, row, zone, 'update')
    _flush(context, row, exception.AggregateNameExists(aggregate_name=row.name))
    return _details(context, [row])[0]


@db_api.writer
def _update_metadata(context, aggregate_id, changes):
    row = _row(context, aggregate_id)
    if AZ_KEY in changes:
        _set_zone(context, row, changes[AZ_KEY], 'update metadata of')
    for key, value in changes.items():
        if key == AZ_KEY:
            continue
        item = context.session.query(models.AggregateMetadata).filter_by(
            aggregate_id=aggregate_id, key=key).first()
        if value is None:
            if item is not None:
                context.session.delete(item)
        elif item is None:
            context.session.add(models.AggregateMetadata(aggregate_id=aggregate_id, key=key,
                                                         value=value))
        else:
            item.value = value
    _flush(context, row, _raced(aggregate_id))
    return _details(context, [row])[0]


def _zone_of_aggregate(context, aggregate_id):
    item = context.session.query(models.AggregateMetadata).filter_by(
        aggregate_id=aggregate_id, key=AZ_KEY).first()
    return item.value if item else None


@db_api.writer
def _add_host(context, aggregate_id, host):
    row = _row(context, aggregate_id)
    if host in _hosts_of(context, aggregate_id):
        raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host)
    _check_zone_change(context, aggregate_id, host, None,
                       _zone_of_aggregate(context, aggregate_id), 'add host to')
    context.session.add(models.AggregateHost(aggregate_id=aggregate_id, host=host))
    _flush(context, row, exception.AggregateHostExists(aggregate_id=aggregate_id, host=host))
    return _details(context, [row])[0]


@db_api.writer
def _remove_host(context, aggregate_id, host):
    row = _row(context, aggregate_id)
    item = context.session.query(models.AggregateHost).filter_by(
        aggregate_id=aggregate_id, host=host).first()
    if item is None:
        raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
    _check_zone_change(context, aggregate_id, host,
                       _zone_of_aggregate(context, aggregate_id), None, 'remove host from')
    context.session.delete(item)
    _flush(context, row, _raced(aggregate_id))
    return _details(context, [row])[0]


@db_api.writer
def _destroy(context, aggregate_id):
    row = _row(context, aggregate_id)
    if _hosts_of(context, aggregate_id):
        raise exception.InvalidAggregateAction(action='delete', aggregate_id=aggregate_id,
                                               reason='it still has hosts')
    context.session.query(models.AggregateMetadata).filter_by(
        aggregate_id=aggregate_id).delete(synchronize_session=False)
    context.session.delete(row)


@db_api.reader
def _get(context, aggregate_id):
    return _details(context, [_row(context, aggregate_id)])[0]


@db_api.reader
def _get_all(context, host=None):
    query = context.session.query(models.Aggregate)
    if host is not None:
        query = query.join(models.AggregateHost,
                           models.AggregateHost.aggregate_id == models.Aggregate.id).filter(
            models.AggregateHost.host == host)
    return _details(context, query.order_by(models.Aggregate.id).all())


_METADATA_BY_HOST = sa.select(
    models.AggregateHost.host, models.AggregateHost.aggregate_id,
    models.AggregateMetadata.key, models.AggregateMetadata.value).join(
    models.AggregateMetadata,
    models.AggregateMetadata.aggregate_id == models.AggregateHost.aggregate_id).order_by(
    models.AggregateHost.host, models.AggregateHost.aggregate_id)


@db_api.reader
def _metadata_by_host(context):
    rows = context.session.connection().execute(_METADATA_BY_HOST)
    by_host = {}
    for host, aggregate_id, key, value in rows:
        by_host.setdefault(host, {}).setdefault(aggregate_id, {})[key] = value
    return {host: list(of.values()) for host, of in by_host.items()}


# -- objects --------------------------------------------------------------------------
@base.NimbusObjectRegistry.register
class Aggregate(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'name': fields.StringField(),
        'hosts': fields.ListOfStringsField(default=[]),
        'metadata': fields.DictOfStringsField(default={}),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @property
    def availability_zone(self):
        return self.metadata.get(AZ_KEY)

    @staticmethod
    def _from_db_object(context, aggregate, details):
        row, hosts, metadata = details
        base.copy_db_fields(aggregate, row, _FIELDS)
        aggregate.hosts = hosts
        aggregate.metadata = metadata
        aggregate.obj_reset_changes()
        aggregate._context = context
        return aggregate

    def _load(self, details):
        return self._from_db_object(self._context, self, details)

    @classmethod
    def get_by_id(cls, context, aggregate_id):
        return cls._from_db_object(context, cls(), _get(context, aggregate_id))

    @classmethod
    def create(cls, context, name, availability_zone=None):
        """A new aggregate; AggregateNameExists if the name is taken."""
        return cls._from_db_object(context, cls(), _create(context, name, availability_zone))

    def update(self, name=_UNSET, availability_zone=_UNSET):
        """Rename and/or rezone (None: no zone); arguments left out stay."""
        return self._load(_update(self._context, self.id, name, availability_zone))

    def update_metadata(self, changes):
        """Set the keys of ``changes``; a None value removes its key."""
        return self._load(_update_metadata(self._context, self.id, changes))

    def add_host(self, host):
        return self._load(_add_host(self._context, self.id, host))

    def remove_host(self, host):
        return self._load(_remove_host(self._context, self.id, host))

    def destroy(self):
        """Delete an aggregate without hosts (InvalidAggregateAction otherwise)."""
        _destroy(self._context, self.id)


@base.NimbusObjectRegistry.register
class AggregateList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('Aggregate')}

    @classmethod
    def get_all(cls, context):
        return base.make_list(context, cls(context), Aggregate, _get_all(context))

    @classmethod
    def get_by_host(cls, context, host):
        return base.make_list(context, cls(context), Aggregate, _get_all(context, host))


def metadata_by_host(context):
    """{host: [the metadata of each aggregate it is in that has any]}, in one query:
    what the scheduler's filters read of aggregates."""
    return _metadata_by_host(context)


# -- every host's zone: a statement built once ------------------------------------------
_HOST_ZONE_ROWS = sa.select(models.AggregateHost.host, models.AggregateMetadata.value).join(
    models.AggregateMetadata,
    models.AggregateMetadata.aggregate_id == models.AggregateHost.aggregate_id).where(
    models.AggregateMetadata.key == AZ_KEY)


@db_api.reader
def _host_zone_rows(context):
    return context.session.connection().execute(_HOST_ZONE_ROWS).all()


def host_zones(context):
    """{host: zone} of the hosts aggregates put in a zone; others are in the default
    zone (``zone_of(set())``). From a statement built once: what every server body
    with a host reads."""
    zones = {}
    for host, zone in _host_zone_rows(context):
        zones.setdefault(host, set()).add(zone)
    return {host: zone_of(of_host) for host, of_host in zones.items()}
