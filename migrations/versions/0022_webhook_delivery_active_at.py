"""A webhook delivery's last sign of life, and an index to prune old deliveries

``active_at``: when a delivery's job last ran or it was sent again, so that a delivery
whose job was lost no longer holds the later deliveries of its record; the index on
``created_at`` serves the hourly removal of old deliveries across tenants.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_delivery') as batch:
        batch.add_column(sa.Column('active_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_webhook_delivery_created_at', 'webhook_delivery', ['created_at'])


def downgrade():
    op.drop_index('ix_webhook_delivery_created_at', table_name='webhook_delivery')
    with op.batch_alter_table('webhook_delivery') as batch:
        batch.drop_column('active_at')
