"""lock columns: who locked an instance and why, as columns of its own

Until now a lock's details were two keys of the instance's system_metadata (JSON), so
every save of system_metadata read the row first to keep them. The upgrade moves the
keys of every instance, deleted ones too, into ``locked_by`` and ``locked_reason``;
the downgrade moves them back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_KEYS = ('locked_by', 'locked_reason')
_instances = sa.table('instances', sa.column('id', sa.Integer()),
                      sa.column('system_metadata', sa.Text()),
                      sa.column('locked_by', sa.String(16)),
                      sa.column('locked_reason', sa.String(255)))


def upgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('locked_reason', sa.String(length=255), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_instances.c.id, _instances.c.system_metadata).where(
            _instances.c.system_metadata.like('%"locked_%'))).all()
    for row_id, stored in rows:
        system_metadata = json.loads(stored)
        lock = {key: system_metadata.pop(key, None) for key in _KEYS}
        if any(value is not None for value in lock.values()):
            _write(connection, row_id, system_metadata, lock)


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_instances.c.id, _instances.c.system_metadata,
                  *(_instances.c[key] for key in _KEYS)).where(
            sa.or_(*(_instances.c[key].is_not(None) for key in _KEYS)))).all()
    for row_id, stored, *lock in rows:
        system_metadata = json.loads(stored or '{}')
        system_metadata.update((k, v) for k, v in zip(_KEYS, lock) if v is not None)
        _write(connection, row_id, system_metadata, {})
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_column('locked_reason')
        batch_op.drop_column('locked_by')


def _write(connection, row_id, system_metadata, columns):
    connection.execute(_instances.update().where(_instances.c.id == row_id).values(
        system_metadata=json.dumps(system_metadata), **columns))
