"""A step's first write with its read (``Instance.get_for_step(begin=)``) racing another
writer on a real database: the step reads the instance as it was, its compare-and-swap
waits on the other writer's row lock, and once that one commits the swap finds the state
changed and the step has nothing to do; the other writer's state stands."""
import threading
import time

import pytest
import sqlalchemy as sa

from tests.integration import deployment
from tests import moves

# How each backend shows the step's compare-and-swap under way: it cannot end while the
# other writer holds the row (PostgreSQL names the wait; MariaDB's lock-wait table did
# not always show it, its process list does show the statement running).
_WAITING = {
    'postgresql': "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                  "AND datname = current_database()",
    'mysql': "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() "
             "AND command = 'Query' AND info LIKE :statement",
}


@pytest.fixture(params=['postgresql', 'mysql'])
def database(request, tmp_path):
    import migrations
    from svc_common.conf import CONF  # noqa: F401 - registers Nimbus's [database] defaults
    from svc_common.db import api as db_api
    scratch = deployment.ScratchDatabase(request.param, tmp_path)
    try:
        migrations.upgrade(scratch.url)
        db_api.use_database(scratch.url)
        yield scratch
    finally:
        db_api.get_engine().dispose()
        scratch.drop()


def _wait_for_a_lock_wait(engine, backend, statement, timeout=30):
    """Until the step's ``statement`` (how it starts) waits for the other writer."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            query = sa.text(_WAITING[backend])
            if backend == 'mysql':
                query = query.bindparams(statement=statement + '%')
            if conn.execute(query).scalar():
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError('the step never waited for the other writer')


def _context_and_instance():
    """A request context and an instance as the API makes it (scheduling)."""
    from svc_common import context as nimbus_context
    from svc_common import defaults
    from tests.functional.conftest import new_instance
    ctx = nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['admin'])
    defaults.create_default_flavors(ctx)
    return ctx, new_instance(ctx)


def _step_racing(backend, other_write, params, waits_in, step):
    """``step()``'s result, run while another connection holds a row with
    ``other_write`` not yet committed; that one commits once the step's statement
    starting ``waits_in`` waits for it."""
    from svc_common.db import api as db_api
    engine = db_api.get_engine()
    found = []
    other = engine.connect()
    try:
        with other.begin():
            other.execute(sa.text(other_write), params)
            thread = threading.Thread(target=lambda: found.append(step()))
            thread.start()
            _wait_for_a_lock_wait(engine, backend, waits_in)
        thread.join(30)
    finally:
        other.close()
    assert len(found) == 1, 'the step raised (see the thread exception warning)'
    return found[0]


def test_a_step_that_loses_its_first_write_to_another_writer_does_nothing(database):
    from svc_common import objects
    from svc_common import states
    T = states.TaskState
    ctx, instance = _context_and_instance()
    # Another writer (a delete) holds the row, its change not yet committed.
    found = _step_racing(
        database.backend, "UPDATE instances SET task_state = 'deleting' WHERE uuid = :uuid",
        {'uuid': instance.uuid}, 'UPDATE instances',
        lambda: objects.Instance.get_for_step(ctx, instance.uuid, 'build',
                                              (T.SCHEDULING, T.SPAWNING), begin=T.SPAWNING))
    assert found is None
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.DELETING


def test_a_move_step_whose_migration_write_loses_writes_nothing(database):
    """The move step's first writes of the instance and the migration go together: the
    instance's went through, the migration's lost to another writer, so neither stays."""
    from svc_common import objects
    from svc_common import states
    T, M = states.TaskState, states.MigrationStatus
    ctx, instance = _context_and_instance()
    migration = moves.as_prep_resize_leaves_it(ctx, instance)
    found_instance, found_migration = _step_racing(
        database.backend, "UPDATE migrations SET status = 'error' WHERE id = :id",
        {'id': migration.id}, 'UPDATE migrations',
        lambda: moves.resize_step_read(ctx, instance, migration))
    assert found_instance is None and found_migration.status == M.ERROR
    assert objects.Instance.get_by_uuid(ctx, instance.uuid).task_state == T.RESIZE_PREP
