"""Instances and migrations are read as plain rows (``kept.Record``), and a write that
read its row leaves the row as the database stores it, on each backend: MySQL's
DATETIME drops the fractions of a second, so there the row is read again (by its id,
deleted or not) instead of taking the values written; a lock and an unlock likewise."""
import uuid

import pytest

import migrations
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common.db import kept
from svc_common import objects
from svc_common.objects import base
from svc_common.objects import instance as instance_obj
from svc_common import states
from tests.integration import deployment

V, T = states.VmState, states.TaskState


@pytest.fixture(params=deployment.ScratchDatabase.BACKENDS)
def ctx(request, tmp_path):
    db = deployment.ScratchDatabase(request.param, tmp_path)
    try:
        migrations.upgrade(db.url)
        factory = db_api.use_database(db.url)
        objects.register_all()
        yield nimbus_context.get_admin_context()
        factory.dispose_pool()
    finally:
        db.drop()


@pytest.fixture
def instance(ctx):
    flavor = objects.Flavor(context=ctx, flavorid='r1', name='rows', vcpus=1, memory_mb=64,
                            root_gb=1)
    flavor.create()
    instance = objects.Instance(context=ctx, uuid=str(uuid.uuid4()), flavor=flavor,
                                project_id='p', user_id='u', host='h', node='h',
                                vm_state=V.ACTIVE.value, display_name='r')
    instance.create()
    return instance


def _stored(ctx, instance):
    return objects.Instance.get_by_uuid(ctx, instance.uuid, read_deleted='yes')


def test_a_checked_write_leaves_the_row_as_stored(ctx, instance):
    row = db_api.write_together(ctx, lambda c: instance_obj._checked_update(
        c, instance.uuid, {'task_state': T.POWERING_OFF.value,
                           'updated_at': base.utcnow()},
        None, V.ACTIVE.value, 'h', 'stop'))
    assert isinstance(row, kept.Record) and row.task_state == T.POWERING_OFF.value
    stored = _stored(ctx, instance)
    assert base.naive(stored.updated_at) == row.updated_at


def test_a_delete_returns_the_deleted_row_as_stored(ctx, instance):
    instance.destroy()
    stored = _stored(ctx, instance)
    assert instance.deleted and stored.deleted
    assert (instance.deleted_at, instance.updated_at) == (stored.deleted_at,
                                                          stored.updated_at)


def test_a_migration_save_leaves_the_object_as_stored(ctx, instance):
    migration = objects.Migration(
        context=ctx, instance_uuid=instance.uuid, source_compute='h', source_node='h',
        status=states.MigrationStatus.PRE_MIGRATING, dest_compute='d',
        migration_type=states.MigrationType.RESIZE,
        old_instance_type_id=instance.flavor.id, new_instance_type_id=instance.flavor.id)
    migration.create()
    migration.status = states.MigrationStatus.MIGRATING
    migration.save(expected_status=[states.MigrationStatus.PRE_MIGRATING])
    stored = objects.Migration.get_by_id(ctx, migration.id)
    assert (migration.status, migration.updated_at) == (stored.status, stored.updated_at)


def test_a_lock_and_an_unlock_leave_the_object_as_stored(ctx, instance):
    for change in (lambda: instance.lock('owner', 'audit'), instance.unlock):
        change()
        stored = _stored(ctx, instance)
        assert instance.obj_what_changed() == set()
        assert [(o.locked, o.locked_by, o.locked_reason, o.updated_at)
                for o in (instance, stored)] == [(stored.locked, stored.locked_by,
                                                  stored.locked_reason, stored.updated_at)] * 2
