"""user session version

A number per user stored in the session at login and checked on every request; raising
it (logout, password change, an administrator's reset) ends every session of the user.
A plain ADD COLUMN on SQLite too: rebuilding user_account in batch mode would lose its
lower(email) expression index.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('session_version', sa.Integer(), nullable=False,
                                            server_default='0'))


def downgrade():
    # SQLite 3.35+ drops a column in place (no rebuild, the expression index stays).
    op.drop_column('user_account', 'session_version')
