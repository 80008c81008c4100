"""The schema keeps the tenant on every tenant-owned row (docs/deployment.md, "Sharding
by tenant"): every table has tenant_id except the ones listed here, each for a stated
reason, and the unique constraints that do not include tenant_id are known and
documented. A new table or constraint must be added to the list and to the document."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Index, UniqueConstraint, inspect

from app.extensions import db
from app.models.base import compared_with_models
from app.tenancy import TenantOptional, TenantScoped

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"

# Tables without tenant_id, and why (the document says the same).
GLOBAL_TABLES = {
    "tenant": "the tenants themselves: the root every other row points to",
}
# Pure link tables: two foreign keys, both to tenant-owned rows, so the tenant is that of
# either end (the ORM loads only the current tenant's rows, so a link joins two of them).
LINK_TABLES = {
    "activity_contact": {"activity", "contact"},
    "campaign_contact": {"campaign", "contact"},
    "case_contact": {"crm_case", "contact"},
    "contact_tag": {"contact", "tag"},
    "organisation_tag": {"organisation", "tag"},
    "project_contact": {"project", "contact"},
}
# Unique constraints and unique indexes whose columns do not include tenant_id.
UNIQUE_WITHOUT_TENANT = {
    ("tenant", ("slug",)),
    ("user_account", ("feed_token",)),
    ("user_account", ("email",)),  # uq_user_account_email_lower: lower(email)
    ("app_password", ("secret_hash",)),
    ("api_token", ("secret_hash",)),
    ("idempotent_request", ("token_id", "key")),
    ("field_choice", ("field_id", "key")),
}


def tables():
    return db.metadata.tables


def test_every_table_but_the_listed_ones_carries_tenant_id():
    without = {name for name, table in tables().items() if "tenant_id" not in table.c}
    assert without == set(GLOBAL_TABLES) | set(LINK_TABLES)


def test_link_tables_are_two_foreign_keys_to_tenant_owned_tables():
    for name, ends in LINK_TABLES.items():
        table = tables()[name]
        assert {c.name for c in table.primary_key.columns} == {c.name for c in table.c}
        assert {fk.column.table.name for fk in table.foreign_keys} == ends
        assert all("tenant_id" in tables()[end].c for end in ends)


def test_tenant_owned_models_are_scoped_automatically():
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if "tenant_id" in table.c:
            assert issubclass(mapper.class_, TenantScoped | TenantOptional), mapper.class_
            if table.name != "user_account":  # platform operators belong to no tenant
                assert not table.c.tenant_id.nullable, table.name


def unique_without_tenant() -> set[tuple[str, tuple[str, ...]]]:
    found = set()
    for table in tables().values():
        for item in [*table.constraints, *table.indexes]:
            if isinstance(item, UniqueConstraint) or isinstance(item, Index) and item.unique:
                columns = tuple(c.name for c in item.columns)
                if "tenant_id" not in columns:
                    found.add((table.name, columns or (str(item.name),)))
    return found


def test_unique_constraints_without_tenant_id_are_the_known_ones():
    assert unique_without_tenant() == UNIQUE_WITHOUT_TENANT


def test_the_document_names_every_exception():
    text = DOCUMENT.read_text(encoding="utf-8")
    for name in [*GLOBAL_TABLES, *LINK_TABLES]:
        assert f"`{name}`" in text, name
    for table, columns in UNIQUE_WITHOUT_TENANT:
        assert f"`{table}`" in text and all(column in text for column in columns)


def test_the_migrated_database_agrees(app):
    """The migrations built the same thing on this database (SQLite or PostgreSQL)."""
    inspector = inspect(db.engine)
    names = {name for name in inspector.get_table_names()
             if name != "alembic_version" and compared_with_models(name, "table")}
    assert names == set(tables())
    for name in names:
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        assert ("tenant_id" in columns) == ("tenant_id" in tables()[name].c), name
        if "tenant_id" in columns:
            assert columns["tenant_id"]["nullable"] == (name == "user_account"), name
