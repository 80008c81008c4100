"""The schema comes from the migrations alone: the models must not differ from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_index_of_the_models_exists():
    """Comparing metadata cannot see indexes on expressions (lower(email) …) on SQLite,
    so their names are checked in the database catalogue itself."""
    catalogue = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()",
    }[db.engine.dialect.name]
    with db.engine.connect() as conn:
        existing = set(conn.exec_driver_sql(catalogue).scalars())
    expected = {index.name for table in db.metadata.tables.values() for index in table.indexes}
    assert expected - existing == set()
