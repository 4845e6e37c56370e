from oslo_db import exception as db_exc
from oslo_utils import uuidutils
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import conditions
from svc_common.db import kept
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

_INVENTORY = ('hypervisor_type', 'hypervisor_version', 'host_ip', 'vcpus', 'memory_mb',
              'local_gb', 'cpu_allocation_ratio', 'ram_allocation_ratio',
              'disk_allocation_ratio', 'reserved_host_memory_mb', 'reserved_host_disk_mb')
_FIELDS = ('id', 'uuid', 'host', 'hypervisor_hostname', 'generation', 'created_at',
           'updated_at', 'deleted_at', 'deleted') + _INVENTORY


# What a node's schedulable capacity is made of (``capacity_of``).
CAPACITY_COLUMNS = ('vcpus', 'memory_mb', 'local_gb', 'cpu_allocation_ratio',
                    'ram_allocation_ratio', 'disk_allocation_ratio',
                    'reserved_host_memory_mb', 'reserved_host_disk_mb')


def capacity_of(node):
    """Schedulable amount of each resource class of ``node`` (anything with the
    ``CAPACITY_COLUMNS`` as attributes: a ComputeNode, a row), after reservations and
    ratios."""
    return {
        'VCPU': int(node.vcpus * node.cpu_allocation_ratio),
        'MEMORY_MB': int((node.memory_mb - node.reserved_host_memory_mb)
                         * node.ram_allocation_ratio),
        'DISK_GB': int((node.local_gb - node.reserved_host_disk_mb // 1024)
                       * node.disk_allocation_ratio),
    }


def _query(context):
    return context.session.query(models.ComputeNode).filter_by(deleted=0)


@db_api.reader
def _node_get(context, **by):
    row = kept.first_row(context.session, models.ComputeNode, by)
    if row is None:
        raise exception.ComputeNodeNotFound(node=by)
    return row


def node_row(context, host, nodename):
    """The row of the node ``nodename`` of ``host`` (ComputeNodeNotFound)."""
    return _node_get(context, host=host, hypervisor_hostname=nodename)


@db_api.writer
def _node_upsert(context, host, nodename, inventory):
    """Create the node or update its inventory; a changed inventory bumps the generation
    so that a claim computed against the old one cannot commit. An unchanged one writes
    nothing: updated_at tells the schedulers' host views what to read again."""
    row = _query(context).filter_by(host=host, hypervisor_hostname=nodename).first()
    if row is None:
        row = models.ComputeNode(uuid=uuidutils.generate_uuid(), host=host,
                                 hypervisor_hostname=nodename, generation=0, **inventory)
        context.session.add(row)
        try:
            context.session.flush()
        except db_exc.DBDuplicateEntry:
            context.session.rollback()
            raise exception.Conflict(reason='compute node %s created concurrently' % nodename)
        return row
    if any(getattr(row, k) != v for k, v in inventory.items()):
        for key, value in inventory.items():
            setattr(row, key, value)
        row.generation += 1
        row.updated_at = base.utcnow()
        context.session.flush()
    return row


@db_api.writer
def _node_destroy(context, node_id):
    row = _query(context).filter_by(id=node_id).first()
    if row is not None:
        row.deleted, row.deleted_at = row.id, base.utcnow()


@db_api.reader
def _node_get_all(context, host):
    query = _query(context)
    if host is not None:
        query = query.filter_by(host=host)
    return query.order_by(models.ComputeNode.id).all()


def _changed_since():
    nodes = models.ComputeNode.__table__
    since = sa.bindparam('since', type_=nodes.c.updated_at.type)
    return sa.select(nodes).where(conditions.changed_since(nodes.c, since)).order_by(nodes.c.id)


_CHANGED_SINCE = _changed_since()


@db_api.reader
def _node_get_changed(context, since):
    """Rows (plain, not loaded into the session: the caller keeps few of them)."""
    return context.session.connection().execute(_CHANGED_SINCE, {'since': since}).all()


def _unchanged(node, row):
    """Whether ``row`` is ``node`` as already read: every change of a node (its
    inventory, a claim, a release, its deletion) moves its updated_at, and a claim
    its generation too. (Where timestamps keep whole seconds only, MySQL, a release
    in the second of the previous read can go unnoticed: a node then looks fuller than
    it is until it changes again.)"""
    return (node is not None and not row.deleted and row.generation == node.generation
            and _naive(node.updated_at) == row.updated_at)


def _naive(when):
    return when.replace(tzinfo=None) if when is not None else None


@base.NimbusObjectRegistry.register
class ComputeNode(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'host': fields.StringField(),
        'hypervisor_hostname': fields.StringField(),
        'hypervisor_type': fields.StringField(),
        'hypervisor_version': fields.IntegerField(default=0),
        'host_ip': fields.StringField(nullable=True),
        'vcpus': fields.IntegerField(),
        'memory_mb': fields.IntegerField(),
        'local_gb': fields.IntegerField(),
        'cpu_allocation_ratio': fields.FloatField(),
        'ram_allocation_ratio': fields.FloatField(),
        'disk_allocation_ratio': fields.FloatField(),
        'reserved_host_memory_mb': fields.IntegerField(default=0),
        'reserved_host_disk_mb': fields.IntegerField(default=0),
        'generation': fields.IntegerField(default=0),
    })

    @staticmethod
    def _from_db_object(context, node, row):
        base.copy_db_fields(node, row, _FIELDS)
        node._context = context
        return node

    @base.remotable_classmethod
    def get_by_host_and_nodename(cls, context, host, nodename):
        return cls._from_db_object(context, cls(), node_row(context, host, nodename))

    @base.remotable_classmethod
    def get_by_id(cls, context, node_id):
        return cls._from_db_object(context, cls(), _node_get(context, id=node_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, node_uuid):
        return cls._from_db_object(context, cls(), _node_get(context, uuid=node_uuid))

    @base.remotable
    def update_inventory(self):
        """Create or update this node's row from the fields set on it."""
        inventory = {k: getattr(self, k) for k in _INVENTORY if self.obj_attr_is_set(k)}
        row = _node_upsert(self._context, self.host, self.hypervisor_hostname, inventory)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        _node_destroy(self._context, self.id)

    def capacity(self):
        """Schedulable amount of each resource class, after reservations and ratios."""
        return capacity_of(self)


@base.NimbusObjectRegistry.register
class ComputeNodeList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('ComputeNode')}

    @base.remotable_classmethod
    def get_all(cls, context, host=None):
        return base.make_list(context, cls(context), ComputeNode, _node_get_all(context, host))

    @classmethod
    def get_changed_since(cls, context, since, known=None):
        """The nodes created or changed (inventory, a claim, a release, a deletion) at
        or after ``since`` (naive UTC), deleted ones included (``deleted`` set);
        ``known``: {node id: ComputeNode} the caller holds, left out where they have not
        changed since they were read."""
        rows = _node_get_changed(context, since)
        if known:
            rows = [row for row in rows if not _unchanged(known.get(row.id), row)]
        return base.make_list(context, cls(context), ComputeNode, rows)
