"""image locations: where an image's data is when the RBD store holds it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('images', sa.Column('location', sa.String(length=1024), nullable=True))


def downgrade():
    op.drop_column('images', 'location')
