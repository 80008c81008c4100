"""Regression tests of the functional defects a new user met (issue: the organisation
profile and the functional defects), each named after what it keeps true."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Contact, DictionaryEntry, Employment, Organisation, Task, Tenant
from app.models.activity import NOTE
from app.models.dictionary import TASK_STATUS
from app.services.activities import activities
from app.services.contacts import contacts
from app.services.work import tasks
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse
from tests.conftest import OLD_TENANT, export_csv, user_id

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def organisation_with_person(tenant_id: int) -> tuple[int, int]:
    with tenant_context(tenant_id):
        organisation = Organisation(name="Nordlys ApS", country="DK")
        person = Contact(first_name="Jens", last_name="Hansen", kind="company",
                         email="jens@nordlys.example")
        person.employments.append(Employment(organisation=organisation, is_primary=True))
        person.organisation = organisation
        db.session.add_all([organisation, person])
        db.session.commit()
        return organisation.id, person.id


def note_with_follow_up(tenant_id: int, employee_id: int) -> int:
    """A done note whose planned next contact was generated; the follow-up's id."""
    organisation_id, person_id = organisation_with_person(tenant_id)
    with tenant_context(tenant_id):
        note = Activity(kind=NOTE, body="Talte om tilbuddet", starts_at=START,
                        organisation=db.session.get(Organisation, organisation_id),
                        contacts=[db.session.get(Contact, person_id)])

        def save() -> Activity:
            activities.prepare(note, is_new=True, creator_id=employee_id)
            db.session.add(note)
            return activities.schedule_follow_up(note, activities.FollowUp(every=2,
                                                                           unit="days"))

        return commit_or_refuse(save).value.id


# --- 4: a planned activity needs no note ---------------------------------------------

