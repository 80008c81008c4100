"""user list columns

The columns each user chose for the lists ({list: [column, …]}); a list the user never
chose for shows its default columns. A plain ADD COLUMN (see 0011).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('list_columns', sa.JSON(), nullable=False,
                                            server_default='{}'))


def downgrade():
    op.drop_column('user_account', 'list_columns')
