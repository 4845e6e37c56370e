"""Network and FixedIP: the operator's flat IPv4 networks (``nimbus-manage network``)
and the addresses instances hold on them, as nova-network's flat manager had them.

A network is shared by every project, or one project's own (``project_id``). A fixed IP
is one instance's address and MAC on one network. Allocating is a compare-and-swap: the
row's unique keys let one insert win an address (and one allocation per instance and
network, so a repeated or concurrent allocation for the same instance finds the winner's
row instead of taking a second address). The transaction that allocates locks the
instance's row and the network's first, so a delete of either waits for it and then
sees the new address (a deleted instance's addresses go in the transaction that deletes
it, ``Instance.destroy``; a network with addresses is not deleted).
"""
import ipaddress
import random

from oslo_db import exception as db_exc
from oslo_utils import uuidutils
from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

_FIELDS = ('id', 'uuid', 'label', 'cidr', 'gateway', 'bridge', 'project_id',
           'created_at', 'updated_at', 'deleted_at', 'deleted')
_FIXED_IP_FIELDS = ('id', 'address', 'instance_uuid', 'mac_address', 'created_at',
                    'updated_at')
MAC_PREFIX = 'fa:16:3e'  # the locally administered prefix OpenStack has always used
_ATTEMPTS = 20  # inserts lost to concurrent allocations before giving up
_BRIDGE_NAME_MAX = 15  # Linux's IFNAMSIZ - 1


def check_values(cidr, gateway=None, bridge=None):
    """(cidr, gateway) in canonical form, the gateway defaulting to the first host;
    InvalidNetwork for an address range guests cannot use."""
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as error:
        raise exception.InvalidNetwork(reason='%s is not an IPv4 CIDR (%s)' % (cidr, error))
    if network.prefixlen > 30:
        raise exception.InvalidNetwork(reason='%s has no room for guests: use a /30 or '
                                              'larger' % cidr)
    hosts = network.hosts()
    if gateway is None:
        gateway = next(hosts)
    else:
        try:
            gateway = ipaddress.IPv4Address(gateway)
        except ValueError:
            raise exception.InvalidNetwork(reason='gateway %s is not an IPv4 address'
                                           % gateway)
        if gateway not in network or gateway in (network.network_address,
                                                 network.broadcast_address):
            raise exception.InvalidNetwork(reason='gateway %s is not a host of %s'
                                           % (gateway, cidr))
    if bridge is not None and not (0 < len(bridge) <= _BRIDGE_NAME_MAX and
                                   bridge.replace('-', '').replace('_', '').isalnum()):
        raise exception.InvalidNetwork(reason='bridge %r is not an interface name' % bridge)
    return str(network), str(gateway)


def _live_networks(context):
    return context.session.query(models.Network).filter_by(deleted=0)


def _visible_to(query, project_id):
    model = models.Network
    return query.filter((model.project_id.is_(None)) | (model.project_id == project_id))


@db_api.writer
def _network_create(context, values):
    row = models.Network(**values)
    context.session.add(row)
    context.session.flush()
    return row


@db_api.reader
def _network_get(context, uuid):
    row = _live_networks(context).filter_by(uuid=uuid).first()
    if row is None:
        raise exception.NetworkNotFound(network_id=uuid)
    return row


@db_api.reader
def _networks_get(context, project_id, all_projects):
    query = _live_networks(context)
    if not all_projects:
        query = _visible_to(query, project_id)
    return query.order_by(models.Network.id).all()


@db_api.writer
def _network_destroy(context, uuid):
    """Soft-delete the network unless it has addresses. The UPDATE comes first: it
    locks the row, so an allocation in progress finishes before we count (and is
    counted), and one that starts later finds the network gone."""
    row = _network_get(context, uuid)
    now = base.utcnow()
    values = {'deleted': row.id, 'deleted_at': now, 'updated_at': now}
    count = _live_networks(context).filter_by(id=row.id).update(values,
                                                                synchronize_session=False)
    if not count:
        raise exception.NetworkNotFound(network_id=uuid)
    allocated = context.session.query(models.FixedIP).filter_by(network_id=row.id).count()
    if allocated:
        raise exception.NetworkInUse(network_id=uuid, count=allocated)
    return base.written(context.session, row, values)


