"""List pages cost the same whatever the tenant's size: the count stops at a cap, page
numbers stop there too ("Jump to" goes further, by the sort key), relation filters carry
no options in the page, every page issues a fixed number of queries, and (PostgreSQL)
every sort of the contact list is read from an index."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_admin.model.widgets import XEditableWidget
from flask_login import login_user
from markupsafe import escape
from sqlalchemy import func, insert, or_, select, text

from app.extensions import db
from app.models import Activity, Case, Contact, Employment, Organisation, Tag, Task, User
from app.models.activity import activity_contact
from app.models.dictionary import TASK_STATUS
from app.models.tag import contact_tag, organisation_tag
from app.services import conditions, dictionaries
from app.services.contacts import contacts, search_index
from app.services.fields import admin as field_admin
from app.services.fields.admin import ChoiceInput, FieldInput
from app.services.profile import query as profile_query
from app.tenancy import tenant_context
from app.views import fields as fields_views
from app.views import paging
from app.views.fields import TagFilter
from app.views.list_rows import editor_choice_lists
from tests.conftest import count_queries, login, user_id, view_of
from tests.factories import (
    FIELDS,
    gen_case,
    gen_contact,
    gen_fields,
    gen_organisation,
    gen_task,
    set_settings,
)

FILTER_JSON = re.compile(r'id="filter-groups-data"[^>]*>(.*?)</div>', re.S)


def add_contacts(tenant_id: int, count: int, start: int = 0, **extra) -> None:
    with tenant_context(tenant_id):
        db.session.execute(insert(Contact), [
            {"tenant_id": tenant_id, "kind": "company", "first_name": f"First{n:04d}",
             "customer_number": n + 1,
             "last_name": f"Last{n:04d}", "email": f"p{n}@example.com", **extra}
            for n in range(start, start + count)])
        db.session.commit()


def add_organisations(tenant_id: int, count: int) -> list[int]:
    with tenant_context(tenant_id):
        db.session.execute(insert(Organisation), [
            {"tenant_id": tenant_id, "name": f"Orgname{n:05d}"} for n in range(count)])
        db.session.commit()
        return list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))


def filter_arg(app, tenant_id: int, endpoint: str, name: str, kind: str | None = None) -> str:
    view = view_of(app, endpoint)
    with app.test_request_context(), tenant_context(tenant_id):
        for index, flt in enumerate(view._filters):
            if str(flt.name) == name and kind in (None, getattr(flt, "kind", None)):
                return view.get_filter_arg(index, flt)
    raise LookupError(name)


def sort_arg(app, tenant_id: int, endpoint: str, column: str) -> int:
    view = view_of(app, endpoint)
    with app.test_request_context(), tenant_context(tenant_id):
        return [name for name, _label in view._list_columns].index(column)


COUNT_SHOWN = re.compile(r'nav-link active">[^<(]*\((.*?)\)</a>')


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("omega", "en")


@pytest.fixture
def english_client(client, tenant):
    login(client, "admin@omega.example")
    return client


def count_shown(page: str) -> str:
    return COUNT_SHOWN.search(page).group(1)


# --- the capped count, bounded pages and "Jump to" ---------------------------------------

@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)


def test_count_stops_at_the_cap_and_counts_only_the_tenant(
        english_client, tenant, tenant_b, small_cap):
    add_contacts(tenant_b.id, 30)
    add_contacts(tenant.id, 8)
    page = english_client.get("/admin/contact/?page_size=20").get_data(as_text=True)
    assert count_shown(page) == "8"  # tenant beta's 30 are not counted
    add_contacts(tenant.id, 5, start=100)
    page = english_client.get("/admin/contact/?page_size=20").get_data(as_text=True)
    assert count_shown(page) == "10+"


def test_pages_stop_at_the_cap_and_jump_to_goes_further(english_client, tenant, small_cap):
    add_contacts(tenant.id, 40)
    response = english_client.get("/admin/contact/?page_size=20&page=37500",
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jump to" in page and "Pages reach the first 10 rows" in page
    assert "Last0000" in page  # the last page the cap reaches: the first (10 // 20 → 0)
    jumped = english_client.get("/admin/contact/?page_size=20&start=Last0030")
    page = jumped.get_data(as_text=True)
    assert "Last0030" in page and "Last0039" in page and "Last0029" not in page
    assert 'name="page_size" value="20"' in page  # the form keeps the list's arguments
    # descending: from the value downwards
    by_name = sort_arg(english_client.application, tenant.id, "contact", "last_name")
    desc = english_client.get(f"/admin/contact/?sort={by_name}&desc=1&start=Last0005")
    desc = desc.get_data(as_text=True)
    assert "Last0005" in desc and "Last0000" in desc and "Last0006" not in desc


ROW_NAME = re.compile(r'/profile">(Last\d{4})</a>')


def test_a_page_finds_its_ids_first_and_shows_the_list_in_order(english_client, tenant,
                                                                 tenant_b):
    add_contacts(tenant.id, 100)
    add_contacts(tenant_b.id, 100)  # another tenant's rows are never in the ids
    tag = tag_ids(tenant.id, "every third", slice(0, 100, 3))  # 34 contacts
    app = english_client.application
    by_name = sort_arg(app, tenant.id, "contact", "last_name")
    tagged = f"flt0_{filter_arg(app, tenant.id, 'contact', 'Tag')}={tag}"
    expected = {
        "/admin/contact/?page_size=20": range(0, 20),
        "/admin/contact/?page_size=20&page=2": range(40, 60),
        f"/admin/contact/?page_size=20&page=2&sort={by_name}&desc=1": range(59, 39, -1),
        "/admin/contact/?page_size=20&page=1&search=Last00": range(20, 40),
        f"/admin/contact/?page_size=20&page=1&{tagged}": range(60, 100, 3),
        f"/admin/contact/?page_size=20&{tagged}&search=Last009": range(90, 100, 3)}
    for url, names in expected.items():
        with count_queries() as statements:
            page = english_client.get(url).get_data(as_text=True)
        assert ROW_NAME.findall(page) == [f"Last{n:04d}" for n in names], url
        assert len([s for s in statements if "page_ids" in s]) == 1, url


def test_a_list_narrowed_to_few_rows_finds_them_then_sorts_them(english_client, tenant,
                                                                 tenant_b, monkeypatch):
    """Fewer matches than FEW_ROWS: the matching rows are found first (behind OFFSET 0,
    which the database cannot fold into a walk along the sort's index) and then sorted —
    the same rows in the same order as the list read in its order."""
    add_contacts(tenant.id, 100)
    add_contacts(tenant_b.id, 100)  # never among the matches
    tag = tag_ids(tenant.id, "every third", slice(0, 100, 3))
    app = english_client.application
    tagged = f"flt0_{filter_arg(app, tenant.id, 'contact', 'Tag')}={tag}"
    sorts = [""] + [f"&sort={sort_arg(app, tenant.id, 'contact', column)}{direction}"
                    for column in ("last_name", "first_name", "email")
                    for direction in ("", "&desc=1")]
    narrowings = ["search=Last00", f"{tagged}", f"{tagged}&search=Last00&page=1"]

    def rows(url: str) -> tuple[list[str], bool]:
        with count_queries() as statements:
            page = english_client.get(url).get_data(as_text=True)
        return ROW_NAME.findall(page), any("matched" in s for s in statements)

    for narrowing in narrowings:
        for sort in sorts:
            url = f"/admin/contact/?page_size=20&{narrowing}{sort}"
            monkeypatch.setattr(paging, "FEW_ROWS", 2_000)
            found_first, fenced = rows(url)
            monkeypatch.setattr(paging, "FEW_ROWS", 0)
            read_in_order, walked_fenced = rows(url)
            assert (fenced, walked_fenced) == (True, False), url
            assert found_first == read_in_order and len(found_first) >= 13, url
    monkeypatch.setattr(paging, "FEW_ROWS", 2_000)
    assert rows("/admin/contact/?page_size=20")[1] is False  # not narrowed: read in order
    monkeypatch.setattr(paging, "FEW_ROWS", 50)
    assert rows("/admin/contact/?page_size=20&search=Last00")[1] is False  # 100 match


def test_a_search_with_few_matches_is_asked_once(english_client, tenant, tenant_b,
                                                 monkeypatch):
    """SQLite: its matches' ids are found once; the count, the page's ids and its rows
    read them. The count is theirs only when the search is the list's one condition."""
    add_contacts(tenant.id, 100)
    add_contacts(tenant_b.id, 100)  # never among the matches
    tag = tag_ids(tenant.id, "every third", slice(0, 100, 3))
    tagged = f"flt0_{filter_arg(english_client.application, tenant.id, 'contact', 'Tag')}={tag}"

    def asked(url: str) -> tuple[str, list[str], int]:
        with count_queries() as statements:
            page = english_client.get(url).get_data(as_text=True)
        return count_shown(page), ROW_NAME.findall(page), len(
            [s for s in statements if "LIKE" in s and "FROM contact" in s])

    # PostgreSQL's trigram indexes answer the count's search and the page's as fast
    once = 1 if db.engine.dialect.name == "sqlite" else 2
    searched = "/admin/contact/?page_size=20&search=Last00&page=1"
    second_page = [f"Last{n:04d}" for n in range(20, 40)]
    assert asked(searched) == ("100", second_page, once)
    # with a filter too: the count is the filter's and the search's together
    count, rows, searches = asked(f"/admin/contact/?page_size=20&search=Last001&{tagged}")
    assert (count, rows, searches) == ("3", ["Last0012", "Last0015", "Last0018"], once)
    monkeypatch.setattr(paging, "FEW_ROWS", 50)  # too many matches: the search as it is,
    count, rows, searches = asked(searched)  # for the count and the page's walk (and the
    # ids SQLite looked for)
    assert (count, rows) == ("100", second_page)
    assert searches == (3 if db.engine.dialect.name == "sqlite" else 2)


def test_a_search_with_many_matches_late_in_the_order_sorts_them(english_client, tenant,
                                                                 tenant_b, monkeypatch):
    """Many matches (FEW_ROWS or more): the list's order is walked no further than a
    bound; a page not found within it is found among the matches, sorted — the same
    rows in the same order as the whole walk."""
    add_contacts(tenant.id, 300)
    add_contacts(tenant_b.id, 100, start=200)  # never among the matches
    app = english_client.application
    by_name = sort_arg(app, tenant.id, "contact", "last_name")
    monkeypatch.setattr(paging, "FEW_ROWS", 5)
    monkeypatch.setattr(paging, "WALK_PER_ROW", 1)

    def rows(url: str, walk: int) -> tuple[list[str], bool]:
        monkeypatch.setattr(paging, "WALK", walk)
        with count_queries() as statements:
            page = english_client.get(url).get_data(as_text=True)
        return ROW_NAME.findall(page), any("matched" in s for s in statements)

    late = "/admin/contact/?page_size=20&search=Last02"  # Last0200–Last0299: the end
    assert rows(late, walk=1_000) == ([f"Last02{n:02d}" for n in range(20)], False)
    assert rows(late, walk=50) == (rows(late, walk=1_000)[0], True)
    assert rows(f"{late}&page=4", walk=50) == ([f"Last02{n:02d}" for n in range(80, 100)],
                                               True)
    first_when_descending = f"{late}&sort={by_name}&desc=1"
    assert rows(first_when_descending, walk=50) == (
        [f"Last02{n:02d}" for n in range(99, 79, -1)], False)
    spread = "/admin/contact/?page_size=20&search=Last0&page=2"  # every row matches
    assert rows(spread, walk=20) == ([f"Last00{n}" for n in range(40, 60)], False)


def test_jump_with_a_value_of_the_wrong_type_is_refused(english_client):
    # the activity list is sorted by its time: "abc" is none
    response = english_client.get("/admin/activity/?start=abc")
    assert response.status_code == 200
    assert "“abc” is not a value of" in response.get_data(as_text=True)
    assert english_client.get("/admin/activity/?start=2026-01-01").status_code == 200


# --- the weight of a list page --------------------------------------------------------------

def test_a_full_contact_list_page_stays_under_60_kb_and_its_rows_carry_no_form(
        app, english_client, tenant):
    """The benchmark tenant's shape: every contact with an organisation, a tag and two
    configurable fields shown in the list, among thousands of organisations. Each row's
    delete button sends the page's one delete form (views.list_rows): a form of its own
    in every row was a third of the page."""
    organisation_ids = add_organisations(tenant.id, 2000)
    add_contacts(tenant.id, 25, organisation_id=organisation_ids[3])
    gen_fields(tenant.id, level=FIELDS["level"], visits=FIELDS["visits"])
    with tenant_context(tenant.id):
        tag = Tag(name="Nøglekunde", colour="#6c757d")
        db.session.add(tag)
        db.session.flush()
        db.session.execute(insert(contact_tag), [
            {"contact_id": contact, "tag_id": tag.id}
            for contact in db.session.scalars(select(Contact.id))])
        db.session.commit()
    response = english_client.get("/admin/contact/")
    page = response.get_data(as_text=True)
    start = page.index('class="table table-striped')
    rows = page[start:page.index("</table>", start)]
    assert rows.count('<td class="list-buttons-column">') == 20
    assert "Nøglekunde" in rows and "<form" not in rows
    assert len(response.data) < 60_000
    assert page.count('id="kontakt-delete-row"') == 1


# --- relation filters: looked up, not inlined ----------------------------------------------

def test_contact_list_carries_no_organisation_options(app, english_client, tenant, tenant_b):
    organisation_ids = add_organisations(tenant.id, 5000)
    add_organisations(tenant_b.id, 3)
    add_contacts(tenant.id, 25, organisation_id=organisation_ids[7])
    with tenant_context(tenant.id):  # the filter follows employments
        db.session.execute(insert(Employment), [
            {"tenant_id": tenant.id, "contact_id": contact, "organisation_id": organisation_ids[7]}
            for contact in db.session.scalars(select(Contact.id))])
        db.session.commit()
    response = english_client.get("/admin/contact/")
    page = response.get_data(as_text=True)
    assert len(response.data) < 60_000
    groups = FILTER_JSON.search(page).group(1)
    assert "Orgname" not in groups
    lookups = [item for items in json.loads(groups).values() for item in items
               if item.get("lookup_url")]
    assert len(lookups) == 2  # organisation, responsible user
    assert all(item["type"] == "select2-ajax" and not item["options"] for item in lookups)

    arg = filter_arg(app, tenant.id, "contact", "Organisation")
    lookup = english_client.get(f"/admin/contact/filter-lookup/{arg}/?query=Orgname0000")
    names = [label for _id, label in lookup.get_json()]
    assert len(names) == 10 and all(name.startswith("Orgname0000") for name in names)

    filtered = english_client.get(f"/admin/contact/?flt0_{arg}={organisation_ids[7]}")
    page = filtered.get_data(as_text=True)
    assert count_shown(page) == "25"
    labels = re.search(r'id="kontakt-lookup-labels"[^>]*>(.*?)</div>', page).group(1)
    assert json.loads(labels) == {f"{arg}|{organisation_ids[7]}": "Orgname00007"}


def test_filter_lookup_finds_only_the_tenants_records(app, english_client, tenant, tenant_b):
    add_organisations(tenant_b.id, 3)
    arg = filter_arg(app, tenant.id, "contact", "Organisation")
    assert english_client.get(f"/admin/contact/filter-lookup/{arg}/?query=Orgname").get_json() == []
    responsible = filter_arg(app, tenant.id, "contact", "Responsible user")
    users = english_client.get(f"/admin/contact/filter-lookup/{responsible}/?query=").get_json()
    assert sorted(label for _id, label in users) == ["Admin omega", "User omega"]
    assert english_client.get("/admin/contact/filter-lookup/0/").status_code == 404
    assert english_client.get("/admin/contact/filter-lookup/999/").status_code == 404


# --- queries per page: a fixed number, whatever the rows ------------------------------------

def fill_tenant(tenant_id: int, owner_id: int, contacts: int, offset: int) -> None:
    """Contacts with an organisation and a tag, one activity and one task each."""
    organisation_ids = add_organisations(tenant_id, 2) if offset == 0 else None
    with tenant_context(tenant_id):
        organisation_ids = organisation_ids or list(db.session.scalars(select(Organisation.id)))
        tag_id = db.session.scalar(select(Tag.id)) or db.session.scalar(
            insert(Tag).values(tenant_id=tenant_id, name="vip").returning(Tag.id))
        status = dictionaries.entries(dictionaries.TASK_STATUS)[0].id
    add_contacts(tenant_id, contacts, start=offset, organisation_id=organisation_ids[0],
                 responsible_user_id=owner_id, custom={"level": "gold", "visits": offset})
    with tenant_context(tenant_id):
        ids = list(db.session.scalars(
            select(Contact.id).where(Contact.first_name >= f"First{offset:04d}")))
        db.session.execute(insert(contact_tag), [{"contact_id": c, "tag_id": tag_id} for c in ids])
        now = datetime.now(UTC)
        for number, contact in enumerate(ids):
            activity = Activity(kind="note", subject=f"Note {contact}", employee_id=owner_id,
                                organisation_id=organisation_ids[number % 2], planned=True,
                                starts_at=now + timedelta(days=number))
            db.session.add(activity)
            db.session.flush()
            db.session.execute(insert(activity_contact).values(activity_id=activity.id,
                                                              contact_id=contact))
            db.session.add(Task(title=f"Task {contact}", status_id=status, assignee_id=owner_id,
                                contact_id=contact, due_at=now + timedelta(days=number)))
        db.session.commit()


def define_fields(tenant_id: int) -> None:
    with tenant_context(tenant_id):
        section = field_admin.create_section("contact", {"en": "More"})
        for data in (FieldInput(labels={"en": "Level"}, field_type="choice", show_in_list=True,
                                choices=[ChoiceInput({"en": "Gold"}), ChoiceInput({"en": "Tin"})]),
                     FieldInput(labels={"en": "Visits"}, field_type="integer",
                                show_in_list=True)):
            field_admin.create_field(section, data)
            db.session.flush()
        db.session.commit()


def list_urls(app, tenant_id: int) -> dict[str, str]:
    with tenant_context(tenant_id):
        organisation = db.session.scalar(select(Organisation.id).order_by(Organisation.id))
        tag = db.session.scalar(select(Tag.id))
    level = filter_arg(app, tenant_id, "contact", "Level", "equals")
    return {
        "first page": "/admin/contact/",
        "deep page": "/admin/contact/?page=3",
        "sorted":
        f"/admin/contact/?sort={sort_arg(app, tenant_id, 'contact', 'first_name')}&desc=1",
        "tag filter": f"/admin/contact/?flt0_{filter_arg(app, tenant_id, 'contact', 'Tag')}={tag}",
        "organisation filter": "/admin/contact/?flt0_"
        f"{filter_arg(app, tenant_id, 'contact', 'Organisation')}={organisation}",
        "choice filter": f"/admin/contact/?flt0_{level}=gold",
        "integer sort": f"/admin/contact/?sort={sort_arg(app, tenant_id, 'contact', 'cf_visits')}",
        "jump": "/admin/contact/?start=Last0030",
        "organisation list": "/admin/organisation/",
        "activity list": "/admin/activity/",
        "my tasks": "/admin/my_tasks/",
    }


def queries_per_page(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        client.get(url)  # caches (settings, fields) warm, as in any running app
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(statements)
    return counts


def test_queries_per_page_do_not_grow_with_the_rows(app, client, tenant):
    login(client, "admin@omega.example")
    owner = user_id(tenant.id, "admin@omega.example")
    define_fields(tenant.id)
    fill_tenant(tenant.id, owner, 70, offset=0)  # enough rows for the deep page
    urls = list_urls(app, tenant.id)
    few = queries_per_page(client, urls)
    fill_tenant(tenant.id, owner, 90, offset=70)
    many = queries_per_page(client, urls)
    assert many == few
    assert max(many.values()) <= 16, many  # login, settings and fields included


# --- sorted pages are read from an index ---------------------------------------------------

CONTACT_SORTS = ("customer_number", "last_name", "first_name", "email", "phone", "mobile",
                 "kind")


def plan_of(statement: str, parameters, analyse: bool = False) -> str:
    """The database's plan of a statement as sent: "Sort" (PostgreSQL) or "TEMP B-TREE"
    (SQLite) in it means the rows are sorted after reading, not read in order."""
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table
        explain = "EXPLAIN (ANALYZE)" if analyse else "EXPLAIN"
        return "\n".join(row[0] for row in connection.exec_driver_sql(
            f"{explain} {statement}", parameters))
    return "\n".join(row[-1] for row in connection.exec_driver_sql(
        f"EXPLAIN QUERY PLAN {statement}", parameters))


def ids_plan(statement: str, parameters) -> str:
    """The plan of a list page's ids subquery (``page_ids``) alone: the page's order is
    read there; the rows then fetched by id are put in order again, a sort of one page."""
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        lines = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}",
                                                               parameters)]
        # PostgreSQL flattens the subquery: its part is the plan under the inner Limit
        start = [i for i, line in enumerate(lines)
                 if line.lstrip().removeprefix("->").lstrip().startswith("Limit")][1]
        depth = len(lines[start]) - len(lines[start].lstrip())
        inside = [lines[start]]
        for line in lines[start + 1:]:
            if len(line) - len(line.lstrip()) <= depth:
                break
            inside.append(line)
        return "\n".join(inside)
    rows = list(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    parent = {row[0]: row[1] for row in rows}
    roots = {row[0] for row in rows if "page_ids" in row[-1]}

    def under(node: int) -> bool:
        while node:
            if node in roots:
                return True
            node = parent.get(node, 0)
        return False
    return "\n".join(row[-1] for row in rows if under(row[0]))


@pytest.mark.parametrize("descending", [False, True])
def test_every_contact_sort_is_read_from_an_index(app, tenant, descending):
    add_contacts(tenant.id, 3000)  # enough that reading in order beats sorting
    set_settings(tenant.id, unique_contact_id=True)  # the number is a list column (A4)
    view = view_of(app, "contact")
    db.session.execute(text("ANALYZE"))
    for column in CONTACT_SORTS:
        with app.test_request_context(), tenant_context(tenant.id), \
                count_queries(parameters=True) as statements:
            view.get_list(0, column, descending, None, None)
        # the page's query as sent (the tenant criterion included)
        [(statement, parameters)] = [(s, p) for s, p in statements
                                     if s.startswith("SELECT contact.id")]
        plan = ids_plan(statement, parameters)
        assert "INDEX" in plan.upper(), (column, plan)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, (column, plan)


def related_people(tenant_id: int) -> dict[str, list[int]]:
    """Contacts at organisations (two of one name) or none, with a responsible user or
    none: the ids in the order of each relation sort, ascending."""
    organisations = {name: gen_organisation(tenant_id, name)
                     for name in ("Birk", "Aske", "Eg 2", "Cedertræ")}
    organisations["Birk 2"] = gen_organisation(tenant_id, "Birk")  # the same name
    by_organisation: list[tuple] = []
    by_user: list[tuple] = []
    with tenant_context(tenant_id):
        users = list(db.session.scalars(select(User.id).order_by(User.id)))
        names = {users[0]: db.session.get(User, users[0]).full_name}
        for n in range(23):
            name = list(organisations)[n % 6] if n % 6 < 5 else None
            organisation = organisations.get(name) if name else None
            responsible = users[0] if n % 3 else None
            contact = Contact(kind="company", first_name=f"P{n}", last_name=f"Q{n}",
                              organisation_id=organisation, responsible_user_id=responsible)
            db.session.add(contact)
            db.session.flush()
            by_organisation.append(((0, name.removesuffix(" 2") if name != "Eg 2" else name,
                                     organisation) if organisation else (1, "", 0),
                                    contact.id))
            by_user.append(((0, names[responsible], responsible) if responsible
                            else (1, "", 0), contact.id))
        db.session.commit()
    return {"organisation": [i for _k, i in sorted(by_organisation)],
            "responsible_user": [i for _k, i in sorted(by_user)]}


def in_pages(app, tenant_id: int, column: str, descending: bool, size: int = 4) -> list[int]:
    view = view_of(app, "contact")
    seen: list[int] = []
    for page in range(10):
        with app.test_request_context(), tenant_context(tenant_id):
            _count, rows = view.get_list(page, column, descending, None, None, page_size=size)
            seen += [row.id for row in rows]
    return seen


def reversed_but_empty_last(ids: list[int], empty: set[int]) -> list[int]:
    return [i for i in reversed(ids) if i not in empty] + sorted(empty, reverse=True)


@pytest.mark.parametrize("few_rows", [paging.FEW_ROWS, 1])
def test_a_list_sorted_by_a_relation_pages_in_its_order(app, tenant, tenant_b, monkeypatch,
                                                        few_rows):
    """By the organisation's (the responsible user's) name, then that record's id (two
    organisations may share a name), then the contact's; the contacts without one last
    either way; every contact once over the pages — read in the indexes' order
    (views.relation_sort) or, for a short list, sorted (FEW_ROWS)."""
    expected = related_people(tenant.id)
    related_people(tenant_b.id)  # never among them
    monkeypatch.setattr(paging, "FEW_ROWS", few_rows)
    with tenant_context(tenant.id):
        without = {column: set(db.session.scalars(select(Contact.id).where(
            getattr(Contact, key).is_(None))))
            for column, key in (("organisation", "organisation_id"),
                                ("responsible_user", "responsible_user_id"))}
    for column, ids in expected.items():
        assert in_pages(app, tenant.id, column, False) == ids, column
        assert in_pages(app, tenant.id, column, True) == reversed_but_empty_last(
            ids, without[column]), column


@pytest.mark.parametrize("descending", [False, True])
def test_the_organisation_list_sorted_by_responsible_user_pages_in_its_order(
        app, tenant, monkeypatch, descending):
    """By the user's name, then the user's id, then the organisation's; those without
    a responsible user last either way."""
    with tenant_context(tenant.id):
        users = list(db.session.execute(select(User.full_name, User.id)))  # two
    for n in range(11):
        responsible = None if n % 3 == 2 else users[n % 3][1]
        gen_organisation(tenant.id, f"Firma {n}", responsible_user_id=responsible)
    with tenant_context(tenant.id):
        names = dict((i, name) for name, i in users)
        rows = db.session.execute(select(Organisation.id, Organisation.responsible_user_id))
        keyed = [((1, "", 0) if user is None else (0, names[user], user), organisation)
                 for organisation, user in rows]
    with_user = sorted(k for k in keyed if k[0][0] == 0)
    without = sorted(k for k in keyed if k[0][0] == 1)
    expected = ([i for _k, i in (with_user[::-1] if descending else with_user)]
                + [i for _k, i in (without[::-1] if descending else without)])
    monkeypatch.setattr(paging, "FEW_ROWS", 1)
    view = view_of(app, "organisation")
    seen: list[int] = []
    for page in range(4):
        with app.test_request_context(), tenant_context(tenant.id):
            _count, found = view.get_list(page, "responsible_user", descending, None, None,
                                          page_size=4)
            seen += [organisation.id for organisation in found]
    assert seen == expected


@pytest.mark.parametrize("descending", [False, True])
def test_relation_sorts_read_their_indexes_in_order(app, tenant, descending, monkeypatch):
    """The page's ids by organisation or responsible user: the related records read
    in name order from their index, no sort of the list's rows (SQLite reads the two
    indexes in order; PostgreSQL orders no more of each related record's contacts than
    the page can need — at a million contacts read in id order through the relation's
    index, migration 0028)."""
    related_people(tenant.id)
    add_contacts(tenant.id, 300)
    vacuumed()
    monkeypatch.setattr(paging, "FEW_ROWS", 100)  # a list this long is read in order
    view = view_of(app, "contact")
    for column in ("organisation", "responsible_user"):
        with app.test_request_context(), tenant_context(tenant.id), \
                count_queries(parameters=True) as statements:
            view.get_list(2, column, descending, None, None, page_size=5)
        [(statement, parameters)] = [(s, p) for s, p in statements
                                     if "ORDER BY" in s and "LIMIT" in s
                                     and not s.startswith("SELECT contact.id AS")]
        plan = plan_of(statement, parameters)
        if db.engine.dialect.name == "sqlite":
            assert RELATION_NAME_INDEXES[column] in plan, (column, plan)
            assert "TEMP B-TREE" not in plan, (column, plan)
        else:  # each related record's contacts through the relation's index and the
            # page's limit (how the few related records are ordered is the planner's)
            inner = plan[plan.index("Nested Loop"):]
            assert re.search(r"->\s+Limit", inner) and "LATERAL" in statement, (column, plan)
            assert f"({RELATION_KEYS[column]} = " in inner, (column, plan)
            assert "Seq Scan on contact" not in plan, (column, plan)


RELATION_NAME_INDEXES = {"organisation": "ix_organisation_tenant_name",
                         "responsible_user": "ix_user_account_tenant_full_name"}
RELATION_KEYS = {"organisation": "organisation_id", "responsible_user": "responsible_user_id"}


def vacuumed() -> None:
    """Tables as autovacuum leaves them: PostgreSQL reads an index alone only for pages
    its visibility map marks (VACUUM runs outside a transaction)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE contact")
            conn.exec_driver_sql("VACUUM ANALYZE organisation")
    else:
        db.session.execute(text("ANALYZE"))


@pytest.mark.parametrize("endpoint", ["contact", "organisation"])
def test_a_deep_pages_ids_are_read_from_the_sort_index_alone(app, tenant, endpoint):
    """Past the first pages the ids' walk along the sort's index reads no table row
    (migration 0027): PostgreSQL's "Index Only Scan", SQLite's "COVERING INDEX"."""
    if endpoint == "contact":
        add_contacts(tenant.id, 3000)
        sorts = [None, *CONTACT_SORTS[1:]]  # customer_number: its unique constraint
    else:
        add_organisations(tenant.id, 3000)
        sorts = [None, "name", "registration_number", "city", "phone", "email"]
    vacuumed()
    view = view_of(app, endpoint)
    for column in sorts:
        with app.test_request_context(), tenant_context(tenant.id), \
                count_queries(parameters=True) as statements:
            view.get_list(100, column, True, None, None)
        [(statement, parameters)] = [(s, p) for s, p in statements
                                     if s.startswith(f"SELECT {endpoint}.id")]
        plan = ids_plan(statement, parameters)
        assert ("Index Only Scan" in plan or "COVERING INDEX" in plan), (column, plan)


# --- search: SQLite's trigram index finds the same rows ------------------------------------

SEARCH_PEOPLE = [
    ("Ørsted", "Åse", "orsted@example.dk", "+4512345678"),
    ("ŁADA", "Łukasz", "lada@example.pl", "+48601234567"),
    ("Nowak12", "Jan", "jan.nowak@example.pl", None),
    ("Nowak123", "Ewa", "ewa@example.pl", "+48221234567"),
    ("Smith", "Anne-Marie", "anne_marie@example.com", None),
    ("O'Brien", 'Tom "T"', "tom%x@example.com", None),
]
SEARCHES = ["Nowak12", "nowak", "ørs", "ØRSTED", "łuk", "lada", "Jan Nowak", "e-M", "marie@",
            "_m", "%x", '"t"', "o'b", "12345678", "4522", "+48 60", "3", "ab", "Åse ørs",
            "nowak 12"]


def found_ids(app, tenant_id: int, search: str) -> set[int]:
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id):
        _count, rows = view.get_list(0, None, None, search, None, page_size=100)
        return {row.id for row in rows}


def test_search_finds_the_same_rows_with_and_without_the_index(app, tenant, monkeypatch):
    add_contacts(tenant.id, 30)  # others, which no search below names
    with tenant_context(tenant.id):
        db.session.execute(insert(Contact), [
            {"tenant_id": tenant.id, "kind": "private", "last_name": last, "first_name": first,
             "email": email, "phone": phone}
            for last, first, email, phone in SEARCH_PEOPLE])
        db.session.commit()
    indexed = {search: found_ids(app, tenant.id, search) for search in SEARCHES}
    monkeypatch.setattr(search_index, "available", lambda: False)
    scanned = {search: found_ids(app, tenant.id, search) for search in SEARCHES}
    assert indexed == scanned
    assert len(indexed["nowak"]) == 2 and len(indexed["Nowak12"]) == 2
    assert len(indexed["ØRSTED"]) == 1 and len(indexed["łuk"]) == 1 and indexed["ab"] == set()


@pytest.mark.parametrize("few_rows", [paging.FEW_ROWS, 1])
def test_a_search_finds_the_same_rows_and_count_whether_it_matches_few_or_many(
        app, tenant, tenant_b, monkeypatch, few_rows):
    """With FEW_ROWS at 1 every search that matches is one of many: counted from its
    rows as the index gives them and walked row by row (SQLite) — the same rows and the
    same count as without the index, another tenant's contacts never among them."""
    for tenant_id in (tenant.id, tenant_b.id):
        add_contacts(tenant_id, 30)
        with tenant_context(tenant_id):
            db.session.execute(insert(Contact), [
                {"tenant_id": tenant_id, "kind": "private", "last_name": last,
                 "first_name": first, "email": email, "phone": phone}
                for last, first, email, phone in SEARCH_PEOPLE])
            db.session.commit()
    monkeypatch.setattr(paging, "FEW_ROWS", few_rows)
    indexed = {search: found_rows(app, tenant.id, search) for search in [*SEARCHES, "Last"]}
    monkeypatch.setattr(search_index, "available", lambda: False)
    scanned = {search: found_rows(app, tenant.id, search) for search in [*SEARCHES, "Last"]}
    assert indexed == scanned
    assert indexed["nowak"] == (2, indexed["nowak"][1]) and len(indexed["nowak"][1]) == 2
    assert indexed["Last"][0] == 30 and indexed["ab"] == (0, set())


def found_rows(app, tenant_id: int, search: str) -> tuple[int, set[int]]:
    """The list's count and the ids of its rows (100 a page), searched as the list does."""
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id):
        count, rows = view.get_list(0, None, None, search, None, page_size=100)
        assert all(row.tenant_id == tenant_id for row in rows)
        return int(count), {row.id for row in rows}


