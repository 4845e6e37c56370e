"""Alembic migrations for the Nimbus database, run by ``nimbus-manage db sync``."""
import os

from alembic import command
from alembic.config import Config

_HERE = os.path.dirname(os.path.abspath(__file__))


def _config(url):
    cfg = Config()
    cfg.set_main_option('script_location', _HERE)
    cfg.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
    return cfg


def upgrade(url, revision='head'):
    command.upgrade(_config(url), revision)


def downgrade(url, revision):
    command.downgrade(_config(url), revision)


def current(url):
    from alembic.runtime.migration import MigrationContext
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
