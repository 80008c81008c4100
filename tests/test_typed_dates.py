"""Dates, times and amounts typed the way each language writes them, and shown back so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.models import Contact, Employment, Opportunity, Task
from app.services.dates import UnreadableDate, parse_date, parse_datetime
from tests.conftest import errors_in, post_contact, records, translated
from tests.factories import (
    contact_form,
    gen_contact,
    gen_fields,
    gen_organisation,
    set_settings,
    task_form,
)

CHRISTMAS = date(1980, 12, 24)
TYPED_DATES = {
    "da": ["24-12-1980", "24.12.1980", "24/12/1980", "1980-12-24"],
    "pl": ["24.12.1980", "24-12-1980", "1980-12-24"],
    "sv": ["1980-12-24", "24.12.1980"],
    "en": ["1980-12-24", "24/12/1980"],
}
SHOWN_DATE = {"da": "24.12.1980", "pl": "24.12.1980", "sv": "1980-12-24", "en": "1980-12-24"}
SHOWN_TIME = {"da": "01.12.2026 08:06", "pl": "01.12.2026 08:06", "sv": "2026-12-01 08:06",
              "en": "2026-12-01 08:06"}
SHOWN_AMOUNT = {"da": "1.234,50", "pl": "1\xa0234,50", "sv": "1\xa0234,50", "en": "1,234.50"}
EXAMPLE = {"da": "DD.MM.ÅÅÅÅ", "pl": "DD.MM.RRRR", "sv": "ÅÅÅÅ-MM-DD", "en": "YYYY-MM-DD"}
LANGUAGE_CASES = [(language, text) for language, texts in TYPED_DATES.items()
                  for text in texts]


@pytest.fixture
def speaking(admin_client, tenant_a):
    def speak(language: str):
        set_settings(tenant_a.id, default_language=language)
        admin_client.post(f"/language/{language}")
        return admin_client

    return speak


@pytest.mark.parametrize(("language", "text"), LANGUAGE_CASES)
def test_parse_date_reads_the_languages_own_formats(app, language, text):
    assert parse_date(text, language) == CHRISTMAS


@pytest.mark.parametrize("text", ["24.12.80", "31.02.1980", "24.12.1880", "i går", ""])
def test_parse_date_refuses_what_is_no_supported_date(app, text):
    with app.test_request_context(), pytest.raises(UnreadableDate):
        parse_date(text, "da")


def test_parse_datetime_keeps_the_24_hour_clock(app):
    moment = datetime(2026, 12, 1, 20, 6)
    assert parse_datetime("01.12.2026 20.06", "da") == moment
    assert parse_datetime("01-12-2026 20:06", "da") == moment
    assert parse_datetime("2026-12-01T20:06:00", "pl") == moment
    assert parse_datetime("01.12.2026", "pl") == datetime(2026, 12, 1)


@pytest.mark.parametrize(("language", "text"), LANGUAGE_CASES)
def test_contact_birth_date_as_typed_and_shown_back(speaking, tenant_a, language, text):
    organisation = gen_organisation(tenant_a.id)
    client = speaking(language)
    response = post_contact(client, **contact_form(
        organisation, birth_date=text, consent_email="y", consent_email_date=text,
        **{"employments-0-start_date": text}))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    [contact] = records(Contact, tenant_a.id)
    assert (contact.birth_date, contact.consent_email_date) == (CHRISTMAS, CHRISTMAS)
    assert [job.start_date for job in records(Employment, tenant_a.id)] == [CHRISTMAS]
    html = client.get(f"/admin/contact/edit/?id={contact.id}").get_data(as_text=True)
    assert f'value="{SHOWN_DATE[language]}"' in html
    assert "1980-12-24" not in html or language in ("sv", "en")


@pytest.mark.parametrize("language", ["da", "sv", "pl", "en"])
def test_refused_date_gets_the_translated_message(speaking, tenant_a, language):
    client = speaking(language)
    response = post_contact(client, **contact_form(birth_date="24.12.80"))
    assert response.status_code == 200
    expected = translated("Enter a date as %(example)s.", language, example=EXAMPLE[language])
    assert expected in errors_in(response.get_data(as_text=True))
    assert records(Contact, tenant_a.id) == []


@pytest.mark.parametrize(("language", "typed"), [
    ("da", "01.12.2026 08.06"), ("da", "01-12-2026 08:06"), ("pl", "01.12.2026 08:06"),
    ("sv", "2026-12-01 08:06"), ("en", "2026-12-01 08:06:00")])
def test_task_due_time_as_typed_and_shown_back(speaking, tenant_a, language, typed):
    client = speaking(language)
    response = client.post("/admin/task/new/", data=task_form(due_at=typed))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    [task] = records(Task, tenant_a.id)
    # Europe/Copenhagen in winter: one hour ahead of UTC
    assert task.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 7, 6, tzinfo=UTC)
    html = client.get(f"/admin/task/edit/?id={task.id}").get_data(as_text=True)
    assert f'value="{SHOWN_TIME[language]}"' in html
    assert "2026-12-01 08:06:00" not in html


def test_refused_due_time_gets_the_translated_message(speaking, tenant_a):
    client = speaking("pl")
    response = client.post("/admin/task/new/", data=task_form(due_at="jutro 8:00"))
    expected = translated("Enter a date and time as %(example)s.", "pl",
                          example="DD.MM.RRRR GG:MM")
    assert expected in errors_in(response.get_data(as_text=True))
    assert records(Task, tenant_a.id) == []


@pytest.mark.parametrize(("language", "text"), LANGUAGE_CASES)
def test_configurable_date_field_as_typed_and_shown_back(speaking, tenant_a, language, text):
    names = gen_fields(tenant_a.id)
    client = speaking(language)
    response = post_contact(client, **contact_form(kind="private",
                                                   **{names["met_on"]: text}))
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    [contact] = records(Contact, tenant_a.id)
    assert contact.custom[names["met_on"].removeprefix("cf_")] == "1980-12-24"
    html = client.get(f"/admin/contact/edit/?id={contact.id}").get_data(as_text=True)
    assert f'value="{SHOWN_DATE[language]}"' in html
    assert 'type="date"' not in html  # the app's picker, not the browser's own


def test_configurable_date_field_refusal_is_translated(speaking, tenant_a):
    names = gen_fields(tenant_a.id)
    client = speaking("da")
    response = post_contact(client, **contact_form(kind="private",
                                                   **{names["met_on"]: "1980/24/12"}))
    expected = translated("Enter a date as %(example)s.", "da", example=EXAMPLE["da"])
    assert expected in errors_in(response.get_data(as_text=True))


@pytest.mark.parametrize(("language", "typed"), [
    ("da", "1.234,50"), ("pl", "1 234,50"), ("sv", "1 234,50"), ("en", "1,234.50")])
def test_amount_as_typed_and_shown_back(speaking, tenant_a, language, typed):
    client = speaking(language)
    contact = gen_contact(tenant_a.id)
    response = client.post("/admin/opportunity/new/", data={
        "title": "Licensaftale", "contact": str(contact), "amount": typed, "currency": "DKK",
        "stage": "qualified", "expected_close_on": SHOWN_DATE[language]})
    assert response.status_code == 302, errors_in(response.get_data(as_text=True))
    [opportunity] = records(Opportunity, tenant_a.id)
    assert opportunity.amount == Decimal("1234.50")
    assert opportunity.expected_close_on == CHRISTMAS
    html = client.get(f"/admin/opportunity/edit/?id={opportunity.id}").get_data(as_text=True)
    assert f'value="{SHOWN_AMOUNT[language]}"' in html
    assert 'value="1234.50"' not in html


@pytest.mark.parametrize(("language", "monday", "may", "apply"), [
    ("da", "man", "maj", "Anvend"), ("sv", "mån", "maj", None), ("pl", "pon", "maj", None)])
def test_the_pickers_speak_the_language_and_start_on_monday(app, language, monday, may,
                                                            apply):
    """Every date and date-time picker (forms, configurable fields, list filters) gets
    these: the language's day and month names, Monday first, its own buttons."""
    from flask_babel import force_locale

    from app.views.date_fields import picker_texts

    with app.test_request_context(), force_locale(language):
        texts = picker_texts()
    assert texts["firstDay"] == 1  # the picker counts from Sunday (0)
    assert texts["daysOfWeek"][1].lower() == monday
    assert texts["monthNames"][4].lower() == may and len(texts["monthNames"]) == 12
    for button in ("Apply", "Cancel"):
        assert texts[f"{button.lower()}Label"] == translated(button, language) != button
    assert apply is None or texts["applyLabel"] == apply