def test_a_search_with_many_matches_reads_its_index_as_it_gives_them(
        english_client, tenant, tenant_b, monkeypatch):
    """SQLite: a search with many matches (FEW_ROWS or more) is counted from its index's
    matches as the index gives them, each contact looked up by its id, and its page is
    walked asking each row the words' own conditions: no statement reads every match of
    the index into a list first ("son", in every e-mail's "person": a million matches,
    115–500 ms in each of three statements at a million contacts)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's search index (PostgreSQL's trigram indexes are read by plan)")
    add_contacts(tenant.id, 60)
    add_contacts(tenant_b.id, 40)  # they match too: never counted
    monkeypatch.setattr(paging, "FEW_ROWS", 20)
    with count_queries(parameters=True) as statements:
        page = english_client.get("/admin/contact/?page_size=20&search=Last00&page=1")
    page_text = page.get_data(as_text=True)
    assert count_shown(page_text) == "60"
    assert ROW_NAME.findall(page_text) == [f"Last{n:04d}" for n in range(20, 40)]
    searched = [(s, p) for s, p in statements if "MATCH" in s]
    assert len(searched) == 2  # the ids looked for (FEW_ROWS of them) and the count
    for statement, parameters in searched:
        plan = plan_of(statement, parameters)
        assert "LIST SUBQUERY" not in plan and "MATERIALIZE" not in plan, plan
        assert "SEARCH contact USING INTEGER PRIMARY KEY" in plan, plan
    [walk] = [s for s, _p in statements if "AS hit" in s]
    assert "contact_search" not in walk


def test_a_search_index_look_up_is_left_to_each_row_where_the_words_decide(app):
    """The look-ups of a search's words are found at its top level (every matching row
    passes them) and taken out for a row-by-row check; a search OR'd with another (a
    configurable field's) has none at the top level."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's search index")
    with app.app_context():
        condition = contacts.search_condition("Anna 123 Hansen")
        assert [query.split(": ")[1] for query in search_index.lookups(condition)] == [
            '"Anna"', '"Hansen"']  # "123" may be a customer number: OR'd, not at the top
        row_by_row = str(conditions.row_by_row(condition))
        assert "contact_search" not in row_by_row and row_by_row.count("LIKE") == 9
        assert search_index.lookups(or_(condition, Contact.city == "Aarhus")) == []


