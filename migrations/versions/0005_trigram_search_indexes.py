"""trigram search indexes

The contact search matches any part of names, e-mail and phone numbers (LIKE '%…%').
On PostgreSQL, pg_trgm GIN indexes answer that without reading every contact of the
tenant. pg_trgm is a trusted extension: the database owner may create it. SQLite gets
no such index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LOWERED = ('last_name', 'first_name', 'email')
PLAIN = ('phone', 'mobile')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for column in LOWERED:
        op.create_index(
            f'ix_contact_{column}_trigram', 'contact',
            [sa.literal_column(f'lower({column})').label(f'lower_{column}')],
            postgresql_using='gin', postgresql_ops={f'lower_{column}': 'gin_trgm_ops'})
    for column in PLAIN:
        op.create_index(f'ix_contact_{column}_trigram', 'contact', [column],
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column in LOWERED + PLAIN:
        op.drop_index(f'ix_contact_{column}_trigram', table_name='contact')
