"""Resource claims: rows (consumer, compute node, resource class, amount).

A claim commits only together with a bump of the node's generation from the value the
scheduler read, so two conductors deciding at once cannot both fill the same space.
"""
import random
import time

from oslo_versionedobjects import fields
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import kept
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base
from svc_common.objects import compute_node as node_obj

RESOURCE_CLASSES = ('VCPU', 'MEMORY_MB', 'DISK_GB')


def backoff(attempt):
    """Sleep a little after losing a generation race: random, growing with ``attempt``,
    so that claimers who collided do not collide again in lockstep."""
    time.sleep(random.uniform(0, 0.005 * min(2 ** attempt, 64)))


def resources_for_flavor(flavor):
    """The claim amounts a flavor needs."""
    return {'VCPU': flavor.vcpus, 'MEMORY_MB': flavor.memory_mb,
            'DISK_GB': flavor.root_gb + flavor.ephemeral_gb + (flavor.swap + 1023) // 1024}


# The claims' statements: built once (per shape), run with each call's values bound.
_CLAIMS = models.ResourceClaim.__table__
_NODES = models.ComputeNode.__table__
_C, _N = _CLAIMS.c, _NODES.c

# What a node can hold (compute_node.capacity_of), its host and generation.
_NODE_FOR_CLAIM = sa.select(
    _N.host, _N.generation, *(_N[name] for name in node_obj.CAPACITY_COLUMNS)).where(
    _N.id == sa.bindparam('node_id'))
# ({resource class: amount claimed on the node}, {...: amount the consumer holds there}).
_NODE_USAGE_AND_MINE = sa.select(
    _C.resource_class, sa.func.sum(_C.amount),
    sa.func.sum(sa.case((_C.consumer_uuid == sa.bindparam('consumer'), _C.amount),
                        else_=0))).where(
    _C.compute_node_id == sa.bindparam('node_id')).group_by(_C.resource_class)
# One INSERT of every class's row (executemany; the ORM's flush: one a row).
_INSERT_CLAIMS = sa.insert(_CLAIMS)
_CLAIMS_OF = sa.select(_CLAIMS).where(
    _C.consumer_uuid == sa.bindparam('consumer')).order_by(_C.id)


def _bump(exact):
    """UPDATE bumping the generation of the node ``node_id`` (not deleted); ``exact``:
    only at ``generation``."""
    def build():
        where = [_N.id == sa.bindparam('node_id'), _N.deleted == 0]
        if exact:
            where.append(_N.generation == sa.bindparam('generation'))
        return sa.update(_NODES).where(*where).values(generation=_N.generation + 1)
    return kept.statement(('claim.bump', exact), build)


def _of_consumer(consumer, node_id, keep_node_id):
    """The WHERE of a consumer's claims (on ``node_id`` / not on ``keep_node_id`` if
    given), and its bind parameters. ``consumer`` is a uuid, or a scalar subquery (a
    clause) that selects one: the clause is built into the statement, which is then
    not kept (its text follows the clause)."""
    params = {}
    if isinstance(consumer, str):
        where, params['consumer'] = [_C.consumer_uuid == sa.bindparam('consumer')], consumer
    else:
        where = [_C.consumer_uuid == consumer]
    if node_id is not None:
        where.append(_C.compute_node_id == sa.bindparam('node_id'))
        params['node_id'] = node_id
    if keep_node_id is not None:
        where.append(_C.compute_node_id != sa.bindparam('keep_node_id'))
        params['keep_node_id'] = keep_node_id
    return where, params


def _on_claims(name, build, consumer, node_id=None, keep_node_id=None):
    """(``build(where)``, its bind parameters) for the claims ``_of_consumer`` names;
    kept per shape when ``consumer`` is a uuid."""
    where, params = _of_consumer(consumer, node_id, keep_node_id)
    if not isinstance(consumer, str):
        return build(where), params
    shape = (name, node_id is not None, keep_node_id is not None)
    return kept.statement(shape, lambda: build(where)), params


def _run(session, statement, params):
    return session.connection().execute(statement, params)


def _usage_statement(filtered):
    def build():
        statement = sa.select(_C.compute_node_id, _C.resource_class,
                              sa.func.sum(_C.amount)).group_by(_C.compute_node_id,
                                                               _C.resource_class)
        if filtered:
            statement = statement.where(
                _C.compute_node_id.in_(sa.bindparam('node_ids', expanding=True)))
        return statement
    return kept.statement(('claim.usage', filtered), build)


def _usage_query(session, node_ids=None):
    params = {} if node_ids is None else {'node_ids': list(node_ids)}
    usage = {}
    for node_id, rc, amount in session.connection().execute(
            _usage_statement(node_ids is not None), params):
        usage.setdefault(node_id, {})[rc] = int(amount or 0)
    return usage


@db_api.reader
def _usage(context, node_ids):
    return _usage_query(context.session, node_ids)


@db_api.writer
def _claim(context, consumer_uuid, node_id, resources, generation):
    exact = generation is not None
    params = {'node_id': node_id, 'generation': generation} if exact else {'node_id': node_id}
    bumped = context.session.connection().execute(_bump(exact), params).rowcount
    if bumped != 1:
        raise exception.ClaimConflict(node=node_id)
    # The node row is now locked by this transaction (the UPDATE took its row lock; on
    # SQLite the transaction holds the write lock): another claimer on this node waits
    # here until we commit, so the usage read below is exact.
    connection = context.session.connection()
    node = connection.execute(_NODE_FOR_CLAIM, {'node_id': node_id}).one()
    used, mine = _node_usage_and_mine(connection, node_id, consumer_uuid)
    capacity = node_obj.capacity_of(node)
    for rc, amount in resources.items():
        extra = amount - mine.get(rc, 0)
        free = capacity[rc] - used.get(rc, 0)
        if extra > 0 and extra > free:
            raise exception.InsufficientResources(host=node.host, resource=rc,
                                                  requested=amount, free=free)
    if mine:
        _consumer_delete(context.session, consumer_uuid, node_id)
    now = base.utcnow()
    rows = [{'consumer_uuid': consumer_uuid, 'compute_node_id': node_id,
             'resource_class': rc, 'amount': amount, 'created_at': now}
            for rc, amount in resources.items() if amount]
    if rows:
        connection.execute(_INSERT_CLAIMS, rows)
    return node.generation


def _node_usage_and_mine(connection, node_id, consumer_uuid):
    """({resource class: amount claimed on the node}, {resource class: amount the
    consumer holds there}), in one query."""
    used, mine = {}, {}
    for rc, amount, held in connection.execute(
            _NODE_USAGE_AND_MINE, {'node_id': node_id, 'consumer': consumer_uuid}):
        used[rc] = int(amount or 0)
        if held:
            mine[rc] = int(held)
    return used, mine


def _consumer_delete(session, consumer_uuid, node_id=None, keep_node_id=None):
    return _run(session, *_on_claims(
        'claim.delete', lambda where: sa.delete(_CLAIMS).where(*where),
        consumer_uuid, node_id, keep_node_id)).rowcount


def _touch_nodes_of(session, consumer_uuid, node_id=None, keep_node_id=None):
    """Mark the nodes where the consumer's claims are about to go as changed (their
    updated_at; not their generation), so the schedulers' views of the hosts re-read
    their usage. One statement; it takes those nodes' row locks as a claim does."""
    def build(where):
        held = sa.select(_C.compute_node_id).where(*where)
        return sa.update(_NODES).where(_N.id.in_(held)).values(
            updated_at=sa.bindparam('now', type_=_N.updated_at.type))
    statement, params = _on_claims('claim.touch', build, consumer_uuid, node_id,
                                   keep_node_id)
    params['now'] = base.utcnow()
    _run(session, statement, params)


@db_api.writer
def release(context, consumer_uuid, node_id=None, keep_node_id=None):
    """``ResourceClaim.release`` in the caller's transaction, if it has one
    (``consumer_uuid`` may be a scalar subquery); how many rows went."""
    _touch_nodes_of(context.session, consumer_uuid, node_id, keep_node_id)
    return _consumer_delete(context.session, consumer_uuid, node_id, keep_node_id)


@db_api.writer
def _release_on(context, consumer_uuid, host, nodename):
    """``release`` on the node ``nodename`` of ``host``, looked up in the same
    transaction; nothing when there is no such node."""
    try:
        node_id = node_obj.node_row(context, host, nodename).id
    except exception.ComputeNodeNotFound:
        return 0
    return release(context, consumer_uuid, node_id)


@db_api.writer
def _move(context, from_consumer, to_consumer, node_id):
    statement, params = _on_claims(
        'claim.move', lambda where: sa.update(_CLAIMS).where(*where).values(
            consumer_uuid=sa.bindparam('to_consumer', type_=_C.consumer_uuid.type)),
        from_consumer, node_id)
    params['to_consumer'] = to_consumer
    return _run(context.session, statement, params).rowcount


@db_api.writer
def _revert_to(context, migration_uuid, instance_uuid):
    claims = models.ResourceClaim
    if not context.session.query(claims).filter_by(consumer_uuid=migration_uuid).count():
        return 0
    _touch_nodes_of(context.session, instance_uuid)
    _consumer_delete(context.session, instance_uuid)
    return context.session.query(claims).filter_by(consumer_uuid=migration_uuid).update(
        {'consumer_uuid': instance_uuid}, synchronize_session=False)


def holds(claims, node_id, resources):
    """Whether ``claims`` (a consumer's claims or their rows) are exactly ``resources``
    on ``node_id``."""
    held = {c.resource_class: c.amount for c in claims if c.compute_node_id == node_id}
    return held == {rc: amount for rc, amount in resources.items() if amount}


@db_api.reader
def held_on(context, consumer_uuid, host, nodename, resources):
    """Whether the consumer holds exactly ``resources`` on the node ``nodename`` of
    ``host`` (False when there is no such node): ``ensure``'s check without its claim,
    for a read that says whether an ``ensure`` is needed."""
    try:
        return _node_and_held(context, consumer_uuid, host, nodename, resources)[1]
    except exception.ComputeNodeNotFound:
        return False


def _node_and_held(context, consumer_uuid, host, nodename, resources):
    """(the id of the node ``nodename`` of ``host``, whether the consumer holds exactly
    ``resources`` there); ComputeNodeNotFound when there is no such node."""
    node_id = node_obj.node_row(context, host, nodename).id
    return node_id, holds(_claims_for(context, consumer_uuid), node_id, resources)


@db_api.writer
def _ensure(context, consumer_uuid, host, nodename, resources):
    node_id, held = _node_and_held(context, consumer_uuid, host, nodename, resources)
    if not held:
        _claim(context, consumer_uuid, node_id, resources, None)
    return node_id


@db_api.reader
def _claims_for(context, consumer_uuid):
    """The consumer's claim rows (plain rows), oldest first."""
    return context.session.connection().execute(
        _CLAIMS_OF, {'consumer': consumer_uuid}).all()


@db_api.reader
def _hosts_of(context, consumer_uuids):
    claims, nodes = models.ResourceClaim, models.ComputeNode
    rows = context.session.query(claims.consumer_uuid, nodes.host).join(
        nodes, nodes.id == claims.compute_node_id).filter(
        claims.consumer_uuid.in_(consumer_uuids)).distinct()
    hosts = {}
    for consumer_uuid, host in rows:
        hosts.setdefault(consumer_uuid, []).append(host)
    return {consumer_uuid: sorted(listed) for consumer_uuid, listed in hosts.items()}


@db_api.reader
def _all_claims(context):
    return context.session.query(models.ResourceClaim).order_by(models.ResourceClaim.id).all()


@base.NimbusObjectRegistry.register
class ResourceClaim(base.NimbusObject):
    # Version 1.0: Initial version
    # Version 1.1: Added revert_to()
    # Version 1.2: Added hosts_of()
    # Version 1.3: claim() without a generation (capacity checked under the row lock)
    # Version 1.4: Added ensure()
    # Version 1.5: release() on a node named by host and node name
    VERSION = '1.5'

    fields = {
        'id': fields.IntegerField(),
        'consumer_uuid': fields.UUIDField(),
        'compute_node_id': fields.IntegerField(),
        'resource_class': fields.StringField(),
        'amount': fields.IntegerField(),
    }

    @staticmethod
    def _from_db_object(context, claim, row):
        base.copy_db_fields(claim, row, ('id', 'consumer_uuid', 'compute_node_id',
                                         'resource_class', 'amount'))
        claim._context = context
        return claim

    @base.remotable_classmethod
    def claim(cls, context, consumer_uuid, compute_node_id, resources, generation=None):
        """Claim ``resources`` (replacing this consumer's claim on the node); returns the
        node's new generation. The capacity check runs under the node's row lock, so
        claims are exact however many claimers race; with ``generation`` the claim is
        also refused if the node is no longer at that generation.

        Raises ClaimConflict when the node changed (or is gone), InsufficientResources
        when it is full.
        """
        return _claim(context, consumer_uuid, compute_node_id, resources, generation)

    @base.remotable_classmethod
    def ensure(cls, context, consumer_uuid, host, nodename, resources):
        """Make sure the consumer holds exactly ``resources`` on the node ``nodename``
        of ``host`` (claiming them as ``claim`` does when it does not), in one
        transaction; returns the node's id. Raises ComputeNodeNotFound when there is
        no such node, InsufficientResources when a claim is needed and the node is
        full."""
        return _ensure(context, consumer_uuid, host, nodename, resources)

    @base.remotable_classmethod
    def release(cls, context, consumer_uuid, compute_node_id=None, keep_node_id=None,
                host=None, nodename=None):
        """Drop the consumer's claims: on one node (by id, or by ``host`` and
        ``nodename``: none when there is no such node), on all but ``keep_node_id``, or
        everywhere. Safe to repeat."""
        if host is not None:
            return _release_on(context, consumer_uuid, host, nodename)
        return release(context, consumer_uuid, compute_node_id, keep_node_id)

    @base.remotable_classmethod
    def move(cls, context, from_consumer, to_consumer, compute_node_id=None):
        """Hand claims to another consumer (instance <-> migration during a move)."""
        return _move(context, from_consumer, to_consumer, compute_node_id)

    @base.remotable_classmethod
    def revert_to(cls, context, migration_uuid, instance_uuid):
        """In one transaction: if the migration still holds claims, drop the instance's
        (its destination claim) and give the migration's back to the instance. Repeating
        it after it happened changes nothing."""
        return _revert_to(context, migration_uuid, instance_uuid)

    @base.remotable_classmethod
    def hosts_of(cls, context, consumer_uuids):
        """{consumer uuid: [hosts of the nodes it holds claims on]}, for those that
        hold any."""
        return _hosts_of(context, list(consumer_uuids)) if consumer_uuids else {}

    @base.remotable_classmethod
    def usage(cls, context, node_ids=None):
        """{node id: {resource class: amount claimed}}."""
        return _usage(context, node_ids)


@base.NimbusObjectRegistry.register
class ResourceClaimList(base.ObjectListBase, base.NimbusObject):
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('ResourceClaim')}

    @base.remotable_classmethod
    def get_by_consumer(cls, context, consumer_uuid):
        return base.make_list(context, cls(context), ResourceClaim,
                              _claims_for(context, consumer_uuid))

    @base.remotable_classmethod
    def get_all(cls, context):
        return base.make_list(context, cls(context), ResourceClaim, _all_claims(context))
