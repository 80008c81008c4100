"""configurable field indexes

A list sorted by a configurable number field read and sorted every record of the
tenant (its value is in the record's JSON); a choice filter on SQLite did the same.
Each number field gets an index per direction on (tenant, the value to sort by, id),
and on SQLite each choice field one on (tenant, the value, the list's order): the expressions the
queries write (app.services.fields.queries), literals included. New fields get theirs
when they are made (app.services.fields.indexes); this makes them for the fields that
exist. Keys that are not plain (a-z, 0-9, _) get none.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 15:50:00

"""
import hashlib
import re

from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# Frozen here: what app.services.fields.indexes makes for a field today.
TABLES = {'contact': 'contact', 'organisation': 'organisation', 'case': 'crm_case',
          'task': 'task', 'activity': 'activity'}
NUMBER_TYPES = ('integer', 'decimal')
PLAIN_KEY = re.compile(r'^[a-z0-9_]{1,60}$')
LIST_ORDER = {'contact': ('last_name', 'first_name')}


def _name(table, key, purpose):
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return f'ixcf_{table[:12]}_{key[:24]}_{digest}_{purpose}'


def _number(dialect, key):
    if dialect == 'postgresql':
        return (f"CASE WHEN (jsonb_typeof(custom -> '{key}') = 'number') "
                f"THEN CAST(custom ->> '{key}' AS FLOAT) END")
    return (f"CASE WHEN (json_type(custom, '$.\"{key}\"') IN ('integer', 'real')) "
            f"THEN json_extract(custom, '$.\"{key}\"') END")


def _statements(dialect, table, key, field_type):
    if field_type in NUMBER_TYPES:
        for purpose, last in (('asc', '1e308'), ('desc', '-1e308')):
            yield (f'CREATE INDEX IF NOT EXISTS {_name(table, key, purpose)} ON {table} '
                   f'(tenant_id, coalesce({_number(dialect, key)}, {last}), id)')
    elif field_type == 'choice' and dialect == 'sqlite':
        order = ''.join(f', {column}' for column in LIST_ORDER.get(table, ()))
        yield (f'CREATE INDEX IF NOT EXISTS {_name(table, key, "eq")} ON {table} '
               f"(tenant_id, json_extract(custom, '$.\"{key}\"'){order})")


def _fields():
    return op.get_bind().exec_driver_sql(
        'SELECT DISTINCT entity, key, field_type FROM field_definition').fetchall()


def upgrade():
    dialect = op.get_bind().dialect.name
    for entity, key, field_type in _fields():
        if entity in TABLES and PLAIN_KEY.match(key):
            for statement in _statements(dialect, TABLES[entity], key, field_type):
                op.execute(statement)
    if dialect == 'sqlite':
        op.execute('ANALYZE')  # SQLite plans from statistics that know the new indexes


def downgrade():
    bind = op.get_bind()
    catalogue = {
        'sqlite': "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ixcf!_%' "
                  "ESCAPE '!'",
        'postgresql': "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                      "AND indexname LIKE 'ixcf!_%' ESCAPE '!'",
    }[bind.dialect.name]
    for (name,) in bind.exec_driver_sql(catalogue).fetchall():
        op.execute(f'DROP INDEX {name}')