def test_sqlite_search_reads_the_trigram_index(app, tenant):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL searches through its pg_trgm indexes (migration 0005)")
    assert search_index.available()
    add_contacts(tenant.id, 50)
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(tenant.id), \
            count_queries(parameters=True) as statements:
        view.get_list(0, None, None, "Last0012", None)
    # the search is asked once: its matches' ids are what the count and the page read
    [(statement, parameters)] = [(s, p) for s, p in statements if "MATCH" in s]
    assert "VIRTUAL TABLE INDEX" in plan_of(statement, parameters)


def test_the_search_index_follows_changes(app, tenant):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's index only")
    add_contacts(tenant.id, 3)
    with tenant_context(tenant.id):
        contact = db.session.scalar(select(Contact).where(Contact.last_name == "Last0001"))
        contact.last_name = "Kowalczyk"
        db.session.delete(db.session.scalar(select(Contact).where(Contact.last_name == "Last0002")))
        db.session.commit()
    assert len(found_ids(app, tenant.id, "kowal")) == 1
    assert found_ids(app, tenant.id, "Last0001") == set()
    assert found_ids(app, tenant.id, "Last0002") == set()
    assert len(found_ids(app, tenant.id, "Last000")) == 1


# --- configurable fields: sorted and filtered pages read from the field's indexes ----------

