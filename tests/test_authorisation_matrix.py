"""Every URL of ``app.url_map`` asked as every role (tests/authorisation_matrix.py says
what each gets): the status and redirect target, no text of tenant A's records where the
role may not see them, and no change to tenant A's rows or files from a refused request.

One test per role asks all the URLs and reports every mismatch at once. Tenant A's
records are made once per test (the autouse fixture empties every table afterwards).
A role's refused requests go first, with a snapshot of tenant A's rows and files before
and after them; then tenant A's roles ask what they may, pages before posts and
deletions last. An exception (a 500 in production) is reported as a mismatch too.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from string import Formatter
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app import jobs
from app.extensions import db
from app.models import (
    Activity,
    AuditEntry,
    Campaign,
    Contact,
    Employment,
    Lead,
    Organisation,
    Project,
    Tag,
    Task,
    Tenant,
    User,
    Webhook,
    WebhookDelivery,
)
from app.models.activity import MEETING, NOTE
from app.models.base import utcnow
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.models.job import DONE, FAILED, Job
from app.models.sales import Opportunity
from app.models.webhook import FAILED as DELIVERY_FAILED
from app.services import api_tokens, dictionaries, feeds, storage
from app.services.activities import attachments, letters
from app.services.contacts import photos
from app.services.fields import admin as field_admin
from app.services.imports import uploads
from app.services.work import leads
from app.services.work.cases import new_case
from app.tenancy import tenant_context
from tests.authorisation_matrix import (
    ADMIN,
    ANONYMOUS,
    EXCLUDED_ENDPOINTS,
    MARKER,
    OPERATOR,
    OTHER,
    PLACEHOLDERS,
    ROLE_IDS,
    ROLES,
    TENANT_A_ROLES,
    USER,
    Outcome,
    Probe,
    all_probes,
    is_refusal,
)
from tests.conftest import login

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Werkzeug from GET and the rule
MATRIX_FILE = "tests/authorisation_matrix.py"
EMAILS = {USER: "user@alpha.example", ADMIN: "admin@alpha.example",
          OTHER: "admin@beta.example", OPERATOR: "operator@platform.example"}


# --- the table against the URL map ----------------------------------------------------

def url_map_rules(app: Flask) -> set[tuple[str, str, str]]:
    return {(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint not in EXCLUDED_ENDPOINTS
            for method in rule.methods - IGNORED_METHODS}


def test_every_url_has_an_entry(app):
    covered = {(probe.endpoint, probe.method) for probe in all_probes()}
    missing = sorted((rule, method, endpoint) for endpoint, method, rule in url_map_rules(app)
                     if (endpoint, method) not in covered)
    assert not missing, "\n".join(
        [f"No entry in {MATRIX_FILE} for these URLs; add a Probe line saying what each "
         "role gets:"] +
        [f"  {method} {rule}  (endpoint {endpoint!r})" for rule, method, endpoint in missing])


def test_every_entry_names_a_url(app):
    adapter = app.url_map.bind("localhost")
    wrong = []
    for probe in all_probes():
        path = urlsplit(probe.url.format_map(_AnyId())).path
        try:
            endpoint, _args = adapter.match(path, method=probe.method)
        except (NotFound, MethodNotAllowed):
            endpoint = None
        if endpoint != probe.endpoint:
            wrong.append(f"  {probe.method} {probe.url}: the URL map says {endpoint!r}, "
                         f"the entry {probe.endpoint!r}")
    assert not wrong, "\n".join([f"Entries of {MATRIX_FILE} naming no URL:", *wrong])


def test_every_entry_fills_in_known_names():
    unknown = sorted({f"  {{{name}}} in {probe.method} {probe.url}"
                      for probe in all_probes()
                      for text in (probe.url, *filled_data(probe),
                                   *(o.location or "" for o in probe.expect.values()))
                      for _literal, name, _spec, _conv in Formatter().parse(text)
                      if name is not None and name not in PLACEHOLDERS})
    assert not unknown, "\n".join([f"Names not in PLACEHOLDERS of {MATRIX_FILE}:",
                                    *unknown])


def filled_data(probe: Probe) -> list[str]:
    """The texts of a probe's data (an API body's nested values too)."""
    def texts(value) -> list[str]:
        if isinstance(value, str):
            return [value]
        items = value.values() if isinstance(value, dict) else value
        return [text for item in items for text in texts(item)]
    return texts(probe.data)


def _filled(value, values: dict[str, str]):
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, dict):
        return {k: _filled(v, values) for k, v in value.items()}
    return [_filled(v, values) for v in value]


class _AnyId(dict):
    def __missing__(self, key: str) -> str:
        return "7"


# --- tenant A's records ---------------------------------------------------------------

def _picture() -> Image.Image:
    return Image.new("RGB", (40, 30), "teal")


def _finished_job(user: User, result_name: str) -> Job:
    """A job of the user's that has ended, with its result file."""
    key = storage.new_name(".csv")
    storage.save(jobs.RESULTS, key, f"{MARKER};1".encode())
    return Job(kind="export", user=user, state=DONE, done=1, total=1,
               result_name=result_name, result_key=key)


