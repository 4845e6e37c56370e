"""instance list order: created_at not null, indexes on (…, deleted, created_at, id)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_instances = sa.table('instances', sa.column('created_at', sa.DateTime()),
                      sa.column('updated_at', sa.DateTime()),
                      sa.column('deleted_at', sa.DateTime()))


def upgrade():
    op.execute(_instances.update().where(_instances.c.created_at.is_(None)).values(
        created_at=sa.func.coalesce(_instances.c.updated_at, _instances.c.deleted_at,
                                    sa.func.current_timestamp())))
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_index('instances_project_id_deleted_idx')
        batch_op.create_index('instances_project_id_deleted_created_at_idx',
                              ['project_id', 'deleted', 'created_at', 'id'], unique=False)
        batch_op.create_index('instances_deleted_created_at_idx',
                              ['deleted', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('instances_deleted_created_at_idx')
        batch_op.drop_index('instances_project_id_deleted_created_at_idx')
        batch_op.create_index('instances_project_id_deleted_idx', ['project_id', 'deleted'],
                              unique=False)
        batch_op.alter_column('created_at', existing_type=sa.DateTime(), nullable=True)