def _fixed_ips_query(context):
    return context.session.query(models.FixedIP, models.Network).join(
        models.Network, models.FixedIP.network_id == models.Network.id)


def _free_address(network_row, used):
    network = ipaddress.IPv4Network(network_row.cidr)
    taken = set(used) | {network_row.gateway}
    for address in network.hosts():
        if str(address) not in taken:
            return str(address)
    raise exception.NoMoreFixedIps(net=network_row.uuid)


def _random_mac():
    return '%s:%02x:%02x:%02x' % (MAC_PREFIX, random.randrange(256), random.randrange(256),
                                  random.randrange(256))


@db_api.writer
def _allocate_once(context, network_uuid, instance_uuid):
    """One attempt: the instance's row on the network, or a new one. Raises
    DBDuplicateEntry when a concurrent allocation won a key first."""
    session = context.session
    instance = session.query(models.Instance.id).filter_by(
        uuid=instance_uuid, deleted=0).with_for_update().first()
    if instance is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    network = _live_networks(context).filter_by(uuid=network_uuid).with_for_update().first()
    if network is None:
        raise exception.NetworkNotFound(network_id=network_uuid)
    found = _fixed_ips_query(context).filter(
        models.FixedIP.network_id == network.id,
        models.FixedIP.instance_uuid == instance_uuid).first()
    if found is not None:
        return found
    used = [address for address, in session.query(models.FixedIP.address).filter_by(
        network_id=network.id)]
    row = models.FixedIP(network_id=network.id, instance_uuid=instance_uuid,
                         address=_free_address(network, used), mac_address=_random_mac())
    session.add(row)
    session.flush()
    return row, network


@db_api.reader
def _fixed_ips_of(context, instance_uuids):
    return _fixed_ips_query(context).filter(
        models.FixedIP.instance_uuid.in_(instance_uuids)).order_by(
        models.FixedIP.instance_uuid, models.FixedIP.id).all()


@db_api.reader
def _instances_with_address(context, matches, project_id):
    """The uuids of the instances holding an address for which ``matches`` is true."""
    query = context.session.query(models.FixedIP.instance_uuid, models.FixedIP.address)
    if project_id is not None:
        query = query.join(models.Instance,
                           models.Instance.uuid == models.FixedIP.instance_uuid).filter(
            models.Instance.project_id == project_id)
    return sorted({uuid for uuid, address in query if matches(address)})


@db_api.writer
def release(context, instance_uuid):
    """Delete the instance's addresses; the number released. Called inside the
    instance's deleting transaction (``Instance.destroy``), and safe to call again."""
    return context.session.query(models.FixedIP).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)


@base.NimbusObjectRegistry.register
class Network(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'label': fields.StringField(),
        'cidr': fields.StringField(),
        'gateway': fields.StringField(nullable=True),
        'bridge': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
    })

    @staticmethod
    def _from_db_object(context, network, row):
        base.copy_db_fields(network, row, _FIELDS)
        network._context = context
        return network

    # -- derived facts ------------------------------------------------------------------
    @property
    def ip_network(self):
        return ipaddress.IPv4Network(self.cidr)

    @property
    def netmask(self):
        return str(self.ip_network.netmask)

    @property
    def broadcast(self):
        return str(self.ip_network.broadcast_address)

    @property
    def dhcp_start(self):
        """The first address handed to guests (the first host that is not the
        gateway)."""
        return next(str(a) for a in self.ip_network.hosts() if str(a) != self.gateway)

    def visible_to(self, project_id):
        return self.project_id is None or self.project_id == project_id

    # -- persistence --------------------------------------------------------------------
    @base.remotable
    def create(self):
        """Insert the network (a new uuid unless set); InvalidNetwork for a cidr,
        gateway or bridge guests cannot use."""
        cidr, gateway = check_values(self.cidr, self.obj_attr_is_set('gateway') and
                                     self.gateway or None,
                                     self.obj_attr_is_set('bridge') and self.bridge or None)
        values = {'uuid': self.uuid if self.obj_attr_is_set('uuid') else
                  uuidutils.generate_uuid(),
                  'label': self.label, 'cidr': cidr, 'gateway': gateway,
                  'bridge': self.obj_attr_is_set('bridge') and self.bridge or None,
                  'project_id': self.obj_attr_is_set('project_id') and self.project_id
                  or None}
        self._from_db_object(self._context, self, _network_create(self._context, values))

    @base.remotable
    def destroy(self):
        """Delete the network; NetworkInUse while addresses are allocated on it."""
        self._from_db_object(self._context, self, _network_destroy(self._context, self.uuid))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid):
        return cls._from_db_object(context, cls(), _network_get(context, uuid))


