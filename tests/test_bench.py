"""`make bench` keeps working as the screens change: a small benchmark tenant is
generated in bulk, and every measured page answers 200 with a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Contact, Task
from app.models.tenant import Tenant
from bench import data
from bench.pages import our_pages
from bench.run import cost_pages, make_app


def test_generated_tenant_and_every_page(tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    app = make_app(url)
    data.generate(app, 200)
    assert data.existing_contacts(app) == 200
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Activity.__table__)
                                   ).scalar()
        assert count == 200 * data.ACTIVITIES_PER_CONTACT + (
            data.HEAVY_ACTIVITIES - data.ACTIVITIES_PER_CONTACT)
        assert db.session.execute(select(func.count()).select_from(Task.__table__)).scalar() == 20
        custom = db.session.execute(select(Contact.__table__.c.custom).limit(1)).scalar()
        assert set(custom) == {"level", "visits"}
    pages = our_pages(app, 200, None)
    assert all(page.ours for page in pages), [page.key for page in pages if not page.ours]
    costs = cost_pages(app, pages)
    assert {key: cost.status for key, cost in costs.items()} == {p.key: 200 for p in pages}
    assert all(cost.queries > 0 and cost.main is not None for cost in costs.values())
    filters = {"tag": "contact_tag", "organisation": "employment", "choice": "custom",
               "search": "Nowak12", "sort_custom": "visits"}
    for key, marker in filters.items():  # the page's URL really filters / sorts
        assert any(marker.lower() in f"{statement.sql} {statement.parameters}".lower()
                   for statement in costs[key].statements), key


def test_import_measurement(tmp_path):
    from bench import imports

    url = f"sqlite:///{tmp_path / 'import.db'}"
    result = imports.measure(url, 300)
    assert (result["database"], result["created"], result["refused"]) == ("sqlite", 300, 0)
    assert result["rows_per_second"] > 0
    assert result["database_alone_rows_per_second"] > 0
    # the floor's copy writes every row the import wrote once more, and keeps none
    app = make_app(url)
    with app.app_context(), db.engine.connect() as connection:
        tenant_id = connection.scalar(select(Tenant.id).where(Tenant.slug == "import"))

        def counts() -> dict[str, int]:
            return {table.name: connection.scalar(select(func.count()).select_from(table)
                                                  .where(table.c.tenant_id == tenant_id))
                    for table, _prefixed, _shifted in imports.COPIED}

        written = counts()
        assert written["contact"] == written["employment"] == 300
        assert written["audit_entry"] >= 300 and written["organisation"] > 0
        for table, prefixed, shifted in imports.COPIED:
            imports._copy(connection, table, tenant_id, prefixed, ("id", *shifted))
        assert counts() == {name: 2 * number for name, number in written.items()}
        connection.rollback()
        assert counts() == written


def test_settled_tables_are_vacuumed_and_analysed(app, database_url, tenant_a):
    """The benchmark measures both sides on tables as autovacuum leaves them (the
    machine's PostgreSQL may run without it): visible pages for index-only scans,
    planner statistics."""
    from sqlalchemy import create_engine, text

    data.settle(database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            visible = conn.execute(text(
                "SELECT relallvisible FROM pg_class WHERE relname = 'tenant'")).scalar()
            assert visible > 0
        else:
            assert conn.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar() > 0
    engine.dispose()
