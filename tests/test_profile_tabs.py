"""The contact profile's tabs (D1, D2, D4–D10): each tab shows the contact's records
and no one else's, its filters, sorting and pages; the tasks' in-place editing; the
meetings' owner change; F1 (restricted e-mails) and F2 (private customers' notes); the
fixed query budget of the whole page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from types import SimpleNamespace as Ref

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, AuditEntry, Case, Contact, Project, Task
from app.models.activity import CALL, EMAIL, MEETING, NOTE
from app.models.case import CASE_CLOSED, CASE_REJECTED
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.services import dictionaries
from app.services.profile import timeline
from app.services.profile.query import Args, paginate
from app.services.times import to_utc
from app.tenancy import tenant_context
from tests.conftest import (
    count_queries,
    entry_id,
    load_activity,
    local_date,
    login,
    reload,
    switch_user,
    translated,
    upload,
    user_id,
)
from tests.factories import (
    add_party,
    gen_activity,
    gen_case,
    gen_contact,
    gen_opportunity,
    gen_organisation,
    gen_task,
    gen_with_participants,
    set_settings,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def translated_plural(singular: str, plural: str, count: int, language: str = "da") -> str:
    """A counted text as the page shows it, whatever the state of the catalogs."""
    from flask_babel import force_locale, ngettext

    with force_locale(language):
        return ngettext(singular, plural, count)


def days(number: float) -> datetime:
    return NOW + timedelta(days=number)


# --- helpers --------------------------------------------------------------------------

def tab(client, contact_id: int, name: str, **params) -> str:
    """The tabs part of the profile page with the tab open (and its parameters)."""
    query = [("tab", name)] + [(key, item) for key, value in params.items()
                               for item in (value if isinstance(value, list) else [value])]
    response = client.get(f"/admin/contact/{contact_id}/profile", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index('id="contact-tabs"'):]


def ids_in(html: str, prefix: str) -> list[int]:
    """Record ids of elements id="<prefix><id>", in page order."""
    return [int(n) for n in re.findall(rf'id="{re.escape(prefix)}(\d+)"', html)]


def status_id(tenant_id: int, key: str, dictionary: str = TASK_STATUS) -> int:
    return entry_id(tenant_id, dictionary, key)


@pytest.fixture
def world(tenant_a, tenant_b):
    """Jens (the profile's contact) and Eva at Nordlys; a person of another tenant."""
    org = gen_organisation(tenant_a.id, "Nordlys ApS")
    jens = gen_contact(tenant_a.id, org, "Jens", "Hansen", email="jens@nordlys.example")
    eva = gen_contact(tenant_a.id, org, "Eva", "Berg", email="eva@nordlys.example")
    foreign_org = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    foreign = gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    return Ref(a=tenant_a.id, b=tenant_b.id, org=org, jens=jens, eva=eva,
               foreign_org=foreign_org, foreign=foreign)


def activity(w, contacts, **values) -> int:
    values.setdefault("starts_at", days(-1))
    return gen_activity(w.a, w.org, contacts, **values)


# --- the tabs and their links ---------------------------------------------------------

def test_tab_links_keep_the_other_tabs_parameters(admin_client, world):
    html = tab(admin_client, world.jens, "cases", cases_status="open", timeline_page="2")
    links = dict(re.findall(r'id="tab-(\w+)"\s+href="([^"]+)"', html))
    assert set(links) == {"timeline", "cases", "tasks", "notes", "email", "meetings",
                          "files", "history", "related"}
    assert unescape(links["notes"]).startswith("?cases_status=open&timeline_page=2&tab=notes")
    # a GET form carries the other parameters, not its own
    form = html[html.index("kontakt-tab-filter"):html.index("</form>")]
    assert 'name="timeline_page" value="2"' in form and 'name="tab" value="cases"' in form
    assert 'type="hidden" name="cases_status" value="open"' in form
    # an unknown tab (or none): the timeline
    assert 'id="tab-panel-timeline"' in tab(admin_client, world.jens, "nonsense")
    assert 'id="tab-panel-timeline"' in admin_client.get(
        f"/admin/contact/{world.jens}/profile").get_data(as_text=True)


def test_tabs_of_a_polish_tenant_and_its_isolation(client, world):
    """Another tenant's user sees its own contact's tabs, and gets no page for ours."""
    login(client, "admin@beta.example")
    for name in ("timeline", "cases", "tasks", "notes", "email", "meetings", "files",
                 "history", "related"):
        assert f'id="tab-panel-{name}"' in tab(client, world.foreign, name)
    assert client.get(f"/admin/contact/{world.jens}/profile?tab=cases").status_code == 404


def test_args_links_and_hidden_fields():
    args = Args({"tab": "cases", "cases_q": "x", "notes_scope": "case"})
    assert args.link(cases_q=None, cases_page=2) == "?tab=cases&notes_scope=case&cases_page=2"
    assert args.cleared("cases_") == "?tab=cases&notes_scope=case"
    assert args.kept("cases_") == [("tab", "cases"), ("notes_scope", "case")]
    assert args.number("cases_q") is None and args.day("cases_q") is None


# --- D1 cases ---------------------------------------------------------------------------

def test_cases_of_the_contact_with_status_search_filters_and_sort(admin_client, world):
    w = world
    mine = gen_case(w.a, w.jens, "Levering af varer", opened_on=date(2025, 1, 10))
    closed = gen_case(w.a, w.jens, "Reklamation", status=CASE_CLOSED,
                       opened_on=date(2025, 3, 1), closed_on=date(2025, 4, 1))
    party = gen_case(w.a, w.eva, "Fælles aftale", opened_on=date(2025, 2, 1))
    add_party(w.a, party, w.jens)
    rejected = gen_case(w.a, w.jens, "Afvist tilbud", status=CASE_REJECTED,
                         opened_on=date(2024, 12, 1), closed_on=date(2024, 12, 2))
    evas = gen_case(w.a, w.eva, "Evas egen sag")
    gen_case(w.b, w.foreign, "Fremmed sag")

    html = tab(admin_client, w.jens, "cases")
    assert ids_in(html, "profile-case-") == [closed, party, mine, rejected]  # opened, newest
    assert evas not in ids_in(html, "profile-case-") and "Fremmed" not in html
    assert f'/admin/case/new/?contact_id={w.jens}' in unescape(html)

    assert ids_in(tab(admin_client, w.jens, "cases", cases_status="open"),
                  "profile-case-") == [party, mine]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_status="rejected"),
                  "profile-case-") == [rejected]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_q="reklam"),
                  "profile-case-") == [closed]
    reference = reload(Case, w.a, party).reference
    assert ids_in(tab(admin_client, w.jens, "cases", cases_q=f"#{reference}"),
                  "profile-case-") == [party]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_sort="title"),
                  "profile-case-") == [rejected, party, mine, closed]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_sort="title", cases_desc="1"),
                  "profile-case-") == [closed, mine, party, rejected]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_sort="status"),
                  "profile-case-")[-1] == rejected
    assert ids_in(tab(admin_client, w.jens, "cases", cases_opened_from="2025-01-15",
                      cases_opened_to="2025-02-28"), "profile-case-") == [party]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_closed_to="2025-01-01"),
                  "profile-case-") == [rejected]


