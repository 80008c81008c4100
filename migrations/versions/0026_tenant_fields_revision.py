"""a tenant's configurable fields' revision

Every list page read the tenant's field sections, fields and choices and built its
columns and filters from them again: about a fifth of a contact list page's time in
Python. The tenant row, read with the user on every request, now carries a revision of
its definitions, counted up in the flush that changes any of them; each process keeps
what it built from one revision until the revision moves on.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 01:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant') as batch:
        batch.add_column(sa.Column('fields_revision', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade():
    with op.batch_alter_table('tenant') as batch:
        batch.drop_column('fields_revision')