@base.NimbusObjectRegistry.register
class NetworkList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('Network')}

    @base.remotable_classmethod
    def get_all(cls, context):
        """Every network, in the order they were created."""
        return base.make_list(context, cls(context), Network,
                              _networks_get(context, None, True))

    @base.remotable_classmethod
    def get_for_project(cls, context, project_id):
        """The networks ``project_id`` may use: the shared ones and its own."""
        return base.make_list(context, cls(context), Network,
                              _networks_get(context, project_id, False))


@base.NimbusObjectRegistry.register
class FixedIP(base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'address': fields.StringField(),
        'instance_uuid': fields.UUIDField(),
        'mac_address': fields.StringField(),
        'network': fields.ObjectField('Network'),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, fixed_ip, row):
        fixed_ip_row, network_row = row
        fixed_ip.network = Network._from_db_object(context, Network(), network_row)
        base.copy_db_fields(fixed_ip, fixed_ip_row, _FIXED_IP_FIELDS)
        fixed_ip._context = context
        return fixed_ip

    @base.remotable_classmethod
    def allocate(cls, context, network_uuid, instance_uuid):
        """The instance's address on the network: the one it holds, else a free one
        taken now. InstanceNotFound once the instance is deleted, NetworkNotFound when
        the network is, NoMoreFixedIps when every address is taken."""
        for _attempt in range(_ATTEMPTS):
            try:
                return cls._from_db_object(context, cls(), _allocate_once(
                    context, network_uuid, instance_uuid))
            except db_exc.DBDuplicateEntry:
                continue  # another allocation won that key: read again and retry
        raise exception.NoMoreFixedIps(net=network_uuid)


@base.NimbusObjectRegistry.register
class FixedIPList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('FixedIP')}

    @base.remotable_classmethod
    def get_by_instance(cls, context, instance_uuid):
        """The instance's addresses, in the order they were allocated."""
        return base.make_list(context, cls(context), FixedIP,
                              _fixed_ips_of(context, [instance_uuid]))

    @base.remotable_classmethod
    def get_by_instances(cls, context, instance_uuids):
        """The addresses of all of ``instance_uuids`` in one query."""
        rows = _fixed_ips_of(context, list(instance_uuids)) if instance_uuids else []
        return base.make_list(context, cls(context), FixedIP, rows)

    @base.remotable_classmethod
    def release_for_instance(cls, context, instance_uuid):
        """Release the instance's addresses (its deletion does it too); the number
        released."""
        return release(context, instance_uuid)


def instances_with_address(context, matches, project_id=None):
    """The uuids of the instances (of ``project_id``, or of all projects) holding an
    address ``matches(address)`` accepts; the API's ``?ip=`` filter."""
    return _instances_with_address(context, matches, project_id)


# -- the API's read of servers' addresses: a statement built once -----------------------
_FIXED_IPS_OF = sa.select(models.FixedIP, models.Network).join(
    models.Network, models.FixedIP.network_id == models.Network.id).where(
    models.FixedIP.instance_uuid.in_(sa.bindparam('instance_uuids', expanding=True))).order_by(
    models.FixedIP.instance_uuid, models.FixedIP.id)


@db_api.reader
def fixed_ip_rows_of(context, instance_uuids):
    """The (FixedIP, Network) rows of ``instance_uuids`` (not empty) by instance, in
    the order they were allocated."""
    return context.session.execute(_FIXED_IPS_OF, {'instance_uuids': instance_uuids}).all()


def fixed_ips_of_instances(context, instance_uuids):
    """FixedIPList.get_by_instances (as a list), from a statement built once: what
    every server body reads."""
    rows = fixed_ip_rows_of(context, list(instance_uuids)) if instance_uuids else []
    return [FixedIP._from_db_object(context, FixedIP(), row) for row in rows]