def test_cases_filter_and_sort_on_organisation_user_and_category(admin_client, world):
    w = world
    other_org = gen_organisation(w.a, "Aalborg Værft")
    colleague = user_id(w.a, "user@alpha.example")
    with tenant_context(w.a):
        complaint = dictionaries.by_key("case_category", "complaint").id
    first = gen_case(w.a, w.jens, "Første", organisation_id=other_org,
                      responsible_user_id=colleague, category_id=complaint)
    second = gen_case(w.a, w.jens, "Anden", organisation_id=w.org)
    html = tab(admin_client, w.jens, "cases")
    assert f'<option value="{other_org}"' in html and "Aalborg Værft" in html
    assert ids_in(tab(admin_client, w.jens, "cases", cases_organisation=str(other_org)),
                  "profile-case-") == [first]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_user=str(colleague)),
                  "profile-case-") == [first]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_category=str(complaint)),
                  "profile-case-") == [first]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_sort="organisation"),
                  "profile-case-") == [first, second]
    assert ids_in(tab(admin_client, w.jens, "cases", cases_sort="organisation",
                      cases_desc="1"), "profile-case-") == [second, first]
    # nonsense values filter nothing and break nothing
    assert len(ids_in(tab(admin_client, w.jens, "cases", cases_user="x", cases_sort="y",
                          cases_opened_from="2025-13-45"), "profile-case-")) == 2


# --- D2 tasks ---------------------------------------------------------------------------

