"""Test data, made in one place: ``gen_*`` builders that save one record of a tenant
(with defaults a test overrides by keyword) and return its id, the form data the
screens take, texts holding markup, and sample files. Tests import these from here,
never from each other."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as Ref

from PIL import Image
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import (
    Activity,
    Case,
    Contact,
    Employment,
    Opportunity,
    Organisation,
    Tag,
    Task,
    Tenant,
    User,
)
from app.models.activity import NOTE
from app.models.case import CASE_OPEN
from app.models.dictionary import CASE_CATEGORY, PRIORITY, TASK_STATUS
from app.models.job import DONE, Job
from app.services import api_tokens, app_passwords, dictionaries, storage
from app.services import settings as settings_service
from app.services.activities import letters
from app.services.errors import ServiceError
from app.services.fields import admin as field_admin
from app.services.fields.admin import ChoiceInput, FieldInput
from app.services.work import leads
from app.services.work.cases import new_case
from app.tenancy import all_tenants, current_tenant_id, tenant_context
from app.transactions import CONFLICT
from tests.conftest import user_id

# --- records ----------------------------------------------------------------------------


def gen_organisation(tenant_id: int, name: str = "Nordlys ApS", **values) -> int:
    with tenant_context(tenant_id):
        organisation = Organisation(name=name, **values)
        db.session.add(organisation)
        db.session.commit()
        return organisation.id


def gen_contact(tenant_id: int, organisation_id: int | None = None, first_name: str = "Jens",
                last_name: str = "Hansen", *, ended: bool = False, **values) -> int:
    """A person with an address made of the names (``email=None`` for none), employed
    (primarily) by the organisation if one is given — ``ended``: employed no longer."""
    values.setdefault("email", f"{first_name}.{last_name}@example.com".lower())
    with tenant_context(tenant_id):
        contact = Contact(first_name=first_name, last_name=last_name, **values)
        if organisation_id is not None:
            contact.organisation_id = organisation_id
            if "employments" not in values:
                contact.employments.append(Employment(
                    organisation_id=organisation_id, is_primary=True,
                    end_date=date.today() - timedelta(days=30) if ended else None))
        db.session.add(contact)
        db.session.commit()
        return contact.id


def gen_profile_contact(tenant_id: int, admin_email: str = "admin@alpha.example",
                        past_employments: int = 1, **values) -> int:
    """Mette Frederiksen (unless ``first_name``/``last_name`` say otherwise) as the demo
    seeds contacts: every left panel of the profile filled (no photo), with
    ``past_employments`` ended jobs elsewhere."""
    org = gen_organisation(tenant_id, "Nordlys ApS", street="Strandvejen 12",
                           postcode="2900", city="Hellerup", country="DK")
    past = [gen_organisation(tenant_id, f"Gammel Handel {n} ApS")
            for n in range(past_employments)]
    employments = [
        Employment(organisation_id=org, title="Indkøbschef", is_primary=True,
                   start_date=date(2020, 1, 1)),
        *(Employment(organisation_id=o, title="Sælger", start_date=date(2015, 1, 1),
                     end_date=date(2019, 12, 31)) for o in past)]
    fields = dict(
        email="mette@nordlys.example", phone="+4520123456", mobile="+4540123456",
        job_title="Indkøbschef", preferred_language="da", website="https://nordlys.example",
        consent_email=True, consent_email_date=date(2024, 3, 1),
        consent_email_source="Messe i Herning",
        responsible_user_id=user_id(tenant_id, admin_email),
        tags=[Tag(name="Storkunde", colour="#aa0000")], employments=employments)
    values = {**fields, **values}
    first_name, last_name = values.pop("first_name", "Mette"), values.pop("last_name",
                                                                          "Frederiksen")
    return gen_contact(tenant_id, org, first_name, last_name, **values)


def gen_case(tenant_id: int, contact_id: int, title: str = "Reklamation", **values) -> int:
    """A case saved directly, its reference from the tenant's counter."""
    with tenant_context(tenant_id):
        case = new_case()
        case.title, case.primary_contact_id = title, contact_id
        for name, value in values.items():
            setattr(case, name, value)
        db.session.add(case)
        db.session.commit()
        return case.id


def add_party(tenant_id: int, case_id: int, contact_id: int) -> None:
    """A secondary contact on a case."""
    with tenant_context(tenant_id):
        case = db.session.get(Case, case_id)
        case.secondary_contacts.append(db.session.get(Contact, contact_id))
        db.session.commit()


