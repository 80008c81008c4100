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


def test_tenants_made_before_dictionaries_get_the_default_entries(tmp_path):
    """Migration 0007 seeds the dictionaries of tenants that existed before them, with
    the same entries a new tenant gets (SQLite file of its own: the shared test
    database is at the newest revision)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.services.dictionaries import SEED
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0006")
        db.session.execute(text(
            "INSERT INTO tenant (id, name, slug, default_language, active, settings, "
            "created_at, updated_at) VALUES (1, 'Gammel', 'gammel', 'da', 1, '{}', "
            "'2026-01-01', '2026-01-01')"))
        db.session.commit()
        upgrade(revision="0007")
        rows = db.session.execute(text(
            "SELECT dictionary, key, is_done FROM dictionary_entry WHERE tenant_id = 1 "
            "ORDER BY dictionary, position")).all()
        db.session.remove()
        db.engine.dispose()
    expected = sorted((dictionary, entry["key"], entry["is_done"])
                      for dictionary, entries in SEED.items() for entry in entries)
    assert sorted((d, k, bool(done)) for d, k, done in rows) == expected
