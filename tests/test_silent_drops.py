"""A posted id of a related record that is another tenant's, or names nothing, is
refused beside its field (never saved as empty, never left out of a multiple choice),
on every form that chooses related records: contacts, organisations, cases, tasks,
activities, opportunities, campaigns and projects."""

from __future__ import annotations

from types import SimpleNamespace as Ref

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Activity,
    Campaign,
    Case,
    Contact,
    Opportunity,
    Organisation,
    Project,
    Tag,
    Task,
)
from app.models.dictionary import ACTIVITY_CATEGORY, CASE_CATEGORY, PRIORITY
from app.services import dictionaries
from app.tenancy import tenant_context
from tests.conftest import errors_in, reload, translated, user_id
from tests.factories import (
    activity_form,
    case_form,
    contact_form,
    gen_case,
    gen_contact,
    gen_organisation,
    gen_with_participants,
)

UNKNOWN = "987654"  # an id that names no record at all


def first_entry(tenant_id: int, dictionary: str) -> int:
    with tenant_context(tenant_id):
        return dictionaries.default_entry(dictionary).id


def make_tag(tenant_id: int, name: str) -> int:
    with tenant_context(tenant_id):
        tag = Tag(name=name, colour="#336699")
        db.session.add(tag)
        db.session.commit()
        return tag.id


def world(tenant_id: int, suffix: str) -> Ref:
    """One of each kind of record a form may choose, in one tenant."""
    org = gen_organisation(tenant_id, f"Nordlys {suffix}")
    person = gen_contact(tenant_id, org, "Jens", f"Hansen {suffix}", email=None)
    return Ref(
        organisation=org, contact=person, case=gen_case(tenant_id, person),
        project=gen_with_participants(Project, tenant_id, f"Projekt {suffix}"),
        tag=make_tag(tenant_id, f"Mærke {suffix}"),
        user=user_id(tenant_id, f"admin@{'alpha' if suffix == 'A' else 'beta'}.example"),
        priority=first_entry(tenant_id, PRIORITY),
        case_category=first_entry(tenant_id, CASE_CATEGORY),
        activity_category=first_entry(tenant_id, ACTIVITY_CATEGORY),
    )


@pytest.fixture
def worlds(tenant_a, tenant_b) -> tuple[Ref, Ref]:
    return world(tenant_a.id, "A"), world(tenant_b.id, "B")


# (what is created, its list URL, the valid form in tenant A, field, kind of id posted)
FORMS = {
    "contact": (Contact, "/admin/contact/new/",
                lambda a: contact_form(a.organisation, email="ny@nordlys.example")),
    "organisation": (Organisation, "/admin/organisation/new/", lambda a: {"name": "Ny ApS"}),
    "case": (Case, "/admin/case/new/", lambda a: case_form(a.contact)),
    "task": (Task, "/admin/task/new/", lambda a: {"title": "Ring tilbage"}),
    "activity": (Activity, "/admin/activity/new/",
                 lambda a: activity_form(a.organisation, [a.contact])),
    "opportunity": (Opportunity, "/admin/opportunity/new/", lambda a: {"title": "Aftale"}),
    "campaign": (Campaign, "/admin/campaign/new/", lambda a: {"name": "Forår"}),
    "project": (Project, "/admin/project/new/", lambda a: {"name": "Nyt projekt"}),
}
FIELDS = [
    ("contact", "responsible_user", "user"), ("contact", "tags", "tag"),
    ("organisation", "responsible_user", "user"), ("organisation", "tags", "tag"),
    ("case", "responsible_user", "user"), ("case", "category", "case_category"),
    ("case", "organisation", "organisation"), ("case", "secondary_contacts", "contact"),
    ("task", "assignee", "user"), ("task", "priority", "priority"),
    ("task", "contact", "contact"), ("task", "case", "case"),
    ("activity", "employee", "user"), ("activity", "priority", "priority"),
    ("activity", "category", "activity_category"), ("activity", "case", "case"),
    ("activity", "project", "project"),
    ("opportunity", "owner", "user"), ("opportunity", "organisation", "organisation"),
    ("opportunity", "contact", "contact"),
    ("campaign", "participants", "contact"),
    ("project", "owner", "user"), ("project", "organisation", "organisation"),
    ("project", "participants", "contact"),
]