def custom_page_plan(app, tenant_id: int, sort: str | None, descending: bool,
                     filters: list | None) -> str:
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id), \
            count_queries(parameters=True) as statements:
        view.get_list(0, sort, descending, None, filters or None)
    [(statement, parameters)] = [(s, p) for s, p in statements
                                 if s.startswith("SELECT contact.id")]
    return ids_plan(statement, parameters)


@pytest.fixture
def many_with_fields(app, tenant):
    define_fields(tenant.id)
    for start in range(0, 3000, 1000):
        add_contacts(tenant.id, 1000, start=start,
                     custom={"level": "gold" if start == 0 else "tin", "visits": start})
    add_contacts(tenant.id, 20, start=3000)  # no values: last in either direction
    db.session.execute(text("ANALYZE"))
    return tenant


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_a_number_field_reads_its_index(app, many_with_fields, descending):
    plan = custom_page_plan(app, many_with_fields.id, "cf_visits", descending, None)
    assert "ixcf_contact_visits" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("descending", [False, True])
def test_records_without_a_number_sort_last_either_way(app, many_with_fields, descending):
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(many_with_fields.id):
        _count, rows = view.get_list(0, "cf_visits", descending, None, None, page_size=4000)
        visits = [(row.custom or {}).get("visits") for row in rows]
    assert visits[-20:] == [None] * 20 and None not in visits[:-20]
    assert visits[:-20] == sorted(visits[:-20], reverse=descending)


