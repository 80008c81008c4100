"""Likely duplicates and merging (B16): each rule of the finder, "not a duplicate"
marks, the registration-number warning, merges that move every linked record, the
screens, and tenant isolation."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import (
    Activity,
    Attachment,
    AuditEntry,
    Campaign,
    Case,
    Contact,
    DistinctContacts,
    Employment,
    Lead,
    Opportunity,
    Organisation,
    Project,
    Tag,
    Task,
    User,
)
from app.models.activity import NOTE
from app.models.api import ExternalId
from app.models.audit import ACTION_MERGE
from app.services import history_text
from app.services.activities import attachments
from app.services.contacts import organisations, photos
from app.services.duplicates import finder, marks, merge
from app.services.errors import ServiceError
from app.tenancy import tenant_context
from tests.conftest import login, user_id
from tests.factories import (
    add_party,
    gen_case,
    gen_contact,
    gen_fields,
    gen_organisation,
    gen_task,
    gen_with_participants,
    picture,
    set_settings,
)


def pairs_of(tenant_id: int, entity: str = "contact") -> dict[frozenset[int], set[str]]:
    """{the pair's ids: the rules it matched}."""
    with tenant_context(tenant_id):
        found = (finder.contact_duplicates() if entity == "contact"
                 else finder.organisation_duplicates())
    return {frozenset((p.first_id, p.second_id)): {m.rule for m in p.matches}
            for p in found.pairs}


def pair(*ids: int) -> frozenset[int]:
    return frozenset(ids)


# --- the rules --------------------------------------------------------------------------

def test_same_email_apart_from_case_and_tag(tenant_a):
    org = gen_organisation(tenant_a.id)
    anna = gen_contact(tenant_a.id, org, "Anna", "Berg", email="anna@firma.dk")
    tagged = gen_contact(tenant_a.id, org, "Ann", "Lund", email="Anna+News@Firma.dk")
    other = gen_contact(tenant_a.id, org, "Bo", "Holm", email="bo@firma.dk")
    found = pairs_of(tenant_a.id)
    assert found[pair(anna, tagged)] == {finder.RULE_EMAIL}
    assert not any(other in ids for ids in found)


def test_same_phone_in_either_number_field(tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Ulla", "Krog", mobile="+4520123456")
    gen_contact(tenant_a.id, org, "Bo", "Holm", phone="+4531313131")
    with tenant_context(tenant_a.id):
        [found] = finder.contact_duplicates().pairs
    assert (found.first_id, found.second_id) == (first, second)
    assert found.matches == [finder.Match(finder.RULE_PHONE, "+4520123456")]


def test_a_number_kept_as_typed_is_read_with_the_tenants_country(tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Ulla", "Krog")
    with tenant_context(tenant_a.id):  # as an old import left it, past the rules
        db.session.get(Contact, second).phone = "20 12 34 56"
        db.session.commit()
    assert pairs_of(tenant_a.id)[pair(first, second)] == {finder.RULE_PHONE}


def test_same_name_within_an_organisation(tenant_a):
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    elsewhere = gen_organisation(tenant_a.id, "Sydvind A/S")
    jens = gen_contact(tenant_a.id, org, "Jens", "Hansen", email="jens@nordlys.dk")
    twin = gen_contact(tenant_a.id, org, "JENS", "hansen", email="jh@nordlys.dk")
    namesake = gen_contact(tenant_a.id, elsewhere, "Jens", "Hansen", email="j@sydvind.dk")
    with tenant_context(tenant_a.id):
        found = {frozenset((p.first_id, p.second_id)): p for p in
                 finder.contact_duplicates().pairs}
    assert found[pair(jens, twin)].matches[0] == finder.Match(
        finder.RULE_NAME_IN_ORGANISATION, "Nordlys ApS")
    # the same name at another company is only a similar name
    assert {m.rule for m in found[pair(jens, namesake)].matches} == {finder.RULE_SIMILAR_NAME}


def test_similar_names(tenant_a):
    org = gen_organisation(tenant_a.id)
    mette = gen_contact(tenant_a.id, org, "Mette", "Frederiksen")
    typo = gen_contact(tenant_a.id, None, "Mette", "Fredriksen", kind="private")
    accent = gen_contact(tenant_a.id, None, "Søren", "Sørensen", kind="private")
    plain = gen_contact(tenant_a.id, org, "Soren", "Sorensen")
    gen_contact(tenant_a.id, org, "Ole", "Udenfor")
    found = pairs_of(tenant_a.id)
    assert found == {pair(mette, typo): {finder.RULE_SIMILAR_NAME},
                     pair(accent, plain): {finder.RULE_SIMILAR_NAME}}


def test_similar_names_in_a_large_block_are_compared_in_windows(tenant_a, monkeypatch):
    monkeypatch.setattr(finder, "BLOCK_SIZE", 8)
    monkeypatch.setattr(finder, "BLOCK_OVERLAP", 3)
    org = gen_organisation(tenant_a.id)
    ids = [gen_contact(tenant_a.id, org, f"Hans{suffix}", "Hansen")
           for suffix in ("", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")]
    found = pairs_of(tenant_a.id)
    # neighbours in name order meet, however far into the block
    assert pair(ids[-2], ids[-1]) in found and pair(ids[0], ids[1]) in found
    assert len(found) < len(ids) * (len(ids) - 1) // 2


def test_sound_key_and_company_names():
    assert finder.sound_key("Hansen") == finder.sound_key("Hanssen") == "H525"
    assert finder.company_name("Nordlys ApS") == finder.company_name("NORDLYS A/S")
    assert finder.company_name("Kowalski Sp. z o.o.") == "kowalski"


def test_organisations_with_the_same_registration_number_or_similar_names(tenant_a):
    first = gen_organisation(tenant_a.id, "Nordlys ApS", registration_country="DK",
                             registration_number="13585628")
    second = gen_organisation(tenant_a.id, "Havblik", registration_country="DK",
                              registration_number="13585628")
    similar = gen_organisation(tenant_a.id, "Nordlys A/S")
    gen_organisation(tenant_a.id, "Sydvind ApS")
    found = pairs_of(tenant_a.id, "organisation")
    assert found == {pair(first, second): {finder.RULE_REGISTRATION},
                     pair(first, similar): {finder.RULE_SIMILAR_NAME}}


def test_the_private_customers_organisation_is_no_duplicate(tenant_a):
    with tenant_context(tenant_a.id):
        name = organisations.private_customers().name
        db.session.commit()
    gen_organisation(tenant_a.id, name)
    assert pairs_of(tenant_a.id, "organisation") == {}


def test_exact_rules_cost_a_fixed_number_of_queries(tenant_a):
    from tests.conftest import count_queries

    org = gen_organisation(tenant_a.id)
    for n in range(3):
        gen_contact(tenant_a.id, org, f"Person{n}", f"Efternavn{n}", phone="+4520123456")
    with tenant_context(tenant_a.id), count_queries() as few:
        finder.contact_duplicates()
    for n in range(3, 30):
        gen_contact(tenant_a.id, org, f"Person{n}", f"Efternavn{n}", phone="+4520123456")
    with tenant_context(tenant_a.id), count_queries() as many:
        found = finder.contact_duplicates()
    assert len(many) == len(few)
    assert len(found.pairs) == 30 * 29 // 2


def test_the_list_is_bounded(tenant_a):
    org = gen_organisation(tenant_a.id)
    for n in range(5):
        gen_contact(tenant_a.id, org, f"Person{n}", f"Efternavn{n}", phone="+4520123456")
    with tenant_context(tenant_a.id):
        found = finder.contact_duplicates(limit=4)
    assert len(found.pairs) == 4 and found.truncated


def names_compared(monkeypatch) -> list[int]:
    """A list that grows by one each time a name is compared with others."""
    asked: list[int] = []
    extract = finder.process.extract
    monkeypatch.setattr(finder.process, "extract",
                        lambda *args, **kw: asked.append(1) or extract(*args, **kw))
    return asked


def test_a_full_list_stops_looking_and_its_pairs_keep_every_rule(tenant_a, monkeypatch):
    """Once the list holds its limit and one more, no new pair is kept and the
    comparisons stop (names that differ by a number made millions of pairs); the
    pairs kept still get every rule they match, the weaker rules' too."""
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Hansen", email="anna@firma.dk",
                        phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Anna", "Hansen", email="anna+news@firma.dk",
                         phone="+4520123456")
    for n in range(40):  # one switchboard number, names alike
        gen_contact(tenant_a.id, org, "Anna", f"Hansen{n}", phone="+4520123456")
    asked = names_compared(monkeypatch)
    with tenant_context(tenant_a.id):
        found = finder.contact_duplicates(limit=5)
    assert len(found.pairs) == 5 and found.truncated
    assert asked == []  # the phone number filled the list: no name was compared
    kept = {frozenset((p.first_id, p.second_id)): [m.rule for m in p.matches]
            for p in found.pairs}
    assert kept[pair(first, second)] == [finder.RULE_EMAIL, finder.RULE_PHONE,
                                         finder.RULE_NAME_IN_ORGANISATION,
                                         finder.RULE_SIMILAR_NAME]


def test_similar_names_stop_being_compared_when_the_list_is_full(tenant_a, monkeypatch):
    for n in range(60):
        gen_contact(tenant_a.id, None, "Anna", f"Hansen{n}", kind="private")
    asked = names_compared(monkeypatch)
    with tenant_context(tenant_a.id):
        found = finder.contact_duplicates(limit=10)
    assert len(found.pairs) == 10 and found.truncated
    assert len(asked) < 5  # a name matches dozens: the first few filled the list


def test_one_records_duplicates_are_all_found_however_many_others_pair(tenant_a):
    org = gen_organisation(tenant_a.id)
    ids = [gen_contact(tenant_a.id, org, f"Person{n}", f"Efternavn{n}", phone="+4520123456")
           for n in range(30)]
    with tenant_context(tenant_a.id):
        found = finder.contact_duplicates(ids[-1], limit=100)
    assert {frozenset((p.first_id, p.second_id)) for p in found.pairs} == {
        pair(other, ids[-1]) for other in ids[:-1]}
    assert not found.truncated


# --- not a duplicate --------------------------------------------------------------------

def test_a_pair_marked_not_a_duplicate_is_hidden_until_unmarked(tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Ulla", "Krog", phone="+4520123456")
    with tenant_context(tenant_a.id):
        a, b = db.session.get(Contact, first), db.session.get(Contact, second)
        marks.mark_distinct(b, a)
        marks.mark_distinct(a, b)  # the same pair: one mark
        db.session.commit()
        rows = db.session.execute(select(DistinctContacts.first_id,
                                         DistinctContacts.second_id)).all()
    assert rows == [(first, second)]  # stored in one order
    assert pairs_of(tenant_a.id) == {}
    with tenant_context(tenant_a.id):
        marks.unmark(db.session.get(Contact, second), db.session.get(Contact, first))
        db.session.commit()
    assert pair(first, second) in pairs_of(tenant_a.id)


def test_a_record_cannot_be_marked_distinct_from_itself(tenant_a):
    contact = gen_contact(tenant_a.id, gen_organisation(tenant_a.id))
    with tenant_context(tenant_a.id), pytest.raises(ServiceError):
        record = db.session.get(Contact, contact)
        marks.mark_distinct(record, record)


# --- the registration-number warning ------------------------------------------------------

def organisation_form(**values) -> dict:
    return {"name": "Havblik ApS", "registration_country": "DK",
            "registration_number": "13 58 56 28", **values}


def test_a_known_registration_number_warns_before_saving(admin_client, tenant_a):
    known = gen_organisation(tenant_a.id, "Nordlys ApS", registration_country="DK",
                             registration_number="13585628")
    response = admin_client.post("/admin/organisation/new/", data=organisation_form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="likely-duplicates"' in page and "Nordlys ApS" in page
    assert f"/admin/organisation/{known}/profile" in page
    assert 'name="_confirm_duplicate" value="1"' in page
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    response = admin_client.post("/admin/organisation/new/",
                                 data=organisation_form(_confirm_duplicate="1"))
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_editing_warns_when_the_number_becomes_a_known_one(admin_client, tenant_a):
    known = gen_organisation(tenant_a.id, "Nordlys ApS", registration_country="DK",
                             registration_number="13585628")
    edited = gen_organisation(tenant_a.id, "Havblik ApS")
    response = admin_client.post(f"/admin/organisation/edit/?id={edited}",
                                 data=organisation_form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="likely-duplicates"' in page
    assert f"/admin/duplicates/merge/organisation/{edited}/{known}/" in page
    # the organisation that has the number is saved without a word
    response = admin_client.post(f"/admin/organisation/edit/?id={known}",
                                 data=organisation_form(name="Nordlys ApS"))
    assert response.status_code == 302


# --- merging contacts --------------------------------------------------------------------

def _file(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(b"scanned licence"), filename=name)


def _with_every_link(tenant_id: int, survivor_id: int, other_id: int, org: int,
                     elsewhere: int) -> dict[str, int]:
    """One record of every kind linked to the other contact (and a few it shares with
    the survivor, for the unique cases); their ids by name."""
    made: dict[str, int] = {}
    made["case_primary"] = gen_case(tenant_id, other_id, "Reklamation")
    made["case_party"] = gen_case(tenant_id, survivor_id, "Fælles sag")
    add_party(tenant_id, made["case_party"], other_id)  # the survivor is primary
    made["case_secondary"] = gen_case(tenant_id, survivor_id, "Anden sag")
    third = gen_contact(tenant_id, org, "Tredje", "Person")
    made["third"] = third
    made["case_other_party"] = gen_case(tenant_id, third, "Tredjes sag")
    add_party(tenant_id, made["case_other_party"], other_id)
    made["task"] = gen_task(tenant_id, contact_id=other_id)
    made["campaign"] = gen_with_participants(Campaign, tenant_id, "Forår", [other_id])
    made["campaign_both"] = gen_with_participants(Campaign, tenant_id, "Efterår",
                                                  [survivor_id, other_id])
    made["project"] = gen_with_participants(Project, tenant_id, "Udvidelse", [other_id])
    with tenant_context(tenant_id):
        other = db.session.get(Contact, other_id)
        survivor = db.session.get(Contact, survivor_id)
        user = db.session.get(User, user_id(tenant_id, "admin@alpha.example"))
        shared = Tag(name="Storkunde")
        survivor.tags.append(shared)
        other.tags.extend([shared, Tag(name="Messe")])
        other.employments.append(Employment(organisation_id=elsewhere, title="Konsulent",
                                            start_date=date(2015, 1, 1),
                                            end_date=date(2018, 1, 1)))
        records = {
            "note": Activity(kind=NOTE, subject="Notat", organisation_id=org,
                             contacts=[other]),
            "meeting": Activity(kind="meeting", subject="Møde", organisation_id=org,
                                contacts=[other, survivor]),
            "opportunity": Opportunity(title="Aftale", contact=other, currency="DKK"),
            "lead": Lead(name="Anna", contact=other),
            "attachment": attachments.add(other, _file("kørekort.pdf"), user),
            "external_id": ExternalId(entity="contact", system="erp", value="K-17",
                                      contact_id=other.id),
        }
        other.photo = photos.store(Image.open(picture()))
        other.address_book_sync = True
        other.consent_email, other.consent_email_date = True, date(2024, 3, 1)
        other.custom = {"hobby": "Sejlads"}
        db.session.add_all(records.values())
        marks.mark_distinct(other, db.session.get(Contact, third))
        marks.mark_distinct(other, survivor)  # the pair itself: gone with the merge
        db.session.commit()
        made.update({name: record.id for name, record in records.items()})
    return made


def _refs_to(table_name: str, record_id: int) -> set[tuple[str, str]]:
    """Which foreign keys to the table have a row naming the record."""
    found = set()
    for table, column in merge.foreign_keys_to(table_name):
        link = db.metadata.tables[table]
        if db.session.scalar(select(func.count()).select_from(link)
                             .where(link.c[column] == record_id)):
            found.add((table, column))
    return found


def test_every_foreign_key_to_a_contact_or_organisation_is_moved_by_a_merge():
    """A table added later with a foreign key to either must say how a merge moves it."""
    for table, links in (("contact", merge.CONTACT_LINKS),
                         ("organisation", merge.ORGANISATION_LINKS)):
        unhandled = merge.foreign_keys_to(table) - set(links)
        assert not unhandled, f"add a mover to services/duplicates/merge.py for {unhandled}"
        assert set(links) <= merge.foreign_keys_to(table)


def test_merging_contacts_moves_every_linked_record(tenant_a):
    gen_fields(tenant_a.id)  # the contact's configurable fields exist
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    elsewhere = gen_organisation(tenant_a.id, "Gammel Handel ApS")
    survivor_id = gen_contact(tenant_a.id, org, "Anna", "Berg", email="anna@nordlys.dk",
                              phone="+4520123456", custom={"shoe": "42"})
    other_id = gen_contact(tenant_a.id, org, "Anna", "Bergh", email="a.bergh@nordlys.dk",
                           mobile="+4540123456")
    made = _with_every_link(tenant_a.id, survivor_id, other_id, org, elsewhere)
    with tenant_context(tenant_a.id):
        # the test builds a row of every foreign key there is: none can be forgotten
        assert _refs_to("contact", other_id) == merge.foreign_keys_to("contact") - {
            ("contact", "organisation_id")}
        created_entry = db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.entity == "contact", AuditEntry.record_id == other_id,
            AuditEntry.action == "create"))
        survivor = db.session.get(Contact, survivor_id)
        other = db.session.get(Contact, other_id)
        old_photo = other.photo
        unused = merge.merge_contacts(
            survivor, other, {"email", "photo", "consent_email", "custom.hobby"},
            user_id=user_id(tenant_a.id, "admin@alpha.example"))
        db.session.commit()
        assert unused == []  # the survivor had no photo; it has the other's now
        assert db.session.get(Contact, other_id) is None
        assert _refs_to("contact", other_id) == set()
        _check_survivor(survivor_id, made, old_photo, created_entry)


def _check_survivor(survivor_id: int, made: dict[str, int], photo: str,
                    created_entry: int) -> None:
    db.session.expire_all()
    survivor = db.session.get(Contact, survivor_id)
    get = db.session.get
    assert (survivor.email, survivor.phone, survivor.mobile) == (
        "a.bergh@nordlys.dk", "+4520123456", None)
    assert survivor.photo == photo and survivor.address_book_sync
    assert survivor.consent_email and survivor.consent_email_date == date(2024, 3, 1)
    assert survivor.custom == {"shoe": "42", "hobby": "Sejlads"}
    assert sorted(t.name for t in survivor.tags) == ["Messe", "Storkunde"]
    jobs = sorted((e.organisation.name, e.is_primary) for e in survivor.employments)
    assert jobs == [("Gammel Handel ApS", False), ("Nordlys ApS", True)]  # one at Nordlys
    assert get(Case, made["case_primary"]).primary_contact_id == survivor_id
    assert get(Case, made["case_party"]).secondary_contacts == []  # primary already
    assert [c.id for c in get(Case, made["case_other_party"]).secondary_contacts] == [
        survivor_id]
    assert get(Task, made["task"]).contact_id == survivor_id
    assert get(Opportunity, made["opportunity"]).contact_id == survivor_id
    assert get(Lead, made["lead"]).contact_id == survivor_id
    assert get(Attachment, made["attachment"]).contact_id == survivor_id
    assert get(ExternalId, made["external_id"]).contact_id == survivor_id
    assert [c.id for c in get(Activity, made["note"]).contacts] == [survivor_id]
    assert [c.id for c in get(Activity, made["meeting"]).contacts] == [survivor_id]
    for campaign in ("campaign", "campaign_both"):
        assert [c.id for c in get(Campaign, made[campaign]).participants] == [survivor_id]
    assert [c.id for c in get(Project, made["project"]).participants] == [survivor_id]
    assert db.session.execute(select(DistinctContacts.first_id, DistinctContacts.second_id)
                              ).all() == [tuple(sorted((survivor_id, made["third"])))]
    # the other's history is the survivor's now, with the merge itself
    assert get(AuditEntry, created_entry).record_id == survivor_id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == ACTION_MERGE))
    assert entry.record_id == survivor_id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "delete", AuditEntry.entity == "contact")) == 0
    text = history_text.describe_entries([entry])[entry.id]
    assert "Anna Bergh (#" in text.headline and f"Anna Berg (#{survivor_id})" in text.headline
    # the merged record's values as they were, the ones not kept included
    assert "+4540123456" in str(text) and "a.bergh@nordlys.dk" in str(text)


def test_merging_frees_unique_values_for_the_survivor(tenant_a):
    set_settings(tenant_a.id, unique_contact_id=True)
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", email="anna@x.dk",
                        customer_number=1)
    second = gen_contact(tenant_a.id, org, "Anna", "Bergh", email="ANNA@y.dk",
                         customer_number=2)
    with tenant_context(tenant_a.id):
        survivor = db.session.get(Contact, first)
        merge.merge_contacts(survivor, db.session.get(Contact, second),
                             {"email", "customer_number", "last_name"})
        db.session.commit()
        assert (survivor.email, survivor.customer_number, survivor.last_name) == (
            "ANNA@y.dk", 2, "Bergh")


