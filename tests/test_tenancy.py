"""The one place of tenant isolation: the session scopes every ORM query and every new
row. Two throw-away models (created for this module only) exercise the mechanism
with a relationship, independent of any product model."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)

from app.extensions import db
from app.models import User
from app.tenancy import (
    TenantScoped,
    TenantViolation,
    all_tenants,
    current_tenant_id,
    tenant_context,
)


class ProbeBase(DeclarativeBase):
    metadata = MetaData()


# Stands for the real tenant table so that the foreign keys resolve in this metadata.
Table("tenant", ProbeBase.metadata, Column("id", Integer, primary_key=True))


class Widget(TenantScoped, ProbeBase):
    __tablename__ = "probe_widget"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parts: Mapped[list[WidgetPart]] = relationship(back_populates="widget")


class WidgetPart(TenantScoped, ProbeBase):
    __tablename__ = "probe_widget_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    widget_id: Mapped[int] = mapped_column(ForeignKey("probe_widget.id"))
    label: Mapped[str] = mapped_column(String(50))
    widget: Mapped[Widget] = relationship(back_populates="parts")


@pytest.fixture
def probe_tables():
    tables = [Widget.__table__, WidgetPart.__table__]
    ProbeBase.metadata.create_all(db.engine, tables=tables)
    yield
    db.session.remove()
    ProbeBase.metadata.drop_all(db.engine, tables=tables)


@pytest.fixture
def two_tenants_with_widgets(probe_tables, tenant_a, tenant_b):
    ids = {}
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.id):
            widget = Widget(name=f"widget of {tenant.slug}")
            widget.parts = [WidgetPart(label=f"part {i} of {tenant.slug}") for i in range(3)]
            db.session.add(widget)
            db.session.commit()
            ids[tenant.slug] = widget.id
        db.session.remove()
    return tenant_a.id, tenant_b.id, ids


def test_select_sees_only_the_current_tenant(two_tenants_with_widgets):
    a, b, ids = two_tenants_with_widgets
    with tenant_context(b):
        names = db.session.scalars(select(Widget.name)).all()
        count = db.session.scalar(select(func.count()).select_from(Widget))
    assert names == ["widget of beta"]
    assert count == 1


def test_primary_key_lookup_of_another_tenant_finds_nothing(two_tenants_with_widgets):
    a, b, ids = two_tenants_with_widgets
    with tenant_context(b):
        assert db.session.get(Widget, ids["alpha"]) is None
        assert db.session.get(Widget, ids["beta"]) is not None


def test_relationships_never_bring_another_tenants_rows(two_tenants_with_widgets):
    a, b, ids = two_tenants_with_widgets
    # A row of tenant A that points at tenant B's widget (as a bug or an attack might).
    with all_tenants():
        db.session.add(WidgetPart(tenant_id=a, widget_id=ids["beta"], label="foreign"))
        db.session.commit()
    db.session.remove()
    with tenant_context(b):
        lazy = db.session.get(Widget, ids["beta"])
        assert sorted(p.label for p in lazy.parts) == [f"part {i} of beta" for i in range(3)]
        db.session.expunge_all()
        for loader in (joinedload, selectinload):
            widget = db.session.scalars(
                select(Widget).options(loader(Widget.parts))
            ).unique().one()
            assert "foreign" not in {p.label for p in widget.parts}
            db.session.expunge_all()
        joined = db.session.scalars(
            select(WidgetPart.label).join(WidgetPart.widget).where(Widget.id == ids["beta"])
        ).all()
        assert "foreign" not in joined


def test_users_are_scoped_while_a_tenant_is_current(tenant_a, tenant_b):
    with tenant_context(tenant_b.id):
        emails = set(db.session.scalars(select(User.email)))
    assert emails == {"admin@beta.example", "user@beta.example"}


def test_without_a_tenant_scoped_rows_are_invisible(two_tenants_with_widgets):
    assert current_tenant_id() is None
    assert db.session.scalars(select(Widget)).all() == []


def test_new_rows_get_the_current_tenant(probe_tables, tenant_a):
    with tenant_context(tenant_a.id):
        widget = Widget(name="stamped")
        db.session.add(widget)
        db.session.commit()
        assert widget.tenant_id == tenant_a.id


def test_a_row_cannot_be_created_in_another_tenant(probe_tables, tenant_a, tenant_b):
    with tenant_context(tenant_b.id):
        db.session.add(Widget(name="smuggled", tenant_id=tenant_a.id))
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_a_row_cannot_be_created_without_a_tenant(probe_tables):
    db.session.add(Widget(name="orphan"))
    with pytest.raises(TenantViolation):
        db.session.flush()
    db.session.rollback()


def test_a_row_cannot_move_to_another_tenant(two_tenants_with_widgets):
    a, b, ids = two_tenants_with_widgets
    with tenant_context(b):
        widget = db.session.get(Widget, ids["beta"])
        widget.tenant_id = a
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_bulk_update_and_delete_touch_only_the_current_tenant(two_tenants_with_widgets):
    a, b, ids = two_tenants_with_widgets
    with tenant_context(b):
        db.session.execute(update(WidgetPart).values(label="renamed"))
        db.session.commit()
    with all_tenants():
        labels = db.session.scalars(select(WidgetPart.label)).all()
    assert sorted(labels) == [f"part {i} of alpha" for i in range(3)] + ["renamed"] * 3
    with tenant_context(b):
        # the condition matches the parts of both tenants' widgets
        db.session.execute(delete(WidgetPart).where(
            WidgetPart.widget_id.in_([ids["alpha"], ids["beta"]])))
        db.session.commit()
    with all_tenants():
        remaining = db.session.scalars(select(WidgetPart.label)).all()
    assert sorted(remaining) == [f"part {i} of alpha" for i in range(3)]