def test_a_generated_follow_up_is_moved_without_typing_a_note(admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    follow_up_id = note_with_follow_up(tenant_a.id, admin)
    with tenant_context(tenant_a.id):
        follow_up = db.session.get(Activity, follow_up_id)
        assert follow_up.planned and not follow_up.body
        follow_up.starts_at = START + timedelta(days=5)
        moved = commit_or_refuse(lambda: activities.prepare(follow_up, is_new=False))
        assert moved, moved.refusal
        organisation_id = follow_up.organisation_id
        person_ids = ",".join(str(contact.id) for contact in follow_up.contacts)
    response = admin_client.post(f"/admin/activity/edit/?id={follow_up_id}", data={
        "kind": NOTE, "starts_at": "2026-03-12 10:00", "organisation": str(organisation_id),
        "contacts": person_ids, "planned": "y"})
    assert response.status_code == 302, refusals_in(response.get_data(as_text=True))


def test_a_done_note_still_needs_its_text(app, tenant_a):
    organisation_id, person_id = organisation_with_person(tenant_a.id)
    with tenant_context(tenant_a.id):
        note = Activity(kind=NOTE, starts_at=START,
                        organisation=db.session.get(Organisation, organisation_id),
                        contacts=[db.session.get(Contact, person_id)])
        refused = commit_or_refuse(lambda: activities.prepare(note, is_new=True))
    assert not refused and refused.refusal.field == "body"


# --- 5: a cancelled task is not "done"; overdue planned items are flagged -------------

def task_with_status(tenant_id: int, contact_id: int, status_key: str) -> int:
    with tenant_context(tenant_id):
        status = db.session.scalar(select(DictionaryEntry).where(
            DictionaryEntry.dictionary == TASK_STATUS, DictionaryEntry.key == status_key))
        task = Task(title=f"Ring om levering ({status_key})", status=status,
                    contact_id=contact_id)
        made = commit_or_refuse(lambda: _added(task, tasks.prepare(task, is_new=True)))
        return made.value.id


def _added(record, _prepared=None):
    db.session.add(record)
    return record


def test_a_cancelled_task_is_not_shown_as_done_in_the_timeline(admin_client, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    done = task_with_status(tenant_a.id, person, "done")
    cancelled = task_with_status(tenant_a.id, person, "cancelled")
    page = admin_client.get(f"/admin/contact/{person}/profile?tab=timeline").get_data(
        as_text=True)
    done_item = item_of(page, f"timeline-task-{done}")
    cancelled_item = item_of(page, f"timeline-task-{cancelled}")
    assert "badge-success" in done_item and "Opgave udført" in done_item
    assert "badge-success" not in cancelled_item and "Opgave udført" not in cancelled_item
    assert "Annulleret" in cancelled_item


def test_overdue_planned_activities_are_flagged_on_the_profile_and_in_my_tasks(
        admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    late = note_with_follow_up(tenant_a.id, admin)  # planned two days after 2026-03-02
    with tenant_context(tenant_a.id):
        person = db.session.get(Activity, late).contacts[0].id
    profile = admin_client.get(f"/admin/contact/{person}/profile?tab=timeline").get_data(
        as_text=True)
    assert "kontakt-overdue" in item_of(profile, f"timeline-activity-{late}")
    my_tasks = admin_client.get("/admin/my_tasks/").get_data(as_text=True)
    planned = item_of(my_tasks, "my-planned-activities")
    assert re.search(r'kontakt-overdue[^>]*>Overskredet', planned)


def item_of(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    end = page.find("</li>", start)
    return page[start:end if end > 0 else None]


def refusals_in(page: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<li>([^<]*)</li>", page) if text.strip()]


# --- 7: the preferred language is a supported language --------------------------------

def test_migration_repairs_country_codes_stored_as_languages(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0011")
        db.session.execute(text(OLD_TENANT))
        for number, language in enumerate(("dk", "SE", "pl", "xx", None, "Da"), start=1):
            db.session.execute(text(
                "INSERT INTO contact (id, tenant_id, kind, first_name, last_name, "
                "preferred_language, consent_phone, consent_email, consent_letter, "
                "address_book_sync, email_access_restricted, is_private, created_at, "
                "updated_at) "
                "VALUES (:id, 1, 'private', 'A', 'B', :language, 0, 0, 0, 0, 0, 0, "
                "'2026-01-01', '2026-01-01')"), {"id": number, "language": language})
        db.session.commit()
        upgrade(revision="0012")
        stored = db.session.execute(text(
            "SELECT preferred_language FROM contact ORDER BY id")).scalars().all()
        db.session.remove()
        db.engine.dispose()
    assert stored == ["da", "sv", "pl", None, None, "da"]


def test_an_unsupported_preferred_language_is_refused(admin_client, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, person)
        contact.preferred_language = "dk"
        refused = commit_or_refuse(lambda: contacts.prepare(contact, is_new=False))
        assert not refused and refused.refusal.field == "preferred_language"
        contact = db.session.get(Contact, person)
        contact.preferred_language = "SV"
        assert commit_or_refuse(lambda: contacts.prepare(contact, is_new=False))
        assert db.session.get(Contact, person).preferred_language == "sv"


def test_demo_contacts_prefer_a_supported_language(app, tenant_a):
    from app.demo.contacts import fill_contacts

    with tenant_context(tenant_a.id):
        fill_contacts(db.session.get(Tenant, tenant_a.id), "da_DK", 12)
        db.session.commit()
        stored = set(db.session.scalars(select(Contact.preferred_language)))
    assert stored <= {"da", "sv", "pl", "en", None} and "da" in stored


# --- 1: customer numbers show, and switching them on numbers the existing contacts ----

def contacts_created(tenant_id: int, *names: str) -> list[int]:
    """Contacts created a day apart, in the order given (ids in the opposite order)."""
    with tenant_context(tenant_id):
        made = [Contact(first_name=name, last_name="Kunde", kind="private",
                        created_at=START + timedelta(days=day))
                for day, name in reversed(list(enumerate(names)))]
        db.session.add_all(made)
        db.session.commit()
        return [contact.id for contact in reversed(made)]


def test_switching_customer_numbers_on_numbers_existing_contacts_in_creation_order(
        admin_client, tenant_a):
    first, second, third = contacts_created(tenant_a.id, "Første", "Anden", "Tredje")
    assert first > second > third
    page = admin_client.get("/admin/settings/").get_data(as_text=True)
    assert 'name="unique_contact_id"' in page
    response = admin_client.post("/admin/settings/", data={
        "contact_term": "contact", "default_language": "da", "users_edit_contacts": "y",
        "unique_contact_id": "y"})
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        db.session.expire_all()
        numbers = [db.session.get(Contact, made).customer_number
                   for made in (first, second, third)]
    assert numbers == [1, 2, 3]
    made = admin_client.post("/admin/contact/new/", data={
        "kind": "private", "first_name": "Fjerde", "last_name": "Kunde"})
    assert made.status_code == 302
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(Contact.customer_number).where(
            Contact.first_name == "Fjerde")) == 4


def test_customer_numbers_show_in_the_list_details_and_export_when_on(
        admin_client, tenant_a):
    from app.services import settings as tenant_settings

    (person,) = contacts_created(tenant_a.id, "Nummereret")
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert "col-customer_number" not in listing
    with tenant_context(tenant_a.id):
        tenant = tenant_settings.current_tenant()
        assert commit_or_refuse(lambda: (
            tenant_settings.update_settings(tenant, {"unique_contact_id": True}),
            contacts.number_unnumbered_contacts()))
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    details = admin_client.get(f"/admin/contact/details/?id={person}").get_data(as_text=True)
    export = export_csv(admin_client, "contact")
    assert "col-customer_number" in listing
    assert "Kundenr." in details and export[0][0] == "Kundenr."
    assert export[1][0] == "1"


# --- 3: the Customer term reaches the case form, its error and the lead page ----------

def use_customer_term(tenant_id: int) -> None:
    from app.services import settings as tenant_settings

    with tenant_context(tenant_id):
        tenant = tenant_settings.current_tenant()
        assert commit_or_refuse(lambda: tenant_settings.update_settings(
            tenant, {"contact_term": "customer"}))


def test_the_case_form_and_its_error_say_customer_under_the_customer_term(
        admin_client, tenant_a):
    use_customer_term(tenant_a.id)
    form = admin_client.get("/admin/case/new/").get_data(as_text=True)
    assert "Primær kunde" in form and "Andre kunder" in form
    assert "Primær kontakt" not in form and "Andre kontakter" not in form
    refused = admin_client.post("/admin/case/new/", data={
        "title": "Reklamation", "status": "open", "opened_on": "2026-01-05"})
    assert "En sag skal have en primær kunde." in refused.get_data(as_text=True)


def test_the_lead_page_names_its_person_by_the_customer_term(admin_client, tenant_a):
    from app.models import Lead

    use_customer_term(tenant_a.id)
    with tenant_context(tenant_a.id):
        lead = Lead(name="Mette Holm", email="mette@example.com")
        db.session.add(lead)
        db.session.commit()
        lead_id = lead.id
    page = admin_client.get(f"/admin/lead/details/?id={lead_id}").get_data(as_text=True)
    labels = re.findall(r"<td>\s*<b>([^<]*)</b>", page) or re.findall(
        r"<th[^>]*>([^<]*)</th>", page)
    assert "Kunde" in labels and "Kontakt" not in labels, labels


# --- 8: a consent's date and source belong to a consent given, never in the future ----

def test_a_consent_date_or_source_without_the_consent_is_refused(app, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    for values, field in (({"consent_email_date": START.date()}, "consent_email_date"),
                          ({"consent_letter_source": "Messe"}, "consent_letter_source")):
        with tenant_context(tenant_a.id):
            contact = db.session.get(Contact, person)
            for name, value in values.items():
                setattr(contact, name, value)
            refused = commit_or_refuse(lambda c=contact: contacts.prepare(c, is_new=False))
            assert not refused and refused.refusal.field == field
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, person)
        contact.consent_email, contact.consent_email_date = True, START.date()
        contact.consent_email_source = "  Messe i Herning "
        assert commit_or_refuse(lambda: contacts.prepare(contact, is_new=False))
        assert db.session.get(Contact, person).consent_email_source == "Messe i Herning"


def test_a_consent_date_in_the_future_is_refused_on_the_form(admin_client, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    response = admin_client.post(f"/admin/contact/{person}/profile/panel/consent/edit",
                                 data={"consent_phone": "y", "consent_phone_date": tomorrow})
    assert response.status_code == 422
    assert "En samtykkedato kan ikke ligge i fremtiden." in response.get_data(as_text=True)
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, person).consent_phone_date is None


def test_writing_an_e_mail_warns_when_the_contact_has_not_consented(admin_client, tenant_a):
    _organisation, person = organisation_with_person(tenant_a.id)
    page = admin_client.get(f"/admin/mail/contact/{person}/").get_data(as_text=True)
    assert 'id="no-email-consent"' in page
    assert "Jens Hansen har ikke givet samtykke til at blive kontaktet på e-mail." in page
    with tenant_context(tenant_a.id):
        db.session.get(Contact, person).consent_email = True
        db.session.commit()
    page = admin_client.get(f"/admin/mail/contact/{person}/").get_data(as_text=True)
    assert 'id="no-email-consent"' not in page


# --- 9: a panel's edit reports every refused field at once ----------------------------

def test_a_panel_edit_reports_every_field_error_in_one_round(admin_client, tenant_a):
    from tests.conftest import errors_in

    _organisation, person = organisation_with_person(tenant_a.id)
    response = admin_client.post(f"/admin/contact/{person}/profile/panel/about/edit", data={
        "first_name": "", "last_name": "Hansen", "email": "ikke-en-adresse", "phone": "12",
        "mobile": "34", "birth_date": "2030-99-99", "website": "https://nordlys.example"})
    assert response.status_code == 422
    shown = errors_in(response.get_data(as_text=True))
    for message in ("Dette felt er påkrævet.", "Ugyldig e-mailadresse.",
                    "Dette er ikke et gyldigt telefonnummer.", "Angiv en dato som DD.MM.ÅÅÅÅ."):
        assert message in shown, shown
    assert shown.count("Dette er ikke et gyldigt telefonnummer.") == 2
    assert shown.count("Dette felt er påkrævet.") == 1  # the form's and the rule's, once
    with tenant_context(tenant_a.id):
        kept = db.session.get(Contact, person)
        assert (kept.first_name, kept.email, kept.website) == (
            "Jens", "jens@nordlys.example", None)


def test_the_rules_refuse_every_field_of_a_contact_together(app, tenant_a):
    from app.services.errors import FieldErrors

    with tenant_context(tenant_a.id):
        contact = Contact(kind="private", first_name="", last_name="", phone="12",
                          email="ikke-en-adresse", consent_phone_source="Messe")
        refused = commit_or_refuse(lambda: contacts.prepare(contact, is_new=True))
    assert isinstance(refused.refusal, FieldErrors)
    assert set(refused.refusal.errors) == {"first_name", "last_name", "phone", "email",
                                           "consent_phone_source"}


# --- 11: the profile's cases tab shows the contact's part in each case ----------------

def case_with_parties(tenant_id: int, primary_id: int, other_id: int) -> int:
    from app.services.work import cases

    with tenant_context(tenant_id):
        case = cases.new_case()
        case.title = "Reklamation over levering"
        case.primary_contact = db.session.get(Contact, primary_id)
        case.secondary_contacts.append(db.session.get(Contact, other_id))
        return commit_or_refuse(lambda: _added(case, cases.prepare(case, is_new=True))).value.id


def test_the_cases_tab_marks_the_primary_and_the_other_party(admin_client, tenant_a):
    _organisation, primary = organisation_with_person(tenant_a.id)
    (other,) = contacts_created(tenant_a.id, "Anden")
    case = case_with_parties(tenant_a.id, primary, other)
    for person, role, text in ((primary, "primary", "Primær part"),
                               (other, "other", "Anden part")):
        page = admin_client.get(f"/admin/contact/{person}/profile?tab=cases").get_data(
            as_text=True)
        row = page[page.index(f'id="profile-case-{case}"'):]
        row = row[:row.index("</tr>")]
        assert f'data-role="{role}">{text}</span>' in row


# --- 12: the timeline can be read newest first or oldest first -------------------------

def timeline_ids(page: str) -> list[str]:
    return re.findall(r'id="timeline-activity-(\d+)"', page)


def test_the_timeline_is_sorted_newest_or_oldest_first(admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    planned = note_with_follow_up(tenant_a.id, admin)  # a done note and its follow-up
    with tenant_context(tenant_a.id):
        follow_up = db.session.get(Activity, planned)
        person = follow_up.contacts[0]
        first_note = db.session.scalar(select(Activity.id).where(
            Activity.id != planned, Activity.kind == NOTE))
        later = Activity(kind=NOTE, body="Sendte tilbuddet", starts_at=START + timedelta(
            hours=3), organisation=follow_up.organisation, contacts=[person])
        assert commit_or_refuse(lambda: _added(later, activities.prepare(later, is_new=True)))
        person_id, later_id = person.id, later.id
    url = f"/admin/contact/{person_id}/profile?tab=timeline"
    newest = admin_client.get(url).get_data(as_text=True)
    assert timeline_ids(newest) == [str(planned), str(later_id), str(first_note)]
    assert "Nyeste først" in newest and "Ældste først" in newest
    oldest = admin_client.get(url + "&timeline_order=oldest").get_data(as_text=True)
    assert timeline_ids(oldest) == [str(first_note), str(later_id), str(planned)]
    assert 'name="timeline_order" value="oldest"' in oldest  # the filter keeps the order
    unknown = admin_client.get(url + "&timeline_order=sideways").get_data(as_text=True)
    assert timeline_ids(unknown) == timeline_ids(newest)


# --- 13: the letter form names what is printed after the text; domestic letters name no
#         country -------------------------------------------------------------------------

def private_contact_in(tenant_id: int, country: str) -> int:
    with tenant_context(tenant_id):
        contact = Contact(kind="private", first_name="Karin", last_name=f"Post {country}",
                          street="Storgatan 1", postcode="111 22", city="Stockholm",
                          country=country, email=f"karin@post-{country.lower()}.example")
        assert commit_or_refuse(lambda: _added(contact, contacts.prepare(contact, is_new=True)))
        return contact.id


def test_the_letter_form_says_the_closing_and_signature_are_added(admin_client, tenant_a):
    person = private_contact_in(tenant_a.id, "DK")
    page = admin_client.get(f"/admin/letter/new/?contact_id={person}").get_data(as_text=True)
    note = item_of(page, "letter-signature-note")
    assert "Med venlig hilsen" in note and "Admin alpha" in note


def test_a_domestic_letter_leaves_out_the_country_a_foreign_one_keeps_it(
        admin_client, tenant_a):
    from app.services.activities import letters

    domestic, foreign = (private_contact_in(tenant_a.id, country) for country in ("DK", "SE"))
    for person, country, shown in ((domestic, "Danmark", False), (foreign, "Sverige", True)):
        page = admin_client.get(f"/admin/letter/new/?contact_id={person}").get_data(
            as_text=True)
        recipient = page[page.index('id="letter-recipient"'):]
        recipient = recipient[:recipient.index("</address>")]
        assert (country in recipient) is shown, recipient
    with tenant_context(tenant_a.id):  # the profile's address panel still names it
        lines = letters.postal_lines(db.session.get(Contact, domestic))
    assert lines[-1] in ("Danmark", "Denmark")


# --- 10: the Privat flag is on the profile, with what it hides --------------------------

def test_the_private_flag_is_shown_explained_and_set_on_the_profile(admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    _organisation, person = organisation_with_person(tenant_a.id)
    page = admin_client.get(f"/admin/contact/{person}/profile").get_data(as_text=True)
    panel = page[page.index('id="panel-responsible"'):]
    panel = panel[:panel.index("</section>")]
    assert "Privat" in panel and "Nej" in panel
    assert "kun administratorer og den ansvarlige bruger kan læse notaterne" in panel
    url = f"/admin/contact/{person}/profile/panel/responsible/edit"
    form = admin_client.get(url).get_data(as_text=True)
    assert 'name="is_private"' in form and "andre ser kun, at der findes et notat" in form
    saved = admin_client.post(url, data={"responsible_user": str(admin), "is_private": "y"})
    assert saved.status_code == 302
    with tenant_context(tenant_a.id):
        contact = db.session.get(Contact, person)
        assert contact.is_private and contact.responsible_user_id == admin
    full_form = admin_client.get(f"/admin/contact/edit/?id={person}").get_data(as_text=True)
    assert "andre ser kun, at der findes et notat" in full_form


# --- 2: a tenant's own activity kinds are usable, each with its behaviour --------------

def own_kind(client, label: str = "Videomøde", behaviour: str = "meeting") -> str:
    """An activity kind made on the dictionary screen; its key."""
    from app.models.dictionary import ACTIVITY_KIND

    response = client.post(f"/admin/dictionaries/new/?dictionary={ACTIVITY_KIND}", data={
        "label_da": label, "label_sv": "", "label_pl": "", "label_en": "",
        "behaviour": behaviour})
    assert response.status_code == 302, refusals_in(response.get_data(as_text=True))
    listing = client.get(f"/admin/dictionaries/?dictionary={ACTIVITY_KIND}").get_data(
        as_text=True)
    row = item_of(listing.replace("</tr>", "</li>"), listing.split(
        f"{label}</td>")[0].rsplit('<tr id="', 1)[1].split('"')[0])
    return re.search(r"<code>([^<]+)</code>", row).group(1)


def test_an_own_kind_needs_a_behaviour(admin_client, tenant_a):
    from app.models.dictionary import ACTIVITY_KIND

    response = admin_client.post(f"/admin/dictionaries/new/?dictionary={ACTIVITY_KIND}",
                                 data={"label_da": "Videomøde", "behaviour": ""})
    assert response.status_code == 200
    assert "Vælg, hvordan aktiviteter af denne type fungerer." in response.get_data(
        as_text=True)


def test_an_own_kind_is_offered_saved_with_its_behaviour_and_filtered(admin_client, tenant_a):
    key = own_kind(admin_client)
    organisation, person = organisation_with_person(tenant_a.id)
    form = admin_client.get(f"/admin/activity/new/?contact_id={person}&kind={key}").get_data(
        as_text=True)
    assert re.search(rf'<option (selected value="{key}"|value="{key}" selected)>Videomøde<',
                     form)
    location_box = form[form.index('id="location"') - 400:form.index('id="location"')]
    assert key in location_box.rsplit('data-kinds="', 1)[1].split('"')[0]  # meeting's fields
    saved = admin_client.post("/admin/activity/new/", data={
        "kind": key, "subject": "Demo af systemet", "starts_at": "2026-03-12 10:00",
        "organisation": str(organisation), "contacts": str(person),
        "location": "Teams", "direction": "in"})
    assert saved.status_code == 302, refusals_in(saved.get_data(as_text=True))
    meeting = admin_client.post("/admin/activity/new/", data={
        "kind": "meeting", "subject": "Besøg", "starts_at": "2026-03-13 10:00",
        "organisation": str(organisation), "contacts": str(person)})
    assert meeting.status_code == 302
    with tenant_context(tenant_a.id):
        video = db.session.scalar(select(Activity).where(Activity.subject == "Demo af systemet"))
        assert (video.kind, video.kind_key, video.type_key) == ("meeting", key, key)
        assert video.location == "Teams" and video.direction is None  # a meeting's fields
        video_id = video.id
    edit = admin_client.get(f"/admin/activity/edit/?id={video_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{key}">|<option value="{key}" selected>', edit)

    from tests.conftest import view_of

    kind_filter = next(index for index, flt in enumerate(view_of(
        admin_client.application, "activity")._filters) if str(flt.name) == "Kind")
    listing = admin_client.get(f"/admin/activity/?flt0_{kind_filter}={key}").get_data(
        as_text=True)
    assert "Demo af systemet" in listing and "Besøg" not in listing
    assert "Videomøde" in listing
    meetings = admin_client.get(f"/admin/activity/?flt0_{kind_filter}=meeting").get_data(
        as_text=True)
    assert "Besøg" in meetings and "Demo af systemet" not in meetings


def test_an_own_kind_is_in_the_action_bar_and_the_timeline(admin_client, tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    key = own_kind(admin_client, "Messebesøg", "note")
    organisation, person = organisation_with_person(tenant_a.id)
    with tenant_context(tenant_a.id):
        visit = Activity(kind_key=key, body="Talte ved standen", starts_at=START,
                         organisation=db.session.get(Organisation, organisation),
                         contacts=[db.session.get(Contact, person)])
        assert commit_or_refuse(lambda: _added(visit, activities.prepare(
            visit, is_new=True, creator_id=admin)))
        assert visit.kind == NOTE and visit.subject == "Talte ved standen"
        visit_id = visit.id
    url = f"/admin/contact/{person}/profile"
    page = admin_client.get(url).get_data(as_text=True)
    bar = page[page.index('id="profile-actions"'):]
    bar = bar[:bar.index("</nav>")]
    assert f"kind={key}" in bar and "Messebesøg" in bar
    timeline = admin_client.get(url + f"?tab=timeline&timeline_kind={key}").get_data(
        as_text=True)
    item = item_of(timeline, f"timeline-activity-{visit_id}")
    assert "Messebesøg" in item
    others = admin_client.get(url + "?tab=timeline&timeline_kind=note").get_data(as_text=True)
    assert f"timeline-activity-{visit_id}" not in others
    assert f'value="{key}"' in timeline  # the kind filter offers it


def test_a_used_own_kind_keeps_its_behaviour_and_is_not_deleted(admin_client, tenant_a):
    from app.models.dictionary import ACTIVITY_KIND
    from app.services import dictionaries

    key = own_kind(admin_client, "Videomøde", "meeting")
    organisation, person = organisation_with_person(tenant_a.id)
    with tenant_context(tenant_a.id):
        video = Activity(kind_key=key, subject="Demo", starts_at=START,
                         organisation=db.session.get(Organisation, organisation),
                         contacts=[db.session.get(Contact, person)])
        assert commit_or_refuse(lambda: _added(video, activities.prepare(video, is_new=True)))
        entry = dictionaries.by_key(ACTIVITY_KIND, key)
        refused = commit_or_refuse(lambda: dictionaries.update_entry(
            entry, entry.labels, behaviour="call"))
        assert not refused and refused.refusal.field == "behaviour"
        entry = dictionaries.by_key(ACTIVITY_KIND, key)
        assert not commit_or_refuse(lambda: dictionaries.delete_entry(entry))
        assert dictionaries.by_key(ACTIVITY_KIND, key).behaviour == "meeting"


def test_migration_gives_the_program_kinds_their_behaviour(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'kinds.db'}")
    with app.app_context():
        upgrade(revision="0013")
        db.session.execute(text(OLD_TENANT))
        for number, key in enumerate(("note", "meeting", "videomode"), start=1):
            db.session.execute(text(
                "INSERT INTO dictionary_entry (id, tenant_id, dictionary, key, labels, "
                "position, active, is_done, created_at, updated_at) VALUES (:id, 1, "
                "'activity_kind', :key, '{}', :id, 1, 0, '2026-01-01', '2026-01-01')"),
                {"id": number, "key": key})
        db.session.commit()
        upgrade(revision="0014")
        stored = db.session.execute(text(
            "SELECT key, behaviour FROM dictionary_entry ORDER BY id")).all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in stored] == [("note", "note"), ("meeting", "meeting"),
                                              ("videomode", None)]
