"""stock cache: the ERP's stock per article and location, when each location was read, shops' stock passes

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stock_levels',
        sa.Column('sku', sa.String(length=255), nullable=False),
        sa.Column('location', sa.String(length=100), nullable=False),
        sa.Column('quantity', sa.String(length=40), nullable=False),
        sa.Column('backorders', sa.Boolean(), nullable=True),
        sa.Column('categories', sa.Text(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sku', 'location'),
    )
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.create_index('ix_stock_levels_changed', ['location', 'changed_at'], unique=False)
    op.create_table(
        'stock_reads',
        sa.Column('location', sa.String(length=100), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('full_read_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('location'),
    )
    op.create_table(
        'stock_shops',
        sa.Column('shop', sa.String(length=100), nullable=False),
        sa.Column('changes_from', sa.DateTime(timezone=True), nullable=True),
        sa.Column('settings', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('shop'),
    )


def downgrade() -> None:
    op.drop_table('stock_shops')
    op.drop_table('stock_reads')
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_levels_changed')
    op.drop_table('stock_levels')
