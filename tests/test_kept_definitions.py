"""Configurable field definitions kept between requests (services.fields.kept): read
once per revision of the tenant's definitions, the revision moved by every change
whatever its way, and never another tenant's or a stale one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import select, update

from app.extensions import db
from app.models import FieldChoice, FieldDefinition, FieldSection, Tag
from app.models.tenant import Tenant
from app.services.fields import admin as field_admin
from app.services.fields import values as custom_fields
from app.services.fields.admin import ChoiceInput, FieldInput
from app.tenancy import tenant_context
from tests.conftest import count_queries, login
from tests.factories import field_labels, gen_contact, gen_fields

LIST = "/admin/contact/"


@contextmanager
def request_of(app: Flask, tenant_id: int) -> Iterator[None]:
    """A request of its own (its own g and session), as the tenant."""
    with app.app_context(), app.test_request_context(), tenant_context(tenant_id):
        yield


def revision(tenant_id: int) -> int:
    return db.session.scalar(select(Tenant.fields_revision).where(Tenant.id == tenant_id))


def definition_reads(client, url: str = LIST) -> tuple[str, int]:
    """The page, and how many statements read the tenant's field sections."""
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    return page, len([s for s in statements if "FROM field_section" in s])


def test_a_list_reads_the_definitions_once_until_they_change(app, client, tenant_a):
    gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Niveau"), field_type="text",
                                              show_in_list=True))
    login(client, "admin@alpha.example")
    first, reads = definition_reads(client)
    assert "Niveau" in first and reads <= 1
    page, reads = definition_reads(client)
    assert "Niveau" in page and reads == 0
    with tenant_context(tenant_a.id):
        field = db.session.scalar(select(FieldDefinition))
        field_admin.update_field(field, FieldInput(labels=field_labels("Trin"),
                                                   field_type="text", show_in_list=True))
        db.session.commit()
    page, reads = definition_reads(client)
    assert "Trin" in page and "Niveau" not in page and reads == 1


def test_a_change_written_by_another_process_is_seen_by_its_revision(app, client, tenant_a):
    """Another worker's change reaches this process only through the tenant's row."""
    gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Niveau"), field_type="text",
                                              show_in_list=True))
    login(client, "admin@alpha.example")
    assert "Niveau" in client.get(LIST).get_data(as_text=True)
    with db.engine.begin() as conn:  # as the other process's flush writes it
        conn.execute(update(FieldDefinition.__table__).values(labels={"da": "Trin"}))
        conn.execute(update(Tenant.__table__).where(Tenant.__table__.c.id == tenant_a.id)
                     .values(fields_revision=Tenant.__table__.c.fields_revision + 1))
    page = client.get(LIST).get_data(as_text=True)
    assert "Trin" in page and "Niveau" not in page


def test_every_change_of_a_definition_moves_the_tenants_revision(app, tenant_a, tenant_b):
    with tenant_context(tenant_a.id):
        steps = []

        def step(change) -> None:
            before = revision(tenant_a.id)
            change()
            db.session.commit()
            steps.append(revision(tenant_a.id) > before)

        sections = []
        step(lambda: sections.append(field_admin.create_section("contact", field_labels("A"))))
        section = db.session.get(FieldSection, sections[0].id)
        step(lambda: field_admin.create_field(section, FieldInput(
            labels=field_labels("Segment"), field_type="choice",
            choices=[ChoiceInput(field_labels("Lille"))])))
        field = db.session.scalar(select(FieldDefinition))
        step(lambda: field_admin.save_choices(field, [
            ChoiceInput(field_labels("Stor"))]))  # "Lille" goes: an orphan
        step(lambda: field_admin.rename_section(section, field_labels("B")))
        step(lambda: field_admin.set_active(field, False))
        step(lambda: field_admin.delete_field(field, confirmed=True))
        assert steps == [True] * 6
        assert db.session.scalar(select(FieldChoice)) is None
        unchanged = revision(tenant_a.id)
        gen_contact(tenant_a.id, first_name="Ingen", last_name="Felter")
        db.session.add(Tag(name="ny"))
        db.session.commit()
        assert revision(tenant_a.id) == unchanged
    with tenant_context(tenant_b.id):
        assert revision(tenant_b.id) == 0


def test_a_tenant_made_under_a_deleted_tenants_id_sees_only_its_own(app: Flask, tenant_a):
    """SQLite gives a new row the highest id again; the kept definitions of the deleted
    tenant, at the same revision, must not be the new one's."""
    gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Gammel"), field_type="text"))
    with request_of(app, tenant_a.id):
        assert [f.label("en") for f in custom_fields.active_fields("contact")] == ["Gammel"]
        old_revision = revision(tenant_a.id)
    with tenant_context(tenant_a.id):
        for model in (FieldChoice, FieldDefinition, FieldSection):
            db.session.execute(model.__table__.delete())
        tenant = db.session.get(Tenant, tenant_a.id)
        tenant.fields_revision = 0
        tenant.created_at = tenant.created_at.replace(year=2020)  # made anew, elsewhen
        db.session.commit()
        gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Ny"), field_type="text"))
        db.session.execute(update(Tenant).where(Tenant.id == tenant_a.id)
                           .values(fields_revision=old_revision))
        db.session.commit()
    with request_of(app, tenant_a.id):
        assert [f.label("en") for f in custom_fields.active_fields("contact")] == ["Ny"]


def test_kept_definitions_are_objects_of_their_own(app: Flask, tenant_a):
    """The request's own objects can be changed and committed; the kept ones keep their
    values after the request's commit and are nobody's to change."""
    gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Niveau"), field_type="text"))
    with request_of(app, tenant_a.id):
        [kept] = custom_fields.active_fields("contact")
        own = db.session.get(FieldDefinition, kept.id)
        assert own is not kept and kept not in db.session
        own.labels = {"en": "Trin"}
        db.session.commit()
        assert kept.label("en") == "Niveau" and kept.section.label("en")
    with request_of(app, tenant_a.id):
        assert [f.label("en") for f in custom_fields.active_fields("contact")] == ["Trin"]


def test_a_request_that_changes_definitions_reads_its_own(app: Flask, tenant_a):
    gen_fields(tenant_a.id, level=FieldInput(labels=field_labels("Niveau"), field_type="text"))
    with request_of(app, tenant_a.id):
        custom_fields.active_fields("contact")  # kept
        field = db.session.scalar(select(FieldDefinition))
        field_admin.update_field(field, FieldInput(labels=field_labels("Trin"),
                                                   field_type="text"))
        assert [f.label("en") for f in custom_fields.active_fields("contact")] == ["Trin"]
        db.session.rollback()


def test_kept_filters_offer_the_tags_of_this_moment(app, client, tenant_a):
    gen_fields(tenant_a.id)
    login(client, "admin@alpha.example")
    assert "Stamkunde" not in client.get(LIST).get_data(as_text=True)
    with tenant_context(tenant_a.id):
        db.session.add(Tag(name="Stamkunde"))
        db.session.commit()
    assert "Stamkunde" in client.get(LIST).get_data(as_text=True)


def test_kept_filters_follow_the_language(app, client, tenant_a):
    gen_fields(tenant_a.id)
    login(client, "admin@alpha.example")
    danish = client.get(LIST).get_data(as_text=True)
    client.post("/language/en")
    english = client.get(LIST).get_data(as_text=True)
    assert '"indeholder"' in danish and '"contains"' not in danish
    assert '"contains"' in english and '"indeholder"' not in english
