"""The profile's action bar (D3) opening forms inside the page: every activity kind's
form comes alone (``?fragment=1``), a refusal comes back with its errors and what was
typed, a save answers the script with the page to go to (the profile, whose messages
are kept for it), and each kind offers the next-contact scheduling."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity
from app.models.activity import CALL, EMAIL, LETTER, MEETING, NOTE
from app.tenancy import tenant_context
from tests.conftest import SCRIPT_HEADERS, action_links, load_contact, local_date, records
from tests.factories import activity_form, gen_profile_contact

LOCATION = "X-Kontakt-Location"


def fragment(url: str) -> str:
    return f"{url}&fragment=1"


def in_page_links(client, contact_id: int) -> tuple[str, dict[str, str]]:
    profile = f"/admin/contact/{contact_id}/profile"
    page = client.get(profile).get_data(as_text=True)
    bar = re.search(r'<nav class="mb-3" id="profile-actions".*?</nav>', page, re.S).group(0)
    in_page = {html_lib.unescape(label.strip().split("</span>")[-1].strip()):
               html_lib.unescape(url)
               for url, label in re.findall(r'data-activity-form="([^"]+)"[^>]*>(.*?)</a>',
                                            bar, re.S)}
    return profile, in_page


def post_in_page(client, tenant_id: int, label: str, data: dict):
    """A new contact's in-page form of that label posted by script: (profile, answer)."""
    profile, in_page = in_page_links(client, gen_profile_contact(tenant_id))
    return profile, client.post(in_page[label], headers=SCRIPT_HEADERS, data=data)


def done_and_planned(tenant_id: int) -> list[Activity]:
    with tenant_context(tenant_id):
        found = sorted(records(Activity, tenant_id), key=lambda activity: activity.planned)
        for activity in found:
            _ = activity.contacts
        return found


