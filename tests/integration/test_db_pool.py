"""A process keeps the PostgreSQL connections its threads use at once: threads using the
database together open their connections once, not again for every transaction
(oslo.db's default pool of 5 closed every connection beyond it at the end of its
transaction, and the next transaction opened a new one: a new backend process)."""
import threading

import sqlalchemy as sa

from tests.integration import deployment

THREADS = 16


def test_concurrent_transactions_reuse_their_connections(tmp_path):
    import migrations
    from svc_common.conf import CONF  # noqa: F401 - registers Nimbus's [database] defaults
    from svc_common import context as nimbus_context
    from svc_common.db import api as db_api
    database = deployment.ScratchDatabase('postgresql', tmp_path)
    try:
        migrations.upgrade(database.url)
        db_api.use_database(database.url)
        ctx = nimbus_context.get_admin_context()
        engine = db_api.get_engine()
        opened = []
        sa.event.listen(engine, 'connect', lambda *args: opened.append(1))
        together = threading.Barrier(THREADS)

        @db_api.reader
        def hold_a_connection(context):
            context.session.execute(sa.text('SELECT 1'))
            together.wait(timeout=30)  # every thread holds its connection at once

        def round_of_transactions():
            threads = [threading.Thread(target=hold_a_connection, args=(ctx,))
                       for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        round_of_transactions()
        first = len(opened)
        assert first >= THREADS - 1  # (one may have been open from the migration)
        for _ in range(3):
            round_of_transactions()
        assert len(opened) == first
    finally:
        db_api.get_engine().dispose()
        database.drop()
