"""An SQLite file database keeps its connections (oslo.db alone would open the file and
run the connect pragmas again for every transaction)."""
import threading

import sqlalchemy as sa

from svc_common.db import api as db_api
from svc_common import objects


def test_transactions_reuse_the_connections_of_an_sqlite_file(ctx):
    engine = db_api.get_engine()
    assert isinstance(engine.pool, sa.pool.QueuePool)
    opened = []
    sa.event.listen(engine, 'connect', lambda *args: opened.append(1))
    for _ in range(20):
        objects.FlavorList.get_all(ctx)
    assert len(opened) <= 1


def test_a_pooled_connection_serves_other_threads(ctx):
    """(the file is opened shareable between threads: a pooled connection moves)"""
    errors = []

    def read():
        try:
            objects.FlavorList.get_all(ctx)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
    for _ in range(3):
        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_other_databases_are_left_to_oslo_db():
    assert db_api._pooled_sqlite('postgresql://u:p@127.0.0.1/nimbus') is None
    assert db_api._pooled_sqlite('sqlite://') is None
    assert db_api._pooled_sqlite('sqlite:////var/lib/nimbus/nimbus.sqlite') == (
        'sqlite:////var/lib/nimbus/nimbus.sqlite?check_same_thread=false')


def test_the_pool_keeps_a_connection_for_each_rpc_executor_thread():
    """A conductor's handlers each use the database: a smaller pool closes connections
    its threads open again at once (tests/integration/test_db_pool.py)."""
    from svc_common.conf import CONF
    assert CONF.database.max_pool_size >= CONF.executor_thread_pool_size
    assert CONF.database.max_pool_size >= CONF.api.threads


def test_an_sqlite_file_keeps_as_many_connections_as_max_pool_size(ctx):
    from svc_common.conf import CONF
    assert db_api.get_engine().pool.size() == CONF.database.max_pool_size


def test_nimbus_defaults_come_back_after_a_reset():
    """CONF.reset() (the functional fixtures' teardown) drops the defaults set on
    oslo.db's options; conf.register() puts them back, so later tests in the same
    process see Nimbus's pool size, not oslo.db's."""
    from svc_common import conf
    from svc_common.conf import CONF
    from svc_common.conf import database
    CONF.reset()
    conf.register(CONF)
    assert CONF.database.max_pool_size == database.MAX_POOL_SIZE
