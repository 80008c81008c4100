"""The change history in words (D9): entries keep raw values; readers see names,
translated codes, Yes/No, local times and field labels, in their language."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import pytest
from babel.dates import format_datetime
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AuditEntry, DictionaryEntry
from app.models.dictionary import TASK_STATUS
from app.services import dictionaries, history_text
from app.services.times import display_zone
from app.tenancy import tenant_context
from tests.conftest import count_queries, user_id
from tests.factories import gen_case, gen_contact, gen_organisation

START = "2026-12-03T07:04:37.634181+00:00"


@pytest.fixture
def people(tenant_a):
    admin = user_id(tenant_a.id, "admin@alpha.example")
    user = user_id(tenant_a.id, "user@alpha.example")
    with tenant_context(tenant_a.id):
        statuses = [entry.id for entry in dictionaries.entries(TASK_STATUS)[:2]]
    return tenant_a.id, admin, user, statuses


def add_entry(tenant_id: int, entity: str, changes: dict, action: str = "update",
              user: int | None = None, record_id: int = 1) -> int:
    with tenant_context(tenant_id):
        entry = AuditEntry(entity=entity, record_id=record_id, action=action,
                           changes=changes, user_id=user)
        db.session.add(entry)
        db.session.commit()
        return entry.id


@contextmanager
def reading(app, tenant_id: int, language: str = "da"):
    with app.test_request_context(), tenant_context(tenant_id), force_locale(language):
        yield


def texts(tenant_id: int) -> dict[int, history_text.EntryText]:
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                                 .options(joinedload(AuditEntry.user))).all()
    return history_text.describe_entries(entries)


def lines(text: history_text.EntryText) -> list[str]:
    return [str(change) for change in text.changes]


def status_labels(tenant_id: int, ids: list[int], language: str) -> list[str]:
    with tenant_context(tenant_id):
        return [db.session.get(DictionaryEntry, i).label(language) for i in ids]


def test_ids_codes_booleans_and_times_read_as_words_in_danish(app, people):
    tenant, admin, user, statuses = people
    task = add_entry(tenant, "task", {"status_id": statuses, "assignee_id": [admin, user]})
    activity = add_entry(tenant, "activity", {"planned": [False, True], "starts_at": [None, START],
                                              "mail_status": ["draft", "sent"]})
    contact = add_entry(tenant, "contact", {"email_access_restricted": [False, True]})
    old, new = status_labels(tenant, statuses, "da")
    with reading(app, tenant):
        found = texts(tenant)
        expected_start = format_datetime(datetime.fromisoformat(START), "short",
                                         tzinfo=display_zone(), locale="da")
        assert lines(found[task]) == [
            f"{gettext('Assignee')}: Admin alpha → User alpha",
            f"{gettext('Status')}: {old} → {new}"]
        assert f"{gettext('Planned')}: Nej → Ja" in lines(found[activity])
        assert f"{gettext('Start')}: — → {expected_start}" in lines(found[activity])
        assert f"{gettext('E-mail status')}: Kladde → Sendt" in lines(found[activity])
        assert lines(found[contact]) == ["E-mails kun for administratorer: Nej → Ja"]
    assert "2026-12-03T" not in str(found[activity])


def test_contacts_cases_and_organisations_are_named(app, people):
    tenant, admin, _user, _statuses = people
    org = gen_organisation(tenant, "Nordlys ApS")
    person = gen_contact(tenant, org, "Mette", "Nielsen")
    case = gen_case(tenant, person, "Reklamation over levering")
    upload = add_entry(tenant, "attachment", {
        "contact_id": [None, person], "case_id": [None, case], "organisation_id": [None, org]},
        user=admin)
    with reading(app, tenant):
        changes = {change.label: change.new for change in texts(tenant)[upload].changes}
    assert changes["Kontakt"] == "Mette Nielsen"
    assert "Reklamation over levering" in changes["Sag"]
    assert changes["Organisation"] == "Nordlys ApS"


def test_a_creation_is_one_line_with_its_values_as_details(app, people):
    tenant, admin, _user, _statuses = people
    org = gen_organisation(tenant, "Nordlys ApS")
    created = add_entry(tenant, "activity", {
        "kind": [None, "call"], "subject": [None, "Ring om levering"],
        "organisation_id": [None, org], "direction": [None, "out"]},
        action="create", user=admin)
    with reading(app, tenant):
        text = texts(tenant)[created]
    assert text.headline == "Admin alpha oprettede opkaldet 'Ring om levering'"
    assert "Organisation: — → Nordlys ApS" in lines(text)
    assert "Retning: — → Udgående" in lines(text)


def test_internal_columns_are_hidden_and_every_field_has_a_label(app, people):
    tenant, admin, _user, _statuses = people
    upload = add_entry(tenant, "attachment", {
        "filename": [None, "tilbud.pdf"], "stored_name": [None, "3f9c0a.bin"],
        "content_type": [None, "application/pdf"], "size": [None, 2048],
        "uploaded_by_id": [None, admin]}, action="create", user=admin)
    with reading(app, tenant):
        text = texts(tenant)[upload]
        assert text.headline == "Admin alpha oprettede filen 'tilbud.pdf'"
        assert f"{gettext('Uploaded by')}: — → Admin alpha" in lines(text)
    shown = str(text)
    for internal in ("stored_name", "3f9c0a", "content_type", "application/pdf",
                     "uploaded_by_id"):
        assert internal not in shown


def test_every_audited_column_shown_has_a_label():
    from app.audit import NOT_AUDITED, Audited
    from app.extensions import Model

    unlabelled = [
        f"{model.__tablename__}.{attr.key}"
        for mapper in Model.registry.mappers if issubclass(model := mapper.class_, Audited)
        for attr in [*mapper.column_attrs, *(mapper.relationships[r]
                                             for r in model.__audit_relations__)]
        if attr.key not in NOT_AUDITED | history_text.HIDDEN | set(model.__audit_by_key__)
        and history_text.field_label(model.__tablename__, attr.key) == attr.key]
    assert unlabelled == []


def test_an_erasure_says_so_and_nothing_else(app, people):
    tenant = people[0]
    erased = add_entry(tenant, "contact", {}, action="erase")
    with reading(app, tenant):
        assert str(texts(tenant)[erased]) == "Persondata slettet"


def test_polish_reader_sees_polish_words(app, people):
    tenant, admin, user, statuses = people
    task = add_entry(tenant, "task", {"status_id": statuses, "assignee_id": [admin, user],
                                      "title": [None, "Oddzwonić"]}, action="create", user=admin)
    old, new = status_labels(tenant, statuses, "pl")
    with reading(app, tenant, "pl"):
        text = texts(tenant)[task]
        assert text.headline == "Admin alpha utworzył(a) zadanie „Oddzwonić”"
        assert f"{gettext('Status')}: {old} → {new}" in lines(text)
        assert f"{gettext('Assignee')}: Admin alpha → User alpha" in lines(text)


def test_the_screens_show_the_words_and_fold_the_details(admin_client, people):
    tenant, admin, _user, _statuses = people
    add_entry(tenant, "activity", {"kind": [None, "call"], "subject": [None, "Ring om levering"],
                                   "planned": [None, True]}, action="create", user=admin)
    entry = add_entry(tenant, "task", {"assignee_id": [None, admin]}, user=admin)
    html = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "Admin alpha oprettede opkaldet &#39;Ring om levering&#39;" in html
    assert "<details><summary>Detaljer</summary>" in html
    details = admin_client.get(f"/admin/audit/details/?id={entry}").get_data(as_text=True)
    assert "— → Admin alpha" in details


def test_profile_history_tab_and_privacy_report_use_the_same_words(admin_client, people):
    tenant, admin, user, _statuses = people
    org = gen_organisation(tenant, "Nordlys ApS")
    person = gen_contact(tenant, org, "Mette", "Nielsen")
    add_entry(tenant, "contact", {"responsible_user_id": [None, user],
                                  "email_access_restricted": [False, True]},
              user=admin, record_id=person)
    for url in (f"/admin/contact/{person}/profile?tab=history",
                f"/admin/contact/{person}/privacy/"):
        html = admin_client.get(url).get_data(as_text=True)
        assert "Oprettet: kontakten &#39;Mette Nielsen&#39;" in html, url
        assert "E-mails kun for administratorer: Nej → Ja" in html, url
        assert "→ User alpha" in html and "email_access_restricted" not in html, url
        assert "ansættelsen hos &#39;Nordlys ApS&#39;" in html, url


def test_names_for_a_page_take_the_same_queries_for_5_or_50_entries(app, people):
    tenant, admin, user, statuses = people
    org = gen_organisation(tenant, "Nordlys ApS")
    counts = []
    for number in (5, 50):
        for n in range(number):
            add_entry(tenant, ("task", "activity", "attachment")[n % 3], {
                "status_id": statuses, "assignee_id": [admin, user], "employee_id": [None, user],
                "organisation_id": [None, org], "kind": [None, "call"],
                "uploaded_by_id": [None, admin], "subject": [None, f"Emne {n}"]},
                action=("create", "update")[n % 2], user=admin, record_id=n + 1)
        with reading(app, tenant):
            entries = db.session.scalars(select(AuditEntry).where(AuditEntry.user_id == admin)
                                         .order_by(AuditEntry.id)
                                         .options(joinedload(AuditEntry.user))).all()
            history_text.describe_entries(entries[:5])  # warm: per-request caches
            with count_queries() as statements:
                found = history_text.describe_entries(entries[:number])
                assert len(found) == number
        counts.append(len(statements))
    assert counts[0] == counts[1], statements