def test_a_refused_merge_changes_nothing(tenant_a):
    set_settings(tenant_a.id, email_required=True)
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", email=None)
    second = gen_contact(tenant_a.id, org, "Anna", "Bergh", email=None)
    gen_task(tenant_a.id, contact_id=second)
    from app.transactions import commit_or_refuse

    with tenant_context(tenant_a.id):
        outcome = commit_or_refuse(lambda: merge.merge_contacts(
            db.session.get(Contact, first), db.session.get(Contact, second)))
        assert not outcome
        assert db.session.get(Contact, second) is not None
        assert db.session.scalar(select(Task.contact_id)) == second


# --- merging organisations ------------------------------------------------------------

def test_merging_organisations_moves_every_linked_record(tenant_a):
    survivor_id = gen_organisation(tenant_a.id, "Nordlys ApS")
    other_id = gen_organisation(tenant_a.id, "Nordlys A/S", registration_country="DK",
                                registration_number="13585628", city="Hellerup")
    both = gen_contact(tenant_a.id, survivor_id, "Anna", "Berg")
    with tenant_context(tenant_a.id):  # Anna works at both: one job after the merge
        anna = db.session.get(Contact, both)
        anna.employments.append(
            Employment(organisation_id=other_id, title="Indkøber", is_primary=False))
        db.session.commit()
    only = gen_contact(tenant_a.id, other_id, "Bo", "Holm")
    made = {"case": gen_case(tenant_a.id, only, "Sag", organisation_id=other_id)}
    with tenant_context(tenant_a.id):
        other = db.session.get(Organisation, other_id)
        other.tags.append(Tag(name="Leverandør"))
        records = {
            "activity": Activity(kind=NOTE, subject="Notat", organisation_id=other_id),
            "project": Project(name="Udvidelse", organisation_id=other_id),
            "opportunity": Opportunity(title="Aftale", organisation_id=other_id,
                                       currency="DKK"),
            "attachment": attachments.add(other, _file("kontrakt.pdf"), None),
            "external_id": ExternalId(entity="organisation", system="erp", value="D-4",
                                      organisation_id=other_id),
        }
        db.session.add_all(records.values())
        marks.mark_distinct(other, db.session.get(Organisation, survivor_id))
        db.session.commit()
        made.update({name: record.id for name, record in records.items()})
        assert _refs_to("organisation", other_id) == merge.foreign_keys_to("organisation") \
            - {("distinct_organisations", "first_id")}
        survivor = db.session.get(Organisation, survivor_id)
        merge.merge_organisations(survivor, db.session.get(Organisation, other_id),
                                  {"registration_number", "address"})
        db.session.commit()
        db.session.expire_all()
        assert _refs_to("organisation", other_id) == set()
        survivor = db.session.get(Organisation, survivor_id)
        assert (survivor.name, survivor.registration_number, survivor.city) == (
            "Nordlys ApS", "13585628", "Hellerup")
        assert [t.name for t in survivor.tags] == ["Leverandør"]
        jobs = db.session.scalars(select(Employment).where(
            Employment.contact_id == both)).all()
        assert [(e.organisation_id, e.title) for e in jobs] == [(survivor_id, "Indkøber")]
        assert db.session.get(Contact, only).organisation_id == survivor_id
        assert db.session.get(Case, made["case"]).organisation_id == survivor_id
        for model in (Activity, Project, Opportunity, Attachment, ExternalId):
            name = {Activity: "activity", Project: "project", Opportunity: "opportunity",
                    Attachment: "attachment", ExternalId: "external_id"}[model]
            assert db.session.get(model, made[name]).organisation_id == survivor_id
        assert db.session.scalar(select(func.count()).select_from(DistinctContacts)) == 0