def test_tasks_tab_lists_the_newest_active_tasks_about_the_contact(admin_client, world):
    w = world
    case = gen_case(w.a, w.eva, "Evas sag")
    add_party(w.a, case, w.jens)
    on_contact = gen_task(w.a, "Ring til Jens", contact_id=w.jens)
    on_case = gen_task(w.a, "Send tilbud", case_id=case)
    done = gen_task(w.a, "Afsluttet", contact_id=w.jens,
                     status=get_status(w.a, "done"))
    waiting = gen_task(w.a, "Afventer svar", contact_id=w.jens,
                        status=get_status(w.a, "waiting"))
    gen_task(w.a, "Evas opgave", contact_id=w.eva)
    gen_task(w.b, "Obca zadanie", contact_id=w.foreign)

    html = tab(admin_client, w.jens, "tasks")
    assert sorted(ids_in(html, "profile-task-")) == sorted([on_contact, on_case, waiting])
    assert done not in ids_in(html, "profile-task-") and "Evas opgave" not in html
    assert f"/admin/task/new/?contact_id={w.jens}" in unescape(html)
    # filter by several statuses
    new, waiting_status = status_id(w.a, "new"), status_id(w.a, "waiting")
    assert ids_in(tab(admin_client, w.jens, "tasks", tasks_status=[str(waiting_status)]),
                  "profile-task-") == [waiting]
    assert sorted(ids_in(tab(admin_client, w.jens, "tasks",
                             tasks_status=[str(new), str(waiting_status)]),
                         "profile-task-")) == sorted([on_contact, on_case, waiting])

    extra = [gen_task(w.a, f"Opgave {n}", contact_id=w.jens) for n in range(10)]
    html = tab(admin_client, w.jens, "tasks")
    assert ids_in(html, "profile-task-") == list(reversed(extra))  # ten, newest first
    assert translated_plural("%(num)d active task", "%(num)d active tasks", 13) in html


def get_status(tenant_id: int, key: str):
    with tenant_context(tenant_id):
        return dictionaries.by_key(TASK_STATUS, key)


def test_tasks_are_edited_in_place_with_the_task_lists_rules(admin_client, world):
    w = world
    task_id = gen_task(w.a, "Ring til Jens", contact_id=w.jens)
    html = tab(admin_client, w.jens, "tasks")
    url = unescape(re.search(r'data-update-url="([^"]+)"', html).group(1))
    assert url == "/admin/task/ajax/update/"
    for name in ("status", "due_at", "assignee", "priority"):
        assert f'name="{name}"' in html
    assert f'/admin/task/edit/?id={task_id}' in unescape(html)  # without JavaScript

    def post(**values):
        return admin_client.post(url, data={"list_form_pk": str(task_id), **values})

    colleague = user_id(w.a, "user@alpha.example")
    high = status_id(w.a, "high", PRIORITY)
    assert post(due_at="2026-03-01 10:00").status_code == 200
    assert post(assignee=str(colleague)).status_code == 200
    assert post(priority=str(high)).status_code == 200
    assert post(status=str(status_id(w.a, "done"))).status_code == 200
    task = reload(Task, w.a, task_id)
    assert to_utc(task.due_at) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # Copenhagen
    assert (task.assignee_id, task.priority_id) == (colleague, high)
    assert task.completed_at is not None  # done: completed, as in the task list
    assert task_id not in ids_in(tab(admin_client, w.jens, "tasks"), "profile-task-")

    # another tenant's status, user, priority or task is refused
    assert post(status=str(status_id(w.b, "new"))).status_code == 400
    assert post(assignee=str(user_id(w.b, "admin@beta.example"))).status_code == 400
    assert post(priority=str(status_id(w.b, "low", PRIORITY))).status_code == 400
    task = reload(Task, w.a, task_id)
    assert (task.status_id, task.assignee_id, task.priority_id) == (
        status_id(w.a, "done"), colleague, high)
    foreign_task = gen_task(w.b, "Obca", contact_id=w.foreign)
    response = admin_client.post(url, data={"list_form_pk": str(foreign_task),
                                            "status": str(status_id(w.a, "done"))})
    assert response.status_code == 404
    assert reload(Task, w.b, foreign_task).completed_at is None


# --- D4 planned and history -------------------------------------------------------------

def timeline_world(w):
    """Jens's activities, cases and tasks done at known times; Eva's and another
    tenant's which must not show."""
    case = gen_case(w.a, w.jens, "Levering", opened_on=(NOW - timedelta(days=10)).date())
    closed = gen_case(w.a, w.jens, "Reklamation", status=CASE_CLOSED,
                       opened_on=(NOW - timedelta(days=40)).date(),
                       closed_on=(NOW - timedelta(days=5)).date())
    r = Ref(case=case, closed=closed)
    r.note = activity(w, [w.jens], kind=NOTE, body="Notat om levering", starts_at=days(-2),
                      case_id=case)
    r.call = activity(w, [w.jens, w.eva], kind=CALL, subject="Opkald", starts_at=days(-20))
    r.soon = activity(w, [w.jens], kind=MEETING, subject="Snart", starts_at=days(1),
                      planned=True)
    r.later = activity(w, [w.jens], kind=MEETING, subject="Senere", starts_at=days(7),
                       planned=True)
    r.past_planned = activity(w, [w.jens], kind=CALL, subject="Forsinket", starts_at=days(-3),
                              planned=True)
    r.done_planned = activity(w, [w.jens], kind=MEETING, subject="Holdt", starts_at=days(-4),
                              planned=True, completed=True)
    r.task = gen_task(w.a, "Sendt", contact_id=w.jens, status=get_status(w.a, "done"))
    with tenant_context(w.a):
        db.session.get(Task, r.task).completed_at = days(-1)
        db.session.commit()
    r.open_task = gen_task(w.a, "Åben", contact_id=w.jens)
    r.evas = activity(w, [w.eva], kind=NOTE, body="Evas notat")
    gen_activity(w.b, w.foreign_org, [w.foreign], kind=NOTE, body="Obca notatka")
    return r


