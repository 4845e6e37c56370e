"""networks: the operator's flat networks and the fixed addresses allocated on them

A network is an IPv4 CIDR (with its gateway and, for guests on a real hypervisor, the
host bridge their NICs join), shared by all projects or owned by one. A fixed IP row is
one instance's address and MAC on one network: the unique keys make an allocation a
compare-and-swap (one address per network, one address per instance and network, one
MAC), and the row is deleted when the address is released.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'networks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('label', sa.String(length=255), nullable=False),
        sa.Column('cidr', sa.String(length=43), nullable=False),
        sa.Column('gateway', sa.String(length=39), nullable=True),
        sa.Column('bridge', sa.String(length=15), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('deleted', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_networks0uuid'))
    op.create_index('networks_project_id_deleted_idx', 'networks', ['project_id', 'deleted'])
    op.create_table(
        'fixed_ips',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=39), nullable=False),
        sa.Column('instance_uuid', sa.String(length=36), nullable=False),
        sa.Column('mac_address', sa.String(length=17), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('network_id', 'address', name='uniq_fixed_ips0network_id0address'),
        sa.UniqueConstraint('network_id', 'instance_uuid',
                            name='uniq_fixed_ips0network_id0instance_uuid'),
        sa.UniqueConstraint('mac_address', name='uniq_fixed_ips0mac_address'))
    op.create_index('fixed_ips_instance_uuid_idx', 'fixed_ips', ['instance_uuid'])


def downgrade():
    op.drop_table('fixed_ips')
    op.drop_table('networks')
