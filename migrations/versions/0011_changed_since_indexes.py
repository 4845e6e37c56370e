"""changed-since indexes: compute_nodes and services by updated_at and by created_at

The scheduler's view reads, at every choice, the compute nodes and the compute
services created or changed since its previous read; without these indexes each of
those reads scans its whole table (1000 rows each at 1000 hosts).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_INDEXES = [('compute_nodes', 'updated_at'), ('compute_nodes', 'created_at'),
            ('services', 'updated_at'), ('services', 'created_at')]


def upgrade():
    for table, column in _INDEXES:
        op.create_index('%s_%s_idx' % (table, column), table, [column], unique=False)


def downgrade():
    for table, column in reversed(_INDEXES):
        op.drop_index('%s_%s_idx' % (table, column), table_name=table)