def timeline_rows(html: str) -> list[tuple[str, int]]:
    return [(kind, int(number)) for kind, number in
            re.findall(r'id="timeline-(activity|case_opened|case_closed|task)-(\d+)"', html)]


def test_timeline_planned_first_then_newest_first(admin_client, world):
    w = world
    r = timeline_world(w)
    html = tab(admin_client, w.jens, "timeline")
    assert timeline_rows(html) == [
        ("activity", r.past_planned), ("activity", r.soon), ("activity", r.later),  # planned
        ("task", r.task), ("activity", r.note), ("activity", r.done_planned),
        ("case_closed", r.closed), ("case_opened", r.case), ("activity", r.call),
        ("case_opened", r.closed)]
    assert "Evas notat" not in html and "Obca" not in html and "Åben" not in html
    headings = re.findall(r'id="timeline-(planned|done)-heading"', html)
    assert headings == ["planned", "done"]
    assert html.index(f"timeline-activity-{r.later}") < html.index("timeline-done-heading")


def test_timeline_filters_by_period_kind_and_case(admin_client, world):
    w = world
    r = timeline_world(w)

    def rows(**params):
        return timeline_rows(tab(admin_client, w.jens, "timeline", **params))

    period = {"timeline_from": local_date(NOW - timedelta(days=6)).isoformat(),
              "timeline_to": local_date(NOW - timedelta(days=2)).isoformat()}
    assert rows(**period) == [("activity", r.past_planned), ("activity", r.note),
                              ("activity", r.done_planned), ("case_closed", r.closed)]
    assert rows(timeline_kind=["meeting"]) == [
        ("activity", r.soon), ("activity", r.later), ("activity", r.done_planned)]
    assert rows(timeline_kind=["case", "task"]) == [
        ("task", r.task), ("case_closed", r.closed), ("case_opened", r.case),
        ("case_opened", r.closed)]
    assert rows(timeline_case=str(r.case)) == [("activity", r.note), ("case_opened", r.case)]
    assert rows(timeline_case=str(r.case), timeline_kind=["note"]) == [("activity", r.note)]
    html = tab(admin_client, w.jens, "timeline", timeline_kind=["note", "bogus"])
    assert re.search(r'value="note" id="timeline_kind_note"\s+checked', html)


def test_the_timelines_case_filter_offers_the_newest_cases_and_the_chosen_one(
        admin_client, world, monkeypatch):
    """Not every case of the profile: an organisation of private customers had 24,997
    (1.3 MB of options). The newest, by reference, and the one chosen."""
    monkeypatch.setattr(timeline, "CASES_OFFERED", 3)
    cases = [gen_case(world.a, world.jens, f"Sag {n}") for n in range(5)]

    def offered(**params) -> list[int]:
        html = tab(admin_client, world.jens, "timeline", **params)
        select_box = html[html.index('id="timeline_case"'):]
        select_box = select_box[:select_box.index("</select>")]
        return [int(n) for n in re.findall(r'<option value="(\d+)"', select_box)]

    assert offered() == cases[:1:-1]  # the three newest
    assert offered(timeline_case=str(cases[0])) == [*cases[:1:-1], cases[0]]


def test_timeline_pages(admin_client, world):
    w = world
    with tenant_context(w.a):
        jens = db.session.get(Contact, w.jens)
        made = [Activity(kind=CALL, subject=f"Opkald {n}", organisation_id=w.org,
                         starts_at=days(-n - 1), contacts=[jens]) for n in range(45)]
        db.session.add_all(made)
        db.session.commit()
        newest_first = [a.id for a in made]
    first = tab(admin_client, w.jens, "timeline")
    assert [n for _kind, n in timeline_rows(first)] == newest_first[:20]
    assert translated_plural("%(num)d record", "%(num)d records", 45) in first
    links = re.findall(r'href="[^"]*timeline_page=(\d+)[^"]*"', unescape(first))
    assert set(links) == {"1", "2", "3"}
    third = tab(admin_client, w.jens, "timeline", timeline_page="3")
    assert [n for _kind, n in timeline_rows(third)] == newest_first[40:]
    beyond = tab(admin_client, w.jens, "timeline", timeline_page="99")
    assert [n for _kind, n in timeline_rows(beyond)] == newest_first[40:]  # the last page
    furthest = tab(admin_client, w.jens, "timeline", timeline_page=str(2**31 - 1))
    assert [n for _kind, n in timeline_rows(furthest)] == newest_first[40:]


