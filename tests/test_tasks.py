"""Tasks (C2): defaults, completion, times in the display time zone, "My tasks",
in-place editing, bulk changes, filters, sorting, query budget, tenant isolation and
the demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Case, Task
from app.models.dictionary import PRIORITY, TASK_STATUS
from app.services import dictionaries
from app.services.times import to_utc
from app.tenancy import tenant_context
from tests.conftest import (
    entry_id,
    feedback,
    filter_arg,
    list_html,
    login,
    records,
    selected_option,
    titles_in,
    user_id,
    view_of,
    warm_statements,
)
from tests.factories import gen_case, gen_contact, gen_organisation, gen_task, task_form

# --- helpers --------------------------------------------------------------------------


def status(tenant_id: int, key: str) -> int:
    return entry_id(tenant_id, TASK_STATUS, key)


def get_task(tenant_id: int, task_id: int) -> Task | None:
    db.session.expire_all()
    with tenant_context(tenant_id):
        task = db.session.get(Task, task_id)
        if task is not None:
            task.status  # noqa: B018 - loaded while the tenant is current
        return task


def hours_from_now(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


# --- creating and completing ----------------------------------------------------------

def test_new_task_defaults_to_creator_and_first_active_status(user_client, tenant_a):
    with tenant_context(tenant_a.id):  # the first entry ("new") is retired
        dictionaries.by_key(TASK_STATUS, "new").active = False
        db.session.commit()
    form = user_client.get("/admin/task/new/").get_data(as_text=True)
    assert "Ny" not in form.split('name="status"')[1].split("</select>")[0]
    assert selected_option(form, "status") == str(status(tenant_a.id, "in_progress"))
    assert selected_option(form, "assignee") == str(user_id(tenant_a.id, "user@alpha.example"))
    response = user_client.post("/admin/task/new/", data=task_form())
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [task] = records(Task, tenant_a.id)
    assert task.assignee_id == user_id(tenant_a.id, "user@alpha.example")
    assert task.status_id == status(tenant_a.id, "in_progress")
    assert task.completed_at is None


def test_done_status_completes_and_other_status_reopens(admin_client, tenant_a):
    task_id = gen_task(tenant_a.id)
    admin_client.post(f"/admin/task/edit/?id={task_id}",
                      data=task_form(status=status(tenant_a.id, "done")))
    completed = get_task(tenant_a.id, task_id).completed_at
    assert completed is not None and abs(to_utc(completed) - datetime.now(UTC)) < \
        timedelta(minutes=1)
    admin_client.post(f"/admin/task/edit/?id={task_id}",  # done → cancelled: still done
                      data=task_form(status=status(tenant_a.id, "cancelled")))
    assert get_task(tenant_a.id, task_id).completed_at == completed
    admin_client.post(f"/admin/task/edit/?id={task_id}",
                      data=task_form(status=status(tenant_a.id, "waiting")))
    assert get_task(tenant_a.id, task_id).completed_at is None


def test_due_time_is_typed_and_shown_in_the_display_time_zone(admin_client, tenant_a):
    response = admin_client.post("/admin/task/new/", data=task_form(
        due_at="2026-06-01 12:00"))
    assert response.status_code == 302, feedback(response.get_data(as_text=True))
    [task] = records(Task, tenant_a.id)
    assert to_utc(task.due_at) == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # CEST is UTC+2
    form = admin_client.get(f"/admin/task/edit/?id={task.id}").get_data(as_text=True)
    assert 'value="01.06.2026 12:00"' in form  # as Danish writes it


def test_task_from_a_case_link_prefills_case_and_contact(admin_client, tenant_a, tenant_b):
    contact = gen_contact(tenant_a.id, last_name="Sagsen")
    case_id = gen_case(tenant_a.id, contact, "Sagen om taget")
    html = admin_client.get(f"/admin/task/new/?case_id={case_id}").get_data(as_text=True)
    assert "Sagen om taget" in html and "Jens Sagsen" in html
    foreign_case = gen_case(tenant_b.id, gen_contact(tenant_b.id, last_name="Kowalski"), "Obca")
    for case_arg in (str(foreign_case), "x", "99999999999"):
        response = admin_client.get(f"/admin/task/new/?case_id={case_arg}&contact_id=x")
        assert response.status_code == 200
        assert "Obca" not in response.get_data(as_text=True)


def test_foreign_status_or_assignee_is_refused_in_the_form(admin_client, tenant_a, tenant_b):
    for values in ({"status": status(tenant_b.id, "done")},
                   {"assignee": user_id(tenant_b.id, "admin@beta.example")},
                   {"priority": entry_id(tenant_b.id, PRIORITY, "high")}):
        response = admin_client.post("/admin/task/new/", data=task_form(**values))
        assert response.status_code == 200
    assert records(Task, tenant_a.id) == []


# --- my tasks -----------------------------------------------------------------------------

def test_my_tasks_lists_own_open_tasks_overdue_first(client, tenant_a):
    me = user_id(tenant_a.id, "user@alpha.example")
    colleague = user_id(tenant_a.id, "admin@alpha.example")
    gen_task(tenant_a.id, "I morgen", assignee_id=me, due_at=hours_from_now(24))
    gen_task(tenant_a.id, "Uden frist", assignee_id=me)
    gen_task(tenant_a.id, "Forfalden i går", assignee_id=me, due_at=hours_from_now(-24))
    gen_task(tenant_a.id, "Forfalden for en uge", assignee_id=me,
              due_at=hours_from_now(-24 * 7))
    with tenant_context(tenant_a.id):
        done = dictionaries.by_key(TASK_STATUS, "done")
        gen_task(tenant_a.id, "Allerede udført", assignee_id=me, status=done,
                  due_at=hours_from_now(-48))
    gen_task(tenant_a.id, "Kollegas opgave", assignee_id=colleague, due_at=hours_from_now(-5))
    login(client, "user@alpha.example")
    html = list_html(client, "my_tasks")
    everything = ["I morgen", "Uden frist", "Forfalden i går", "Forfalden for en uge",
                  "Allerede udført", "Kollegas opgave"]
    assert titles_in(html, everything) == ["Forfalden for en uge", "Forfalden i går",
                                           "I morgen", "Uden frist"]
    assert html.count("kontakt-overdue") == 2
    # the whole task list still holds everything
    assert len(titles_in(list_html(client, "task"), everything)) == 6


# --- in-place editing -------------------------------------------------------------------

def update(client, endpoint: str, task_id: int, **values):
    return client.post(f"/admin/{endpoint}/ajax/update/",
                       data={"list_form_pk": str(task_id), **{k: str(v) for k, v
                                                               in values.items()}})


def test_status_due_assignee_priority_are_editable_in_the_list(admin_client, tenant_a):
    task_id = gen_task(tenant_a.id)
    html = list_html(admin_client, "task")
    for column in ("status", "due_at", "assignee", "priority"):
        assert f'name="{column}"' in html and 'data-role="x-editable' in html
    assert update(admin_client, "task", task_id, status=status(tenant_a.id, "done")) \
        .status_code == 200
    task = get_task(tenant_a.id, task_id)
    assert task.status.key == "done" and task.completed_at is not None
    assert update(admin_client, "task", task_id, due_at="2026-03-01 10:00:00").status_code \
        == 200
    assert to_utc(get_task(tenant_a.id, task_id).due_at) == datetime(2026, 3, 1, 9, 0,
                                                                      tzinfo=UTC)
    colleague = user_id(tenant_a.id, "user@alpha.example")
    assert update(admin_client, "my_tasks", task_id, assignee=colleague).status_code == 200
    high = entry_id(tenant_a.id, PRIORITY, "high")
    assert update(admin_client, "task", task_id, priority=high).status_code == 200
    task = get_task(tenant_a.id, task_id)
    assert (task.assignee_id, task.priority_id) == (colleague, high)
    assert update(admin_client, "task", task_id, priority="__None").status_code == 200
    assert get_task(tenant_a.id, task_id).priority_id is None


def test_in_place_edit_refuses_other_tenants_choices_and_tasks(client, tenant_a, tenant_b):
    task_a = gen_task(tenant_a.id, "A's opgave")
    task_b = gen_task(tenant_b.id, "B's zadanie")
    login(client, "admin@alpha.example")
    for values in ({"status": status(tenant_b.id, "done")},
                   {"assignee": user_id(tenant_b.id, "admin@beta.example")},
                   {"priority": entry_id(tenant_b.id, PRIORITY, "high")},
                   {"due_at": "not a time"}):
        assert update(client, "task", task_a, **values).status_code == 400
    assert update(client, "task", task_b, status=status(tenant_a.id, "done")).status_code \
        == 404
    assert update(client, "task", "abc", status=status(tenant_a.id, "done")).status_code \
        == 404
    task = get_task(tenant_a.id, task_a)
    assert (task.status.key, task.assignee_id, task.priority_id) == ("new", None, None)
    assert get_task(tenant_b.id, task_b).status.key == "new"


# --- bulk changes -------------------------------------------------------------------------

def test_bulk_status_and_assignee_change_only_own_tasks(client, tenant_a, tenant_b):
    own = [gen_task(tenant_a.id, f"Opgave {n}") for n in range(3)]
    foreign = gen_task(tenant_b.id, "Zadanie")
    login(client, "admin@alpha.example")
    actions = client.get("/admin/task/").get_data(as_text=True)
    done = status(tenant_a.id, "done")
    assert f"status-{done}" in actions
    response = client.post("/admin/task/action/", data={
        "action": f"status-{done}", "rowid": [str(own[0]), str(own[1]), str(foreign), "x"]})
    assert response.status_code == 302
    assert [get_task(tenant_a.id, i).status.key for i in own] == ["done", "done", "new"]
    assert get_task(tenant_a.id, own[0]).completed_at is not None
    assert get_task(tenant_b.id, foreign).status.key == "new"
    colleague = user_id(tenant_a.id, "user@alpha.example")
    client.post("/admin/task/action/", data={"action": f"assign-{colleague}",
                                             "rowid": [str(own[2]), str(foreign)]})
    assert get_task(tenant_a.id, own[2]).assignee_id == colleague
    assert get_task(tenant_b.id, foreign).assignee_id is None
    # another tenant's status or user is refused
    for action in (f"status-{status(tenant_b.id, 'done')}",
                   f"assign-{user_id(tenant_b.id, 'admin@beta.example')}", "status-x"):
        client.post("/admin/task/action/", data={"action": action, "rowid": [str(own[2])]})
    task = get_task(tenant_a.id, own[2])
    assert (task.status.key, task.assignee_id) == ("new", colleague)


def test_bulk_delete_ignores_other_tenants_tasks(client, tenant_a, tenant_b):
    own = gen_task(tenant_a.id)
    foreign = gen_task(tenant_b.id)
    login(client, "admin@alpha.example")
    client.post("/admin/task/action/", data={"action": "delete",
                                             "rowid": [str(own), str(foreign), "x"]})
    assert get_task(tenant_a.id, own) is None
    assert get_task(tenant_b.id, foreign) is not None


# --- filters and sorting --------------------------------------------------------------------

def four_tasks(tenant_a) -> dict[str, int]:
    me = user_id(tenant_a.id, "admin@alpha.example")
    colleague = user_id(tenant_a.id, "user@alpha.example")
    contact = gen_contact(tenant_a.id, last_name="Kundesen")
    with tenant_context(tenant_a.id):
        statuses = {key: dictionaries.by_key(TASK_STATUS, key)
                    for key in ("new", "in_progress", "waiting", "done")}
    return {
        "contact": contact,
        "Alfa": gen_task(tenant_a.id, "Alfa", status=statuses["new"], assignee_id=me,
                          due_at=hours_from_now(-3), contact_id=contact,
                          priority_id=entry_id(tenant_a.id, PRIORITY, "high")),
        "Beta": gen_task(tenant_a.id, "Beta", status=statuses["in_progress"],
                          assignee_id=colleague, due_at=hours_from_now(30)),
        "Gamma": gen_task(tenant_a.id, "Gamma", status=statuses["waiting"], assignee_id=me),
        "Delta": gen_task(tenant_a.id, "Delta", status=statuses["done"],
                           assignee_id=colleague, due_at=hours_from_now(-50)),
    }


TASK_TITLES = ["Alfa", "Beta", "Gamma", "Delta"]


def test_task_list_filters(app, admin_client, tenant_a):
    ids = four_tasks(tenant_a)

    def shown(name: str, value, operation: str = "equals") -> list[str]:
        query = f"?{filter_arg(app, 'task', name, operation)}={value}"
        return sorted(titles_in(list_html(admin_client, "task", query), TASK_TITLES))

    several = f"{status(tenant_a.id, 'new')},{status(tenant_a.id, 'waiting')}"
    assert shown("Status", several, "in list") == ["Alfa", "Gamma"]
    assert shown("Status", status(tenant_a.id, "done"), "in list") == ["Delta"]
    # refused, not sent to the database
    assert shown("Status", "1,x", "in list") == sorted(TASK_TITLES)
    assert shown("Assignee", user_id(tenant_a.id, "user@alpha.example")) == ["Beta", "Delta"]
    assert shown("Priority", entry_id(tenant_a.id, PRIORITY, "high")) == ["Alfa"]
    assert shown("Overdue", "1") == ["Alfa"]
    assert shown("Overdue", "0") == ["Beta", "Delta", "Gamma"]
    assert shown("Contact", "Kundesen", "matches") == ["Alfa"]
    assert shown("Contact", ids["contact"], "has id") == ["Alfa"]


def test_task_list_sorts_on_every_column(app, admin_client, tenant_a):
    ids = four_tasks(tenant_a)
    contact = gen_contact(tenant_a.id, last_name="Aagaard")
    case_id = gen_case(tenant_a.id, contact, "Sagen")
    with tenant_context(tenant_a.id):
        db.session.get(Task, ids["Gamma"]).case_id = case_id
        db.session.commit()
    view = view_of(app, "task")
    for index, _column in enumerate(view.column_list):
        for desc in ("", "&desc=1"):
            assert admin_client.get(f"/admin/task/?sort={index}{desc}").status_code == 200
    by_status = list_html(admin_client, "task", f"?sort={view.column_list.index('status')}")
    assert titles_in(by_status, TASK_TITLES) == ["Alfa", "Beta", "Gamma", "Delta"]
    by_due = list_html(admin_client, "task", f"?sort={view.column_list.index('due_at')}")
    dated = ["Alfa", "Beta", "Delta"]  # where undated ones go is the database's choice
    assert titles_in(by_due, dated) == ["Delta", "Alfa", "Beta"]
    # unsorted: by due time, undated last
    assert titles_in(list_html(admin_client, "task"), TASK_TITLES) == \
        ["Delta", "Alfa", "Beta", "Gamma"]


def test_task_search_by_title(admin_client, tenant_a):
    four_tasks(tenant_a)
    assert titles_in(list_html(admin_client, "task", "?search=gam"), TASK_TITLES) == ["Gamma"]


def test_task_lists_query_count_is_fixed(admin_client, tenant_a):
    me = user_id(tenant_a.id, "admin@alpha.example")
    contact = gen_contact(tenant_a.id)
    case_id = gen_case(tenant_a.id, contact)
    high = entry_id(tenant_a.id, PRIORITY, "high")
    counts: dict[str, list[int]] = {"task": [], "my_tasks": []}
    for batch in range(2):
        for index in range(3 + 10 * batch):
            gen_task(tenant_a.id, f"Opgave {batch}-{index}", assignee_id=me,
                      contact_id=contact, case_id=case_id, priority_id=high,
                      due_at=hours_from_now(index - 5))
        for endpoint, found in counts.items():
            response, statements = warm_statements(admin_client,
                                                   f"/admin/{endpoint}/?page_size=50")
            assert response.status_code == 200
            found.append(len(statements))
    assert counts["task"][0] == counts["task"][1]
    assert counts["my_tasks"][0] == counts["my_tasks"][1]


# --- tenant isolation -------------------------------------------------------------------------

def test_other_tenant_cannot_reach_tasks(client, tenant_a, tenant_b):
    task_id = gen_task(tenant_a.id, "Hemmelig opgave",
                        assignee_id=user_id(tenant_a.id, "admin@alpha.example"))
    login(client, "admin@beta.example")
    for endpoint in ("task", "my_tasks"):
        assert "Hemmelig" not in list_html(client, endpoint)
        for view in ("details", "edit"):
            response = client.get(f"/admin/{endpoint}/{view}/?id={task_id}")
            assert response.status_code == 302
            assert "Hemmelig" not in response.get_data(as_text=True)
        for export in ("csv", "xlsx"):
            response = client.get(f"/admin/{endpoint}/export/{export}/")
            assert response.status_code == 200 and b"Hemmelig" not in response.data
    client.post(f"/admin/task/edit/?id={task_id}", data=task_form("Overtaget"))
    client.post("/admin/task/delete/", data={"id": task_id})
    task = get_task(tenant_a.id, task_id)
    assert task is not None and task.title == "Hemmelig opgave"
    assert records(Task, tenant_b.id) == []


def test_task_export_holds_local_times(admin_client, tenant_a):
    gen_task(tenant_a.id, "Eksport", due_at=datetime(2026, 1, 15, 8, 30, tzinfo=UTC))
    export = admin_client.get("/admin/task/export/csv/").get_data(as_text=True)
    assert "Eksport" in export and "15-01-2026 09:30" in export  # as Danish Excel reads it


# --- demo data ------------------------------------------------------------------------------

def test_demo_filler_makes_cases_and_tasks_some_overdue(tenant_a):
    from app.demo.cases import fill_cases
    from app.demo.contacts import fill_contacts
    from app.models import Tenant
    from app.services.work.tasks import overdue_condition

    with tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        fill_contacts(tenant, "da_DK", 12)
        fill_cases(tenant, "da_DK", 12)
        db.session.commit()
        references = sorted(db.session.scalars(select(Case.reference)))
        assert references == list(range(1, len(references) + 1)) and len(references) >= 3
        assert db.session.scalar(select(Task.id).where(overdue_condition()).limit(1))
        for user in ("admin@alpha.example", "user@alpha.example"):
            mine = select(Task.id).where(overdue_condition(),
                                         Task.assignee_id == user_id(tenant_a.id, user))
            assert db.session.scalar(mine.limit(1)) is not None
        done = list(db.session.scalars(select(Task).where(Task.completed_at.is_not(None))))
        assert all(task.status.is_done for task in done)


def test_my_tasks_shows_my_planned_activities(admin_client, tenant_a):
    from datetime import UTC, datetime

    from app.models import Activity, Contact, Employment, User

    org = gen_organisation(tenant_a.id)
    with tenant_context(tenant_a.id):
        me = db.session.scalar(select(User).where(User.email == "admin@alpha.example"))
        other = db.session.scalar(select(User).where(User.email == "user@alpha.example"))
        person = Contact(first_name="Per", last_name="Planlagt", email="per@x.dk",
                         employments=[Employment(organisation_id=org)])
        db.session.add(person)
        for subject, employee, completed in (("Ring tilbage til Per", me, False),
                                             ("Andens møde", other, False),
                                             ("Gammelt opkald", me, True)):
            db.session.add(Activity(kind="call", subject=subject, organisation_id=org,
                                    contacts=[person], employee=employee, planned=True,
                                    completed=completed,
                                    starts_at=datetime(2030, 1, 1, 9, tzinfo=UTC)))
        db.session.commit()
    page = admin_client.get("/admin/my_tasks/").get_data(as_text=True)
    assert "Ring tilbage til Per" in page
    assert "Andens møde" not in page and "Gammelt opkald" not in page
