"""Property-based: any text in the contact, organisation, case, task, activity and lead
forms and in the intake gives either a saved record or a translated refusal — never a
server error or a database message, and never a row in another tenant. The example
budget is fixed (the "kontakt" profile) so that a run takes the same time every time;
HYPOTHESIS_PROFILE=thorough tries many more."""

from __future__ import annotations

import os
import re
from pathlib import Path

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.input_cleaning import CONTROL_CHARACTERS
from app.models import Activity, Case, Contact, Lead, Organisation, Task
from app.tenancy import tenant_context
from tests.conftest import LEAKS, errors_in, intake, login
from tests.factories import (
    LEAD_FORM,
    activity_form,
    case_form,
    contact_form,
    gen_contact,
    gen_organisation,
    open_intake,
    setup_people,
    task_form,
)

_COMMON = {"deadline": None, "database": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("kontakt", max_examples=30, **_COMMON)
settings.register_profile("thorough", max_examples=500, **_COMMON)
FUZZ = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "kontakt")))

HOSTILE_TEXTS = [
    "\x00", "Jens\x00Hansen", "\x01\x02\x08\x0b\x1b\x7f\x85\x9f", "\u202eesnaH\u202c",
    "\u200b\u200d\ufeff", "😀👍🏽👨‍👩‍👧", "x" * 100_000, "Æ" * 100_000, "'; DROP TABLE contact; --",
    "<script>alert(1)</script>", "²³٣１２", " ", "", "\r\n\t", "%00", "\\u0000", "NaN",
    "sNaN", "-1", "99999999999999999999", "0001-01-01", "9999-12-31 23:59",
]
texts = st.one_of(st.text(), st.sampled_from(HOSTILE_TEXTS),
                  st.text(st.characters(categories=["Cc", "Cf", "Zs", "So", "Mn"])))


def _english_only() -> set[str]:
    """Messages the Danish catalog translates: shown as they are, they were not."""
    path = Path(__file__).parent.parent / "app/translations/da/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and m.string
            and m.string != m.id}


ENGLISH = _english_only()
UNTRANSLATED = re.compile(r"^(Field must|Not a valid|Invalid|This field|Failed to|Integrity)")


def tenant_rows(tenant_id: int) -> dict[str, int]:
    """How many rows each tenant-owned table holds for the tenant (no ORM scoping)."""
    counts = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if "tenant_id" in table.c:
                counts[table.name] = conn.scalar(select(func.count()).select_from(table)
                                                 .where(table.c.tenant_id == tenant_id))
    return counts


def count(model, tenant_id: int) -> int:
    with tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


def check_outcome(response, model, tenant_id: int, before: int) -> None:
    """Saved (a redirect and one more record, its texts clean) or refused in Danish."""
    assert response.status_code < 500
    html = response.get_data(as_text=True)
    assert not LEAKS.search(html)
    after = count(model, tenant_id)
    if response.status_code == 302:
        assert after == before + 1
        return
    assert after == before
    if response.status_code == 413:  # too large for the form parser: its own page
        return
    errors = errors_in(html)
    assert response.status_code == 200 and errors
    for error in errors:
        assert error not in ENGLISH and not UNTRANSLATED.match(error), error


def stored_texts_are_clean(model, tenant_id: int, *columns: str) -> None:
    db.session.expire_all()
    with tenant_context(tenant_id):
        record = db.session.scalars(select(model).order_by(model.id.desc()).limit(1)).first()
        for column in columns:
            value = getattr(record, column) if record is not None else None
            assert not (isinstance(value, str) and CONTROL_CHARACTERS.search(value)), column


def fuzz_form(client, url: str, base: dict, names: tuple[str, ...], model, tenant_a,
              tenant_b, choices: dict | None = None) -> None:
    """Post ``base`` with the named inputs replaced by any text (and the ``choices``
    inputs by any text or one of the given values, e.g. another tenant's ids)."""
    others = tenant_rows(tenant_b.id)
    fields = {name: texts for name in names}
    fields.update({name: st.one_of(texts, st.sampled_from(values))
                   for name, values in (choices or {}).items()})

    @FUZZ
    @given(st.fixed_dictionaries(fields))
    def post(values: dict) -> None:
        before = count(model, tenant_a.id)
        response = client.post(url, data={**base, **values})
        check_outcome(response, model, tenant_a.id, before)
        stored_texts_are_clean(model, tenant_a.id, *(n for n in names if hasattr(model, n)))

    post()
    assert tenant_rows(tenant_b.id) == others


# --- the forms ---------------------------------------------------------------------------

