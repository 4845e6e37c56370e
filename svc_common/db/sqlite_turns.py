"""Threads of one process take turns at an SQLite file's transactions.

Every SQLite transaction here begins with ``BEGIN IMMEDIATE`` (``api._sqlite_begin``):
one at a time per file. A thread that finds the file locked is left to SQLite's busy
handler, which sleeps 1, 2, 5, 10 ... up to 100 ms between tries and does not know
when the lock is let go. In the all-in-one dozens of threads (API requests, the
conductor's tasks, the computes' steps) share one file: in the lifecycle benchmark a
BEGIN waited up to half a second (p99 230 ms), and the process sat idle for a fifth
of its wall time.

Here the threads of the process queue on a ``threading.Lock`` for the file instead,
taken before ``BEGIN IMMEDIATE`` and let go right after the commit or rollback, so the
next one starts the moment the file is free. It orders only what SQLite's lock already
orders. Other processes sharing the file still meet the busy handler.

A pooled connection records in its ``info`` that it holds the turn, which is let go at
whichever comes first of the commit, the rollback (a failed BEGIN's included: the
pool rolls back every connection it takes back), the connection's return to the pool,
or its invalidation; from any thread, as a ``threading.Lock`` allows.
"""
import threading
import weakref

import sqlalchemy as sa

# As long as SQLite's busy_timeout: past it, the transaction goes on without its turn
# and SQLite's own lock decides (raising "database is locked" if it is still held).
WAIT = 60.0
_HOLDS = 'nimbus_sqlite_turn'
_turns = weakref.WeakKeyDictionary()  # engine -> its lock


def take_turns(engine):
    """Queue the transactions of this process's threads on ``engine`` (an SQLite file
    with a pool of connections)."""
    lock = threading.Lock()
    _turns[engine] = lock
    dialect = engine.dialect

    def then_let_go(end):
        """The dialect's commit or rollback ``end``, letting go of the turn after it."""
        def ended(dbapi_connection):
            try:
                end(dbapi_connection)
            finally:
                _let_go(lock, getattr(dbapi_connection, 'info', None))
        return ended

    dialect.do_commit = then_let_go(dialect.do_commit)
    dialect.do_rollback = then_let_go(dialect.do_rollback)
    for event in ('checkin', 'invalidate'):
        sa.event.listen(engine.pool, event,
                        lambda dbapi_connection, record, *args: _let_go(lock, record.info))


def wait_for_turn(connection):
    """Before ``connection``'s BEGIN: take its engine's turn, if it has turns."""
    lock = _turns.get(connection.engine)
    if lock is not None and lock.acquire(timeout=WAIT):
        connection.connection.info[_HOLDS] = True


def _let_go(lock, info):
    if info is not None and info.pop(_HOLDS, False):
        lock.release()
