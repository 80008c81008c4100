"""value text trigrams, default dictionaries for existing tenants

PostgreSQL: a trigram index over the text of each entity's configurable-field values,
so that a search on a searchable field can skip rows that cannot contain the text.
All databases: tenants created before dictionaries existed get the default entries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:40:00

"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('contact', 'organisation', 'crm_case', 'task')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for table in TABLES:
            op.create_index(
                f'ix_{table}_custom_trigram', table,
                [sa.literal_column('lower(CAST(custom AS TEXT))').label('custom_text')],
                postgresql_using='gin', postgresql_ops={'custom_text': 'gin_trgm_ops'})
    _seed_dictionaries(bind)


def _seed_dictionaries(bind):
    # The entries as this revision knows them; later changes to the defaults do not
    # reach back into this migration.
    from app.services.dictionaries import SEED

    entry = sa.table(
        'dictionary_entry', sa.column('tenant_id', sa.Integer), sa.column('dictionary'),
        sa.column('key'), sa.column('labels', sa.JSON), sa.column('position', sa.Integer),
        sa.column('active', sa.Boolean), sa.column('is_done', sa.Boolean),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)))
    seeded = {row[0] for row in bind.execute(sa.text(
        'SELECT DISTINCT tenant_id FROM dictionary_entry'))}
    tenants = [row[0] for row in bind.execute(sa.text('SELECT id FROM tenant'))]
    now = datetime.now(timezone.utc)
    rows = [
        {'tenant_id': tenant_id, 'dictionary': dictionary, 'key': values['key'],
         'labels': json.loads(json.dumps(values['labels'])), 'position': position,
         'active': True, 'is_done': values['is_done'], 'created_at': now, 'updated_at': now}
        for tenant_id in tenants if tenant_id not in seeded
        for dictionary, entries in SEED.items()
        for position, values in enumerate(entries, start=1)
    ]
    if rows:
        op.bulk_insert(entry, rows)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.drop_index(f'ix_{table}_custom_trigram', table_name=table)