def _records_of_tenant_a() -> dict[str, object]:
    """One record of each kind a URL can name, every text carrying MARKER."""
    user = db.session.scalar(select(User).where(User.email == EMAILS[USER]))
    admin = db.session.scalar(select(User).where(User.email == EMAILS[ADMIN]))
    organisation = Organisation(name=f"{MARKER} Organisation ApS")
    contact = Contact(first_name=MARKER, last_name="Kontaktperson",
                      email="zqx@alpha.example", organisation=organisation,
                      address_book_sync=True, photo=photos.store(_picture()),
                      tags=[Tag(name=f"{MARKER} tag")])
    contact.employments.append(Employment(organisation=organisation, is_primary=True))
    case = new_case()
    case.title, case.primary_contact = f"{MARKER} case", contact
    task = Task(title=f"{MARKER} task", status=dictionaries.default_entry(TASK_STATUS),
                assignee=user, contact=contact)
    activity = Activity(kind=NOTE, subject=f"{MARKER} note", organisation=organisation,
                        contacts=[contact], employee=user)
    planned = Activity(kind=MEETING, subject=f"{MARKER} meeting", planned=True,
                       organisation=organisation, contacts=[contact], employee=user,
                       starts_at=utcnow() + timedelta(days=30))
    db.session.add_all([contact, case, task, activity, planned])
    db.session.flush()  # the letter and the file check their owners by id
    records = {
        "organisation": organisation, "contact": contact, "tag": contact.tags[0],
        "case": case, "task": task, "activity": activity, "planned": planned,
        "lead": Lead(name=f"{MARKER} Lead", company=f"{MARKER} Firma"),
        "opportunity": Opportunity(title=f"{MARKER} deal", organisation=organisation),
        "campaign": Campaign(name=f"{MARKER} campaign", participants=[contact]),
        "project": Project(name=f"{MARKER} project", organisation=organisation),
        "letter": letters.write_letter(contact, f"{MARKER} letter", "Dear", user),
        "attachment": attachments.add(contact, FileStorage(
            io.BytesIO(f"{MARKER} file".encode()), filename=f"{MARKER}.txt"), admin),
        "entry": dictionaries.create_entry(PRIORITY, {"en": f"{MARKER} priority"}),
        "user": user, "employment": contact.employments[0],
        "job": _finished_job(user, f"{MARKER}.csv"),
        "api_token": api_tokens.create(user, f"{MARKER} token")[0],
        "admin_job": _finished_job(admin, f"{MARKER}-admin.csv"),
        "twin": Contact(first_name=MARKER, last_name="Kontaktperzon", email="zqx2@alpha.example",
                        organisation=organisation),
        "twin_organisation": Organisation(name=f"{MARKER} Organisation A/S"),
    }
    records["webhook"] = Webhook(url=f"https://hooks.example/{MARKER}", events=["contact.created"],
                                 secret="whsec_matrix", active=False, failures=0)
    records["delivery"] = WebhookDelivery(
        webhook=records["webhook"], event="contact.created", entity="contact",
        record_id=contact.id, payload={"id": "matrix", "data": {"first_name": MARKER}},
        status=DELIVERY_FAILED, attempts=1, response_status=500, response_excerpt=f"{MARKER} down")
    section = field_admin.create_section("contact", {"en": f"{MARKER} section"})
    records["section"] = section
    records["field"] = field_admin.create_field(
        section, field_admin.FieldInput(labels={"en": f"{MARKER} field"}, field_type="text"))
    db.session.add_all(records.values())
    return records