def count(model, tenant_id: int) -> int:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("source", ["foreign", "unknown"])
@pytest.mark.parametrize(("form", "field", "kind"), FIELDS,
                         ids=[f"{form}-{field}" for form, field, _kind in FIELDS])
def test_foreign_or_unknown_id_is_refused_beside_its_field(admin_client, tenant_a, worlds,
                                                           form, field, kind, source):
    own, foreign = worlds
    model, url, valid = FORMS[form]
    before = count(model, tenant_a.id)
    posted = str(getattr(foreign, kind)) if source == "foreign" else UNKNOWN
    response = admin_client.post(url, data={**valid(own), field: posted})
    assert response.status_code == 200, (form, field)
    assert translated("Not a valid choice.") in errors_in(response.get_data(as_text=True))
    assert count(model, tenant_a.id) == before


@pytest.mark.parametrize(("form", "field", "kind"),
                         [("contact", "tags", "tag"), ("case", "secondary_contacts", "contact"),
                          ("project", "participants", "contact")])
def test_a_foreign_id_among_own_ones_is_refused_too(admin_client, tenant_a, worlds,
                                                    form, field, kind):
    """A multiple choice is not saved with the foreign ids quietly left out."""
    own, foreign = worlds
    model, url, valid = FORMS[form]
    before = count(model, tenant_a.id)
    data = valid(own)
    data[field] = [str(getattr(own, kind)), str(getattr(foreign, kind))]
    if form != "contact":  # lookups of several post their ids comma-separated
        data[field] = ",".join(data[field])
    response = admin_client.post(url, data=data)
    assert translated("Not a valid choice.") in errors_in(response.get_data(as_text=True))
    assert count(model, tenant_a.id) == before


def test_own_choices_are_saved(admin_client, tenant_a, worlds):
    own, _foreign = worlds
    response = admin_client.post("/admin/task/new/", data={
        "title": "Ring tilbage", "assignee": str(own.user), "priority": str(own.priority),
        "contact": str(own.contact), "case": str(own.case)})
    assert response.status_code == 302
    with tenant_context(tenant_a.id):
        task = db.session.scalar(select(Task).where(Task.title == "Ring tilbage"))
        assert (task.assignee_id, task.priority_id, task.contact_id, task.case_id) == (
            own.user, own.priority, own.contact, own.case)


def test_editing_keeps_the_old_value_when_a_foreign_one_is_posted(admin_client, tenant_a,
                                                                  worlds):
    own, foreign = worlds
    with tenant_context(tenant_a.id):
        db.session.get(Contact, own.contact).responsible_user_id = own.user
        db.session.commit()
    panel = f"/admin/contact/{own.contact}/profile/panel/responsible/edit"
    response = admin_client.post(panel, data={"responsible_user": str(foreign.user)})
    assert response.status_code == 422
    assert translated("Not a valid choice.") in errors_in(response.get_data(as_text=True))
    assert reload(Contact, tenant_a.id, own.contact).responsible_user_id == own.user


def test_in_place_list_edit_refuses_a_foreign_choice(admin_client, tenant_a, worlds):
    own, foreign = worlds
    with tenant_context(tenant_a.id):
        task = Task(title="Ring", status_id=dictionaries.default_entry("task_status").id,
                    assignee_id=own.user)
        db.session.add(task)
        db.session.commit()
        task_id = task.id
    response = admin_client.post("/admin/task/ajax/update/", data={
        "list_form_pk": str(task_id), "assignee": str(foreign.user)})
    assert response.status_code >= 400
    assert reload(Task, tenant_a.id, task_id).assignee_id == own.user
