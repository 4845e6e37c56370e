"""Disconnects handled when they happen, not looked for on every pool checkout.

oslo.db creates its engines with SQLAlchemy's ``pool_pre_ping``: one extra round trip to
the database for every transaction, to find the rare connection the server dropped
(a restart, an idle timeout). Instead: no ping (from the first checkout of each
engine's pool on), and a transaction that meets a dropped connection before any of its
statements went through (the stale pooled connection fails on its first use; SQLAlchemy
then throws away every connection the pool held from before) runs once more, on a new
connection. A failure after a statement went through is not retried: its effects may
have been committed (a lost COMMIT reply), so it reaches the caller as before.
"""
import contextvars
import functools

from oslo_db import exception as db_exc
import sqlalchemy as sa

# Per transaction (outermost reader/writer call): [statements that went through].
_SENT = contextvars.ContextVar('nimbus_db_statements_sent', default=None)


@sa.event.listens_for(sa.engine.Engine, 'engine_connect')
def _no_pre_ping(connection):
    pool = connection.engine.pool
    if getattr(pool, '_pre_ping', False):
        pool._pre_ping = False  # SQLAlchemy's flag behind create_engine(pool_pre_ping=)


@sa.event.listens_for(sa.engine.Engine, 'after_cursor_execute')
def _statement_sent(conn, cursor, statement, parameters, context, executemany):
    sent = _SENT.get()
    if sent is not None:
        sent[0] += 1


def retry_stale_connection(fn):
    """Run ``fn`` (a reader or writer) once more if its transaction met a dropped
    connection before any statement went through. Nested calls (inside another
    reader/writer's transaction) are left to the outermost one."""
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        if _SENT.get() is not None:
            return fn(*args, **kwargs)
        sent = [0]
        token = _SENT.set(sent)
        try:
            try:
                return fn(*args, **kwargs)
            except db_exc.DBConnectionError:
                if sent[0]:
                    raise
            return fn(*args, **kwargs)
        finally:
            _SENT.reset(token)
    return inner
