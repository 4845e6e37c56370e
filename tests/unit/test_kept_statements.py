"""Statements built once per shape (``svc_common.db.kept``): compare-and-swap UPDATEs,
reads by id, claims and releases. The statement is kept, and what differs from call to
call (the row, the values, the expected host or destination, the consumer, the node, the
generation) travels as bind parameters, never in the kept statement."""
import uuid

import pytest
import sqlalchemy as sa

from svc_common.db import kept
from svc_common.db import models
from svc_common import exception
from svc_common import objects
from svc_common.objects import base
from svc_common.objects import claim as claim_obj
from svc_common.objects import migration as migration_obj
from svc_common import states
from tests.unit import compute_hosts

T, V, M = states.TaskState, states.VmState, states.MigrationStatus


@pytest.fixture
def builds(monkeypatch):
    """The UPDATE statements built through ``base`` from here on."""
    built = []
    real = sa.update

    def counting(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)
    kept._KEPT.clear()
    monkeypatch.setattr(base.sa, 'update', counting)
    return built


def _instance(ctx, flavor, host):
    instance = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                                vm_state=V.ACTIVE.value, project_id='p', user_id='u',
                                host=host, node=host, display_name='vm')
    instance.create()
    return instance


def test_instance_saves_of_one_shape_build_one_update_and_write_their_own_values(
        ctx, flavor, builds):
    one, two = _instance(ctx, flavor, 'h1'), _instance(ctx, flavor, 'h2')
    for instance, name in ((one, 'first'), (two, 'second')):
        instance.display_name = name
        instance.task_state = T.REBOOTING.value
        instance.save(expected_task_state=[None], expected_host=instance.host,
                      operation='reboot')
    assert len(builds) == 1
    assert [(i.display_name, i.task_state) for i in (
        objects.Instance.get_by_uuid(ctx, one.uuid),
        objects.Instance.get_by_uuid(ctx, two.uuid))] == [
        ('first', T.REBOOTING.value), ('second', T.REBOOTING.value)]


def test_a_kept_instance_update_still_checks_this_calls_host(ctx, flavor, builds):
    one, two = _instance(ctx, flavor, 'h1'), _instance(ctx, flavor, 'h2')
    one.display_name = 'mine'
    one.save(expected_host='h1')
    two.display_name = 'not written'
    with pytest.raises(exception.UnexpectedTaskStateError):
        two.save(expected_host='h1')  # the statement kept from one's save, h1 bound then
    assert objects.Instance.get_by_uuid(ctx, two.uuid).display_name == 'vm'


def _migration(ctx, instance, status=M.PRE_MIGRATING):
    migration = objects.Migration(
        context=ctx, instance_uuid=instance.uuid, source_compute='h1', source_node='h1',
        status=status, migration_type=states.MigrationType.RESIZE,
        old_instance_type_id=instance.flavor.id, new_instance_type_id=instance.flavor.id)
    migration.create()
    return migration


def test_migration_saves_of_one_shape_build_one_update_and_check_their_destination(
        ctx, flavor, builds):
    instance = _instance(ctx, flavor, 'h1')
    one, two = _migration(ctx, instance), _migration(ctx, instance)
    migration_obj.update(ctx, one.id, {'dest_compute': 'd1'}, (M.PRE_MIGRATING,),
                         expected_dest=None)
    migration_obj.update(ctx, two.id, {'dest_compute': 'd2'}, (M.PRE_MIGRATING,),
                         expected_dest=None)
    assert len(builds) == 1
    with pytest.raises(exception.UnexpectedMigrationStatus):
        # The same shape: the destination expected is this call's, not the last one's.
        migration_obj.update(ctx, two.id, {'dest_compute': 'd3'}, (M.PRE_MIGRATING,),
                             expected_dest='d1')
    assert [objects.Migration.get_by_id(ctx, m.id).dest_compute for m in (one, two)] == [
        'd1', 'd2']


