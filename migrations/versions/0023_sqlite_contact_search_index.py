"""SQLite contact search index

The contact search matches any part of names, e-mail and phone numbers. PostgreSQL
answers it from pg_trgm indexes (0005); SQLite has none, so it read every contact of
the tenant and folded each name's case in Python. SQLite's answer is an FTS5 table
with the trigram tokenizer (SQLite 3.34 and later): it finds the contacts whose
columns contain a text of three or more characters, whatever its case, and the exact
test then runs on those few. The table holds no copy of the text (``content`` is the
contact table); triggers keep its index in step with every insert, update and delete.

Without FTS5's trigram tokenizer nothing is made, and the search reads as before.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 15:30:00

"""
import sqlite3

from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# Frozen here (app.services.contacts.search_index reads the same names).
TABLE = 'contact_search'
COLUMNS = ('last_name', 'first_name', 'email', 'phone', 'mobile')


def _values(prefix: str) -> str:
    return ', '.join(f'{prefix}.{column}' for column in COLUMNS)


def _supported() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite' or sqlite3.sqlite_version_info < (3, 34):
        return False
    options = {row[0] for row in bind.exec_driver_sql('PRAGMA compile_options')}
    return 'ENABLE_FTS5' in options


def upgrade():
    if not _supported():
        return
    columns = ', '.join(COLUMNS)
    op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5({columns}, content='contact', "
               "content_rowid='id', tokenize='trigram')")
    insert = (f"INSERT INTO {TABLE}(rowid, {columns}) VALUES (new.id, {_values('new')});")
    delete = (f"INSERT INTO {TABLE}({TABLE}, rowid, {columns}) "
              f"VALUES ('delete', old.id, {_values('old')});")
    op.execute(f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON contact BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON contact BEGIN {delete} END")
    op.execute(f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {columns} ON contact "
               f"BEGIN {delete} {insert} END")
    op.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for trigger in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_{trigger}')
    op.execute(f'DROP TABLE IF EXISTS {TABLE}')
