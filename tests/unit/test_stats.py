"""svc_common.stats: SQL statements and RPC messages counted by the role doing them."""
import json
import os
import signal
import subprocess
import sys

import oslo_messaging as messaging
import sqlalchemy as sa

from svc_common.conf import CONF
from svc_common.db import api as db_api  # noqa: F401 (its BEGIN IMMEDIATE for SQLite)
from svc_common import stats


def test_sql_statements_count_under_the_role_in_force():
    engine = sa.create_engine('sqlite://')
    before = stats.snapshot()
    with stats.role('unit-a'):
        with engine.begin() as conn:
            conn.execute(sa.text('CREATE TABLE t (x INTEGER)'))
            conn.execute(sa.text('INSERT INTO t VALUES (1)'))
            conn.execute(sa.text('SELECT x FROM t')).all()
            conn.execute(sa.text('SELECT 1')).all()
    counts = stats.since(before)
    assert counts['unit-a']['sql'] == {'CREATE': 1, 'INSERT': 1, 'SELECT': 1, 'ping': 1}
    assert counts['unit-a']['txn'] == {'BEGIN': 1, 'COMMIT': 1}
    assert stats.totals(counts, 'sql', 'unit-a') == 4
    assert 'unit-b' not in counts


def test_rpc_calls_and_casts_count_by_method():
    transport = stats.count_rpc(messaging.get_rpc_transport(CONF, url='inproc://stats'))
    assert stats.count_rpc(transport) is transport  # counted once, however often wrapped

    class Endpoint:
        def ping(self, ctxt):
            return 'pong'

    server = messaging.get_rpc_server(transport, messaging.Target(topic='s', server='h'),
                                      [Endpoint()], executor='threading')
    server.start()
    try:
        client = messaging.get_rpc_client(transport, messaging.Target(topic='s', server='h'))
        before = stats.snapshot()
        with stats.role('unit-c'):
            assert client.call({}, 'ping') == 'pong'
            client.cast({}, 'ping')
            client.cast({}, 'ping')
        assert stats.since(before)['unit-c'] == {'rpc.call': {'ping': 1},
                                                'rpc.cast': {'ping': 2}}
    finally:
        server.stop()
        server.wait()
        transport.cleanup()


def test_a_process_writes_its_counts_on_sigusr1(tmp_path):
    code = ('import os, time\n'
            'from svc_common import stats\n'
            'stats.set_process_role("unit-proc")\n'
            'stats.count("sql", "SELECT", 3)\n'
            'stats.dump_on_signal()\n'
            'print(os.getpid(), flush=True)\n'
            'time.sleep(30)\n')
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, NIMBUS_STATS_DIR=str(tmp_path)))
    try:
        path = tmp_path / ('%s.json' % proc.stdout.readline().strip())
        proc.send_signal(signal.SIGUSR1)
        for _ in range(100):
            if path.exists():
                break
            subprocess.run(['sleep', '0.05'])
        assert json.loads(path.read_text())['counts'] == {'unit-proc': {'sql': {'SELECT': 3}}}
    finally:
        proc.kill()
        proc.wait()


def test_sqlite_begins_straight_at_the_driver():
    """A SQLite transaction's BEGIN IMMEDIATE goes to the driver, not through
    SQLAlchemy's execution (as costly as a query), and still counts as a BEGIN."""
    engine = sa.create_engine('sqlite://')
    executed = []
    sa.event.listen(engine, 'before_cursor_execute',
                    lambda conn, cursor, statement, *args: executed.append(statement))
    before = stats.snapshot()
    with stats.role('unit-d'):
        with engine.begin() as conn:
            assert conn.connection.dbapi_connection.in_transaction  # the lock is taken
            conn.execute(sa.text('SELECT 1')).all()
    assert executed == ['SELECT 1']
    assert stats.since(before)['unit-d']['txn'] == {'BEGIN': 1, 'COMMIT': 1}


def test_counts_by_name_sum_over_the_roles():
    counts = {'api': {'sql': {'SELECT': 2, 'INSERT': 1}},
              'conductor': {'sql': {'SELECT': 3}, 'txn': {'BEGIN': 4}}}
    assert stats.by_name(counts, 'sql') == {'SELECT': 5, 'INSERT': 1}
    assert stats.by_name(counts, 'rpc.call') == {}