def test_a_choice_filter_reads_its_index_on_sqlite(app, many_with_fields):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's GIN index on the values answers the filter (@>)")
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(many_with_fields.id):
        index = next(i for i, flt in enumerate(view._filters)
                     if getattr(flt, "kind", None) == "equals" and str(flt.name) == "Level")
    plan = custom_page_plan(app, many_with_fields.id, None, False, [(index, None, "gold")])
    assert "ixcf_contact_level" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_list_pages_load_no_relation_options_and_each_filters_options_once(
        app, english_client, tenant):
    add_organisations(tenant.id, 30)
    add_contacts(tenant.id, 5)
    english_client.get("/admin/contact/")
    with count_queries() as statements:
        assert english_client.get("/admin/contact/").status_code == 200
    assert not [s for s in statements if "ORDER BY organisation.name" in s]
    assert not [s for s in statements if "ORDER BY user_account.full_name" in s]
    assert len([s for s in statements if "FROM tag" in s]) == 1  # the tag filter's options


def test_in_place_editors_write_what_flask_admin_writes(app, tenant):
    """The list's in-place editors (their attributes written once per column, their
    choices once per page) give Flask-Admin's own widget's HTML, row after row — but
    for an id of the row's own, the name x-editable posts (data-name), which
    Flask-Admin's widget writes when asked to, and the choices named by the id of the
    page's one copy of them (data-source-ref) rather than carried."""
    owner = user_id(tenant.id, "admin@omega.example")
    tasks = [gen_task(tenant.id, f'Ring "{n}" <op>', assignee_id=owner, status="in_progress")
             for n in range(3)]
    view = view_of(app, "task")
    with app.test_request_context(), tenant_context(tenant.id):
        for task_id in tasks:
            form = view.list_form(obj=db.session.get(Task, task_id))
            for name in ("status", "priority", "assignee"):
                arguments = {"pk": task_id, "display_value": f'<b>"{name}"</b>', "csrf": "t&k"}
                ours = with_choices_carried(form[name](**arguments))
                theirs = XEditableWidget()(form[name], **arguments, id=f"{name}-{task_id}",
                                           **{"data-name": name})
                assert ours == theirs, name
        assert len(editor_choice_lists()) == 3  # one list per column, for every row