def gen_task(tenant_id: int, title: str = "Ring tilbage", **values) -> int:
    """A task; ``status`` is an entry or the key of one (the default entry if left out)."""
    with tenant_context(tenant_id):
        status = values.pop("status", None) or dictionaries.default_entry(TASK_STATUS)
        if isinstance(status, str):
            status = dictionaries.by_key(TASK_STATUS, status)
        task = Task(title=title, status=status, **values)
        db.session.add(task)
        db.session.commit()
        return task.id


def gen_activity(tenant_id: int, organisation_id: int | None, contact_ids=(), **values) -> int:
    values.setdefault("subject", "Møde om aftalen")
    with tenant_context(tenant_id):
        activity = Activity(organisation_id=organisation_id, contacts=[
            db.session.get(Contact, i) for i in contact_ids], **values)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def gen_opportunity(tenant_id: int, title: str = "Licensaftale", **values) -> int:
    values.setdefault("currency", "DKK")
    with tenant_context(tenant_id):
        opportunity = Opportunity(title=title, **values)
        db.session.add(opportunity)
        db.session.commit()
        return opportunity.id


def gen_with_participants(model, tenant_id: int, name: str, contact_ids=(), **values) -> int:
    """A campaign or a project (``model``) with the contacts taking part."""
    with tenant_context(tenant_id):
        record = model(name=name, participants=[db.session.get(Contact, i) for i in contact_ids],
                       **values)
        db.session.add(record)
        db.session.commit()
        return record.id


def gen_people(tenant_id: int) -> tuple[int, int]:
    """An organisation with two employees, and another organisation with its own
    person; returns the two organisations."""
    org = gen_organisation(tenant_id, "Nordlys ApS")
    other = gen_organisation(tenant_id, "Fremmed A/S")
    for first, last, employer in (("Jens", "Hansen", org), ("Mette", "Holm", org),
                                  ("Ole", "Udenfor", other)):
        gen_contact(tenant_id, employer, first, last, email=f"{first.lower()}@x.dk")
    return org, other


def setup_people(tenant_id: int) -> tuple[int, int, int]:
    """An organisation with an employee, and another organisation with its own."""
    org = gen_organisation(tenant_id, "Nordlys ApS", country="DK")
    other = gen_organisation(tenant_id, "Sydvind ApS")
    return org, gen_contact(tenant_id, org), gen_contact(tenant_id, other, "Eva", "Berg")


def open_intake(tenant_id: int) -> str:
    """Give the tenant a lead intake address; returns its token."""
    with all_tenants():
        token = leads.regenerate_intake_token(db.session.get(Tenant, tenant_id))
        db.session.commit()
    return token


def gen_api_token(tenant_id: int, email: str, name: str = "ERP sync") -> str:
    """A new API token of the tenant's user with this e-mail: the token itself."""
    with tenant_context(tenant_id):
        user = db.session.get(User, user_id(tenant_id, email))
        _record, token = api_tokens.create(user, name)
        db.session.commit()
    return token


def bearer(token: str, **headers: str) -> dict[str, str]:
    """The headers of an API request with the token."""
    return {"Authorization": f"Bearer {token}", **headers}


def set_settings(tenant_id: int, **values) -> None:
    """Change a tenant's settings through the settings service."""
    with tenant_context(tenant_id):
        settings_service.update_settings(settings_service.current_tenant(), values)
        db.session.commit()


# --- configurable fields ------------------------------------------------------------


def field_labels(en: str, da: str | None = None, pl: str | None = None,
                 sv: str | None = None) -> dict[str, str]:
    return {"en": en, "da": da or f"{en} (da)", "sv": sv or f"{en} (sv)", "pl": pl or f"{en} (pl)"}


def field_choices(*names: str) -> list[ChoiceInput]:
    return [ChoiceInput(labels=field_labels(name)) for name in names]