def test_any_text_in_the_contact_form(admin_client, tenant_a, tenant_b):
    org = gen_organisation(tenant_a.id)
    foreign = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    fuzz_form(admin_client, "/admin/contact/new/",
              contact_form(org, _confirm_duplicate="1"),
              ("first_name", "last_name", "email", "phone", "mobile", "job_title", "street",
               "postcode", "city", "website", "national_id", "employments-0-title",
               "consent_email_source"),
              Contact, tenant_a, tenant_b,
              choices={"employments-0-organisation": [str(org), str(foreign)],
                       "kind": ["company", "private"], "country": ["DK", "PL", ""]})


def test_any_text_in_the_organisation_form(admin_client, tenant_a, tenant_b):
    fuzz_form(admin_client, "/admin/organisation/new/", {"name": "Nordlys ApS"},
              ("name", "registration_number", "street", "postcode", "city", "phone",
               "email", "website", "industry", "notes"),
              Organisation, tenant_a, tenant_b,
              choices={"registration_country": ["DK", "SE", "PL", ""]})


def test_any_text_in_the_case_form(admin_client, tenant_a, tenant_b):
    contact = gen_contact(tenant_a.id)
    foreign = gen_contact(tenant_b.id, last_name="Kowalski")
    fuzz_form(admin_client, "/admin/case/new/", case_form(contact),
              ("title", "description", "opened_on"), Case, tenant_a, tenant_b,
              choices={"primary_contact": [str(contact), str(foreign)],
                       "status": ["open", "closed"]})


def test_any_text_in_the_task_form(admin_client, tenant_a, tenant_b):
    foreign = gen_contact(tenant_b.id, last_name="Kowalski")
    fuzz_form(admin_client, "/admin/task/new/", task_form(),
              ("title", "description", "due_at"), Task, tenant_a, tenant_b,
              choices={"contact": [str(foreign)]})


def test_any_text_in_the_activity_form(admin_client, tenant_a, tenant_b):
    org, person, _other = setup_people(tenant_a.id)
    foreign = gen_contact(tenant_b.id, last_name="Kowalski")
    fuzz_form(admin_client, "/admin/activity/new/", activity_form(org, [person]),
              ("subject", "body", "location", "outcome", "phone_number", "starts_at",
               "duration_minutes", "follow_up_in", "follow_up_on"),
              Activity, tenant_a, tenant_b,
              choices={"contacts": [str(person), str(foreign)],
                       "kind": ["note", "meeting", "call"]})


def test_any_text_in_the_lead_form(admin_client, tenant_a, tenant_b):
    fuzz_form(admin_client, "/admin/lead/new/", LEAD_FORM,
              ("name", "company", "email", "phone", "source", "message"), Lead,
              tenant_a, tenant_b)


# --- the intake --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=10)
LEAD_INPUTS = ("name", "company", "email", "phone", "source", "message")


def test_anything_posted_to_the_intake(client, tenant_a, tenant_b):
    token = open_intake(tenant_a.id)
    others = tenant_rows(tenant_b.id)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(LEAD_INPUTS) | texts, json_values, max_size=8),
           st.fixed_dictionaries({name: texts for name in LEAD_INPUTS}), st.booleans())
    def post(as_json: dict, as_form: dict, send_json: bool) -> None:
        before = count(Lead, tenant_a.id)
        if send_json:
            response = intake(client, "alpha", token, json=as_json)
        else:
            response = intake(client, "alpha", token, data=as_form)
        assert response.status_code in (201, 400, 413)
        if response.status_code == 201:
            assert count(Lead, tenant_a.id) == before + 1
            stored_texts_are_clean(Lead, tenant_a.id, *LEAD_INPUTS)
        elif response.status_code == 400:
            body = response.get_json()
            messages = [body["error"]] if "error" in body else list(body["errors"].values())
            assert messages and all(messages)
            assert count(Lead, tenant_a.id) == before

    post()
    assert tenant_rows(tenant_b.id) == others


def test_the_intake_answers_in_the_language_asked_for(client, tenant_a):
    """The refusals an anonymous website gets are translated too."""
    token = open_intake(tenant_a.id)
    response = intake(client, "alpha", token, data={"name": "\x00"},
                      headers={"Accept-Language": "pl"})
    assert response.status_code == 400
    assert all(message not in ENGLISH for message in response.get_json()["errors"].values())


def test_login_with_any_text(client, tenant_a):
    @FUZZ
    @given(texts, texts)
    def post(email: str, password: str) -> None:
        response = login(client, email, password)
        assert response.status_code in (200, 401)
        assert not LEAKS.search(response.get_data(as_text=True))

    post()