def test_every_activity_kind_opens_inside_the_profile(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    profile, in_page = in_page_links(admin_client, contact_id)
    assert set(in_page) == {"Notat", "Møde", "E-mail", "Opkald", "Brev"}
    links = action_links(admin_client.get(profile).get_data(as_text=True))
    for label, url in in_page.items():
        assert url == fragment(links[label])  # the same form, alone
        page = admin_client.get(url, headers=SCRIPT_HEADERS).get_data(as_text=True)
        assert "<html" not in page and "navbar" not in page, label
        assert 'name="follow_up_in"' in page and 'name="follow_up_on"' in page, label
        assert re.search(r'<form[^>]*action="[^"]*fragment=1', page), label


def test_email_sent_from_the_profile_plans_the_next_contact(admin_client, tenant_a,
                                                           no_mail_server):
    profile, response = post_in_page(admin_client, tenant_a.id, "E-mail", {
        "to": "mette@nordlys.example", "subject": "Tilbud", "body": "Hej Mette",
        "follow_up_in": "1", "follow_up_unit": "weeks"})
    assert response.status_code == 204 and response.headers[LOCATION] == profile
    mail, planned = done_and_planned(tenant_a.id)
    assert (mail.kind, mail.planned, planned.kind, planned.planned) == (EMAIL, False, EMAIL, True)
    assert mail.follow_up_id == planned.id
    assert planned.starts_at - mail.starts_at == timedelta(weeks=1)
    assert [c.id for c in planned.contacts] == [c.id for c in mail.contacts]
    shown = admin_client.get(profile).get_data(as_text=True)
    assert "Næste kontakt er planlagt" in shown  # the messages waited for the profile
    assert f'id="timeline-activity-{planned.id}"' in shown


def test_refused_email_stays_in_the_form_and_sends_nothing(admin_client, tenant_a,
                                                          no_mail_server):
    _, response = post_in_page(admin_client, tenant_a.id, "E-mail", {
        "to": "mette@nordlys.example", "subject": "Tilbud på æbler", "body": "Hej",
        "follow_up_in": "1", "follow_up_unit": "days", "follow_up_on": "2030-01-02"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and LOCATION not in response.headers
    assert "<html" not in page and 'value="Tilbud på æbler"' in page
    assert "Angiv enten et antal timer, dage eller uger eller en dato." in page
    assert records(Activity, tenant_a.id) == []


def test_letter_written_from_the_profile_returns_with_its_pdf(admin_client, tenant_a):
    profile, response = post_in_page(admin_client, tenant_a.id, "Brev", {
        "subject": "Aftalen", "body": "Kære Mette\r\n\r\nHer er aftalen.",
        "follow_up_on": "2031-03-14"})
    assert response.status_code == 204 and response.headers[LOCATION] == profile
    letter, planned = done_and_planned(tenant_a.id)
    assert (letter.kind, planned.kind, planned.planned) == (LETTER, LETTER, True)
    assert letter.follow_up_id == planned.id and local_date(planned.starts_at) == date(2031, 3, 14)
    shown = admin_client.get(profile).get_data(as_text=True)
    pdf = f"/admin/letter/{letter.id}/pdf"
    assert f'<a href="{pdf}">' in shown  # in the saved message
    planned_row, letter_row = (row.split("</li>")[0]
                               for row in shown.split('id="timeline-activity-')[1:3])
    assert f'href="{pdf}"' in letter_row and "/pdf" not in planned_row  # on the timeline
    assert admin_client.get(pdf).mimetype == "application/pdf"
    details = admin_client.get(f"/admin/activity/details/?id={letter.id}").get_data(as_text=True)
    assert f'id="letter-pdf" href="{pdf}"' in details


def test_refused_letter_keeps_the_text(admin_client, tenant_a):
    _, response = post_in_page(admin_client, tenant_a.id, "Brev", {
        "subject": "", "body": "Kære Mette, æøå", "follow_up_in": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert "Kære Mette, æøå" in page and "invalid-feedback" in page
    assert records(Activity, tenant_a.id) == []


def test_letter_without_next_still_goes_to_its_page(admin_client, tenant_a):
    contact_id = gen_profile_contact(tenant_a.id)
    response = admin_client.post(f"/admin/letter/new/?contact_id={contact_id}",
                                 data={"subject": "Aftalen", "body": "Tekst"})
    [letter] = records(Activity, tenant_a.id)
    assert response.headers["Location"].endswith(f"/admin/letter/{letter.id}/")


@pytest.mark.parametrize("label, kind, values", [
    ("Notat", NOTE, {"body": "Ringer fredag"}),
    ("Møde", MEETING, {"subject": "Aftalen", "location": "Havnegade 1",
                       "ends_at": "2024-05-02 11:00"}),
    ("Opkald", CALL, {"subject": "Levering", "direction": "out", "phone_number": "+4520123456"}),
])
def test_saved_activity_answers_the_script_with_the_profile(admin_client, tenant_a, label,
                                                            kind, values):
    contact_id = gen_profile_contact(tenant_a.id)
    profile, in_page = in_page_links(admin_client, contact_id)
    org = load_contact(tenant_a.id, contact_id).organisation_id
    data = activity_form(org, [contact_id], kind=kind, follow_up_in="2",
                         follow_up_unit="hours", **values)
    response = admin_client.post(in_page[label], headers=SCRIPT_HEADERS, data=data)
    assert response.status_code == 204 and response.headers[LOCATION] == profile
    done, planned = done_and_planned(tenant_a.id)
    assert (done.kind, planned.kind, planned.planned) == (kind, kind, True)
    assert planned.starts_at - done.starts_at == timedelta(hours=2)
    shown = admin_client.get(profile).get_data(as_text=True)
    assert "Aktiviteten" in shown and f'id="timeline-activity-{done.id}"' in shown
    # posted without the script's header (no fetch), a save is an ordinary redirect
    response = admin_client.post(in_page[label], data=data)
    assert response.status_code == 302 and response.headers["Location"] == profile


def test_another_tenants_contact_has_no_in_page_forms(admin_client, tenant_a, tenant_b):
    other = gen_profile_contact(tenant_b.id, admin_email="admin@beta.example")
    for url in (f"/admin/mail/contact/{other}/?fragment=1",
                f"/admin/letter/new/?contact_id={other}&fragment=1"):
        assert admin_client.get(url, headers=SCRIPT_HEADERS).status_code == 404
        assert admin_client.post(url, headers=SCRIPT_HEADERS, data={"subject": "x", "body": "y",
                                                            "to": "a@b.example"}).status_code == 404
    with tenant_context(tenant_b.id):
        assert db.session.scalar(select(Activity)) is None