FIELDS = {
    "note": FieldInput(labels=field_labels("Note", "Bemærkning"), field_type="text",
                       show_in_list=True, searchable=True),
    "story": FieldInput(labels=field_labels("Story"), field_type="long_text"),
    "visits": FieldInput(labels=field_labels("Visits", "Besøg"), field_type="integer",
                         min_value=Decimal(0), max_value=Decimal(1000), show_in_list=True),
    "budget": FieldInput(labels=field_labels("Budget"), field_type="decimal", show_in_list=True),
    "met_on": FieldInput(labels=field_labels("Met on"), field_type="date", show_in_list=True),
    "vip": FieldInput(labels=field_labels("VIP"), field_type="boolean", show_in_list=True),
    "level": FieldInput(labels=field_labels("Level"), field_type="choice", show_in_list=True,
                        choices=field_choices("Gold", "Silver")),
    "topics": FieldInput(labels=field_labels("Topics"), field_type="multi_choice",
                         show_in_list=True,
                         choices=field_choices("Price", "Delivery", "Quality")),
    "private_mail": FieldInput(labels=field_labels("Private mail"), field_type="email"),
    "homepage": FieldInput(labels=field_labels("Homepage"), field_type="url"),
    "hotline": FieldInput(labels=field_labels("Hotline"), field_type="phone"),
}


def gen_fields(tenant_id: int, entity: str = "contact", **only: FieldInput) -> dict[str, str]:
    """The FIELDS (or those given) in one section 'Opmærksomhedspunkter'; returns
    {name: form name}."""
    with tenant_context(tenant_id):
        section = field_admin.create_section(entity, field_labels(
            "Points of attention", "Opmærksomhedspunkter", "Uwagi", "Att tänka på"))
        names = {}
        for name, data in (only or FIELDS).items():
            field = field_admin.create_field(section, data)
            db.session.flush()
            names[name] = field.form_name
        db.session.commit()
    return names


# --- form data ----------------------------------------------------------------------


def label_inputs(prefix: str = "label", **texts: str) -> dict[str, str]:
    """The inputs of a text per language (``label_da`` …), empty where none is given."""
    return {f"{prefix}_{lang}": texts.get(lang, "") for lang in ("da", "sv", "pl", "en")}


def case_form(contact_id: int | None, title: str = "Reklamation over levering",
              **values) -> dict:
    form = {"title": title, "status": CASE_OPEN, "opened_on": "2026-01-05"}
    if contact_id is not None:
        form["primary_contact"] = str(contact_id)
    form.update(values)
    return form


NEW_USER = {"full_name": "Ny Bruger", "email": "new@alpha.example", "role": "user",
            "language": "", "active": "y", "password": "long-enough-pw"}
LEAD_FORM = {"name": "Jens Hansen", "company": "Nordlys ApS", "email": "Jens@Nordlys.example",
             "phone": "20 12 34 56", "source": "Hjemmeside",
             "message": "Tilbud på 20 licenser\nVenlig hilsen"}


def task_form(title: str = "Ring tilbage", **values) -> dict:
    return {"title": title, **{k: str(v) for k, v in values.items()}}


def contact_form(organisation_id: int | None = None, **values) -> dict:
    form = {"kind": "company", "first_name": "Jens", "last_name": "Hansen",
            "email": "jens@nordlys.example", "phone": "20 12 34 56", "country": "DK"}
    if organisation_id is not None:
        form.update({"employments-0-organisation": str(organisation_id),
                     "employments-0-title": "Indkøber", "employments-0-is_primary": "y"})
    form.update(values)
    return form


def activity_form(organisation_id, contact_ids=(), **values) -> dict:
    form = {"kind": NOTE, "body": "Talte om tilbuddet", "starts_at": "2024-05-02 10:00",
            "organisation": str(organisation_id),
            "contacts": ",".join(str(i) for i in contact_ids)}
    form.update(values)
    return form


# --- hostile texts -------------------------------------------------------------------


def script(name: str) -> str:
    return f'<script>alert("{name}")</script>'


def image(name: str) -> str:
    return f'<img src=x onerror=alert("{name}")>'


def everywhere(text: str) -> dict[str, str]:
    return {lang: text for lang in ("da", "sv", "pl", "en")}


TEXT_LABEL, TEXT_HELP = script("label"), script("help")
CHOICE_LABEL, CHOICE_HELP = image("choice-label"), image("choice-help")
OPTION, SECTION, TAG = image("option"), script("section"), image("tag")
PRIORITY_LABEL, CATEGORY_LABEL = image("priority"), image("category")
LETTERHEAD, CONTACT_NAME = script("letterhead"), image("name")