def _import_upload() -> str:
    """An uploaded import file, mapped and imported, with its error file."""
    content = f"Fornavn;Efternavn\n{MARKER};Hansen\n".encode()
    token = uploads.keep(FileStorage(io.BytesIO(content), filename=f"{MARKER}.csv"),
                         {"kind": "contacts", "filename": f"{MARKER}.csv"})
    uploads.save_plan(token, {**uploads.plan(token), "columns": ["first_name", "last_name"],
                              "result": {"total": 1, "created": 0, "updated": 0,
                                         "skipped": 0, "refused": 1,
                                         "organisations_created": 0, "rolled_back": False,
                                         "errors": [[2, [f"{MARKER} refused"]]]}})
    admin = db.session.scalar(select(User).where(User.email == "admin@alpha.example"))
    job = Job(kind="import_contacts", user=admin, params={"token": token}, state=FAILED,
              result_name="errors.csv", result_key=storage.new_name(".csv"))
    storage.save(jobs.RESULTS, job.result_key, f"{MARKER};Hansen;Line 2\n".encode())
    db.session.add(job)
    db.session.flush()
    uploads.save_plan(token, {**uploads.plan(token), "job_id": job.id})
    return token


@pytest.fixture
def world(app, tenant_a, tenant_b, operator) -> dict[str, str]:
    """The ids that fill the matrix's URLs: tenant A's records."""
    with tenant_context(tenant_a.id):
        records = _records_of_tenant_a()
        tenant = db.session.get(Tenant, tenant_a.id)
        letters.update_letterhead(tenant, sender_name="Alpha", sender_address="",
                                  footer="", logo=_picture())
        values = {"slug": tenant.slug, "tenant": str(tenant.id),
                  "intake_token": leads.regenerate_intake_token(tenant),
                  "feed_token": feeds.feed_token(records["user"]), "marker": MARKER,
                  "import_token": _import_upload()}
        db.session.commit()
        values |= {name: str(record.id) for name, record in records.items()}
        values["audit"] = str(db.session.scalar(
            select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)))
    db.session.remove()
    assert set(values) == PLACEHOLDERS
    return values


# --- what the roles get ---------------------------------------------------------------

def snapshot(app: Flask, tenant_id: int) -> dict[str, list]:
    """Tenant A's rows in every table (other tenants' rows of shared tables too) and
    its stored files."""
    rows: dict[str, list] = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            if "tenant_id" in table.c:
                query = query.where(table.c.tenant_id == tenant_id)
            elif table.name == "tenant":
                query = query.where(table.c.id == tenant_id)
            rows[table.name] = [tuple(row) for row in conn.execute(query)]
    folder = Path(app.config["UPLOAD_FOLDER"]) / f"tenant-{tenant_id}"
    rows["files"] = sorted(str(p) for p in folder.rglob("*"))
    return rows


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def may_see(role: str, probe: Probe) -> bool:
    """Tenant A's roles where the matrix lets them in. They post empty forms, so that
    what they may change stays for the requests after; every other role posts the
    probe's form (tenant A's ids) and must get nothing of tenant A."""
    return role in TENANT_A_ROLES and not is_refusal(probe.expect[role])


