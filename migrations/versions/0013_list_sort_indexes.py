"""list sort indexes

Every column the contact, organisation and activity lists sort by gets a (tenant,
column) index, which serves both directions: a sorted page then reads its rows from
the index instead of sorting the tenant's whole table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:45:00

"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen here: (table, column) of each new index, named ix_<table>_tenant_<column>.
SORT_COLUMNS = (
    ('contact', 'first_name'), ('contact', 'email'), ('contact', 'kind'),
    ('organisation', 'registration_number'), ('organisation', 'city'),
    ('organisation', 'phone'), ('organisation', 'email'), ('organisation', 'industry'),
    ('activity', 'kind'), ('activity', 'subject'), ('activity', 'planned'),
    ('activity', 'completed'),
)


def upgrade():
    for table, column in SORT_COLUMNS:
        op.create_index(f'ix_{table}_tenant_{column}', table, ['tenant_id', column])
    op.create_index('ix_activity_tenant_starts_id', 'activity',
                    ['tenant_id', 'starts_at', 'id'])
    op.drop_index('ix_activity_tenant_starts', table_name='activity')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite plans from the statistics ANALYZE stored, which know nothing of the
        # new indexes until it runs again (PostgreSQL keeps its own up to date)
        op.execute('ANALYZE')


def downgrade():
    op.create_index('ix_activity_tenant_starts', 'activity', ['tenant_id', 'starts_at'])
    op.drop_index('ix_activity_tenant_starts_id', table_name='activity')
    for table, column in SORT_COLUMNS:
        op.drop_index(f'ix_{table}_tenant_{column}', table_name=table)
