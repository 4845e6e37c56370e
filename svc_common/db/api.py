"""The one engine facade; object modules use its reader/writer decorators.

Compute services call ``disable_db_access`` at start: they reach the database only
through the conductor, and any direct use from then on raises ``DBNotAllowed``.
"""
import functools
import sqlite3

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import exc_filters
import sqlalchemy as sa

from svc_common.db import disconnects
from svc_common.db import sqlite_turns
from svc_common import exception
from svc_common import stats

context_manager = enginefacade.transaction_context()
_disabled_for = None
_restore_factory = None


# oslo.db's ``thread_checkin`` puts a time.sleep(0) at every connection checkin so
# that eventlet's green threads take turns. Nimbus runs native threads, which the
# interpreter switches anyway; the sleep only handed the GIL away at the end of every
# transaction: 0.42 ms of wall time each on an otherwise idle all-in-one (0.65 ms for
# a one-statement transaction instead of 0.23 ms).
def configure(conf):
    """Point the facade at [database]/connection (once per process)."""
    context_manager.configure(thread_checkin=False,
                              **{k: v for k, v in conf.database.items()
                                 if v is not None and k in _FACADE_KEYS})


_FACADE_KEYS = {
    'connection', 'slave_connection', 'sqlite_fk', 'mysql_sql_mode', 'mysql_enable_ndb',
    'connection_recycle_time', 'connection_debug', 'max_pool_size', 'max_overflow',
    'pool_timeout', 'sqlite_synchronous', 'connection_trace', 'max_retries', 'retry_interval',
    'db_max_retries', 'db_retry_interval', 'db_inc_retry_interval', 'db_max_retry_interval',
    'mysql_wsrep_sync_wait', 'connection_parameters',
}


def use_database(url, synchronous=True):
    """Swap in a fresh engine for ``url`` (tests and tools that switch databases).
    ``synchronous=False``: SQLite does not wait for the disk at each commit (oslo.db's
    ``sqlite_synchronous``; for throwaway test databases)."""
    global _restore_factory
    if _restore_factory is not None:
        _restore_factory()
    factory = enginefacade._TransactionFactory()
    pooled = _pooled_sqlite(url)
    factory.configure(connection=pooled or url, sqlite_fk=True,
                      sqlite_synchronous=synchronous, thread_checkin=False)
    if pooled:
        factory._facade_cfg['on_engine_create'].append(_keep_sqlite_connections)
    _restore_factory = context_manager.patch_factory(factory)
    return factory


def _pooled_sqlite(url):
    """``url`` of an SQLite file made shareable between threads (for a pool of its
    connections), or None for any other database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != 'sqlite' or parsed.database in (None, '', ':memory:'):
        return None
    return parsed.update_query_dict({'check_same_thread': 'false'}).render_as_string(
        hide_password=False)


def _keep_sqlite_connections(engine):
    """oslo.db gives an SQLite file no pool (NullPool): every transaction opens the
    file and runs the connect pragmas again, a third of an all-in-one's CPU in the
    lifecycle benchmark. Keep the connections in a pool instead, with the engine's own
    connect events and creator, as many as [database]/max_pool_size (oslo.db registers
    it before it makes an engine)."""
    old = engine.pool
    if not isinstance(old, sa.pool.NullPool):
        return
    size = cfg.CONF.database.max_pool_size or 5
    engine.pool = sa.pool.QueuePool(old._creator, pool_size=size, max_overflow=-1,
                                    recycle=old._recycle, logging_name=old._orig_logging_name,
                                    reset_on_return=old._reset_on_return,
                                    _dispatch=old.dispatch, dialect=old._dialect)
    old.dispose()
    sqlite_turns.take_turns(engine)


def disable_db_access(binary):
    """Make every later reader/writer in this process fail."""
    global _disabled_for
    _disabled_for = binary


def enable_db_access():
    global _disabled_for
    _disabled_for = None


def _check_allowed():
    if _disabled_for is not None:
        raise exception.DBNotAllowed(binary=_disabled_for)


def _guard(wrapped):
    wrapped = disconnects.retry_stale_connection(wrapped)

    @functools.wraps(wrapped)
    def inner(*args, **kwargs):
        _check_allowed()
        return wrapped(*args, **kwargs)
    return inner


def reader(fn):
    return _guard(context_manager.reader(fn))


def writer(fn):
    return _guard(context_manager.writer(fn))


@reader
def read_together(context, fn, *args):
    """``fn(context, *args)``, the readers it calls with ``context`` sharing one
    transaction: one connection checkout and one BEGIN/ROLLBACK instead of one each."""
    return fn(context, *args)


@writer
def write_together(context, fn, *args):
    """``fn(context, *args)``, the readers and writers it calls with ``context`` in one
    transaction: all of their writes or none. Nothing in ``fn`` may use another
    context: on SQLite its transaction would wait for this one's lock."""
    return fn(context, *args)


def get_engine():
    _check_allowed()
    return context_manager.writer.get_engine()


# SQLite (the all-in-one and the fast tiers) gets many threads writing at once. With
# pysqlite's deferred transactions two writers that both read first dead-lock and one
# fails at once with "database is locked"; taking the write lock at BEGIN makes them
# queue instead (the SQLAlchemy recipe for pysqlite), and WAL keeps readers cheap.
@sa.event.listens_for(sa.engine.Engine, 'connect')
def _sqlite_connect(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # oslo.db does the same: we BEGIN
        dbapi_connection.execute('PRAGMA busy_timeout = 60000')
        dbapi_connection.execute('PRAGMA journal_mode = WAL')


def _sqlite_begin(connection):
    # oslo.db emits a plain BEGIN unless it finds this marker; run first and set it.
    if connection.dialect.name == 'sqlite' and 'in_transaction' not in connection.info:
        sqlite_turns.wait_for_turn(connection)
        # Straight to the driver: through SQLAlchemy's execution (its events, an
        # execution context, a result) this one statement cost as much as a query, at
        # every transaction. Counted as the statement it is.
        try:
            connection.connection.dbapi_connection.execute('BEGIN IMMEDIATE')
        except sqlite3.Error:
            # Again through SQLAlchemy, which raises the error as the callers know it
            # (oslo.db's exception filters).
            connection.exec_driver_sql('BEGIN IMMEDIATE')
        else:
            stats.count('txn', 'BEGIN')
        connection.info['in_transaction'] = True


sa.event.listen(sa.engine.Engine, 'begin', _sqlite_begin, insert=True)


# oslo.db knows PostgreSQL's old "could not connect to server"; libpq 10 and later say
# 'connection to server at "HOST", port N failed: ...', and a server that is stopping
# or starting answers "the database system is shutting down / starting up". Without this
# filter those reach callers as a bare OperationalError instead of DBConnectionError:
# the API would answer 500 instead of 503, and nothing would know to wait and retry.
@exc_filters.filters('postgresql', sa.exc.OperationalError, (
    r'.*connection to server .* failed',
    (r'.*the database system is (shutting down|starting up|in recovery mode|not yet '
     r'accepting connections)')))
def _postgresql_connection_error(error, match, engine_name, is_disconnect):
    raise db_exc.DBConnectionError(error)