def test_a_timeline_page_asks_its_union_once(admin_client, world):
    """The page's rows carry the total (a window count): one statement over the
    timeline's union, not a count and then the rows; past the last page, the count
    and the last page follow."""
    w = world
    with tenant_context(w.a):
        jens = db.session.get(Contact, w.jens)
        db.session.add_all(Activity(kind=CALL, subject=f"Opkald {n}", organisation_id=w.org,
                                    starts_at=days(-n - 1), contacts=[jens])
                           for n in range(25))
        db.session.commit()

    def unions(page: str) -> tuple[int, str]:
        with count_queries() as statements:
            html = tab(admin_client, w.jens, "timeline", timeline_page=page)
        return sum(" AS timeline" in statement for statement in statements), html

    def total(html: str) -> int:
        return max(n for n in range(1, 100)
                   if translated_plural("%(num)d record", "%(num)d records", n) in html)

    asked, second = unions("2")
    assert asked == 1 and len(timeline_rows(second)) >= 5 and total(second) >= 25
    asked, beyond = unions("9")
    assert asked == 3 and timeline_rows(beyond) == timeline_rows(second)
    assert total(beyond) == total(second)



def test_a_tabs_page_asks_for_its_records_once(app, world):
    """Every paged tab (services.profile.query.paginate): the rows carry their total,
    one statement; past the last page the count and the last page follow."""
    w = world
    with tenant_context(w.a):
        db.session.add_all(Activity(kind=CALL, subject=f"Opkald {n}", organisation_id=w.org,
                                    starts_at=days(-n - 1)) for n in range(25))
        db.session.commit()
        ordered = select(Activity).where(Activity.subject.like("Opkald %")).order_by(Activity.id)
        with count_queries() as statements:
            second = paginate(ordered, 2, "notes_page")
        assert len(statements) == 1
        assert (second.number, second.total, second.last, len(second.items)) == (2, 25, 2, 5)
        for beyond in (3, 2**31 - 1):
            with count_queries() as statements:
                last = paginate(ordered, beyond, "notes_page")
            assert len(statements) == 3
            assert last.number == 2 and [a.id for a in last.items] == [
                a.id for a in second.items]
        with count_queries() as statements:
            none = paginate(ordered.where(Activity.id < 0), 1, "notes_page")
        assert (len(statements), none.total, none.items) == (2, 0, [])

# --- D5 notes ---------------------------------------------------------------------------

def test_notes_of_the_contact_its_cases_and_its_organisation(admin_client, world):
    w = world
    case = gen_case(w.a, w.eva, "Fælles sag")
    add_party(w.a, case, w.jens)
    own = activity(w, [w.jens], kind=NOTE, body="Jens vil have tilbud", starts_at=days(-1))
    own_case = activity(w, [w.jens], kind=NOTE, body="Om sagen med Jens", starts_at=days(-2),
                        case_id=case)
    on_case = activity(w, [w.eva], kind=NOTE, body="Eva om sagen", starts_at=days(-3),
                       case_id=case)
    on_org = activity(w, [w.eva], kind=NOTE, body="Nordlys flytter", starts_at=days(-4))
    meeting = activity(w, [w.jens], kind=MEETING, subject="Ikke et notat")
    other_org = gen_organisation(w.a, "Sydvind ApS")
    stranger = gen_contact(w.a, other_org, "Ole", "Sund")
    elsewhere = gen_activity(w.a, other_org, [stranger], kind=NOTE, body="Sydvind notat")
    gen_activity(w.b, w.foreign_org, [w.foreign], kind=NOTE, body="Obca notatka")

    html = tab(admin_client, w.jens, "notes")
    assert ids_in(html, "profile-note-") == [own, own_case, on_case, on_org]
    assert meeting not in ids_in(html, "profile-note-") and elsewhere not in \
        ids_in(html, "profile-note-") and "Obca" not in html
    org_note = html[html.index(f'id="profile-note-{on_org}"'):]
    assert translated("on organisation %(name)s", name="Nordlys ApS") in org_note[
        :org_note.index("</li>")]
    case_note = html[html.index(f'id="profile-note-{on_case}"'):]
    assert translated("on case %(case)s", case="#") in case_note[:case_note.index("</li>")]

    assert ids_in(tab(admin_client, w.jens, "notes", notes_scope="case"),
                  "profile-note-") == [own_case, on_case]
    assert ids_in(tab(admin_client, w.jens, "notes", notes_scope="other"),
                  "profile-note-") == [own, on_org]
    assert ids_in(tab(admin_client, w.jens, "notes", notes_q="SAGEN"),
                  "profile-note-") == [own_case, on_case]
    assert ids_in(tab(admin_client, w.jens, "notes", notes_scope="other", notes_q="tilbud"),
                  "profile-note-") == [own]