def _hostile_definitions(tenant_id: int) -> Ref:
    """The texts a tenant's administrator defines, each markup: a section with a text
    field and a choice field (both listed, so both filter the list), a priority, a case
    category and the letterhead."""
    with tenant_context(tenant_id):
        section = field_admin.create_section("contact", everywhere(SECTION))
        text = field_admin.create_field(section, FieldInput(
            labels=everywhere(TEXT_LABEL), help_texts=everywhere(TEXT_HELP),
            field_type="text", show_in_list=True, searchable=True))
        choice = field_admin.create_field(section, FieldInput(
            labels=everywhere(CHOICE_LABEL), help_texts=everywhere(CHOICE_HELP),
            field_type="choice", show_in_list=True,
            choices=[ChoiceInput(labels=everywhere(OPTION))]))
        priority = dictionaries.create_entry(PRIORITY, everywhere(PRIORITY_LABEL))
        category = dictionaries.create_entry(CASE_CATEGORY, everywhere(CATEGORY_LABEL))
        letters.update_letterhead(db.session.get(Tenant, tenant_id), sender_name=LETTERHEAD,
                                  sender_address=LETTERHEAD, footer=LETTERHEAD)
        db.session.commit()
        return Ref(text=text.key, choice=choice.key, option=choice.choices[0].key,
                   text_form=text.form_name, choice_form=choice.form_name,
                   section=section.id, priority=priority.id, category=category.id)


def hostile_texts(tenant_id: int) -> Ref:
    """A contact whose tenant's administrator wrote markup into every text they define
    (see ``_hostile_definitions``), with a tag, a task and a case using them; the
    contact's own name (any user's text) is markup too."""
    keys = _hostile_definitions(tenant_id)
    contact_id = gen_profile_contact(tenant_id, last_name=CONTACT_NAME,
                                     custom={keys.text: "værdi", keys.choice: keys.option})
    with tenant_context(tenant_id):
        contact = db.session.get(Contact, contact_id)
        contact.tags.append(Tag(name=TAG, colour="#aa0000"))
        status = dictionaries.default_entry(TASK_STATUS)
        db.session.add(Task(title="Ring op", contact=contact, status=status,
                            priority_id=keys.priority))
        db.session.add(Case(reference=1, title="Sag", primary_contact=contact,
                            category_id=keys.category))
        db.session.commit()
    keys.contact = contact_id
    return keys


# --- files --------------------------------------------------------------------------

PDF = b"%PDF-1.4 " + bytes(range(256)) * 4


