"""The administrator's screen for configurable fields (A5): sections, fields, order,
choices, type changes, activation, deletion, access and tenant isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Contact, FieldDefinition, FieldSection
from app.services.fields import admin as field_admin
from app.services.fields.admin import ChoiceInput, FieldInput
from app.tenancy import all_tenants, tenant_context
from tests.conftest import count_queries, csrf_token_from, errors_in, login, make_app
from tests.factories import gen_contact, gen_organisation, label_inputs

URL = "/admin/fields"


# --- helpers ------------------------------------------------------------------------

def field_form(section_id: int, field_type: str = "text", da: str = "Felt", **values) -> dict:
    form = {"section": str(section_id), "field_type": field_type, **label_inputs(da=da),
            **label_inputs("help"), "default_value": "", "min_value": "", "max_value": ""}
    form.update(values)
    return form


def choice_rows(*rows: tuple[str, str, bool]) -> dict[str, str]:
    """(key, Danish label, active) per row of the choices editor."""
    data = {}
    for index, (key, label, active) in enumerate(rows):
        data.update({f"choices-{index}-{name}": value
                     for name, value in label_inputs(da=label).items()})
        data[f"choices-{index}-key"] = key
        if active:
            data[f"choices-{index}-active"] = "y"
    return data


def new_section(client, name: str, entity: str = "contact") -> int:
    response = client.post(f"{URL}/section/new/?entity={entity}", data=label_inputs(da=name))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert f"entity={entity}" in response.headers["Location"]
    return section_by_label(name).id


def new_field(client, section_id: int, da: str, field_type: str = "text", **values) -> int:
    response = client.post(f"{URL}/section/{section_id}/field/new/",
                           data=field_form(section_id, field_type, da, **values))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    return field_by_label(da).id


def is_invalid(html: str, name: str) -> bool:
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, name
    return "is-invalid" in tag.group(0)


def by_label(model: type, name: str):
    """The one row labelled so, in any tenant (test data labels are unique); load its
    relationships inside tenant_context."""
    db.session.expire_all()  # requests ran in their own sessions: read afresh
    with all_tenants():
        return next(row for row in db.session.scalars(select(model))
                    if name in row.labels.values())


def section_by_label(name: str) -> FieldSection:
    return by_label(FieldSection, name)


def field_by_label(name: str) -> FieldDefinition:
    return by_label(FieldDefinition, name)


def custom_of(tenant_id: int, contact_id: int) -> dict:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return dict(db.session.get(Contact, contact_id).custom)


@pytest.fixture
def tenant_a_fields(tenant_a):
    """A section with a text field and a choice field in tenant_a, made by the service."""
    with tenant_context(tenant_a.id):
        section = field_admin.create_section("contact", {"da": "Alfahemmelig sektion"})
        text = field_admin.create_field(section, FieldInput({"da": "Alfahemmeligt felt"}, "text"))
        choice = field_admin.create_field(section, FieldInput(
            {"da": "Alfavalg"}, "choice", choices=[ChoiceInput({"da": "Rød"})]))
        db.session.commit()
        return {"section": section.id, "text": text.id, "choice": choice.id,
                "tenant": tenant_a.id}


# --- creating, renaming, ordering ---------------------------------------------------

def test_create_section_and_fields_of_several_types(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    new_field(admin_client, section_id, "Bemærkninger", "long_text", required="y")
    new_field(admin_client, section_id, "Antal ansatte", "integer", min_value="0",
              max_value="1000,5", show_in_list="y", searchable="y", default_value="10")
    new_field(admin_client, section_id, "Kundetype", "choice", default_value="Guld",
              **choice_rows(("", "Guld", True), ("", "Sølv", True), ("", "", True)))
    new_field(admin_client, section_id, "Nyhedsbrev", "boolean", default_value="ja")
    new_field(admin_client, section_id, "Første møde", "date")
    with tenant_context(tenant_a.id):
        section = section_by_label("Kundeforhold")
        fields = {f.labels["da"]: f for f in section.fields}
        assert [f.position for f in section.fields] == [1, 2, 3, 4, 5]
        employees = fields["Antal ansatte"]
        assert (employees.key, employees.field_type, employees.default_value) == (
            "antal_ansatte", "integer", 10)
        assert (employees.min_value, employees.max_value) == (0, 1000.5)
        assert employees.show_in_list and employees.searchable and not employees.required
        assert fields["Bemærkninger"].required
        kind = fields["Kundetype"]
        assert [(c.key, c.labels, c.active) for c in kind.choices] == [
            ("guld", {"da": "Guld"}, True), ("soelv", {"da": "Sølv"}, True)]
        assert kind.default_value == "guld"
        assert fields["Nyhedsbrev"].default_value is True
        assert fields["Første møde"].field_type == "date"
    page = admin_client.get(f"{URL}/?entity=contact").get_data(as_text=True)
    for text in ("Kundeforhold", "Antal ansatte", "antal_ansatte", "Kundetype", "Første møde"):
        assert text in page
    assert "Kundeforhold" not in admin_client.get(f"{URL}/?entity=organisation").get_data(
        as_text=True)


def test_organisation_fields_have_their_own_tab(admin_client, tenant_a):
    section_id = new_section(admin_client, "Virksomhedsdata", entity="organisation")
    new_field(admin_client, section_id, "Branchekode")
    with tenant_context(tenant_a.id):
        assert field_by_label("Branchekode").entity == "organisation"
    assert "Branchekode" in admin_client.get(f"{URL}/?entity=organisation").get_data(
        as_text=True)
    assert "Branchekode" not in admin_client.get(f"{URL}/").get_data(as_text=True)


def test_index_query_count_is_fixed(admin_client, tenant_a):
    counts = []
    for batch in range(2):
        with tenant_context(tenant_a.id):
            for number in range(1 + 3 * batch):
                section = field_admin.create_section("contact", {"da": f"S{batch}-{number}"})
                for kind in ("text", "choice"):
                    field_admin.create_field(section, FieldInput(
                        {"da": f"F{batch}-{number}-{kind}"}, kind,
                        choices=[ChoiceInput({"da": "A"}), ChoiceInput({"da": "B"})]))
            db.session.commit()
        with count_queries() as statements:
            assert admin_client.get(f"{URL}/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_refused_form_keeps_what_was_typed(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    response = admin_client.post(
        f"{URL}/section/{section_id}/field/new/",
        data=field_form(section_id, "integer", da="", **{"help_da": "Skriv et tal",
                        "min_value": "5", "max_value": "1", "default_value": "syv"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skriv et tal" in html and 'value="syv"' in html  # kept
    assert errors_in(html)
    response = admin_client.post(
        f"{URL}/section/{section_id}/field/new/",
        data=field_form(section_id, "integer", da="Tal", min_value="5", max_value="1"))
    assert response.status_code == 200 and is_invalid(response.get_data(as_text=True),
                                                      "min_value")
    response = admin_client.post(f"{URL}/section/{section_id}/field/new/",
                                 data=field_form(section_id, "integer", da="Tal",
                                                 min_value="1e30"))
    assert response.status_code == 200 and is_invalid(response.get_data(as_text=True),
                                                      "min_value")
    with tenant_context(tenant_a.id):
        assert section_by_label("Kundeforhold").fields == []


def test_rename_section_and_edit_field_labels(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Bemærkninger")
    form_page = admin_client.get(f"{URL}/section/{section_id}/edit/").get_data(as_text=True)
    assert 'value="Kundeforhold"' in form_page
    response = admin_client.post(f"{URL}/section/{section_id}/edit/",
                                 data=label_inputs(da="Relation", sv="Relation", en="Relationship"))
    assert response.status_code == 302
    assert admin_client.post(f"{URL}/section/{section_id}/edit/",
                             data=label_inputs()).status_code == 200  # a label is needed
    edit_page = admin_client.get(f"{URL}/field/{field_id}/edit/").get_data(as_text=True)
    assert "bemaerkninger" in edit_page and 'value="Bemærkninger"' in edit_page
    response = admin_client.post(f"{URL}/field/{field_id}/edit/", data=field_form(
        section_id, **label_inputs(da="Noter", sv="Anteckningar", pl="Notatki", en="Notes"),
        help_en="Anything worth knowing"))
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        db.session.expire_all()
        section = db.session.get(FieldSection, section_id)
        assert section.labels == {"da": "Relation", "sv": "Relation", "en": "Relationship"}
        field = db.session.get(FieldDefinition, field_id)
        assert field.labels == {"da": "Noter", "sv": "Anteckningar", "pl": "Notatki",
                                "en": "Notes"}
        assert field.help_texts == {"en": "Anything worth knowing"}
        assert field.key == "bemaerkninger"  # the key never changes


def test_reorder_sections_and_fields(admin_client, tenant_a):
    first, second = new_section(admin_client, "Første"), new_section(admin_client, "Anden")
    one, two = new_field(admin_client, first, "Et"), new_field(admin_client, first, "To")

    def positions(model, *ids) -> list[int]:
        db.session.expire_all()
        with tenant_context(tenant_a.id):
            return [db.session.get(model, item).position for item in ids]

    assert positions(FieldSection, first, second) == [1, 2]
    assert admin_client.post(f"{URL}/section/{second}/move/up/").status_code == 302
    assert positions(FieldSection, first, second) == [2, 1]
    admin_client.post(f"{URL}/section/{second}/move/down/")
    assert positions(FieldSection, first, second) == [1, 2]
    assert positions(FieldDefinition, one, two) == [1, 2]
    admin_client.post(f"{URL}/field/{one}/move/down/")
    assert positions(FieldDefinition, one, two) == [2, 1]
    page = admin_client.get(f"{URL}/").get_data(as_text=True)
    assert page.index(f'id="field-{two}"') < page.index(f'id="field-{one}"')
    admin_client.post(f"{URL}/field/{one}/move/up/")
    assert positions(FieldDefinition, one, two) == [1, 2]
    assert admin_client.post(f"{URL}/field/{one}/move/sideways/").status_code == 404
    assert admin_client.get(f"{URL}/field/{one}/move/up/").status_code == 405


def test_move_field_to_another_section(admin_client, tenant_a):
    first, second = new_section(admin_client, "Første"), new_section(admin_client, "Anden")
    field_id = new_field(admin_client, first, "Et")
    assert admin_client.post(f"{URL}/field/{field_id}/edit/",
                             data=field_form(second, da="Et")).status_code == 302
    with tenant_context(tenant_a.id):
        assert field_by_label("Et").section_id == second


# --- choices and types --------------------------------------------------------------

def test_choices_editor_adds_choices_and_deactivates_one_in_use(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Kundetype", "choice",
                         **choice_rows(("", "Guld", True), ("", "Sølv", True)))
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                             custom={"kundetype": "guld"})
    edit_page = admin_client.get(f"{URL}/field/{field_id}/edit/").get_data(as_text=True)
    assert 'value="Guld"' in edit_page and "choices-4-label_da" in edit_page  # 3 new rows
    response = admin_client.post(f"{URL}/field/{field_id}/edit/", data=field_form(
        section_id, "choice", "Kundetype",
        **choice_rows(("guld", "", True), ("soelv", "", True), ("", "Bronze", True),
                      ("", "Platin", True), ("", "", True))))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    with tenant_context(tenant_a.id):
        choices = {c.key: (c.labels["da"], c.active) for c in field_by_label("Kundetype").choices}
    # Guld is in use: deactivated and kept; Sølv was unused: deleted
    assert choices == {"guld": ("Guld", False), "bronze": ("Bronze", True),
                       "platin": ("Platin", True)}
    assert custom_of(tenant_a.id, contact_id) == {"kundetype": "guld"}
    page = admin_client.get(f"{URL}/").get_data(as_text=True)
    assert re.search(r'alert-info[^>]*>\s*<button.*?</button>\s*[^<]*Guld', page, re.S)


def test_choice_field_needs_an_active_choice(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    response = admin_client.post(f"{URL}/section/{section_id}/field/new/",
                                 data=field_form(section_id, "choice", "Kundetype"))
    assert response.status_code == 200 and errors_in(response.get_data(as_text=True))
    with tenant_context(tenant_a.id):
        assert section_by_label("Kundeforhold").fields == []


def test_type_change_refused_when_a_value_does_not_convert(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Antal")
    gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None, custom={"antal": "12"})
    bad = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                      custom={"antal": "abc"})
    response = admin_client.post(f"{URL}/field/{field_id}/edit/",
                                 data=field_form(section_id, "integer", "Antal ændret"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and is_invalid(html, "field_type")
    assert 'value="Antal ændret"' in html  # what was typed is kept
    with tenant_context(tenant_a.id):
        field = field_by_label("Antal")
        assert (field.field_type, field.labels) == ("text", {"da": "Antal"})
    assert custom_of(tenant_a.id, bad) == {"antal": "abc"}


def test_type_change_converts_stored_values(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Antal")
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                             custom={"antal": "12"})
    response = admin_client.post(f"{URL}/field/{field_id}/edit/",
                                 data=field_form(section_id, "integer", "Antal"))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    with tenant_context(tenant_a.id):
        assert field_by_label("Antal").field_type == "integer"
    assert custom_of(tenant_a.id, contact_id) == {"antal": 12}


def test_multiple_choice_to_text_keeps_readable_labels(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Interesser", "multi_choice",
                         **choice_rows(("", "Sejlads", True), ("", "Golf", True)))
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                             custom={"interesser": ["sejlads", "golf"]})
    response = admin_client.post(f"{URL}/field/{field_id}/edit/",
                                 data=field_form(section_id, "text", "Interesser"))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    assert custom_of(tenant_a.id, contact_id) == {"interesser": "Sejlads; Golf"}


# --- activation and deletion --------------------------------------------------------

def test_deactivate_and_reactivate(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Antal")
    contact_id = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                             custom={"antal": "12"})
    assert admin_client.post(f"{URL}/field/{field_id}/deactivate/").status_code == 302
    with tenant_context(tenant_a.id):
        assert field_by_label("Antal").active is False
    page = admin_client.get(f"{URL}/").get_data(as_text=True)
    assert "badge-secondary" in page and f"/field/{field_id}/activate/" in page
    assert admin_client.post(f"{URL}/field/{field_id}/activate/").status_code == 302
    with tenant_context(tenant_a.id):
        assert field_by_label("Antal").active is True
    assert custom_of(tenant_a.id, contact_id) == {"antal": "12"}


def test_delete_field_with_values_needs_confirmation(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Antal")
    first = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None,
                        custom={"antal": "12", "andet": "x"})
    gen_contact(tenant_a.id, gen_organisation(tenant_a.id), email=None, custom={"antal": "13"})
    page = admin_client.get(f"{URL}/field/{field_id}/delete/").get_data(as_text=True)
    assert "Antal" in page and re.search(r"alert-warning[^>]*>\s*2\b", page)
    response = admin_client.post(f"{URL}/field/{field_id}/delete/")  # no confirm
    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    with tenant_context(tenant_a.id):
        assert db.session.get(FieldDefinition, field_id) is not None
    response = admin_client.post(f"{URL}/field/{field_id}/delete/", data={"confirm": "1"})
    assert response.status_code == 302 and "entity=contact" in response.headers["Location"]
    db.session.expire_all()
    with tenant_context(tenant_a.id):
        assert db.session.get(FieldDefinition, field_id) is None
    assert custom_of(tenant_a.id, first) == {"andet": "x"}


def test_delete_field_without_values(admin_client, tenant_a):
    section_id = new_section(admin_client, "Kundeforhold")
    field_id = new_field(admin_client, section_id, "Antal")
    assert admin_client.post(f"{URL}/field/{field_id}/delete/").status_code == 302
    with tenant_context(tenant_a.id):
        assert db.session.get(FieldDefinition, field_id) is None


def test_section_with_fields_cannot_be_deleted(admin_client, tenant_a):
    full, empty = new_section(admin_client, "Fuld"), new_section(admin_client, "Tom")
    new_field(admin_client, full, "Antal")
    response = admin_client.post(f"{URL}/section/{full}/delete/", follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    assert admin_client.post(f"{URL}/section/{empty}/delete/").status_code == 302
    db.session.expire_all()
    with tenant_context(tenant_a.id):
        assert db.session.get(FieldSection, full) is not None
        assert db.session.get(FieldSection, empty) is None


# --- access and tenants -------------------------------------------------------------

def test_ordinary_user_gets_403(user_client, tenant_a_fields):
    section, field = tenant_a_fields["section"], tenant_a_fields["text"]
    assert user_client.get(f"{URL}/").status_code == 403
    assert user_client.get(f"{URL}/field/{field}/edit/").status_code == 403
    assert user_client.post(f"{URL}/section/new/?entity=contact",
                            data=label_inputs(da="X")).status_code == 403
    assert user_client.post(f"{URL}/section/{section}/delete/").status_code == 403
    assert user_client.post(f"{URL}/field/{field}/delete/",
                            data={"confirm": "1"}).status_code == 403


def test_changes_need_the_csrf_token(database_url, tenant_a_fields):
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login(client, "admin@alpha.example",
          csrf_token=csrf_token_from(client.get("/login").get_data(as_text=True)))
    field = tenant_a_fields["text"]
    assert client.post(f"{URL}/field/{field}/deactivate/").status_code == 400
    assert client.post(f"{URL}/field/{field}/delete/", data={"confirm": "1"}).status_code == 400
    page = client.get(f"{URL}/").get_data(as_text=True)
    token = csrf_token_from(page)
    assert page.count('name="csrf_token"') >= 10  # one in each button's form
    assert client.post(f"{URL}/field/{field}/deactivate/",
                       data={"csrf_token": token}).status_code == 302
    edit_page = client.get(f"{URL}/field/{field}/edit/").get_data(as_text=True)
    assert csrf_token_from(edit_page)
    with tenant_context(tenant_a_fields["tenant"]):
        assert field_by_label("Alfahemmeligt felt").active is False


def test_anonymous_is_sent_to_login(client):
    response = client.get(f"{URL}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_ids_and_entities_give_404(admin_client, tenant_a):
    assert admin_client.get(f"{URL}/?entity=invoice").status_code == 404
    assert admin_client.get(f"{URL}/section/new/?entity=invoice").status_code == 404
    assert admin_client.get(f"{URL}/section/999999/edit/").status_code == 404
    assert admin_client.get(f"{URL}/field/999999/delete/").status_code == 404
    assert admin_client.post(f"{URL}/field/999999/activate/").status_code == 404
    assert admin_client.get(f"{URL}/field/{2**70}/edit/").status_code == 404
    assert admin_client.post(f"{URL}/section/{2**40}/delete/").status_code == 404


def test_other_tenant_gets_404_on_every_url(client, tenant_a, tenant_a_fields, tenant_b):
    login(client, "admin@beta.example")
    section, field = tenant_a_fields["section"], tenant_a_fields["text"]
    gets = [f"/section/{section}/edit/", f"/section/{section}/field/new/",
            f"/field/{field}/edit/", f"/field/{field}/delete/"]
    posts = [*gets, f"/section/{section}/move/up/", f"/section/{section}/move/down/",
             f"/section/{section}/delete/", f"/field/{field}/move/up/",
             f"/field/{field}/move/down/", f"/field/{field}/activate/",
             f"/field/{field}/deactivate/"]
    for path in gets:
        assert client.get(URL + path).status_code == 404, path
    data = {**field_form(section, da="Overtaget"), **label_inputs(da="Overtaget"), "confirm": "1"}
    for path in posts:
        assert client.post(URL + path, data=data).status_code == 404, path
    for entity in ("contact", "organisation"):
        page = client.get(f"{URL}/?entity={entity}").get_data(as_text=True)
        assert "Alfahemmelig" not in page and "Alfavalg" not in page
    with tenant_context(tenant_b.id):  # tenant_b's own section cannot take tenant_a's
        own = field_admin.create_section("contact", {"pl": "Sekcja"})
        db.session.commit()
        own_id = own.id
    response = client.post(f"{URL}/section/{own_id}/field/new/",
                           data=field_form(section, da="Overtaget"))
    assert response.status_code == 200 and is_invalid(response.get_data(as_text=True),
                                                      "section")
    db.session.expire_all()
    with tenant_context(tenant_b.id):
        assert list(db.session.scalars(select(FieldDefinition))) == []
    with tenant_context(tenant_a.id):  # tenant_a's definitions are untouched
        section = db.session.get(FieldSection, section)
        assert section.labels == {"da": "Alfahemmelig sektion"}
        assert [(f.labels["da"], f.active, f.position) for f in section.fields] == [
            ("Alfahemmeligt felt", True, 1), ("Alfavalg", True, 2)]
