"""svc_common.db.sqlite_turns: threads queue for an SQLite file's transactions on a
lock of the process instead of sleeping in SQLite's busy handler."""
import threading

import pytest
import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common.db import sqlite_turns


@pytest.fixture
def engine(tmp_path):
    """The all-in-one's kind of engine (oslo.db's, on a pooled SQLite file) whose
    connections never wait in SQLite's busy handler: a BEGIN that finds the file
    locked fails at once ("database is locked")."""
    db_api.use_database('sqlite:///%s' % (tmp_path / 'turns.db'), synchronous=False)
    engine = db_api.get_engine()
    sa.event.listen(engine, 'connect',
                    lambda dbapi_connection, record: dbapi_connection.execute(
                        'PRAGMA busy_timeout = 0'))
    engine.pool.dispose()  # connections made before the listener
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE t (x INTEGER)'))
    return engine


def _turn(engine):
    return sqlite_turns._turns[engine]


def test_a_second_thread_waits_for_the_turn_and_runs_when_the_first_commits(engine):
    first_in, first_may_commit = threading.Event(), threading.Event()
    errors = []

    def first():
        with engine.begin() as conn:
            conn.execute(sa.text('INSERT INTO t VALUES (1)'))
            first_in.set()
            first_may_commit.wait(10)

    def second():
        try:
            with engine.begin() as conn:
                conn.execute(sa.text('INSERT INTO t VALUES (2)'))
        except Exception as e:  # without turns: "database is locked" at its BEGIN
            errors.append(e)

    one = threading.Thread(target=first)
    one.start()
    assert first_in.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.2)
    assert two.is_alive()  # queued behind the first, not failed
    first_may_commit.set()
    one.join(10)
    two.join(10)
    assert errors == []
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.text('SELECT x FROM t')).scalars()) == [1, 2]
    assert not _turn(engine).locked()


def test_the_turn_is_let_go_at_a_rollback(engine):
    conn = engine.connect()
    conn.begin()
    assert _turn(engine).locked()
    conn.rollback()
    assert not _turn(engine).locked()
    conn.close()


def test_the_turn_is_let_go_when_a_connection_in_a_transaction_goes_back_to_the_pool(
        engine):
    conn = engine.connect()
    conn.begin()
    conn.execute(sa.text('INSERT INTO t VALUES (1)'))
    conn.close()
    assert not _turn(engine).locked()
    with engine.connect() as conn:
        assert conn.execute(sa.text('SELECT count(*) FROM t')).scalar() == 0


def test_the_turn_is_let_go_when_the_connection_is_invalidated(engine):
    conn = engine.connect()
    conn.begin()
    conn.invalidate()
    assert not _turn(engine).locked()
    with engine.begin() as conn:  # and the next transaction gets it
        conn.execute(sa.text('INSERT INTO t VALUES (1)'))


def test_the_turn_is_let_go_when_begin_fails(engine):
    conn = engine.connect()
    with engine.connect() as other:
        other.connection.dbapi_connection.execute('BEGIN IMMEDIATE')  # outside the turns
        with pytest.raises(sa.exc.OperationalError, match='locked'):
            conn.begin()
        other.connection.dbapi_connection.execute('ROLLBACK')
    conn.close()
    assert not _turn(engine).locked()


def _holds_a_turn_in_a_transaction():
    """Whether a transaction of the current database holds a turn while it runs."""
    with db_api.get_engine().begin() as conn:
        return bool(conn.connection.info.get(sqlite_turns._HOLDS))


def test_an_in_memory_database_has_no_turns(tmp_path):
    # One connection the pool hands to one thread at a time: nothing to queue for. A
    # file's transaction holds a turn while it runs; an in-memory one's never does.
    db_api.use_database('sqlite:///%s' % (tmp_path / 'file.db'), synchronous=False)
    assert _holds_a_turn_in_a_transaction()
    db_api.use_database('sqlite://')
    assert db_api.get_engine() not in sqlite_turns._turns
    assert not _holds_a_turn_in_a_transaction()