def test_migration_reads_by_id_and_by_uuid_are_built_once_each(ctx, flavor):
    instance = _instance(ctx, flavor, 'h1')
    one, two = _migration(ctx, instance), _migration(ctx, instance)
    kept._KEPT.clear()
    assert [objects.Migration.get_by_id(ctx, m.id).uuid for m in (one, two)] == [
        one.uuid, two.uuid]
    assert [objects.Migration.get_by_uuid(ctx, m.uuid).id for m in (one, two)] == [
        one.id, two.id]
    assert sorted(key[2] for key in kept._KEPT if key[:2] == ('row_by', models.Migration)
                  ) == [('id',), ('uuid',)]
    assert len(kept._KEPT) == 2
    with pytest.raises(exception.MigrationNotFound):
        objects.Migration.get_by_id(ctx, two.id + 100)


def _claims(ctx):
    return sorted((c.consumer_uuid, c.compute_node_id, c.resource_class, c.amount)
                  for c in objects.ResourceClaimList.get_all(ctx))


def test_claims_of_one_shape_are_built_once_and_bind_their_own_node_and_generation(ctx):
    one, two = compute_hosts.add_host(ctx, 'h1'), compute_hosts.add_host(ctx, 'h2')
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    kept._KEPT.clear()
    gen_one = objects.ResourceClaim.claim(ctx, a, one.id, {'VCPU': 3}, one.generation)
    gen_two = objects.ResourceClaim.claim(ctx, b, two.id, {'VCPU': 2}, two.generation)
    assert (gen_one, gen_two) == (one.generation + 1, two.generation + 1)
    assert [key for key in kept._KEPT if key[0] == 'claim.bump'] == [('claim.bump', True)]
    # The kept bump compares this call's generation: one's old one no longer holds.
    with pytest.raises(exception.ClaimConflict):
        objects.ResourceClaim.claim(ctx, b, one.id, {'VCPU': 1}, one.generation)
    # ...and checks this call's node's capacity (h1 has 1 VCPU left, h2 2).
    with pytest.raises(exception.InsufficientResources):
        objects.ResourceClaim.claim(ctx, b, one.id, {'VCPU': 2})
    objects.ResourceClaim.claim(ctx, b, two.id, {'VCPU': 4})  # replaces b's own 2
    assert _claims(ctx) == sorted([(a, one.id, 'VCPU', 3), (b, two.id, 'VCPU', 4)])
    assert objects.ResourceClaim.usage(ctx, [one.id]) == {one.id: {'VCPU': 3}}
    assert objects.ResourceClaim.usage(ctx, [two.id]) == {two.id: {'VCPU': 4}}
    assert objects.ResourceClaim.usage(ctx, []) == {}


def test_releases_and_moves_of_one_shape_touch_only_this_calls_consumer(ctx):
    one, two = compute_hosts.add_host(ctx, 'h1'), compute_hosts.add_host(ctx, 'h2')
    a, b, m = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    for consumer in (a, b):
        objects.ResourceClaim.claim(ctx, consumer, one.id, {'VCPU': 1})
        objects.ResourceClaim.claim(ctx, consumer, two.id, {'VCPU': 1})
    kept._KEPT.clear()
    assert objects.ResourceClaim.release(ctx, a, compute_node_id=one.id) == 1
    assert objects.ResourceClaim.release(ctx, b, compute_node_id=two.id) == 1
    assert objects.ResourceClaim.move(ctx, a, m, two.id) == 1
    assert objects.ResourceClaim.move(ctx, b, m, two.id) == 0  # b has none left there
    shapes = sorted(key for key in kept._KEPT if key[0].startswith('claim.'))
    assert shapes == [('claim.delete', True, False), ('claim.move', True, False),
                      ('claim.touch', True, False)]
    assert _claims(ctx) == sorted([(b, one.id, 'VCPU', 1), (m, two.id, 'VCPU', 1)])
    assert objects.ResourceClaim.release(ctx, b, keep_node_id=two.id) == 1
    assert _claims(ctx) == [(m, two.id, 'VCPU', 1)]


