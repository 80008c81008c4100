"""The schema comes from the migrations alone: the models must not differ from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models.base import compared_with_models, exists_on


def _include(dialect_name: str):
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return compared_with_models(name, type_) and (reflected or exists_on(obj, dialect_name))

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


# What migration 0007 gives a tenant made before dictionaries existed, written out here
# (not read from the app, whose defaults may change later): (dictionary, position, key,
# labels in en, da, sv, pl, is_done).
SEEDED_BY_0007 = [
    ("activity_category", 1, "sales", ("Sales", "Salg", "Försäljning", "Sprzedaż"), False),
    ("activity_category", 2, "service",
     ("Customer service", "Kundeservice", "Kundtjänst", "Obsługa klienta"), False),
    ("activity_category", 3, "administration",
     ("Administration", "Administration", "Administration", "Administracja"), False),
    ("activity_kind", 1, "note", ("Note", "Notat", "Anteckning", "Notatka"), False),
    ("activity_kind", 2, "meeting", ("Meeting", "Møde", "Möte", "Spotkanie"), False),
    ("activity_kind", 3, "email", ("E-mail", "E-mail", "E-post", "E-mail"), False),
    ("activity_kind", 4, "call",
     ("Phone call", "Opkald", "Samtal", "Rozmowa telefoniczna"), False),
    ("activity_kind", 5, "letter", ("Letter", "Brev", "Brev", "List"), False),
    ("case_category", 1, "enquiry", ("Enquiry", "Henvendelse", "Förfrågan", "Zapytanie"), False),
    ("case_category", 2, "complaint",
     ("Complaint", "Reklamation", "Reklamation", "Reklamacja"), False),
    ("case_category", 3, "order", ("Order", "Ordre", "Order", "Zamówienie"), False),
    ("case_category", 4, "support", ("Support", "Support", "Support", "Wsparcie"), False),
    ("priority", 1, "high", ("High", "Høj", "Hög", "Wysoki"), False),
    ("priority", 2, "normal", ("Normal", "Normal", "Normal", "Normalny"), False),
    ("priority", 3, "low", ("Low", "Lav", "Låg", "Niski"), False),
    ("task_status", 1, "new", ("New", "Ny", "Ny", "Nowe"), False),
    ("task_status", 2, "in_progress", ("In progress", "I gang", "Pågår", "W toku"), False),
    ("task_status", 3, "waiting", ("Waiting", "Afventer", "Väntar", "Oczekuje"), False),
    ("task_status", 4, "done", ("Done", "Udført", "Klar", "Zakończone"), True),
    ("task_status", 5, "cancelled",
     ("Cancelled", "Annulleret", "Avbruten", "Anulowane"), True),
]


def test_tenants_made_before_dictionaries_get_the_default_entries(tmp_path):
    """Migration 0007 seeds the dictionaries of tenants that existed before them
    (SQLite file of its own: the shared test database is at the newest revision)."""
    import json

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import OLD_TENANT, make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0006")
        db.session.execute(text(OLD_TENANT))
        db.session.commit()
        upgrade(revision="0007")
        rows = db.session.execute(text(
            "SELECT dictionary, position, key, labels, is_done, active FROM dictionary_entry "
            "WHERE tenant_id = 1 ORDER BY dictionary, position")).all()
        db.session.remove()
        db.engine.dispose()
    assert all(active for *_row, active in rows)
    seeded = []
    for dictionary, position, key, labels, done, _active in rows:
        labels = json.loads(labels)
        seeded.append((dictionary, position, key,
                       tuple(labels.pop(lang) for lang in ("en", "da", "sv", "pl")), bool(done)))
        assert labels == {}, key  # no other language
    assert seeded == SEEDED_BY_0007
