"""The contact profile page (D1–D3): the left column's panels, the action bar, editing a
panel in place with the full form's rules, edit rights, the F1 e-mail restriction,
tenant isolation and the left column's query budget."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, AuditEntry, Contact, Employment, FieldSection, Tag, User
from app.models.activity import NOTE
from app.tenancy import tenant_context
from app.views.profile import ProfileMixin
from tests.conftest import (
    SCRIPT_HEADERS,
    action_links,
    load_contact,
    login,
    records,
    warm_statements,
)
from tests.factories import (
    FIELDS,
    activity_form,
    gen_fields,
    gen_organisation,
    gen_profile_contact,
    set_settings,
)

PHONE_ERROR = "Dette er ikke et gyldigt telefonnummer."
EMAIL_ERROR = "Ugyldig e-mailadresse."


# --- helpers -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def left_column_only(request, monkeypatch):
    """The right column (the tabs) is services.profile_tabs' and tested with it; these
    tests render the page without it, except those asking for ``with_tabs``."""
    if "with_tabs" not in request.fixturenames:
        monkeypatch.setattr(ProfileMixin, "right_column", lambda self, contact: None)


@pytest.fixture
def with_tabs() -> None:
    """Asked for by a test that renders the page with the real tabs."""


def history(tenant_id: int, contact_id: int) -> list[AuditEntry]:
    with tenant_context(tenant_id):
        return list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "contact", AuditEntry.record_id == contact_id,
            AuditEntry.action == "update").order_by(AuditEntry.id)))


def section_key(tenant_id: int) -> str:
    with tenant_context(tenant_id):
        return f"fields-{db.session.scalar(select(FieldSection.id))}"


def about_form(**values) -> dict:
    form = {"first_name": "Mette", "last_name": "Frederiksen",
            "email": "mette@nordlys.example", "phone": "20 12 34 56", "mobile": "",
            "job_title": "Indkøbschef", "preferred_language": "da",
            "website": "https://nordlys.example"}
    form.update(values)
    return form


def panel_url(contact_id, key: str) -> str:
    return f"/admin/contact/{contact_id}/profile/panel/{key}/edit"


def panel_html(page: str, key: str) -> str:
    match = re.search(rf'<section[^>]*id="panel-{key}".*?</section>', page, re.S)
    assert match, f"no panel {key}"
    return match.group(0)


def field_errors(page: str, name: str) -> list[str]:
    """The messages shown under one input."""
    match = re.search(rf'name="{name}".*?<div class="invalid-feedback">(.*?)</div>', page, re.S)
    return re.findall(r"<li>([^<]+)</li>", match.group(1)) if match else []


# --- reading -------------------------------------------------------------------------

def test_profile_shows_every_left_panel_in_danish_with_the_customer_term(admin_client,
                                                                          tenant_a):
    set_settings(tenant_a.id, contact_term="customer", unique_contact_id=True)
    gen_fields(tenant_a.id, note=FIELDS["note"], visits=FIELDS["visits"])
    contact_id = gen_profile_contact(tenant_a.id, customer_number=1042,
                              custom={"note": "Ringer om fredagen", "visits": 12})
    response = admin_client.get(f"/admin/contact/{contact_id}/profile")
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    header = page[page.index('id="profile-header"'):page.index('id="profile-actions"')]
    assert "Kunde" in header and "Mette Frederiksen" in header and "Nordlys ApS" in header
    assert "Virksomhedskontakt (B2B)" in header
    assert '<html lang="da">' in page
    about = panel_html(page, "about")
    for text in ("Indkøbschef", "mette@nordlys.example", "+45 20 12 34 56", "+45 40 12 34 56",
                 "Dansk", "https://nordlys.example", "Kundenr.", "1042", "tel:+4520123456",
                 "sms:+4540123456", "mailto:mette@nordlys.example", "openstreetmap.org"):
        assert text in about, text
    consent = panel_html(page, "consent")
    assert "Messe i Herning" in consent and "Ja" in consent
    address = panel_html(page, "address")
    assert "Strandvejen 12" in address and "2900 Hellerup" in address
    assert "Adresse hos Nordlys ApS" in address and "data-panel-edit" not in address
    responsible = panel_html(page, "responsible")
    assert "Admin alpha" in responsible and "Storkunde" in responsible
    organisations = panel_html(page, "organisations")
    assert "Nordlys ApS" in organisations
    assert re.search(r'<li class="mb-1 text-muted">\s*<a [^>]*>Gammel Handel 0 ApS', organisations)
    fields = panel_html(page, section_key(tenant_a.id))
    assert "Opmærksomhedspunkter" in fields and "Ringer om fredagen" in fields
    assert "Besøg" in fields and "12" in fields
    assert 'class="col-lg-4"' in page and 'class="col-lg-8"' in page
    assert "kontakt/profile.js" in page


def test_the_page_has_the_tabs_on_the_right(admin_client, tenant_a, with_tabs):
    contact_id = gen_profile_contact(tenant_a.id)
    response = admin_client.get(f"/admin/contact/{contact_id}/profile")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    right = page[page.index('id="profile-tabs"'):]
    assert 'id="contact-tabs"' in right and 'id="panel-about"' not in right


def test_private_contact_shows_and_edits_its_own_address(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id, kind="private", street="Havnegade 3",
                              postcode="5000", city="Odense", country="DK")
    with tenant_context(tenant_a.id):  # a private customer belongs to no company
        contact = db.session.get(Contact, contact_id)
        contact.employments.clear()
        contact.organisation_id = None
        db.session.commit()
    page = html_lib.unescape(admin_client.get(f"/admin/contact/{contact_id}/profile")
                             .get_data(as_text=True))
    address = panel_html(page, "address")
    assert "Havnegade 3" in address and "data-panel-edit" in address
    assert "Danmark" in address  # the country by its name in the reader's language
    response = admin_client.post(panel_url(contact_id, "address"), data={
        "street": "Vestergade 9", "postcode": "8000", "city": "Aarhus", "country": "DK"})
    assert response.status_code == 302
    contact = load_contact(tenant_a.id, contact_id)
    assert (contact.street, contact.city) == ("Vestergade 9", "Aarhus")


def test_company_contacts_address_is_edited_at_the_organisation(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    assert admin_client.get(panel_url(contact_id, "address")).status_code == 404
    assert admin_client.post(panel_url(contact_id, "address"),
                             data={"street": "X"}).status_code == 404


def test_list_and_details_link_to_the_profile(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    link = f'href="/admin/contact/{contact_id}/profile"'
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert listing.count(link) == 2  # last and first name
    export = admin_client.get("/admin/contact/export/csv/").get_data(as_text=True)
    assert "Frederiksen" in export and "<a" not in export
    details = admin_client.get(f"/admin/contact/details/?id={contact_id}").get_data(as_text=True)
    assert link in details
    assert admin_client.get(f"/admin/contact/edit/?id={contact_id}").status_code == 200


def test_reading_works_without_script_and_the_script_is_served(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    page = admin_client.get(panel_url(contact_id, "about")).get_data(as_text=True)
    assert "<html" in page and 'data-panel-form' in page and 'name="csrf_token"' in page
    fragment = admin_client.get(panel_url(contact_id, "about"), headers=SCRIPT_HEADERS)
    assert fragment.status_code == 200 and "X-Requested-With" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and text.strip().startswith("<section")
    script = admin_client.get("/static/kontakt/profile.js")
    assert script.status_code == 200 and b"X-Requested-With" in script.data


# --- the action bar (D3) ---------------------------------------------------------------

def test_action_bar_opens_each_form_for_the_contact_and_returns(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    profile = f"/admin/contact/{contact_id}/profile"
    links = action_links(admin_client.get(profile).get_data(as_text=True))
    expected = {"Notat": ("/admin/activity/new/", "note"), "Møde": ("/admin/activity/new/",
                "meeting"), "Opkald": ("/admin/activity/new/", "call")}
    for label, (path, kind) in expected.items():
        url = urlsplit(links[label])
        query = parse_qs(url.query)
        assert url.path == path
        assert query == {"contact_id": [str(contact_id)], "kind": [kind], "url": [profile]}
    mail = urlsplit(links["E-mail"])
    assert mail.path == f"/admin/mail/contact/{contact_id}/"
    assert parse_qs(mail.query) == {"next": [profile]}
    letter = urlsplit(links["Brev"])
    assert letter.path == "/admin/letter/new/"
    assert parse_qs(letter.query) == {"contact_id": [str(contact_id)], "next": [profile]}
    for path in ("/admin/case/new/", "/admin/task/new/"):
        [url] = [urlsplit(u) for u in links.values() if u.startswith(path)]
        assert parse_qs(url.query) == {"contact_id": [str(contact_id)], "url": [profile]}
    for url in links.values():
        assert admin_client.get(url).status_code == 200, url


def test_note_from_the_profile_is_prefilled_schedules_and_returns(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    profile = f"/admin/contact/{contact_id}/profile"
    links = action_links(admin_client.get(profile).get_data(as_text=True))
    form = admin_client.get(links["Notat"]).get_data(as_text=True)
    assert "Nordlys ApS" in form and 'name="follow_up_in"' in form
    org = load_contact(tenant_a.id, contact_id).organisation_id
    response = admin_client.post(links["Notat"], data=activity_form(
        org, [contact_id], kind=NOTE, follow_up_in="2", follow_up_unit="days"))
    assert response.status_code == 302 and response.headers["Location"].endswith(profile)
    assert len(records(Activity, tenant_a.id)) == 2  # the note and the planned next contact
    mail = admin_client.get(f"/admin/mail/contact/{contact_id}/?next={profile}")
    assert f'href="{profile}"' in mail.get_data(as_text=True)  # "Cancel" goes back too


# --- editing in place ------------------------------------------------------------------

def test_panel_saves_in_place_and_the_history_has_it(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    response = admin_client.post(panel_url(contact_id, "about"), headers=SCRIPT_HEADERS,
                                 data=about_form(
        job_title="Direktør", mobile="30 11 22 33",
        # fields of other panels and of no panel are not taken from an about form
        kind="private", email_access_restricted="y", consent_letter="y", customer_number="7"))
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.strip().startswith('<section') and "<form" not in fragment
    assert "Direktør" in fragment and "+45 30 11 22 33" in fragment
    contact = load_contact(tenant_a.id, contact_id)
    assert (contact.job_title, contact.mobile) == ("Direktør", "+4530112233")
    assert (contact.kind, contact.email_access_restricted, contact.consent_letter,
            contact.customer_number) == ("company", False, False, None)
    [entry] = history(tenant_a.id, contact_id)
    assert entry.changes["job_title"] == ["Indkøbschef", "Direktør"]
    assert entry.user_id is not None


def test_panel_without_script_redirects_back_to_the_profile(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    response = admin_client.post(panel_url(contact_id, "consent"), data={
        "consent_phone": "y", "consent_phone_date": "2024-05-01",
        "consent_phone_source": "Telefonsamtale", "consent_email": "y",
        "consent_email_date": "2024-03-01", "consent_email_source": "Messe i Herning"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/{contact_id}/profile"
                                                 "#panel-consent")
    contact = load_contact(tenant_a.id, contact_id)
    assert contact.consent_phone and contact.consent_phone_date == date(2024, 5, 1)
    assert contact.consent_phone_source == "Telefonsamtale" and not contact.consent_letter
    assert contact.first_name == "Mette"  # fields of other panels are untouched


@pytest.mark.parametrize("values, field, message", [
    ({"phone": "12"}, "phone", PHONE_ERROR),
    ({"email": "ikke en adresse"}, "email", EMAIL_ERROR),
    ({"first_name": ""}, "first_name", "Dette felt er påkrævet."),
])
def test_refused_panel_shows_the_error_keeps_the_input_saves_nothing(
        admin_client, tenant_a, values, field, message):
    contact_id = gen_profile_contact(tenant_a.id)
    for headers in (SCRIPT_HEADERS, {}):
        response = admin_client.post(panel_url(contact_id, "about"), headers=headers,
                                     data=about_form(job_title="Direktør", **values))
        assert response.status_code == 422
        page = html_lib.unescape(response.get_data(as_text=True))
        assert field_errors(page, field) == [message]
        assert 'value="Direktør"' in page  # everything typed is kept
        assert f'value="{values[field]}"' in page or not values[field]
    assert load_contact(tenant_a.id, contact_id).job_title == "Indkøbschef"
    assert history(tenant_a.id, contact_id) == []


def test_email_of_another_contact_is_refused_next_to_the_field(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    with tenant_context(tenant_a.id):
        db.session.add(Contact(first_name="A", last_name="B", email="taken@nordlys.example"))
        db.session.commit()
    response = admin_client.post(panel_url(contact_id, "about"), headers=SCRIPT_HEADERS,
                                 data=about_form(email="TAKEN@nordlys.example"))
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "email")
    assert load_contact(tenant_a.id, contact_id).email == "mette@nordlys.example"


def test_refusal_naming_no_field_of_the_panel_is_shown_above_it(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    with tenant_context(tenant_a.id):  # its only job ended: the full form refuses it too
        contact = db.session.get(Contact, contact_id)
        for employment in contact.employments:
            employment.end_date = date(2021, 1, 1)
        db.session.commit()
    response = admin_client.post(panel_url(contact_id, "about"), headers=SCRIPT_HEADERS,
                                 data=about_form(job_title="Direktør"))
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert re.search(r'class="alert alert-danger[^"]*" role="alert">En virksomhedskontakt '
                     "skal have mindst én aktuel ansættelse.", page)
    assert load_contact(tenant_a.id, contact_id).job_title == "Indkøbschef"


def test_responsible_user_and_tags_panel(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    with tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.email == "user@alpha.example"))
        tag = Tag(name="Nyhedsbrev")
        db.session.add(tag)
        db.session.commit()
        user_id, tag_id = user.id, tag.id
    response = admin_client.post(panel_url(contact_id, "responsible"), headers=SCRIPT_HEADERS,
                                 data={"responsible_user": str(user_id), "tags": [str(tag_id)]})
    assert response.status_code == 200
    contact = load_contact(tenant_a.id, contact_id)
    assert contact.responsible_user.email == "user@alpha.example"
    assert [t.name for t in contact.tags] == ["Nyhedsbrev"]


def test_configurable_field_section_saves_typed_values(admin_client, tenant_a):
    names = gen_fields(tenant_a.id, note=FIELDS["note"], visits=FIELDS["visits"],
                          met_on=FIELDS["met_on"])
    contact_id = gen_profile_contact(tenant_a.id)
    url = panel_url(contact_id, section_key(tenant_a.id))
    page = admin_client.get(url, headers=SCRIPT_HEADERS).get_data(as_text=True)
    assert all(f'name="{name}"' in page for name in names.values())
    for visits, message in (("mange", "Ikke et gyldigt heltal."), ("5000", None)):
        response = admin_client.post(url, headers=SCRIPT_HEADERS, data={
            names["note"]: "Ringer om fredagen", names["visits"]: visits,
            names["met_on"]: "2024-05-02"})
        assert response.status_code == 422
        errors = field_errors(response.get_data(as_text=True), names["visits"])
        assert errors and (message is None or errors == [message])
        assert 'value="Ringer om fredagen"' in response.get_data(as_text=True)
    assert load_contact(tenant_a.id, contact_id).custom in (None, {})
    response = admin_client.post(url, headers=SCRIPT_HEADERS, data={
        names["note"]: "Ringer om fredagen", names["visits"]: "7",
        names["met_on"]: "2024-05-02"})
    assert response.status_code == 200 and "Ringer om fredagen" in response.get_data(
        as_text=True)
    assert load_contact(tenant_a.id, contact_id).custom == {
        "note": "Ringer om fredagen", "visits": 7, "met_on": "2024-05-02"}
    [entry] = history(tenant_a.id, contact_id)
    assert entry.changes["custom.visits"][1] == 7


def test_unknown_panel_is_not_found(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    for key in ("nothing", "fields-999", "fields-x", "photo"):
        assert admin_client.get(panel_url(contact_id, key)).status_code == 404


# --- rights ----------------------------------------------------------------------------

def test_user_without_edit_rights_gets_403_and_no_pens(user_client, tenant_a):
    gen_fields(tenant_a.id, note=FIELDS["note"])
    contact_id = gen_profile_contact(tenant_a.id)
    set_settings(tenant_a.id, users_edit_contacts=False)
    page = user_client.get(f"/admin/contact/{contact_id}/profile").get_data(as_text=True)
    assert "data-panel-edit" not in page and "Mette Frederiksen" in page
    for key in ("about", "consent", "responsible", section_key(tenant_a.id)):
        assert user_client.get(panel_url(contact_id, key)).status_code == 403
        assert user_client.post(panel_url(contact_id, key),
                                data=about_form(job_title="Hacker")).status_code == 403
    assert load_contact(tenant_a.id, contact_id).job_title == "Indkøbschef"


def test_user_with_edit_rights_edits_panels(user_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    page = user_client.get(f"/admin/contact/{contact_id}/profile").get_data(as_text=True)
    assert "data-panel-edit" in page
    assert user_client.post(panel_url(contact_id, "about"),
                            data=about_form(job_title="Chef")).status_code == 302
    assert load_contact(tenant_a.id, contact_id).job_title == "Chef"


def test_admin_restricts_and_gives_email_access(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    url = f"/admin/contact/{contact_id}/profile/email-access"
    page = admin_client.get(f"/admin/contact/{contact_id}/profile").get_data(as_text=True)
    assert f'action="{url}"' in page
    response = admin_client.post(url, data={"restricted": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/contact/{contact_id}/profile#panel-email-access")
    assert load_contact(tenant_a.id, contact_id).email_access_restricted is True
    [entry] = history(tenant_a.id, contact_id)
    assert "email_access_restricted" in entry.changes
    assert admin_client.post(url, data={"restricted": "0"}).status_code == 302
    assert load_contact(tenant_a.id, contact_id).email_access_restricted is False


def test_user_cannot_change_email_access(user_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    url = f"/admin/contact/{contact_id}/profile/email-access"
    page = user_client.get(f"/admin/contact/{contact_id}/profile").get_data(as_text=True)
    assert url not in page
    assert user_client.post(url, data={"restricted": "1"}).status_code == 403
    assert load_contact(tenant_a.id, contact_id).email_access_restricted is False


# --- tenants and ids -------------------------------------------------------------------

def test_other_tenants_and_malformed_ids_are_not_found(admin_client, tenant_a, tenant_b):
    gen_fields(tenant_b.id, note=FIELDS["note"])
    foreign = gen_profile_contact(tenant_b.id, admin_email="admin@beta.example")
    keys = ("about", "consent", "address", "responsible", section_key(tenant_b.id))
    for contact_id in (foreign, "abc", "0", "-1", "99999999999", "1.5"):
        assert admin_client.get(f"/admin/contact/{contact_id}/profile").status_code == 404
        assert admin_client.post(f"/admin/contact/{contact_id}/profile/email-access",
                                 data={"restricted": "1"}).status_code == 404
        for key in keys:
            assert admin_client.get(panel_url(contact_id, key)).status_code == 404
            assert admin_client.post(panel_url(contact_id, key),
                                     data=about_form()).status_code == 404
    contact = load_contact(tenant_b.id, foreign)
    assert contact.email_access_restricted is False and contact.first_name == "Mette"
    login(admin_client, "admin@beta.example")
    assert admin_client.get(f"/admin/contact/{foreign}/profile").status_code == 200


def test_profile_needs_a_login(client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    response = client.get(f"/admin/contact/{contact_id}/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- query budget ----------------------------------------------------------------------

def test_left_column_queries_do_not_grow_with_employments_or_fields(admin_client, tenant_a):
    gen_fields(tenant_a.id, note=FIELDS["note"])
    few = gen_profile_contact(tenant_a.id, past_employments=1, custom={"note": "x"})
    admin_client.get(f"/admin/contact/{few}/profile")  # warm up the app's first request

    def count() -> tuple[int, str]:
        response, statements = warm_statements(admin_client, f"/admin/contact/{few}/profile")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    before, page = count()
    assert "Ekstra 4 ApS" not in page and "Budget" not in page
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, few)
        for n in range(5):
            org = gen_organisation(tenant_a.id, f"Ekstra {n} ApS")
            contact.employments.append(Employment(organisation_id=org, title="Rådgiver",
                                                  end_date=date(2018, 1, 1)))
        contact.tags.append(Tag(name="Ekstra"))
        db.session.commit()
    gen_fields(tenant_a.id)  # a second section with every type of field
    after, page = count()
    assert "Ekstra 4 ApS" in page and "Budget" in page and "Ekstra" in page
    assert after == before