def test_notes_on_the_contacts_projects_are_shown_and_marked(admin_client, world):
    w = world
    other_org = gen_organisation(w.a, "Sydvind ApS")
    ole = gen_contact(w.a, other_org, "Ole", "Sund")
    project = gen_with_participants(Project, w.a, "Ny lagerhal", [w.jens, ole])
    elsewhere = gen_with_participants(Project, w.a, "Andet projekt", [ole])
    on_project = gen_activity(w.a, other_org, [ole], kind=NOTE, body="Byggeriet er forsinket",
                              project_id=project, starts_at=days(-1))
    gen_activity(w.a, other_org, [ole], kind=NOTE, body="Ikke Jens' projekt",
                 project_id=elsewhere, starts_at=days(-2))
    own_on_project = activity(w, [w.jens], kind=NOTE, body="Jens om lagerhallen",
                              project_id=project, starts_at=days(-3))

    html = tab(admin_client, w.jens, "notes")
    assert ids_in(html, "profile-note-") == [on_project, own_on_project]
    marked = translated("on project %(name)s", name="Ny lagerhal")
    note = html[html.index(f'id="profile-note-{on_project}"'):]
    assert marked in note[:note.index("</li>")]
    own = html[html.index(f'id="profile-note-{own_on_project}"'):]
    assert marked not in own[:own.index("</li>")]  # the contact's own note needs no mark
    assert ids_in(tab(admin_client, w.jens, "notes", notes_scope="other", notes_q="forsinket"),
                  "profile-note-") == [on_project]


def test_a_project_with_notes_is_not_deleted_and_opens_a_note(admin_client, world):
    w = world
    project = gen_with_participants(Project, w.a, "Ny lagerhal", [w.jens],
                                     organisation_id=w.org)
    details = admin_client.get(f"/admin/project/details/?id={project}").get_data(as_text=True)
    new_note = unescape(re.search(r'id="project-new-note"\s+href="([^"]+)"', details).group(1))
    form = admin_client.get(new_note).get_data(as_text=True)
    assert "Ny lagerhal" in form and "Nordlys ApS" in form  # project and its organisation
    activity(w, [w.jens], kind=NOTE, body="Om lagerhallen", project_id=project)
    admin_client.post("/admin/project/delete/", data={"id": str(project)})
    assert reload(Project, w.a, project) is not None


def test_private_customers_notes_are_for_admins_and_the_responsible_user(client, world):
    w = world
    responsible = user_id(w.a, "admin@alpha.example")
    private_org = gen_organisation(w.a, "Privatkunder", is_private_customers=True)
    anna = gen_contact(w.a, private_org, "Anna", "Privat", kind="private", is_private=True,
                       responsible_user_id=responsible)
    other_private = gen_contact(w.a, private_org, "Bo", "Privat", kind="private")
    note = gen_activity(w.a, private_org, [anna], kind=NOTE, body="Hemmelig aftale",
                        starts_at=days(-1))
    gen_activity(w.a, private_org, [other_private], kind=NOTE, body="Bos notat")

    login(client, "user@alpha.example")
    html = tab(client, anna, "notes")
    message = translated("Only administrators and the responsible user can read the notes "
                         "of this contact.")
    assert message in html and "Hemmelig" not in html
    timeline = tab(client, anna, "timeline")
    assert "Hemmelig" not in timeline and f"activity/details/?id={note}" not in timeline
    assert translated("Private note") in timeline
    history = tab(client, anna, "history")
    assert "Hemmelig" not in history
    set_settings(w.a, contact_term="customer")
    assert translated("Only administrators and the responsible user can read the notes of "
                      "this customer.") in tab(client, anna, "notes")

    switch_user(client, "admin@alpha.example")  # the responsible user, an administrator
    html = tab(client, anna, "notes")
    assert ids_in(html, "profile-note-") == [note] and "Hemmelig aftale" in html
    assert "Bos notat" not in html  # the private-customers organisation is no one's
    with tenant_context(w.a):  # an ordinary user made responsible reads them too
        db.session.get(Contact, anna).responsible_user_id = user_id(w.a, "user@alpha.example")
        db.session.commit()
    switch_user(client, "user@alpha.example")
    assert "Hemmelig aftale" in tab(client, anna, "notes")