def with_choices_carried(editor: str) -> str:
    """An in-place editor as it would carry its choices (as Flask-Admin's does)."""
    choices = dict(editor_choice_lists())
    return re.sub(r'data-source-ref="([^"]+)"',
                  lambda ref: f'data-source="{escape(choices[ref.group(1)])}"', editor)


def test_a_list_writes_each_list_of_its_editors_choices_once(app, client, tenant):
    """Every row's editors name their column's choices, which the page holds once (as
    text, escaped): the task list's rows were 1.6 KB heavier each with them."""
    owner = user_id(tenant.id, "admin@omega.example")
    with tenant_context(tenant.id):
        status = dictionaries.default_entry(TASK_STATUS).id
        db.session.execute(insert(Task), [
            {"tenant_id": tenant.id, "title": f"Task {n}", "assignee_id": owner,
             "status_id": status} for n in range(30)])
        db.session.commit()
    login(client, "admin@omega.example")
    page = client.get("/admin/task/?page_size=50").get_data(as_text=True)
    refs = re.findall(r'data-source-ref="([^"]+)"', page)
    assert len(refs) == 30 * 3 and len(set(refs)) == 3  # status, priority, assignee
    for ref in set(refs):
        held = re.findall(
            rf'<div id="{ref}" class="d-none kontakt-editor-choices">([^<]*)</div>', page)
        assert len(held) == 1, ref
        choices = json.loads(html.unescape(held[0]))
        assert choices and {"value", "text"} <= set(choices[0]), choices
    assert "data-source=" not in page