def picture(fmt: str = "PNG", size=(1200, 900)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    buffer.seek(0)
    return buffer


def gen_intake_token(tenant_id: int) -> str:
    """Open the tenant's lead intake; its secret token."""
    from app.models import Tenant
    from app.services.work import leads
    from app.tenancy import all_tenants

    with all_tenants():
        token = leads.regenerate_intake_token(db.session.get(Tenant, tenant_id))
        db.session.commit()
    return token


# --- background jobs --------------------------------------------------------------------

# What the test job kinds saw while running: (job id, tenant, user's e-mail, progress
# as the web would read it). Worker threads append here too.
JOB_SEEN: list[tuple[int, int | None, str, tuple[int, int | None]]] = []
_FLAKY_ATTEMPTS: dict[int, int] = {}


@jobs.kind("test_tags", label="Test tags")
def tags_job(job: Job, progress: jobs.Progress, names: list[str], fail_at: str = "",
             refuse_at: str = "", attach: bool = False) -> dict:
    """Makes a tag per name (so a test sees the work committed or rolled back),
    attaching a file first when asked; ``fail_at``/``refuse_at``: raise at that name."""
    progress.total(len(names))
    if attach:
        progress.attach("Mærker.csv", ";".join(names).encode("utf-8-sig"))
    for name in names:
        db.session.add(Tag(name=name))
        db.session.flush()
        progress.advance()
        JOB_SEEN.append((job.id, current_tenant_id(), job.user.email, jobs.progress_of(job)))
        if name == fail_at:
            raise RuntimeError(f"secret internals of {name}")
        if name == refuse_at:
            raise ServiceError(CONFLICT)
    return {"created": len(names), "skipped": 0}


@jobs.kind("test_flaky", label="Test flaky", retries=1)
def flaky_job(job: Job, progress: jobs.Progress) -> dict:
    """Fails its first attempt, succeeds at the second."""
    _FLAKY_ATTEMPTS[job.id] = _FLAKY_ATTEMPTS.get(job.id, 0) + 1
    if _FLAKY_ATTEMPTS[job.id] == 1:
        raise ConnectionError("the mail server hung up")
    return {"sent": 1}


def gen_job(tenant_id: int, email: str, result: bytes | None = None,
            result_name: str = "result.txt", **values) -> int:
    """A job row as a finished job leaves it (with a result file when given)."""
    with tenant_context(tenant_id):
        job = Job(kind=values.pop("kind", "test_tags"), user_id=user_id(tenant_id, email),
                  state=values.pop("state", DONE), **values)
        if result is not None:
            job.result_key = storage.new_name(Path(result_name).suffix)
            job.result_name = result_name
            storage.save(jobs.RESULTS, job.result_key, result)
        db.session.add(job)
        db.session.commit()
        return job.id


def submit_job(tenant_id: int, email: str, kind: str = "test_tags", **params) -> int:
    """Submit a job as the user and commit (in the tests' immediate mode it runs then)."""
    with tenant_context(tenant_id):
        user = db.session.get(User, user_id(tenant_id, email))
        job = jobs.submit(kind, user=user, **params)
        job_id = job.id
        db.session.commit()
    return job_id


def gen_app_password(tenant_id: int, email: str, name: str = "iPhone") -> str:
    """A new app password of the user with this e-mail (the password itself)."""
    with tenant_context(tenant_id):
        user = db.session.scalar(select(User).where(User.email == email))
        _record, password = app_passwords.create(user, name)
        db.session.commit()
        return password


# --- a tenant with a record on every screen ----------------------------------------------


def gen_every_screen(tenant_id: int, admin_email: str) -> Ref:
    """What a demo tenant shows: the profile contact (Mette Frederiksen at Nordlys ApS)
    with a case, a task for the administrator, a done and a planned activity, a letter,
    an e-mail, a file, a sales record, a campaign, a project, a lead, a job, a
    configurable section and a likely duplicate. Returns the ids of the profiles."""
    from werkzeug.datastructures import FileStorage

    from app.models import Campaign, Lead, Project
    from app.models.activity import LETTER, MAIL_SENT
    from app.services.activities import attachments

    admin = user_id(tenant_id, admin_email)
    contact = gen_profile_contact(tenant_id, admin_email)
    org = load_organisation_id(tenant_id, contact)
    gen_contact(tenant_id, org, "Mette", "Frederiksen", email="mette.f@nordlys.example")
    case = gen_case(tenant_id, contact, "Reklamation over levering", organisation_id=org,
                    responsible_user_id=admin)
    gen_task(tenant_id, contact_id=contact, case_id=case, assignee_id=admin,
             due_at=datetime.now(UTC) + timedelta(days=3))
    gen_activity(tenant_id, org, [contact], body="Talte om tilbuddet", employee_id=admin)
    gen_activity(tenant_id, org, [contact], subject="Besøg hos kunden", kind="meeting",
                 planned=True, employee_id=admin)
    gen_activity(tenant_id, org, [contact], subject="Tilbud", kind=LETTER, body="Hej Mette")
    gen_activity(tenant_id, org, [contact], subject="Ordrebekræftelse", kind="email",
                 body="Tak for ordren", mail_status=MAIL_SENT,
                 mail_to="mette@nordlys.example", mail_from=admin_email)
    gen_opportunity(tenant_id, organisation_id=org, contact_id=contact, owner_id=admin,
                    amount=Decimal("125000"))
    gen_with_participants(Campaign, tenant_id, "Forårskampagne", [contact])
    gen_with_participants(Project, tenant_id, "Udrulning", [contact], organisation_id=org,
                          owner_id=admin)
    gen_fields(tenant_id, "contact", note=FIELDS["note"], level=FIELDS["level"])
    gen_job(tenant_id, admin_email, result=b"a;b", result_name="Kontakter.csv")
    with tenant_context(tenant_id):
        db.session.add(Lead(**{k: v for k, v in LEAD_FORM.items()}))
        attachments.add(db.session.get(Contact, contact),
                        FileStorage(io.BytesIO(PDF), "Kontrakt.pdf"),
                        db.session.get(User, admin))
        db.session.commit()
    return Ref(contact=contact, organisation=org)


def load_organisation_id(tenant_id: int, contact_id: int) -> int:
    with tenant_context(tenant_id):
        return db.session.get(Contact, contact_id).organisation_id
