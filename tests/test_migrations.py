"""The schema comes from the migrations alone: the models must not differ from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models.base import exists_on


def _include(dialect_name: str):
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return reflected or exists_on(obj, dialect_name)

    return include_object


def test_models_and_migrations_agree():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": _include(conn.dialect.name)})
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
    dialect = db.engine.dialect.name
    expected = {index.name for table in db.metadata.tables.values() for index in table.indexes
                if exists_on(index, dialect)}
    assert expected - existing == set()
