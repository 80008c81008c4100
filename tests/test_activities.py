"""Activities (E): the organisation/person rule, prefilling, the persons endpoint, the
next contact, completion and reopening, the in-place note, the meeting owner change,
duration and phone rules, tenant isolation, the list's query budget and the demo."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Activity,
    AuditEntry,
    Case,
    Contact,
    Organisation,
    Project,
    Tenant,
)
from app.models.activity import CALL, EMAIL, KINDS, LETTER, MEETING, NOTE
from app.models.dictionary import ACTIVITY_KIND, PRIORITY
from app.services import dictionaries
from app.services.activities import activities
from app.services.contacts import organisations as organisation_service
from app.services.times import to_utc
from app.tenancy import tenant_context
from tests.conftest import (
    feedback,
    filter_arg,
    load_activity,
    records,
    translated,
    user_id,
    warm_statements,
)
from tests.factories import (
    FIELDS,
    activity_form,
    gen_activity,
    gen_case,
    gen_contact,
    gen_fields,
    gen_organisation,
    gen_with_participants,
    setup_people,
)

PERSONS_REFUSED = ("Only persons currently linked to the chosen organisation can take "
                   "part in the activity.")
COMPLETED = ("This activity is completed and can no longer be changed. An administrator "
             "can reopen it.")


# --- helpers --------------------------------------------------------------------------

def person_ids(activity: Activity) -> set[int]:
    return {contact.id for contact in activity.contacts}


# --- the organisation and person rule (E2) -------------------------------------------

def test_create_note_with_a_person_of_the_organisation(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    response = admin_client.post("/admin/activity/new/", data=activity_form(org, [person]))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [activity] = records(Activity, tenant_a.id)
    activity = load_activity(tenant_a.id, activity.id)
    assert person_ids(activity) == {person}
    assert activity.subject == "Talte om tilbuddet"  # a note is its text
    assert activity.employee.email == "admin@alpha.example"  # E7
    assert to_utc(activity.starts_at) == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


def test_person_of_another_organisation_is_refused(admin_client, tenant_a):
    org, person, other_person = setup_people(tenant_a.id)
    response = admin_client.post("/admin/activity/new/",
                                 data=activity_form(org, [person, other_person]))
    assert response.status_code == 200
    assert translated(PERSONS_REFUSED) in response.get_data(as_text=True)
    assert records(Activity, tenant_a.id) == []


def test_contact_of_another_tenant_is_refused(admin_client, tenant_a, tenant_b):
    org, person, _other = setup_people(tenant_a.id)
    foreign_org = gen_organisation(tenant_b.id, "Fremmed Sp. z o.o.")
    foreign = gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    response = admin_client.post("/admin/activity/new/",
                                 data=activity_form(org, [person, foreign]))
    assert response.status_code == 200
    assert translated(PERSONS_REFUSED) in response.get_data(as_text=True)
    response = admin_client.post("/admin/activity/new/",
                                 data=activity_form(foreign_org, [foreign]))
    assert response.status_code == 200
    assert records(Activity, tenant_a.id) == []
    assert records(Activity, tenant_b.id) == []


def test_organisation_and_a_person_are_required(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    for form in (activity_form("", [person]), activity_form(org, [])):
        response = admin_client.post("/admin/activity/new/", data=form)
        assert response.status_code == 200
    assert records(Activity, tenant_a.id) == []


def test_former_employee_cannot_be_added_but_stays_on_a_saved_activity(admin_client,
                                                                        tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    former = gen_contact(tenant_a.id, org, "Ole", "Gammel", ended=True)
    response = admin_client.post("/admin/activity/new/",
                                 data=activity_form(org, [person, former]))
    assert response.status_code == 200
    assert records(Activity, tenant_a.id) == []

    # the record is history: once on it, a person who left stays through later edits
    activity_id = gen_activity(tenant_a.id, org, [former], kind=NOTE, body="Gammelt")
    response = admin_client.post(f"/admin/activity/edit/?id={activity_id}",
                                 data=activity_form(org, [former], body="Rettet"))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    assert load_activity(tenant_a.id, activity_id).body == "Rettet"


def test_private_customers_take_part_with_the_private_customers_organisation(admin_client,
                                                                             tenant_a):
    admin_client.post("/admin/contact/new/", data={
        "kind": "company", "first_name": "Pia", "last_name": "Privat",
        "email": "pia@privat.example", "_save_private": "1"})
    with tenant_context(tenant_a.id):
        private_org = organisation_service.private_customers().id
        pia = db.session.scalar(select(Contact.id).where(Contact.last_name == "Privat"))
    response = admin_client.post("/admin/activity/new/", data=activity_form(private_org, [pia]))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))


# --- opening the form from a record ---------------------------------------------------

def organisation_choice(html: str) -> str:
    """The data of the organisation lookup field as rendered."""
    match = re.search(r'<input[^>]*id="organisation"[^>]*>', html)
    assert match, "no organisation field"
    return match.group(0)


def persons_choice(html: str) -> list[dict]:
    match = re.search(r'<input[^>]*data-role="kontakt-persons"[^>]*>', html)
    assert match, "no persons field"
    data = re.search(r'data-json="([^"]*)"', match.group(0)).group(1)
    return json.loads(data.replace("&#34;", '"').replace("&quot;", '"'))


def test_new_activity_from_an_organisation_is_prefilled(admin_client, tenant_a):
    org, _person, _other = setup_people(tenant_a.id)
    html = admin_client.get(f"/admin/activity/new/?organisation_id={org}").get_data(
        as_text=True)
    assert "Nordlys ApS" in organisation_choice(html)
    assert persons_choice(html) == []


def test_new_call_from_a_contact_has_its_organisation_and_the_person(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    response = admin_client.get(f"/admin/activity/new/?contact_id={person}&kind=call")
    html = response.get_data(as_text=True)
    assert "Nordlys ApS" in organisation_choice(html)
    assert persons_choice(html) == [{"id": person, "text": "Jens Hansen"}]
    assert re.search(r'<option selected value="call">|<option value="call" selected', html)


def test_garbage_or_foreign_ids_prefill_nothing(admin_client, tenant_a, tenant_b):
    foreign_org = gen_organisation(tenant_b.id, "Fremmed Sp. z o.o.")
    foreign = gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    for query in (f"organisation_id={foreign_org}", f"contact_id={foreign}", "contact_id=abc",
                  "organisation_id=99999999999999", "case_id=-1", "kind=<script>"):
        response = admin_client.get(f"/admin/activity/new/?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert "Fremmed" not in html and "Kowalski" not in html
        assert persons_choice(html) == []


# --- the persons endpoint -------------------------------------------------------------

def test_persons_endpoint_lists_the_organisations_current_people(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    gen_contact(tenant_a.id, org, "Ole", "Gammel", ended=True)
    second = gen_contact(tenant_a.id, org, "Anna", "Andersen")
    data = admin_client.get(f"/admin/activity/persons/?organisation_id={org}").get_json()
    assert [(p["id"], p["name"]) for p in data["results"]] == [
        (second, "Anna Andersen"), (person, "Jens Hansen")]
    assert data["more"] is False
    found = admin_client.get(f"/admin/activity/persons/?organisation_id={org}&q=hans")
    assert [p["id"] for p in found.get_json()["results"]] == [person]


def test_persons_endpoint_is_tenant_scoped(admin_client, tenant_a, tenant_b):
    foreign_org = gen_organisation(tenant_b.id, "Fremmed Sp. z o.o.")
    gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    for value in (str(foreign_org), "abc", "", "-3", "99999999999"):
        response = admin_client.get(f"/admin/activity/persons/?organisation_id={value}")
        assert response.status_code == 404, value
        assert "Kowalski" not in response.get_data(as_text=True)


def test_persons_endpoint_needs_a_login(client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = client.get(f"/admin/activity/persons/?organisation_id={org}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/login?next=/admin/activity/persons/?organisation_id%3D{org}")


# --- the next contact (E4) ------------------------------------------------------------

def test_next_contact_in_hours_days_weeks_or_on_a_date(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    case_id = gen_case(tenant_a.id, person, "Tilbud", organisation_id=org)
    # 29 March 2024 10:00 in Copenhagen (UTC+1); summer time starts on 31 March
    start = "2024-03-29 10:00"
    expected = {
        ("2", "hours", ""): datetime(2024, 3, 29, 11, 0, tzinfo=UTC),
        ("3", "days", ""): datetime(2024, 4, 1, 8, 0, tzinfo=UTC),  # 10:00 summer time
        ("1", "weeks", ""): datetime(2024, 4, 5, 8, 0, tzinfo=UTC),
        ("", "days", "2024-04-10"): datetime(2024, 4, 10, 8, 0, tzinfo=UTC),
    }
    for (steps, unit, on), when in expected.items():
        response = admin_client.post("/admin/activity/new/", data=activity_form(
            org, [person], kind=MEETING, subject=f"Møde {unit}", starts_at=start,
            ends_at="2024-03-29 11:30", location="Havnegade 1", case=str(case_id),
            follow_up_in=steps, follow_up_unit=unit, follow_up_on=on))
        assert response.status_code == 302, feedback(response.get_data(as_text=True))
        with tenant_context(tenant_a.id):
            db.session.expire_all()
            activity = db.session.scalar(select(Activity).where(
                Activity.subject == f"Møde {unit}", Activity.planned.is_(False)).order_by(
                Activity.id.desc()).limit(1))
            follow_up = activity.follow_up
            assert follow_up is not None, (steps, unit, on)
            assert to_utc(follow_up.starts_at) == when, (steps, unit, on)
            assert to_utc(follow_up.ends_at) == when + timedelta(minutes=90)
            assert (follow_up.kind, follow_up.planned, follow_up.completed) == (
                MEETING, True, False)
            assert person_ids(follow_up) == {person}
            assert follow_up.organisation_id == org and follow_up.case_id == case_id
            assert follow_up.employee_id == activity.employee_id is not None


def test_next_contact_needs_one_clear_time(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    for values in ({"follow_up_in": "2", "follow_up_on": "2024-06-01"},
                   {"follow_up_in": "0"}, {"follow_up_in": "2", "follow_up_unit": "years"}):
        response = admin_client.post("/admin/activity/new/",
                                     data=activity_form(org, [person], **values))
        assert response.status_code == 200, values
    assert records(Activity, tenant_a.id) == []


def test_planned_list_and_planned_for(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    me = user_id(tenant_a.id, "admin@alpha.example")
    later = gen_activity(tenant_a.id, org, [person], subject="Senere", planned=True,
                         employee_id=me, starts_at=datetime(2030, 1, 2, tzinfo=UTC))
    sooner = gen_activity(tenant_a.id, org, [person], subject="Snart", planned=True,
                          employee_id=me, starts_at=datetime(2030, 1, 1, tzinfo=UTC))
    gen_activity(tenant_a.id, org, [person], subject="Overstået møde", planned=True,
                 completed=True, employee_id=me)
    gen_activity(tenant_a.id, org, [person], subject="Historik", employee_id=me)
    with tenant_context(tenant_a.id):
        assert [a.id for a in activities.planned_for(me)] == [sooner, later]
    html = admin_client.get("/admin/planned-activity/").get_data(as_text=True)
    assert html.index("Snart") < html.index("Senere")
    assert "Overstået møde" not in html and "Historik" not in html


# --- completed activities are read-only (E6) -----------------------------------------

def test_completed_activity_cannot_be_changed_or_deleted(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    done = gen_activity(tenant_a.id, org, [person], kind=NOTE, body="Endelig",
                        completed=True)
    response = admin_client.post(f"/admin/activity/edit/?id={done}",
                                 data=activity_form(org, [person], body="Ændret"))
    assert response.status_code == 200
    assert translated(COMPLETED) in response.get_data(as_text=True)
    response = admin_client.post("/admin/activity/ajax/update/",
                                 data={"list_form_pk": str(done), "body": "Ændret"})
    assert response.status_code == 400
    assert translated(COMPLETED) in response.get_data(as_text=True)
    admin_client.post("/admin/activity/delete/", data={"id": str(done)})
    admin_client.post("/admin/activity/action/", data={"action": "delete", "rowid": [str(done)]})
    activity = load_activity(tenant_a.id, done)
    assert activity is not None and activity.body == "Endelig" and activity.completed

    page = admin_client.get(f"/admin/activity/edit/?id={done}").get_data(as_text=True)
    assert re.search(r"<fieldset[^>]*kontakt-activity-form[^>]*disabled", page)


def test_note_of_an_open_activity_is_edited_in_the_list(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    open_id = gen_activity(tenant_a.id, org, [person], kind=NOTE, body="Første udkast")
    done = gen_activity(tenant_a.id, org, [person], kind=NOTE, body="Lukket", completed=True)
    html = admin_client.get("/admin/activity/").get_data(as_text=True)
    assert re.search(rf'data-pk="{open_id}"', html)
    assert not re.search(rf'data-pk="{done}"', html)  # plain text, no in-place editor
    response = admin_client.post("/admin/activity/ajax/update/",
                                 data={"list_form_pk": str(open_id), "body": "Rettet note"})
    assert response.status_code == 200
    activity = load_activity(tenant_a.id, open_id)
    assert activity.body == "Rettet note" and activity.subject == "Rettet note"


def test_admin_reopens_a_completed_activity_and_history_shows_it(admin_client, client,
                                                                 tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    done = gen_activity(tenant_a.id, org, [person], completed=True)
    page = admin_client.get(f"/admin/activity/details/?id={done}").get_data(as_text=True)
    assert "/admin/activity/reopen/" in page
    response = admin_client.post("/admin/activity/reopen/", data={"id": str(done)})
    assert response.status_code == 302
    assert load_activity(tenant_a.id, done).completed is False
    with tenant_context(tenant_a.id):
        entries = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "activity", AuditEntry.record_id == done,
            AuditEntry.action == "update")))
    assert [entry.changes.get("completed") for entry in entries] == [[True, False]]
    assert entries[0].user.email == "admin@alpha.example"


def test_user_cannot_reopen(user_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    done = gen_activity(tenant_a.id, org, [person], completed=True)
    page = user_client.get(f"/admin/activity/details/?id={done}").get_data(as_text=True)
    assert "/admin/activity/reopen/" not in page
    assert user_client.post("/admin/activity/reopen/", data={"id": str(done)}).status_code == 403
    assert load_activity(tenant_a.id, done).completed is True


# --- meetings: owner change (D8), end time -------------------------------------------

def test_meetings_get_another_owner_together(admin_client, tenant_a, tenant_b):
    org, person, _other = setup_people(tenant_a.id)
    me = user_id(tenant_a.id, "admin@alpha.example")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    meetings = [gen_activity(tenant_a.id, org, [person], kind=MEETING, employee_id=me)
                for _ in range(2)]
    call = gen_activity(tenant_a.id, org, [person], kind=CALL, employee_id=me)
    done = gen_activity(tenant_a.id, org, [person], kind=MEETING, employee_id=me,
                        completed=True)
    foreign_org = gen_organisation(tenant_b.id, "Fremmed Sp. z o.o.")
    foreign_meeting = gen_activity(tenant_b.id, foreign_org, kind=MEETING)
    rows = [str(i) for i in (*meetings, call, done, foreign_meeting)] + ["abc"]

    page = admin_client.post("/admin/activity/action/",
                             data={"action": "change_employee", "rowid": rows})
    assert page.status_code == 200
    assert 'name="employee_id"' in page.get_data(as_text=True)

    foreign_user = user_id(tenant_b.id, "admin@beta.example")
    admin_client.post("/admin/activity/action/", data={
        "action": "change_employee", "rowid": rows, "employee_id": str(foreign_user)})
    assert {load_activity(tenant_a.id, i).employee_id for i in meetings} == {me}

    response = admin_client.post("/admin/activity/action/", data={
        "action": "change_employee", "rowid": rows, "employee_id": str(colleague)})
    assert response.status_code == 302
    assert {load_activity(tenant_a.id, i).employee_id for i in meetings} == {colleague}
    assert load_activity(tenant_a.id, call).employee_id == me
    assert load_activity(tenant_a.id, done).employee_id == me  # completed: read-only
    assert load_activity(tenant_b.id, foreign_meeting).employee_id is None


def test_meeting_cannot_end_before_it_starts(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], kind=MEETING, subject="Møde", ends_at="2024-05-02 09:00"))
    assert response.status_code == 200
    assert records(Activity, tenant_a.id) == []


# --- duration (E3), calls ------------------------------------------------------------

def test_duration_is_zero_to_a_hundred_thousand_minutes(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    for minutes in ("-1", "100001", "tre"):
        response = admin_client.post("/admin/activity/new/", data=activity_form(
            org, [person], duration_minutes=minutes))
        assert response.status_code == 200, minutes
    assert records(Activity, tenant_a.id) == []
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], duration_minutes="100000"))
    assert response.status_code == 302
    assert [a.duration_minutes for a in records(Activity, tenant_a.id)] == [100000]


def test_call_number_is_normalised_and_other_kinds_drop_call_details(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], kind=CALL, subject="Opkald", direction="out",
        phone_number="20 12 34 56", outcome="Ring igen", location="Ikke her"))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [call] = records(Activity, tenant_a.id)
    assert (call.phone_number, call.direction, call.outcome, call.location) == (
        "+4520123456", "out", "Ring igen", None)
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], kind=CALL, subject="Opkald", phone_number="12"))
    assert response.status_code == 200
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], kind=LETTER, subject="Brev", phone_number="20 12 34 56"))
    assert response.status_code == 302
    assert records(Activity, tenant_a.id)[-1].phone_number is None


# --- dictionaries (E8) ----------------------------------------------------------------

def test_deactivated_kind_and_priority_are_not_offered_but_kept(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    with tenant_context(tenant_a.id):
        letter = dictionaries.by_key(ACTIVITY_KIND, "letter")
        low = dictionaries.by_key(PRIORITY, "low")
        letter.active = low.active = False
        low_id = low.id
        db.session.commit()
    html = admin_client.get("/admin/activity/new/").get_data(as_text=True)
    assert 'value="letter"' not in html and f'value="{low_id}"' not in html
    kept = gen_activity(tenant_a.id, org, [person], kind=LETTER, priority_id=low_id)
    html = admin_client.get(f"/admin/activity/edit/?id={kept}").get_data(as_text=True)
    assert 'value="letter"' in html and f'value="{low_id}"' in html


# --- references -----------------------------------------------------------------------

def test_records_with_activities_are_not_deleted(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    case_id = gen_case(tenant_a.id, person, "Tilbud")
    gen_activity(tenant_a.id, org, [person], case_id=case_id)
    admin_client.post("/admin/organisation/delete/", data={"id": str(org)})
    admin_client.post("/admin/contact/delete/", data={"id": str(person)})
    admin_client.post("/admin/case/delete/", data={"id": str(case_id)})
    with tenant_context(tenant_a.id):
        db.session.expire_all()
        assert db.session.get(Organisation, org) is not None
        assert db.session.get(Contact, person) is not None
        assert db.session.get(Case, case_id) is not None


# --- tenant isolation -----------------------------------------------------------------

def test_another_tenants_activity_is_out_of_reach(admin_client, tenant_a, tenant_b):
    foreign_org = gen_organisation(tenant_b.id, "Fremmed Sp. z o.o.")
    foreign_person = gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    foreign = gen_activity(tenant_b.id, foreign_org, [foreign_person], subject="Hemmeligt",
                           body="Tajne")
    for url in ("/admin/activity/", "/admin/planned-activity/", "/admin/activity/export/csv/",
                f"/admin/activity/details/?id={foreign}", f"/admin/activity/edit/?id={foreign}",
                f"/admin/activity/persons/?organisation_id={foreign_org}"):
        response = admin_client.get(url, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert "Hemmeligt" not in html and "Kowalski" not in html, url
    admin_client.post(f"/admin/activity/edit/?id={foreign}",
                      data=activity_form(foreign_org, [foreign_person], body="Ændret"))
    admin_client.post("/admin/activity/delete/", data={"id": str(foreign)})
    admin_client.post("/admin/activity/ajax/update/",
                      data={"list_form_pk": str(foreign), "body": "Ændret"})
    admin_client.post("/admin/activity/reopen/", data={"id": str(foreign)})
    activity = load_activity(tenant_b.id, foreign)
    assert activity is not None and activity.body == "Tajne"


# --- lists ----------------------------------------------------------------------------

def test_list_query_count_is_fixed(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    case_id = gen_case(tenant_a.id, person, "Tilbud", organisation_id=org)
    me = user_id(tenant_a.id, "admin@alpha.example")
    counts = []
    for batch in range(2):
        for index in range(5 + 10 * batch):
            gen_activity(tenant_a.id, org, [person], subject=f"A{batch}-{index}",
                         employee_id=me, case_id=case_id, kind=KINDS[index % len(KINDS)])
        response, statements = warm_statements(admin_client, "/admin/activity/?page_size=50")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_list_search_sort_and_filters(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    gen_activity(tenant_a.id, org, [person], subject="Årsmøde", kind=MEETING)
    gen_activity(tenant_a.id, org, [person], subject="Opringning", kind=CALL,
                 body="Kunden spurgte om priser")
    html = admin_client.get("/admin/activity/?search=priser").get_data(as_text=True)
    assert "Opringning" in html and "Årsmøde" not in html
    for sort in range(7):
        assert admin_client.get(f"/admin/activity/?sort={sort}").status_code == 200
    export = admin_client.get("/admin/activity/export/csv/").get_data(as_text=True)
    assert "Årsmøde" in export and "Jens Hansen" in export


def test_list_filters(app, admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    gen_activity(tenant_a.id, org, [person], subject="Årsmøde", kind=MEETING,
                 starts_at=datetime(2024, 5, 2, 10, tzinfo=UTC))
    gen_activity(tenant_a.id, gen_organisation(tenant_a.id, "Tredje ApS"), [], kind=CALL,
                 subject="Opringning", planned=True, starts_at=datetime(2025, 1, 1, tzinfo=UTC))
    kind = filter_arg(app, "activity", "kind", "equals")
    between = filter_arg(app, "activity", "starts_at", "between")
    planned = filter_arg(app, "activity", "planned", "equals")
    person_matches = filter_arg(app, "activity", "Contact", "matches")
    for query, shown, hidden in (
            (f"{kind}=call", "Opringning", "Årsmøde"),
            (f"{between}=2024-05-01+00:00:00+to+2024-05-03+00:00:00", "Årsmøde",
             "Opringning"),
            (f"{planned}=1", "Opringning", "Årsmøde"),
            (f"{person_matches}=hansen", "Årsmøde", "Opringning"),
            (f"{kind}=nonsense", None, "Årsmøde")):
        page = admin_client.get(f"/admin/activity/?{query}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200, query
        assert (shown is None or shown in html) and hidden not in html, query


def test_list_filters_on_the_project(app, admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    project = gen_with_participants(Project, tenant_a.id, "Ny lagerhal", [person])
    gen_activity(tenant_a.id, org, [person], subject="Om hallen", project_id=project)
    gen_activity(tenant_a.id, org, [person], subject="Uden projekt")
    project_filter = filter_arg(app, "activity", "project_id", "matches")
    html = admin_client.get(f"/admin/activity/?{project_filter}=LAGERHAL").get_data(
        as_text=True)
    assert "Om hallen" in html and "Uden projekt" not in html
    html = admin_client.get(f"/admin/activity/?{project_filter}=nothing").get_data(
        as_text=True)
    assert "Om hallen" not in html


def test_list_filters_on_the_case_by_reference_or_title(app, admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    case = gen_case(tenant_a.id, person, "Reklamation over levering")
    gen_activity(tenant_a.id, org, [person], subject="Om sagen", case_id=case)
    gen_activity(tenant_a.id, org, [person], subject="Uden sag")
    case_filter = filter_arg(app, "activity", "case_id", "matches")
    html = admin_client.get(f"/admin/activity/?{case_filter}=levering").get_data(as_text=True)
    assert "Om sagen" in html and "Uden sag" not in html


def test_details_show_the_details_of_the_kind(admin_client, tenant_a):
    org, person, _other = setup_people(tenant_a.id)
    call = gen_activity(tenant_a.id, org, [person], kind=CALL, subject="Opkald",
                        phone_number="+4520123456", direction="in")
    html = admin_client.get(f"/admin/activity/details/?id={call}").get_data(as_text=True)
    assert "+4520123456" in html and "Jens Hansen" in html
    assert translated("Location") not in html


# --- demo data ------------------------------------------------------------------------

def test_demo_filler_makes_every_kind_planned_and_done(app, tenant_a):
    from app.demo.activities import fill_activities
    from app.demo.contacts import fill_contacts

    with tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        fill_contacts(tenant, "da_DK", 30)
        fill_activities(tenant, "da_DK", 30)
        db.session.commit()
        made = list(db.session.scalars(select(Activity)))
        assert {a.kind for a in made} == set(KINDS)
        assert any(a.planned and not a.completed for a in made)
        assert any(a.completed for a in made)
        assert any(a.follow_up_id for a in made)
        for activity in made:
            assert activity.contacts and activity.organisation_id
        assert {EMAIL, MEETING, CALL} <= {a.kind for a in made if not a.planned}


# --- configurable fields --------------------------------------------------------------

def test_activities_take_configurable_fields(admin_client, tenant_a):

    org, person, _other = setup_people(tenant_a.id)
    names = gen_fields(tenant_a.id, "activity", visits=FIELDS["visits"])
    assert names["visits"] in admin_client.get("/admin/activity/new/").get_data(as_text=True)
    response = admin_client.post("/admin/activity/new/", data=activity_form(
        org, [person], **{names["visits"]: "7"}))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [activity] = records(Activity, tenant_a.id)
    assert list((activity.custom or {}).values()) == [7]
    html = admin_client.get("/admin/activity/").get_data(as_text=True)
    assert "Besøg" in html  # the field is a list column