def test_a_release_by_a_subquery_is_built_for_its_call_and_not_kept(ctx):
    node = compute_hosts.add_host(ctx, 'h1')
    consumer = str(uuid.uuid4())
    objects.ResourceClaim.claim(ctx, consumer, node.id, {'VCPU': 1})
    objects.ResourceClaim.claim(ctx, str(uuid.uuid4()), node.id, {'VCPU': 1})
    kept._KEPT.clear()
    chosen = sa.select(sa.literal(consumer)).scalar_subquery()
    assert claim_obj.release(ctx, chosen) == 1
    assert not [key for key in kept._KEPT if key[0].startswith('claim.')]
    left = _claims(ctx)
    assert len(left) == 1 and left[0][0] != consumer


def test_the_kept_statements_are_bounded(monkeypatch):
    monkeypatch.setattr(kept, '_KEPT', {})
    monkeypatch.setattr(kept, '_LIMIT', 3)
    built = [kept.statement(('shape', n), lambda n=n: sa.select(sa.literal(n)))
             for n in range(5)]
    assert len(kept._KEPT) <= 3
    assert kept.statement(('shape', 4), lambda: None) is built[4]


def test_saves_checked_against_the_row_read_are_kept_too(ctx, flavor, builds):
    """A save that must read the row first (a change of system_metadata keeps the
    stored lock keys) writes through a kept statement that compares the row as read:
    its id, states and host are this call's bind parameters."""
    one, two = _instance(ctx, flavor, 'h1'), _instance(ctx, flavor, 'h2')
    for instance, value in ((one, 'a'), (two, 'b')):
        instance.system_metadata = {'key': value}
        instance.save()
    instance = _instance(ctx, flavor, 'h1')
    migrations = [_migration(ctx, instance) for _ in range(2)]
    for migration, dest in zip(migrations, ('d1', 'd2')):
        # A status written without the statuses expected: checked against the row read.
        migration_obj.update(ctx, migration.id, {'status': M.MIGRATING, 'dest_compute': dest},
                             None)
    # One UPDATE built for the instances, one for the migrations.
    assert [args[0].name for args in builds] == ['instances', 'migrations']
    assert [objects.Instance.get_by_uuid(ctx, i.uuid).system_metadata['key']
            for i in (one, two)] == ['a', 'b']
    assert [(m.status, m.dest_compute) for m in (
        objects.Migration.get_by_id(ctx, m.id) for m in migrations)] == [
        (M.MIGRATING, 'd1'), (M.MIGRATING, 'd2')]


def test_a_checked_migration_save_reads_its_row_through_the_kept_read(ctx, flavor):
    """The read of a save checked against the row (a status written without the
    statuses expected) is the kept read by id: built once, and a migration that is
    gone is MigrationNotFound, the error its callers know, not the ORM's."""
    instance = _instance(ctx, flavor, 'h1')
    one, two = _migration(ctx, instance), _migration(ctx, instance)
    kept._KEPT.clear()
    for migration in (one, two):
        migration_obj.update(ctx, migration.id, {'status': M.MIGRATING}, None)
    assert [key[2] for key in kept._KEPT if key[:2] == ('row_by', models.Migration)] == [
        ('id',)]
    with pytest.raises(exception.MigrationNotFound):
        migration_obj.update(ctx, two.id + 100, {'status': M.MIGRATING}, None)


def test_the_newest_migration_of_an_instance_in_a_status(ctx, flavor):
    """What a confirm looks for (and a migrate task delivered again): read by a
    statement built once, newest first, only that instance's, only that status."""
    instance, other = _instance(ctx, flavor, 'h1'), _instance(ctx, flavor, 'h2')
    older, newer = (_migration(ctx, instance, M.FINISHED) for _ in range(2))
    _migration(ctx, instance, M.CONFIRMED)
    _migration(ctx, other, M.FINISHED)
    assert migration_obj.newest_in(ctx, instance.uuid, M.FINISHED).id == newer.id
    assert migration_obj.newest_in(ctx, instance.uuid, M.PRE_MIGRATING) is None
    assert migration_obj.newest_in(ctx, other.uuid, M.CONFIRMED) is None
    assert migration_obj.newest_in(ctx, other.uuid, M.FINISHED).id not in (older.id,
                                                                          newer.id)