# --- D7 e-mail, F1 ------------------------------------------------------------------------

def test_emails_and_their_restriction(client, world):
    w = world
    mail = activity(w, [w.jens], kind=EMAIL, subject="Fortroligt tilbud", body="Prisen er 10",
                    mail_from="salg@alpha.example", mail_to="jens@nordlys.example",
                    mail_status="sent")
    evas = activity(w, [w.eva], kind=EMAIL, subject="Til Eva")
    activity(w, [w.jens], kind=NOTE, body="Ikke en e-mail")
    login(client, "admin@alpha.example")
    upload(client, mail, (b"pdf", "tilbud.pdf"), kind="activity")

    html = tab(client, w.jens, "email")
    assert ids_in(html, "profile-email-") == [mail] and evas not in ids_in(html, "profile-email-")
    assert "Fortroligt tilbud" in html and "salg@alpha.example" in html
    assert translated("Sent") in html

    with tenant_context(w.a):
        db.session.get(Contact, w.jens).email_access_restricted = True
        db.session.commit()
    assert "Fortroligt tilbud" in tab(client, w.jens, "email")  # administrators read them
    switch_user(client, "user@alpha.example")
    html = tab(client, w.jens, "email")
    assert ids_in(html, "profile-email-") == [mail]  # it exists …
    assert translated("Restricted") in html
    for secret in ("Fortroligt", "salg@alpha.example", "Prisen", f"details/?id={mail}"):
        assert secret not in html  # … but neither who, what, nor a link
    timeline = tab(client, w.jens, "timeline")
    assert "Fortroligt" not in timeline and translated("Restricted e-mail") in timeline
    assert "tilbud.pdf" not in tab(client, w.jens, "files")
    assert "Fortroligt" not in tab(client, w.jens, "history")
    # the same e-mail is restricted on the other participant's profile too
    with tenant_context(w.a):
        shared = db.session.get(Activity, evas)
        shared.contacts.append(db.session.get(Contact, w.jens))
        db.session.commit()
    assert "Til Eva" not in tab(client, w.eva, "email")


# --- D8 meetings ----------------------------------------------------------------------------

