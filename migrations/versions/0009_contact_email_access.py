"""contact e-mail access restriction (F1)

Plain ADD COLUMN (not batch mode): on SQLite batch mode would rebuild the contact table
and lose its expression indexes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contact', sa.Column('email_access_restricted', sa.Boolean(),
                                       server_default='0', nullable=False))


def downgrade():
    op.drop_column('contact', 'email_access_restricted')