# --- a profile's cases, tasks and activities are found through indexes ---------------------

def scope_plans(scope) -> dict[str, str]:
    """The plans of counting a profile scope's cases, tasks and activities, as sent."""
    plans = {}
    for name, model, condition in (("cases", Case, scope.cases), ("tasks", Task, scope.tasks),
                                   ("activities", Activity, scope.activities)):
        with count_queries(parameters=True) as statements:
            db.session.scalar(select(func.count()).select_from(model).where(condition))
        [(statement, parameters)] = statements
        plans[name] = plan_of(statement, parameters, analyse=True)
    return plans


def read_in_vain(plan: str) -> int:
    """The rows PostgreSQL read and then dropped by a filter (EXPLAIN ANALYZE)."""
    return sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))


FULL_READ = re.compile(r"Seq Scan on (crm_case|task|activity)\b|SCAN (crm_case|task|activity)\b")


def add_others_cases_and_tasks(tenant_id: int, count: int) -> int:
    """A case and a task of each of ``count`` other contacts (so that reading a table
    whole would cost); the next free case reference."""
    add_contacts(tenant_id, count, start=10_000)
    organisations = add_organisations(tenant_id, count)
    with tenant_context(tenant_id):
        status = dictionaries.default_entry(TASK_STATUS).id
        others = db.session.scalars(select(Contact.id).where(Contact.customer_number > 10_000))
        rows = [{"tenant_id": tenant_id, "reference": n + 1, "title": f"Case {n}",
                 "primary_contact_id": other, "organisation_id": organisation}
                for n, (other, organisation) in enumerate(zip(others, organisations,
                                                              strict=False))]
        db.session.execute(insert(Case), rows)
        cases = db.session.execute(select(Case.id, Case.primary_contact_id))
        db.session.execute(insert(Task), [
            {"tenant_id": tenant_id, "title": f"Task {case_id}", "status_id": status,
             "contact_id": other, "case_id": case_id} for case_id, other in cases])
        db.session.commit()
    return count + 1


def test_a_profiles_records_are_found_through_indexes(app, tenant):
    """An OR of "the contact's own" and "on the contact's cases" read whole tables on
    PostgreSQL (33 ms at a million contacts); each part is looked up by its index."""
    organisation = gen_organisation(tenant.id)
    contact = gen_contact(tenant.id, organisation)
    others = add_others_cases_and_tasks(tenant.id, 2000)
    for n in range(3):
        gen_task(tenant.id, contact_id=contact,
                 case_id=gen_case(tenant.id, contact, f"Sag {n}", reference=others + n))
    db.session.execute(text("ANALYZE"))
    with tenant_context(tenant.id):
        plans = {**scope_plans(profile_query.contact_scope(contact)),
                 **{f"organisation's {name}": plan for name, plan in scope_plans(
                     profile_query.organisation_scope(organisation)).items()}}
    for name, plan in plans.items():
        assert not FULL_READ.search(plan), f"{name}:\n{plan}"
        assert read_in_vain(plan) < 50, f"{name}:\n{plan}"  # not the tenant's 2,000


# --- a tag filter: a common tag read in the list's order, a rare one fetched -------------

def tag_page(app, tenant_id: int, tag_id: int) -> tuple[list[int], str, str]:
    """The first page of the contacts with the tag (ids), the plan of its query and
    that of its count."""
    view = view_of(app, "contact")
    with app.test_request_context(), tenant_context(tenant_id), \
            count_queries(parameters=True) as statements:
        index = next(i for i, flt in enumerate(view._filters) if isinstance(flt, TagFilter))
        _count, rows = view.get_list(0, None, None, None, [(index, None, str(tag_id))],
                                     page_size=50)
        ids = [row.id for row in rows]
        [(statement, parameters)] = [(s, p) for s, p in statements
                                     if s.startswith("SELECT contact.id")]
        [(count, count_parameters)] = [
            (s, p) for s, p in statements
            if s.startswith("SELECT count(*)") and "contact.tenant_id" in s]
        return ids, ids_plan(statement, parameters), plan_of(count, count_parameters)


def test_a_common_tag_is_read_in_the_lists_order_a_rare_one_fetched(app, tenant, monkeypatch):
    monkeypatch.setattr(fields_views, "COMMON_TAG", 100)
    monkeypatch.setattr(paging, "FEW_ROWS", 100)
    add_contacts(tenant.id, 3000)
    with tenant_context(tenant.id):
        ids = list(db.session.scalars(select(Contact.id).order_by(Contact.id)))
        common, rare = (db.session.scalar(insert(Tag).values(tenant_id=tenant.id, name=name)
                                          .returning(Tag.id)) for name in ("common", "rare"))
        db.session.execute(insert(contact_tag), [{"contact_id": c, "tag_id": common}
                                                 for c in ids[::3]] +
                           [{"contact_id": c, "tag_id": rare} for c in ids[7:3000:600]])
        db.session.commit()
        expected = {tag: list(db.session.scalars(
            select(Contact.id).join(contact_tag).where(contact_tag.c.tag_id == tag)
            .order_by(Contact.last_name, Contact.first_name).limit(50)))
            for tag in (common, rare)}
    db.session.execute(text("ANALYZE"))
    common_ids, common_plan, count_plan = tag_page(app, tenant.id, common)
    rare_ids, _rare_plan, _rare_count_plan = tag_page(app, tenant.id, rare)
    assert (common_ids, rare_ids) == (expected[common], expected[rare])
    assert len(rare_ids) == 5
    assert "ix_contact_tenant_last_name" in common_plan, common_plan  # in the list's order
    assert "ix_contact_tag_tag_id" in count_plan, count_plan  # counted from the tag's index
    assert "Sort" not in common_plan and "TEMP B-TREE" not in common_plan, common_plan