def test_meetings_get_another_owner_from_the_tab(admin_client, world):
    w = world
    me = user_id(w.a, "admin@alpha.example")
    colleague = user_id(w.a, "user@alpha.example")
    meetings = [activity(w, [w.jens], kind=MEETING, subject=f"Møde {n}", employee_id=me,
                         starts_at=days(-n)) for n in (1, 2)]
    done = activity(w, [w.jens], kind=MEETING, subject="Holdt", employee_id=me,
                    completed=True, starts_at=days(-3))
    evas = activity(w, [w.eva], kind=MEETING, subject="Evas møde", employee_id=me)
    foreign = gen_activity(w.b, w.foreign_org, [w.foreign], kind=MEETING)

    html = tab(admin_client, w.jens, "meetings")
    assert ids_in(html, "profile-meeting-") == [*meetings, done]
    form = html[html.index('id="profile-meetings-form"'):]
    form = form[:form.index("</form>")]
    action = unescape(re.search(r'action="([^"]+)"', html[html.index(
        '<form method="post" action="/admin/activity'):]).group(1))
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert hidden["action"] == "change_employee"
    assert f'name="rowid" value="{done}"' in form and "disabled" in form
    assert f'<option value="{colleague}">' in form

    response = admin_client.post(action, data={
        **{k: unescape(v) for k, v in hidden.items()}, "employee_id": str(colleague),
        "rowid": [str(i) for i in (*meetings, done, foreign)]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/contact/{w.jens}/profile?tab=meetings")
    assert {load_activity(w.a, i).employee_id for i in meetings} == {colleague}
    assert load_activity(w.a, done).employee_id == me  # completed: read-only
    assert load_activity(w.a, evas).employee_id == me
    assert load_activity(w.b, foreign).employee_id is None  # another tenant's id is ignored


# --- D6 files, D9 history, D10 related ---------------------------------------------------

def test_files_tab_lists_and_uploads_back_to_the_profile(admin_client, world):
    w = world
    upload(admin_client, w.jens, (b"a", "kontrakt.txt"))
    upload(admin_client, w.eva, (b"b", "evas.txt"))
    html = tab(admin_client, w.jens, "files")
    assert "kontrakt.txt" in html and "evas.txt" not in html
    assert f'action="/admin/attachments/contact/{w.jens}/upload/"' in html
    next_url = unescape(re.search(r'name="next" value="([^"]+)"', html).group(1))
    response = admin_client.post(f"/admin/attachments/contact/{w.jens}/upload/", data={
        "file": [(__import__("io").BytesIO(b"c"), "ny.txt")], "next": next_url},
        content_type="multipart/form-data")
    assert response.headers["Location"].endswith(f"/admin/contact/{w.jens}/profile?tab=files")


def test_history_of_the_contact_and_its_records_by_date(admin_client, world):
    w = world
    case = gen_case(w.a, w.jens, "Sag")
    note = activity(w, [w.jens], kind=NOTE, body="Notat")
    task = gen_task(w.a, "Opgave", contact_id=w.jens)
    evas = gen_case(w.a, w.eva, "Evas sag")
    admin_client.post(f"/admin/contact/edit/?id={w.jens}", data={})  # no change recorded
    with tenant_context(w.a):
        db.session.get(Contact, w.jens).job_title = "Indkøber"
        db.session.commit()
        entries = {(e.entity, e.record_id): e.id for e in db.session.scalars(select(AuditEntry))}
        old = db.session.get(AuditEntry, entries["crm_case", case])
        old.created_at = datetime(2024, 1, 15, 12, tzinfo=UTC)
        db.session.commit()

    html = tab(admin_client, w.jens, "history")
    shown = ids_in(html, "profile-history-")
    for key in (("contact", w.jens), ("activity", note), ("task", task), ("crm_case", case)):
        assert entries[key] in shown
    assert entries["crm_case", evas] not in shown
    assert shown[-1] == entries["crm_case", case]  # newest first
    assert "Indkøber" in html
    assert ids_in(tab(admin_client, w.jens, "history", history_from="2024-01-15",
                      history_to="2024-01-15"), "profile-history-") == [entries["crm_case", case]]
    assert entries["crm_case", case] not in ids_in(
        tab(admin_client, w.jens, "history", history_from="2024-01-16"), "profile-history-")
    set_settings(w.a, contact_term="customer")  # the record type follows the term
    html = tab(admin_client, w.jens, "history")
    row = html.split(f'id="profile-history-{entries["contact", w.jens]}"')[1].split("</tr>")[0]
    assert translated("Customer") in row


def test_related_tab_lists_what_the_contact_takes_part_in(admin_client, world):
    w = world
    opportunity = gen_opportunity(w.a, "Licensaftale", contact_id=w.jens)
    gen_opportunity(w.a, "Evas aftale", contact_id=w.eva)
    html = tab(admin_client, w.jens, "related")
    assert "Licensaftale" in html and f"/admin/opportunity/details/?id={opportunity}" in \
        unescape(html) and "Evas aftale" not in html


# --- the query budget ---------------------------------------------------------------------

def busy_contact(w, first: str, activities: int) -> int:
    """A contact with this many activities of every kind (newer case events and tasks
    done, so every tab's first page holds every type), two cases and three tasks."""
    person = gen_contact(w.a, w.org, first, "Travl", email=f"{first.lower()}@travl.example")
    case = gen_case(w.a, person, f"Sag for {first}")
    closed = gen_case(w.a, person, "Lukket", status=CASE_CLOSED, closed_on=NOW.date())
    gen_task(w.a, "Åben opgave", contact_id=person)
    gen_task(w.a, "Sagsopgave", case_id=case)
    gen_task(w.a, "Færdig", contact_id=person, status=get_status(w.a, "done"))
    with tenant_context(w.a):
        contact = db.session.get(Contact, person)
        kinds = (NOTE, MEETING, EMAIL, CALL)
        db.session.add_all(Activity(
            kind=kinds[n % 4], subject=f"Aktivitet {n}", body="tekst", organisation_id=w.org,
            starts_at=days(-n - 2), planned=n < 2, case_id=(case, closed, None)[n % 3],
            employee_id=user_id(w.a, "admin@alpha.example"), contacts=[contact])
            for n in range(activities))
        db.session.commit()
    return person


def test_the_whole_profile_takes_a_fixed_number_of_queries(admin_client, world):
    w = world
    few, many = busy_contact(w, "Få", 5), busy_contact(w, "Mange", 500)
    for name in ("timeline", "cases", "tasks", "notes", "email", "meetings", "files",
                 "history", "related"):
        counts = []
        for person in (few, many):
            tab(admin_client, person, name)  # warm: per-process caches
            with count_queries() as statements:
                tab(admin_client, person, name)
            counts.append(len(statements))
        assert counts[0] == counts[1], (name, counts)
