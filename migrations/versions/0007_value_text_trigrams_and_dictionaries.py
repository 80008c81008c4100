"""value text trigrams, default dictionaries for existing tenants

PostgreSQL: a trigram index over the text of each entity's configurable-field values,
so that a search on a searchable field can skip rows that cannot contain the text.
All databases: tenants created before dictionaries existed get the default entries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:40:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('contact', 'organisation', 'crm_case', 'task')

# The entries as this revision seeds them (frozen here: later changes to the app's
# defaults must not change what this migration does). (key, en, da, sv, pl, is_done)
SEED = {
    'activity_kind': [
        ('note', 'Note', 'Notat', 'Anteckning', 'Notatka', False),
        ('meeting', 'Meeting', 'Møde', 'Möte', 'Spotkanie', False),
        ('email', 'E-mail', 'E-mail', 'E-post', 'E-mail', False),
        ('call', 'Phone call', 'Opkald', 'Samtal', 'Rozmowa telefoniczna', False),
        ('letter', 'Letter', 'Brev', 'Brev', 'List', False),
    ],
    'priority': [
        ('high', 'High', 'Høj', 'Hög', 'Wysoki', False),
        ('normal', 'Normal', 'Normal', 'Normal', 'Normalny', False),
        ('low', 'Low', 'Lav', 'Låg', 'Niski', False),
    ],
    'activity_category': [
        ('sales', 'Sales', 'Salg', 'Försäljning', 'Sprzedaż', False),
        ('service', 'Customer service', 'Kundeservice', 'Kundtjänst', 'Obsługa klienta', False),
        ('administration', 'Administration', 'Administration', 'Administration',
         'Administracja', False),
    ],
    'task_status': [
        ('new', 'New', 'Ny', 'Ny', 'Nowe', False),
        ('in_progress', 'In progress', 'I gang', 'Pågår', 'W toku', False),
        ('waiting', 'Waiting', 'Afventer', 'Väntar', 'Oczekuje', False),
        ('done', 'Done', 'Udført', 'Klar', 'Zakończone', True),
        ('cancelled', 'Cancelled', 'Annulleret', 'Avbruten', 'Anulowane', True),
    ],
    'case_category': [
        ('enquiry', 'Enquiry', 'Henvendelse', 'Förfrågan', 'Zapytanie', False),
        ('complaint', 'Complaint', 'Reklamation', 'Reklamation', 'Reklamacja', False),
        ('order', 'Order', 'Ordre', 'Order', 'Zamówienie', False),
        ('support', 'Support', 'Support', 'Support', 'Wsparcie', False),
    ],
}


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
        {'tenant_id': tenant_id, 'dictionary': dictionary, 'key': key,
         'labels': {'en': en, 'da': da, 'sv': sv, 'pl': pl}, 'position': position,
         'active': True, 'is_done': done, 'created_at': now, 'updated_at': now}
        for tenant_id in tenants if tenant_id not in seeded
        for dictionary, entries in SEED.items()
        for position, (key, en, da, sv, pl, done) in enumerate(entries, start=1)
    ]
    if rows:
        op.bulk_insert(entry, rows)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.drop_index(f'ix_{table}_custom_trigram', table_name=table)