def test_the_private_customers_organisation_cannot_be_merged(tenant_a):
    company = gen_organisation(tenant_a.id, "Nordlys ApS")
    with tenant_context(tenant_a.id):
        private = organisations.private_customers()
        db.session.commit()
        with pytest.raises(ServiceError):
            merge.merge_organisations(db.session.get(Organisation, company), private)


# --- the screens ------------------------------------------------------------------------

def test_the_duplicates_screen_lists_pairs_with_their_rule(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Ulla", "Krog", phone="+4520123456")
    page = admin_client.get("/admin/duplicates/").get_data(as_text=True)
    assert "Samme telefonnummer: 20 12 34 56" in page  # tenant A works in Danish
    assert f"/admin/duplicates/merge/contact/{first}/{second}/" in page
    assert f"/admin/duplicates/distinct/contact/{first}/{second}/" in page
    assert f'/admin/contact/{first}/profile' in page
    response = admin_client.post(f"/admin/duplicates/distinct/contact/{first}/{second}/")
    assert response.status_code == 302
    page = admin_client.get("/admin/duplicates/").get_data(as_text=True)
    assert 'id="no-duplicates"' in page and 'id="marked-pairs"' in page
    admin_client.post(f"/admin/duplicates/distinct/contact/{first}/{second}/undo/")
    assert pair(first, second) in pairs_of(tenant_a.id)


def test_the_organisation_tab_and_one_records_duplicates(admin_client, tenant_a):
    first = gen_organisation(tenant_a.id, "Nordlys ApS")
    second = gen_organisation(tenant_a.id, "Nordlys A/S")
    gen_organisation(tenant_a.id, "Havblik ApS")
    page = admin_client.get(f"/admin/duplicates/?kind=organisation&record={second}"
                            ).get_data(as_text=True)
    assert f"/admin/duplicates/merge/organisation/{first}/{second}/" in page
    assert admin_client.get("/admin/duplicates/?kind=nothing").status_code == 404


def radio(page: str, input_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{input_id}"[^>]*>', page)
    assert match, f"no input {input_id}"
    return match.group(0)


def test_merge_screen_offers_a_labelled_choice_per_differing_field(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Anna", "Bergh", mobile="+4540123456")
    gen_task(tenant_a.id, contact_id=second)
    page = admin_client.get(f"/admin/duplicates/merge/contact/{first}/{second}/"
                            ).get_data(as_text=True)
    assert '<legend class="h6 mb-1">Efternavn</legend>' in page
    assert 'for="field-last_name-second">Bergh</label>' in page
    # the empty mobile of the first is filled from the second by default
    assert "checked" in radio(page, "field-mobile-second")
    assert "checked" not in radio(page, "field-mobile-first")
    assert "checked" in radio(page, "field-last_name-first")  # the first's stays by default
    assert "1 opgave" in page  # what moves with the second record
    assert 'id="field-first_name' not in page  # equal values: nothing to choose


def test_merging_on_the_screen_goes_to_the_survivors_profile(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg")
    second = gen_contact(tenant_a.id, org, "Anna", "Bergh")
    url = f"/admin/duplicates/merge/contact/{first}/{second}/"
    assert admin_client.post(url, data={}).status_code == 422  # nothing chosen
    response = admin_client.post(url, data={"survivor": "second", "field-email": "first",
                                            "field-last_name": "second", "confirm": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/{second}/profile")
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, first) is None
        survivor = db.session.get(Contact, second)
        assert (survivor.email, survivor.last_name) == ("anna.berg@example.com", "Bergh")
    history = admin_client.get(f"/admin/contact/{second}/profile?tab=history"
                               ).get_data(as_text=True)
    assert "Anna Berg (#" in history


def test_users_without_edit_rights_may_look_but_not_merge(client, tenant_a):
    set_settings(tenant_a.id, users_edit_contacts=False)
    org = gen_organisation(tenant_a.id)
    first = gen_contact(tenant_a.id, org, "Anna", "Berg", phone="+4520123456")
    second = gen_contact(tenant_a.id, org, "Ulla", "Krog", phone="+4520123456")
    login(client, "user@alpha.example")
    page = client.get("/admin/duplicates/").get_data(as_text=True)
    assert "Ulla Krog" in page and "/admin/duplicates/merge/" not in page
    assert client.get(f"/admin/duplicates/merge/contact/{first}/{second}/").status_code == 403
    assert client.post(f"/admin/duplicates/distinct/contact/{first}/{second}/"
                       ).status_code == 403


# --- tenants ------------------------------------------------------------------------------

def test_another_tenants_records_are_never_paired_nor_merged(client, tenant_a, tenant_b):
    mine = gen_contact(tenant_a.id, gen_organisation(tenant_a.id), "Anna", "Berg",
                       phone="+4520123456", email="anna@x.dk")
    theirs = gen_contact(tenant_b.id, gen_organisation(tenant_b.id), "Anna", "Berg",
                         phone="+4520123456", email="anna+b@x.dk")
    other_mine = gen_contact(tenant_a.id, None, "Ole", "Olsen", kind="private")
    assert pairs_of(tenant_a.id) == {} and pairs_of(tenant_b.id) == {}
    login(client, "admin@beta.example")
    for url in (f"/admin/duplicates/merge/contact/{mine}/{other_mine}/",
                f"/admin/duplicates/merge/contact/{theirs}/{mine}/"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"survivor": "first", "confirm": "1"}).status_code == 404
    assert client.post(f"/admin/duplicates/distinct/contact/{theirs}/{mine}/"
                       ).status_code == 404
    with tenant_context(tenant_a.id):
        assert db.session.get(Contact, mine) is not None


def test_the_profiles_link_to_their_duplicates(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    contact = gen_contact(tenant_a.id, org)
    page = admin_client.get(f"/admin/contact/{contact}/profile").get_data(as_text=True)
    assert f"/admin/duplicates/?kind=contact&amp;record={contact}" in page
    page = admin_client.get(f"/admin/organisation/{org}/profile").get_data(as_text=True)
    assert f"/admin/duplicates/?kind=organisation&amp;record={org}" in page
