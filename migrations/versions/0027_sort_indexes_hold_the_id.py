"""the contact and organisation lists' sort indexes hold the id (PostgreSQL)

A list page's ids are read along the index of its sort; past the first pages that walk
(up to 10,000 entries at the deepest page) visited the table for each entry's id: 12 ms
of a deep contact page at a million contacts. With the id kept in the index (INCLUDE)
the walk reads the index alone (2 ms). SQLite's indexes hold the rowid, which is the id,
already: nothing changes there.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 08:00:00

"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

SORT_INDEXES = {
    'contact': {'last_name': ['last_name', 'first_name'], 'phone': ['phone'],
                'mobile': ['mobile'], 'first_name': ['first_name'], 'email': ['email'],
                'kind': ['kind']},
    'organisation': {name: [name] for name in ('name', 'registration_number', 'city',
                                               'phone', 'email', 'industry')},
}


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, indexes in SORT_INDEXES.items():
        for key, columns in indexes.items():
            name = f'ix_{table}_tenant_{key}'
            op.drop_index(name, table_name=table)
            op.create_index(name, table, ['tenant_id', *columns], unique=False,
                            postgresql_include=include)


def upgrade():
    _rebuild(['id'])


def downgrade():
    _rebuild([])