def tag_ids(tenant_id: int, name: str, contacts: slice) -> int:
    """A new tag of the tenant, on the tenant's contacts of the slice (in id order)."""
    with tenant_context(tenant_id):
        ids = list(db.session.scalars(select(Contact.id).order_by(Contact.id)))[contacts]
        tag = db.session.scalar(insert(Tag).values(tenant_id=tenant_id, name=name)
                                .returning(Tag.id))
        db.session.execute(insert(contact_tag), [{"contact_id": c, "tag_id": tag} for c in ids])
        db.session.commit()
        return tag


def counted(client, url: str) -> tuple[str, str]:
    """The count a list page shows and the statement that counted it (the last count:
    a common tag's check comes first)."""
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    return count_shown(page), [s for s in statements if s.startswith("SELECT count(*)")][-1]


def test_a_tag_alone_is_counted_from_its_link_rows(app, english_client, tenant, tenant_b,
                                                   small_cap):
    add_contacts(tenant.id, 30)
    add_contacts(tenant_b.id, 30, start=100)
    tag = tag_ids(tenant.id, "ours", slice(0, 30, 4))  # 8 contacts
    many = tag_ids(tenant.id, "many", slice(0, 30, 2))  # 15: over the cap of 10
    theirs = tag_ids(tenant_b.id, "theirs", slice(None))
    arg = filter_arg(app, tenant.id, "contact", "Tag")
    shown, count = counted(english_client, f"/admin/contact/?flt0_{arg}={tag}")
    assert shown == "8"
    assert "contact_tag" in count and "contact.tenant_id" not in count, count
    assert counted(english_client, f"/admin/contact/?flt0_{arg}={many}")[0] == "10+"
    # another tenant's tag: its 30 link rows are not counted, and no row is shown
    page = english_client.get(f"/admin/contact/?flt0_{arg}={theirs}").get_data(as_text=True)
    assert not COUNT_SHOWN.search(page) and "Last01" not in page  # no count: none
    # with a search too, the count is the list's own (the tag's 8, of which "Last0004")
    shown, count = counted(english_client, f"/admin/contact/?flt0_{arg}={tag}&search=Last0004")
    assert shown == "1" and "contact.tenant_id" in count, count
    # the organisations' tag filter counts the same way
    organisations = add_organisations(tenant.id, 6)
    with tenant_context(tenant.id):
        db.session.execute(insert(organisation_tag), [
            {"organisation_id": o, "tag_id": tag} for o in organisations[:4]])
        db.session.commit()
    arg = filter_arg(app, tenant.id, "organisation", "Tag")
    shown, count = counted(english_client, f"/admin/organisation/?flt0_{arg}={tag}")
    assert shown == "4" and "organisation.tenant_id" not in count, count


@pytest.mark.parametrize("url", ["/admin/my_tasks/?page_size=50", "/admin/task/?page_size=50"])
def test_the_task_lists_read_each_dictionary_and_the_users_once(app, client, tenant, url):
    """Choices, filter options and the rows' status, priority and assignee come from
    one read of each dictionary (inactive entries included) and of the users: 13 and 9
    statements before, of which three read again what the editors' choices had."""
    owner = user_id(tenant.id, "admin@omega.example")
    with tenant_context(tenant.id):
        statuses = dictionaries.entries(TASK_STATUS, active_only=False)
        retired = statuses[1]
        retired.active = False  # still held by tasks: found among every entry
        db.session.execute(insert(Task), [
            {"tenant_id": tenant.id, "title": f"Task {n}", "assignee_id": owner,
             "status_id": (retired if n % 3 == 0 else statuses[0]).id}
            for n in range(60)])
        db.session.commit()
    login(client, "admin@omega.example")
    client.get(url)
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    dictionary_reads = [s for s in statements if "FROM dictionary_entry" in s
                        and "task" not in s.split("FROM dictionary_entry")[0]]
    user_reads = [s for s in statements if s.startswith("SELECT user_account.id")]
    expected_dictionaries = 3 if "my_tasks" in url else 2  # My tasks: the activity kinds
    assert len(dictionary_reads) == expected_dictionaries, dictionary_reads
    assert len(user_reads) == 2, user_reads  # the login's and the assignees' choices
    assert page.count(f">{retired}</a>") >= 15  # the retired status shown on its rows


# --- My tasks: read in the order of the (tenant, assignee, due time) index -----------------

def my_tasks_statements(app, tenant) -> list:
    """The statements (with their parameters) of My tasks' list for a user with 3,000
    of the tenant's 6,000 tasks."""
    owner = user_id(tenant.id, "admin@omega.example")
    with tenant_context(tenant.id):
        status = dictionaries.default_entry(TASK_STATUS).id
        now = datetime.now(UTC)
        db.session.execute(insert(Task), [
            {"tenant_id": tenant.id, "title": f"Task {n}", "status_id": status,
             "assignee_id": owner if n % 2 == 0 else None,
             "due_at": None if n % 7 == 0 else now + timedelta(hours=n - 3000)}
            for n in range(6000)])
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    view = view_of(app, "my_tasks")
    with app.test_request_context(), tenant_context(tenant.id), \
            count_queries(parameters=True) as statements:
        login_user(db.session.get(User, owner))
        view.get_list(0, None, None, None, [])
    return statements


def test_my_open_tasks_are_counted_from_the_index_alone(app, tenant):
    """The count of the user's open tasks can read their status from the index (it was
    looked up in the table for each task: 12 ms on PostgreSQL, 26 on SQLite at 10,000
    of a user's tasks; 3.5 and 2.3 ms from the index). SQLite's plan shows it; with a
    few thousand tasks PostgreSQL may as well read the table, so there the index is
    checked to hold every column the count's condition reads."""
    [(count, parameters)] = [(s, p) for s, p in my_tasks_statements(app, tenant)
                             if s.startswith("SELECT count(*)")]
    if db.engine.dialect.name == "sqlite":
        plan = plan_of(count, parameters)
        assert "COVERING INDEX ix_task_tenant_assignee_due_status" in plan, plan
        return
    read = {name for name in ("tenant_id", "assignee_id", "status_id")
            if f"task.{name}" in count}
    assert read == {"tenant_id", "assignee_id", "status_id"}, count
    definition = db.session.execute(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = "
        "'ix_task_tenant_assignee_due_status'")).scalar()
    assert definition.endswith("(tenant_id, assignee_id, due_at, status_id)"), definition


def test_my_tasks_are_read_in_their_index_order(app, tenant):
    """Overdue first is due time ascending: no clock test in the ORDER BY, so PostgreSQL
    reads the user's tasks in index order (SQLite's index keeps undated tasks first, so
    it sorts them after reading)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps NULLs first in an index: undated tasks are sorted last")
    statements = my_tasks_statements(app, tenant)
    [(statement, parameters)] = [(s, p) for s, p in statements
                                 if s.startswith("SELECT task.id")]
    with app.test_request_context():
        plan = ids_plan(statement, parameters)
    # few tables joined: with eight, planning took PostgreSQL 20–30 ms, the work 2
    assert statement.count(" JOIN ") <= 3, statement
    assert "ix_task_tenant_assignee_due_status" in plan, plan
    assert not re.search(r"(^|->  )Sort  \(", plan, re.M), plan  # only ties (Incremental)
