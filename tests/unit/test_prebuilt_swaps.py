"""Compare-and-swap UPDATEs and migration reads built once per shape: the statement is
kept, and what differs from call to call (the row, the values, the expected host or
destination) travels as bind parameters, never in the kept statement."""
import uuid

import pytest
import sqlalchemy as sa

from svc_common import exception
from svc_common import objects
from svc_common.objects import base
from svc_common.objects import migration as migration_obj
from svc_common import states

T, V, M = states.TaskState, states.VmState, states.MigrationStatus


@pytest.fixture
def builds(monkeypatch):
    """The UPDATE statements built through ``base`` from here on."""
    built = []
    real = sa.update

    def counting(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)
    base._SWAPS.clear()
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
    migration_obj._BY.clear()
    assert [objects.Migration.get_by_id(ctx, m.id).uuid for m in (one, two)] == [
        one.uuid, two.uuid]
    assert [objects.Migration.get_by_uuid(ctx, m.uuid).id for m in (one, two)] == [
        one.id, two.id]
    assert sorted(migration_obj._BY) == [('id',), ('uuid',)]
    with pytest.raises(exception.MigrationNotFound):
        objects.Migration.get_by_id(ctx, two.id + 100)