def sign_in(client, role: str) -> None:
    if role != ANONYMOUS:
        assert login(client, EMAILS[role]).status_code == 302, f"{role} cannot log in"


def ask(client, probe: Probe, values: dict[str, str], posts_data: bool,
        token: str | None = None):
    data = _filled(probe.data, values) if posts_data else {}
    if probe.bearer:  # the API: the role's own token, the body as JSON
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.open(probe.url.format_map(values), method=probe.method, headers=headers,
                           json=data if probe.method != "GET" else None)
    return client.open(probe.url.format_map(values), method=probe.method, data=data)


def described(probe: Probe, values: dict[str, str]) -> str:
    return f"{probe.method} {probe.url.format_map(values)} ({probe.endpoint})"


def mismatches(probe: Probe, role: str, response, values: dict[str, str]) -> list[str]:
    expected = probe.expect[role]
    if expected.location:
        expected = Outcome(expected.status, expected.location.format_map(values))
    location = response.headers.get("Location")
    got = Outcome(response.status_code,
                  urlsplit(location).path if response.status_code in (301, 302, 303)
                  else None)
    where, entitled = described(probe, values), may_see(role, probe)
    found = []
    if got != expected:
        found.append(f"{where}: got {got}, the matrix says {expected}")
    body = response.get_data()
    if not entitled and not probe.secret and (
            MARKER.encode() in body or MARKER in (location or "")):
        found.append(f"{where}: shows tenant A's records (answer {got})")
    if entitled and probe.shows and got.status == 200 and MARKER.encode() not in body:
        found.append(f"{where}: does not show tenant A's record it names")
    return found


def run_probes(client, role: str, probes: list[Probe], values: dict[str, str],
               token: str | None = None) -> list[str]:
    found = []
    for probe in probes:
        try:
            response = ask(client, probe, values, posts_data=role not in TENANT_A_ROLES,
                           token=token)
        except Exception as exc:  # noqa: BLE001 - an error page (500) in production
            found.append(f"{described(probe, values)}: raised {exc!r}")
            continue
        found += mismatches(probe, role, response, values)
        if probe.endpoint == "auth.logout":
            sign_in(client, role)
    return found


REMOVING = ("delete", "erase")  # endpoints whose names say they remove a record


def in_safe_order(probes: list[Probe]) -> list[Probe]:
    """Pages first, then posts; removals last (what they remove, others still use)."""
    return sorted(probes, key=lambda p: (
        p.method != "GET",
        p.method == "DELETE" or any(word in p.endpoint for word in REMOVING)))


def api_token_of(role: str, tenant_a, tenant_b) -> str | None:
    """The role's own API token (the anonymous visitor and the operator have none)."""
    if role in (ANONYMOUS, OPERATOR):
        return None
    tenant_id = tenant_b.id if role == OTHER else tenant_a.id
    with tenant_context(tenant_id):
        user = db.session.scalar(select(User).where(User.email == EMAILS[role]))
        _record, token = api_tokens.create(user, "Matrix")
        db.session.commit()
    db.session.remove()
    return token


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
def test_each_role_gets_what_the_matrix_says(app, client, world, tenant_a, tenant_b, role):
    token = api_token_of(role, tenant_a, tenant_b)
    sign_in(client, role)
    probes = in_safe_order(all_probes())
    refused = [p for p in probes if not may_see(role, p)]
    before = snapshot(app, tenant_a.id)
    found = run_probes(client, role, refused, world, token)
    changed = changed_tables(before, snapshot(app, tenant_a.id))
    if changed:
        found.append(f"refused requests changed tenant A's {', '.join(changed)}")
    found += run_probes(client, role, [p for p in probes if p not in refused], world, token)
    assert not found, f"{role}: {len(found)} answer(s) differ from {MATRIX_FILE}:\n" + \
        "\n".join(found)
