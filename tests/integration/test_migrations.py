"""The same alembic migrations on SQLite, PostgreSQL and MariaDB: up, down to nothing,
up again, and the result is exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
import pytest
import sqlalchemy as sa

import migrations
from svc_common.db import models
from tests.integration import deployment


@pytest.fixture(params=deployment.ScratchDatabase.BACKENDS)
def database(request, tmp_path):
    db = deployment.ScratchDatabase(request.param, tmp_path)
    yield db
    db.drop()


def _tables(db):
    return set(sa.inspect(db.engine).get_table_names()) - {'alembic_version'}


def _schema_diffs(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={'compare_type': True})
        diffs = compare_metadata(context, models.Base.metadata)
    # alembic's own bookkeeping table is not a model.
    return [d for d in diffs if not (isinstance(d, tuple) and d[0] == 'remove_table'
                                     and d[1].name == 'alembic_version')]


def test_upgrade_downgrade_upgrade_matches_models(database):
    model_tables = set(models.Base.metadata.tables)

    migrations.upgrade(database.url)
    assert _tables(database) == model_tables
    assert migrations.current(database.url) is not None

    migrations.downgrade(database.url, 'base')
    assert _tables(database) == set()
    assert migrations.current(database.url) is None

    migrations.upgrade(database.url)
    assert _tables(database) == model_tables
    assert _schema_diffs(database) == []
