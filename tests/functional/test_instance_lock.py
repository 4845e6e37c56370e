"""An instance's lock: its details are columns (Instance 1.13), so that a lock, an
unlock and a save of system_metadata are each one UPDATE, and nodes older than 1.13
still see and keep them as system_metadata keys."""
import contextlib

from oslo_versionedobjects import base as ovo_base
import pytest
import sqlalchemy as sa

from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common import exception
from svc_common import objects
from tests.functional.conftest import new_instance


@contextlib.contextmanager
def _statements():
    """The SQL statements run meanwhile (their first word), in order."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 1)[0].upper())
    engine = db_api.get_engine()
    sa.event.listen(engine, 'before_cursor_execute', record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'before_cursor_execute', record)


@pytest.fixture
def ctx():
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])


@pytest.fixture
def instance(core, ctx):
    instance = new_instance(ctx)
    instance.system_metadata = {'image_os': 'cirros'}
    instance.save()
    return instance


def _stored(ctx, instance):
    return objects.Instance.get_by_uuid(ctx, instance.uuid)


def _as_older_node_gets_it(instance):
    """``instance``'s primitive for a node at Instance 1.12 (as RPC backports it)."""
    manifest = dict(ovo_base.obj_tree_get_versions('Instance'), Instance='1.12')
    return instance.obj_to_primitive(target_version='1.12', version_manifest=manifest)


def test_lock_and_unlock_are_one_update_each(ctx, instance):
    with _statements() as seen:
        instance.lock('owner', 'audit')
    assert seen == ['UPDATE']
    assert (instance.locked, instance.locked_by, instance.locked_reason) == (
        True, 'owner', 'audit')
    assert instance.obj_what_changed() == set()
    stored = _stored(ctx, instance)
    assert (stored.locked, stored.locked_by, stored.locked_reason) == (True, 'owner', 'audit')
    assert stored.system_metadata == {'image_os': 'cirros'}
    assert stored.updated_at == instance.updated_at
    with _statements() as seen:
        instance.unlock()
    assert seen == ['UPDATE']
    stored = _stored(ctx, instance)
    assert (stored.locked, stored.locked_by, stored.locked_reason) == (False, None, None)


def test_a_second_lock_keeps_the_first(ctx, instance):
    instance.lock('admin', 'maintenance')
    again = _stored(ctx, instance)
    again.lock('owner', 'mine')
    assert (again.locked_by, again.locked_reason) == ('admin', 'maintenance')
    assert _stored(ctx, instance).locked_by == 'admin'


def test_a_lock_of_a_deleted_instance_is_not_found(ctx, instance):
    instance.destroy()
    with pytest.raises(exception.InstanceNotFound):
        instance.lock('owner')


def test_a_save_of_system_metadata_is_one_update_and_keeps_the_lock(ctx, instance):
    stale = _stored(ctx, instance)
    instance.lock('owner', 'why')
    stale.system_metadata = dict(stale.system_metadata, old_vm_state='active')
    with _statements() as seen:
        stale.save()
    assert seen == ['UPDATE']
    stored = _stored(ctx, instance)
    assert stored.system_metadata == {'image_os': 'cirros', 'old_vm_state': 'active'}
    assert (stored.locked, stored.locked_by, stored.locked_reason) == (True, 'owner', 'why')


def test_an_older_node_sees_the_lock_as_system_metadata_keys(ctx, instance):
    instance.lock('admin', 'audit')
    old = _as_older_node_gets_it(_stored(ctx, instance))['nimbus_object.data']
    assert 'locked_by' not in old and 'locked_reason' not in old
    assert old['system_metadata'] == {'image_os': 'cirros', 'locked_by': 'admin',
                                      'locked_reason': 'audit'}
    instance.unlock()
    old = _as_older_node_gets_it(_stored(ctx, instance))['nimbus_object.data']
    assert old['system_metadata'] == {'image_os': 'cirros'}


def test_an_older_nodes_instance_keeps_the_lock_out_of_system_metadata(ctx, instance):
    """An instance from a node older than 1.13 (no lock fields; the keys in its
    system_metadata) reads its lock from the keys, and its save writes none of them:
    the columns stay the lock's only record."""
    instance.lock('admin', 'audit')
    primitive = _as_older_node_gets_it(_stored(ctx, instance))
    from_old = objects.Instance.obj_from_primitive(primitive, context=ctx)
    assert (from_old.locked_by, from_old.locked_reason) == ('admin', 'audit')
    assert from_old.obj_what_changed() == set()
    from_old.system_metadata = dict(from_old.system_metadata, old_vm_state='active')
    from_old.save()
    stored = _stored(ctx, instance)
    assert stored.system_metadata == {'image_os': 'cirros', 'old_vm_state': 'active'}
    assert (stored.locked_by, stored.locked_reason) == ('admin', 'audit')
    unlocked = objects.Instance.obj_from_primitive(primitive, context=ctx)
    unlocked.locked = False
    assert unlocked.locked_by is None
