"""The calendar feed (E5): a user's planned activities as iCalendar under the secret
feed URL, read back with vobject and, as a second opinion, with icalendar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import vobject

from app.extensions import db
from app.models import Activity, Contact
from app.models.activity import CALL, MEETING, NOTE
from app.tenancy import tenant_context
from tests.conftest import count_queries, login, user_id
from tests.factories import gen_activity, gen_organisation

START = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen (winter time)


def planned_activity(tenant_id: int, organisation_id: int, employee_id: int | None,
                     contact_ids=(), **values) -> int:
    """The employee's planned meeting "Budget" at START, unless told otherwise."""
    values = {"kind": MEETING, "subject": "Budget", "starts_at": START, "planned": True,
              **values}
    return gen_activity(tenant_id, organisation_id, contact_ids, employee_id=employee_id,
                        **values)


def calendar_url_of(client) -> str:
    page = client.get("/admin/feeds/").get_data(as_text=True)
    [url] = re.findall(r'id="calendar-url"[^>]*value="([^"]+)"', page)
    return url.replace("http://localhost", "")


def events_of(client, url: str) -> dict[str, vobject.base.Component]:
    """{summary: VEVENT} of the feed, after checking the calendar around them."""
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    cal = vobject.readOne(text)
    assert cal.version.value == "2.0" and cal.method.value == "PUBLISH"
    assert cal.prodid.value.startswith("-//Kontakt CRM//")
    assert cal.contents["x-wr-calname"][0].value
    assert cal.vtimezone.tzid.value == "Europe/Copenhagen"
    # icalendar, too, reads every event, with its times in the named zone
    parsed = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert len(parsed) == len(cal.contents.get("vevent", []))
    for event in parsed:
        for name in ("DTSTART", "DTEND"):
            assert event[name].params["TZID"] == "Europe/Copenhagen"
            assert str(event[name].dt.tzinfo) == "Europe/Copenhagen"
    return {event.summary.value: event for event in cal.contents.get("vevent", [])}


def test_calendar_has_own_planned_activities_with_zoned_times(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    me = user_id(tenant_a.id, "admin@alpha.example")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    with tenant_context(tenant_a.id):
        person = Contact(first_name="Åse", last_name="Ærø", email="aase@x.dk",
                         organisation_id=org)
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    meeting = planned_activity(tenant_a.id, org, me, [person_id], location="Havnegade 1",
                           body="Tag tilbud med.", ends_at=START + timedelta(minutes=90))
    planned_activity(tenant_a.id, org, me, kind=CALL, subject="Ring op", duration_minutes=15)
    planned_activity(tenant_a.id, org, me, kind=NOTE, subject="Kort", location="Ignored")
    planned_activity(tenant_a.id, org, me, subject="Done", completed=True)
    planned_activity(tenant_a.id, org, me, subject="History", planned=False)
    planned_activity(tenant_a.id, org, colleague, subject="Colleague's")
    planned_activity(tenant_a.id, org, None, subject="Nobody's")

    events = events_of(admin_client, calendar_url_of(admin_client))
    assert sorted(events) == ["Møde: Budget", "Notat: Kort", "Opkald: Ring op"]
    event = events["Møde: Budget"]
    assert event.dtstart.value.utcoffset() == timedelta(hours=1)
    assert event.dtstart.value.hour == 10 and event.dtend.value.hour == 11
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=90)
    assert event.location.value == "Havnegade 1"
    assert "Tag tilbud med." in event.description.value
    assert "Nordlys ApS" in event.description.value and "Åse Ærø" in event.description.value
    assert event.status.value == "CONFIRMED" and event.sequence.value == "0"
    assert event.uid.value == f"kontakt-{tenant_a.id}-activity-{meeting}@kontakt-crm"
    assert event.dtstamp.value.tzinfo is not None and event.contents["last-modified"]
    call = events["Opkald: Ring op"]
    assert call.dtend.value - call.dtstart.value == timedelta(minutes=15)
    assert "location" not in call.contents
    note = events["Notat: Kort"]
    assert note.dtend.value - note.dtstart.value == timedelta(minutes=30)
    assert "location" not in note.contents  # a location is shown for meetings only


def test_an_edit_keeps_the_uid_and_raises_the_sequence(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    me = user_id(tenant_a.id, "admin@alpha.example")
    activity_id = planned_activity(tenant_a.id, org, me)
    url = calendar_url_of(admin_client)
    [before] = events_of(admin_client, url).values()
    with tenant_context(tenant_a.id):
        activity = db.session.get(Activity, activity_id)
        activity.subject = "Budget 2031"
        activity.starts_at = START + timedelta(days=1)
        db.session.commit()
    [after] = events_of(admin_client, url).values()
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) > int(before.sequence.value)
    assert after.summary.value == "Møde: Budget 2031"
    assert after.dtstart.value - before.dtstart.value == timedelta(days=1)


def test_user_of_one_tenant_never_sees_another_tenants_activities(
        client, tenant_a, tenant_b):
    org_a = gen_organisation(tenant_a.id)
    org_b = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    planned_activity(tenant_a.id, org_a, user_id(tenant_a.id, "admin@alpha.example"),
                 subject="Alfa")
    planned_activity(tenant_b.id, org_b, user_id(tenant_b.id, "admin@beta.example"),
                 subject="Beta")
    login(client, "admin@beta.example")
    url_b = calendar_url_of(client)
    client.post("/logout")
    login(client, "admin@alpha.example")
    url_a = calendar_url_of(client)
    client.post("/logout")  # the URL alone opens the feed
    assert list(events_of(client, url_a)) == ["Møde: Alfa"]
    assert list(events_of(client, url_b)) == ["Spotkanie: Beta"]  # the owner's language


def test_wrong_or_replaced_token_is_not_found(admin_client, tenant_a):
    url = calendar_url_of(admin_client)
    assert admin_client.get(url).status_code == 200
    assert admin_client.get("/feeds/not-a-token/calendar.ics").status_code == 404
    admin_client.post("/admin/feeds/regenerate/")
    assert admin_client.get(url).status_code == 404


def test_feed_queries_do_not_grow_with_the_activities(client, tenant_a):
    login(client, "admin@alpha.example")
    url = calendar_url_of(client)
    me = user_id(tenant_a.id, "admin@alpha.example")
    counts = []
    for number in (1, 6):
        org = gen_organisation(tenant_a.id, f"Firma {number}")
        with tenant_context(tenant_a.id):
            people = [Contact(first_name=f"P{number}{i}", last_name="X", organisation_id=org,
                              email=f"p{number}{i}@x.dk") for i in range(2)]
            db.session.add_all(people)
            db.session.commit()
            ids = [p.id for p in people]
        for _ in range(number):
            planned_activity(tenant_a.id, org, me, ids)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_uids_do_not_depend_on_the_host_the_feed_is_read_at(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    planned_activity(tenant_a.id, org, user_id(tenant_a.id, "admin@alpha.example"))
    url = calendar_url_of(admin_client)
    uids = []
    for host in ("localhost", "127.0.0.1", "crm.example.com:8443"):
        body = admin_client.get(url, headers={"Host": host}).get_data(as_text=True)
        uids.append([event.uid.value for event in vobject.readOne(body).vevent_list])
    assert uids[0] == uids[1] == uids[2] and "@kontakt-crm" in uids[0][0]
