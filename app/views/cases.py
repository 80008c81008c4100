"""Cases (C1), tasks and "My tasks" (C2). Every user of the tenant may create and edit
them; contacts, organisations and cases are chosen by typing (``form_ajax_refs``),
never from a drop-down of every record."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, request, url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.helpers import get_redirect_target
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import Optional

from app.extensions import db
from app.models import Case, Contact, Task, User
from app.models.case import CASE_CLOSED, CASE_OPEN
from app.models.dictionary import CASE_CATEGORY, PRIORITY, TASK_STATUS
from app.services import accounts, dictionaries
from app.services.activities import activities
from app.services.contacts import contacts
from app.services.errors import ServiceError
from app.services.terms import lazy_term
from app.services.work import cases, tasks
from app.transactions import commit_or_refuse
from app.views.base import SecureModelView, record_id
from app.views.custom_fields import CustomFieldsMixin
from app.views.fields import FIELD_LABELS, organisation_options, user_options
from app.views.formatters import link, link_formatter, local_time, plain
from app.views.lookups import (
    TenantLookup,
    contact_lookup,
    organisation_lookup,
)
from app.views.sales import ContactNameFilter
from app.views.screens import flash_refusal
from app.views.work_fields import (
    ConditionFilter,
    EditableListWidget,
    IdEqualFilter,
    IdInListFilter,
    InputRequiredWith,
    LocalDateTimeField,
    dictionary_entries,
    dictionary_options,
    limit_choices,
    per_request,
)

WORK_LABELS = {
    **FIELD_LABELS,
    "reference": _l("Reference"),
    "status": _l("Status"),
    "primary_contact": lazy_term("primary"),
    "secondary_contacts": lazy_term("others"),
    "category": _l("Category"),
    "description": _l("Description"),
    "opened_on": cases.OPENED_ON,
    "closed_on": cases.CLOSED_ON,
    "tasks": _l("Tasks"),
    "priority": _l("Priority"),
    "due_at": _l("Due"),
    "assignee": _l("Assignee"),
    "contact": lazy_term("singular"),
    "case": _l("Case"),
    "completed_at": _l("Completed"),
}
STATUS_BADGES = {CASE_OPEN: "primary", CASE_CLOSED: "secondary"}  # rejected: dark
TASK_STATUSES = dictionary_entries(TASK_STATUS)
PRIORITIES = dictionary_entries(PRIORITY)
CASE_CATEGORIES = dictionary_entries(CASE_CATEGORY)


def case_lookup(name: str) -> TenantLookup:
    return TenantLookup(name, Case, fields=("title",), search=cases.search_condition,
                        order_by=(Case.reference.desc(),))


def acting_user() -> User | None:
    """The logged-in user as a record of this request's session (form choices compare
    records, so it must be the very object the choices hold)."""
    return db.session.get(User, current_user.id)


def yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def yes_no_options() -> list[tuple[str, str]]:
    return [("1", _("Yes")), ("0", _("No"))]


# --- formatters -----------------------------------------------------------------------

def case_status_badge(view, context, model: Case, name) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATUS_BADGES.get(model.status, "dark"), cases.status_label(model.status))


def due_formatter(view, context, model: Task, name) -> Markup | str:
    """The due time, marked when the task is overdue."""
    text = local_time(model.due_at)
    if not tasks.is_overdue(model):
        return text
    return Markup(f'<span class="text-danger font-weight-bold">{escape(text)}</span> '
                  f'<span class="badge badge-danger kontakt-overdue">{escape(_("Overdue"))}'
                  '</span>')


def contact_links(view, context, model: Case, name) -> Markup:
    return Markup("<br>").join(link(contact, "contact") for contact in model.secondary_contacts)


def case_tasks(view, context, model: Case, name) -> Markup:
    """The case's tasks on its details page, and a link to add one."""
    rows = [Markup('<li>{} <small class="text-muted">{} · {}</small></li>').format(
        link(task, "task"), task.status, due_formatter(view, context, task, "due_at") or "—")
        for task in tasks.of_case(model.id)]
    new_task_url = url_for("task.create_view", case_id=model.id,
                           url=url_for("case.details_view", id=model.id))
    add = Markup('<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>').format(
        new_task_url, _("New task"))
    return Markup('<ul class="list-unstyled mb-2">{}</ul>{}').format(Markup("").join(rows), add)


# --- what the screens share -----------------------------------------------------------

class WorkView(CustomFieldsMixin, SecureModelView):
    """Cases and tasks: the tenant's configurable fields, relation choices computed per
    request (``choice_sources``), initial values for new records, a stable sort order,
    one query budget for the list, and lookups that name no record of the tenant are
    refused rather than silently dropped."""

    create_template = "kontakt/model_create.html"
    edit_template = "kontakt/model_edit.html"
    details_template = "kontakt/model_details.html"
    can_export = True
    export_types = ["csv", "xlsx"]
    column_labels = WORK_LABELS
    column_auto_select_related = False  # get_query loads exactly what the list shows
    choice_sources: dict = {}

    def default_order(self) -> list:
        return [self.model.id.desc()]

    def apply_sorting(self, query, joins, sort_column, sort_desc):
        if sort_column is None:
            return query.order_by(*self.default_order()), joins
        query, joins = super().apply_sorting(query, joins, sort_column, sort_desc)
        return query.order_by(self.model.id), joins  # ties keep one order across pages

    def initial_values(self) -> dict:
        """Values a new record's form starts with (override)."""
        return {}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        limit_choices(form, None, self.choice_sources)
        if request.method == "GET":
            for name, value in self.initial_values().items():
                if name in form and value is not None:
                    form[name].data = value
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        limit_choices(form, obj, self.choice_sources)
        return form

    def list_form(self, obj=None):
        form = super().list_form(obj)
        limit_choices(form, obj, self.choice_sources)
        return form

    def get_list(self, *args, **kwargs):
        """With in-place editors, their choices are read before the rows: the rows'
        values among them (statuses, priorities, users) are then found in the session
        when a row asks for them, instead of being read again (a status that is no
        longer active is among the dictionary's entries read for the filter)."""
        if self.column_editable_list:
            for source in self.choice_sources.values():
                per_request(source)
        return super().get_list(*args, **kwargs)

    def scaffold_list_form(self, widget=None, validators=None):
        return super().scaffold_list_form(widget or EditableListWidget(), validators)


# --- cases ----------------------------------------------------------------------------

class CaseView(WorkView):
    column_list = ("reference", "title", "status", "primary_contact", "organisation",
                   "responsible_user", "category", "opened_on", "closed_on")
    column_sortable_list = (
        "reference", "title", ("status", cases.STATUS_ORDER),
        ("primary_contact", ("primary_contact.last_name", "primary_contact.first_name")),
        ("organisation", "organisation.name"),
        ("responsible_user", "responsible_user.full_name"),
        ("category", "category.position"), "opened_on", "closed_on")
    column_searchable_list = ("title",)  # the search itself: services.cases
    column_filters = (
        FilterEqual(Case.status, _l("Status"), options=cases.status_choices),
        IdEqualFilter(Case.responsible_user_id, _l("Responsible user"), options=user_options),
        IdEqualFilter(Case.category_id, _l("Category"),
                      options=dictionary_options(CASE_CATEGORY)),
        ConditionFilter(Case.id, lazy_term("singular"), _l("matches"), condition=lambda text:
                        cases.party_condition(contacts.search_condition(text))),
        ConditionFilter(Case.id, lazy_term("singular"), _l("has id"), parse=record_id,
                        condition=lambda number: cases.party_condition(Contact.id == number)),
        IdEqualFilter(Case.organisation_id, _l("Organisation"), options=organisation_options),
        "opened_on", "closed_on",
    )
    column_details_list = ("reference", "title", "status", "primary_contact",
                           "secondary_contacts", "organisation", "responsible_user",
                           "category", "description", "opened_on", "closed_on", "tasks",
                           "created_at")
    column_export_list = ("reference", "title", "status", "primary_contact",
                          "secondary_contacts", "organisation", "responsible_user",
                          "category", "opened_on", "closed_on", "description")
    column_formatters = {
        "status": case_status_badge,
        "primary_contact": link_formatter("contact"),
        "organisation": link_formatter("organisation"),
        "secondary_contacts": contact_links,
        "tasks": case_tasks,
    }
    column_formatters_export = {
        "status": lambda v, c, m, n: cases.status_label(m.status),
        "secondary_contacts": lambda v, c, m, n: ", ".join(map(str, m.secondary_contacts)),
        "primary_contact": plain, "organisation": plain, "responsible_user": plain,
        "category": plain,
    }
    list_load_options = (joinedload(Case.primary_contact), joinedload(Case.organisation),
                         joinedload(Case.responsible_user), joinedload(Case.category))
    details_load_options = (*list_load_options, selectinload(Case.secondary_contacts))
    export_load_options = (selectinload(Case.secondary_contacts),)

    form_columns = ("title", "status", "primary_contact", "secondary_contacts",
                    "organisation", "responsible_user", "category", "opened_on",
                    "description")
    form_choices = {"status": list(cases.STATUS_LABELS.items())}
    form_ajax_refs = {"primary_contact": contact_lookup("primary_contact"),
                      "secondary_contacts": contact_lookup("secondary_contacts"),
                      "organisation": organisation_lookup("organisation")}
    form_args = {"primary_contact": {
        "validators": [InputRequiredWith(message=cases.PRIMARY_CONTACT_REQUIRED)]}}
    choice_sources = {"responsible_user": accounts.active_users, "category": CASE_CATEGORIES}

    search_hint = _l("Title or case no.")

    def search_condition(self, search: str):
        return cases.search_condition(search)

    def create_blueprint(self, admin):
        """The status colours serve the contact profile's cases tab too."""
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(STATUS_BADGES, "case_status_badges")
        return blueprint

    def build_new_instance(self) -> Case:
        return cases.new_case()

    def initial_values(self) -> dict:
        """The creator as responsible user; from a contact's "new case" link
        (``?contact_id=N``) the contact and its organisation, from an organisation's
        (``?organisation_id=N``) the organisation."""
        contact_id = record_id(request.args.get("contact_id", ""))
        organisation_id = record_id(request.args.get("organisation_id", ""))
        return {"responsible_user": acting_user(), **cases.prefill(contact_id, organisation_id)}

    def on_model_change(self, form, model: Case, is_created: bool) -> None:
        cases.prepare(model, is_new=is_created, creator_id=current_user.id)
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model: Case, is_created: bool) -> None:
        self.flash_saved(_("Case %(case)s was saved.", case=str(model)))


# --- tasks ----------------------------------------------------------------------------

STATUS_ACTION = "status"
ASSIGN_ACTION = "assign"
BULK_CHANGES = {STATUS_ACTION: tasks.set_status, ASSIGN_ACTION: tasks.set_assignee}


class TaskView(WorkView):
    column_list = ("title", "status", "priority", "due_at", "assignee", "contact", "case")
    column_editable_list = ("status", "due_at", "assignee", "priority")
    column_sortable_list = (
        "title", ("status", "status.position"), ("priority", "priority.position"), "due_at",
        ("assignee", "assignee.full_name"),
        ("contact", ("contact.last_name", "contact.first_name")), ("case", "case.reference"))
    column_searchable_list = ("title",)
    column_filters = (
        IdInListFilter(Task.status_id, _l("Status"), options=dictionary_options(TASK_STATUS)),
        IdEqualFilter(Task.assignee_id, _l("Assignee"), options=user_options),
        IdEqualFilter(Task.priority_id, _l("Priority"), options=dictionary_options(PRIORITY)),
        ConditionFilter(Task.id, _l("Overdue"), _l("equals"), parse=yes_no,
                        condition=tasks.overdue_filter, options=yes_no_options),
        ContactNameFilter(Task.contact_id, lazy_term("singular")),
        ConditionFilter(Task.contact_id, lazy_term("singular"), _l("has id"), parse=record_id,
                        condition=lambda number: Task.contact_id == number),
        ConditionFilter(Task.case_id, _l("Case"), _l("matches"), condition=lambda text:
                        Task.case_id.in_(cases.matching_ids(text))),
    )
    column_details_list = ("title", "status", "priority", "due_at", "assignee", "contact",
                           "case", "description", "completed_at", "created_at")
    column_export_list = ("title", "status", "priority", "due_at", "assignee", "contact",
                          "case", "completed_at", "description")
    column_formatters = {"due_at": due_formatter, "contact": link_formatter("contact"),
                         "case": link_formatter("case")}
    column_formatters_export = {
        "status": plain, "priority": plain, "assignee": plain, "contact": plain,
        "case": plain}
    # Not joined: the page's statement had eight tables, which PostgreSQL took 20–30 ms
    # to plan (for 2 ms of work) at a million contacts. In the list the status, priority
    # and assignee come from the session, its editors' choices being read first
    # (WorkView.get_list); an export and the details page read them in statements of
    # their own.
    list_load_options = (joinedload(Task.contact), joinedload(Task.case))
    export_load_options = (selectinload(Task.status), selectinload(Task.priority),
                           selectinload(Task.assignee))
    details_load_options = (*export_load_options, *list_load_options)

    form_columns = ("title", "status", "priority", "due_at", "assignee", "contact", "case",
                    "description")
    form_overrides = {"due_at": LocalDateTimeField}
    form_ajax_refs = {"contact": contact_lookup("contact"), "case": case_lookup("case")}
    # left empty, the status is the first active one (services.tasks)
    form_args = {"status": {"validators": [Optional()]}}
    choice_sources = {"status": TASK_STATUSES, "priority": PRIORITIES,
                      "assignee": accounts.active_users}

    def default_order(self) -> list:
        return [Task.due_at.asc().nulls_last(), Task.id]

    def initial_values(self) -> dict:
        """The creator as assignee, the first status; from a case's or a contact's
        "new task" link (``?case_id=N``, ``?contact_id=N``) the case and contact."""
        found = tasks.prefill(record_id(request.args.get("case_id", "")),
                              record_id(request.args.get("contact_id", "")))
        return {"assignee": acting_user(),
                "status": dictionaries.default_entry(TASK_STATUS), **found}

    def on_model_change(self, form, model: Task, is_created: bool) -> None:
        tasks.prepare(model, is_new=is_created, creator_id=current_user.id)
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model: Task, is_created: bool) -> None:
        if request.endpoint != f"{self.endpoint}.ajax_update":  # answered there itself
            self.flash_saved(_("Task %(title)s was saved.", title=model.title))

    # bulk changes: one action per status and per user, named "status-<id>" …
    def get_actions_list(self):
        actions, confirmations = super().get_actions_list()
        if self.can_edit:
            actions += [(f"{STATUS_ACTION}-{entry.id}", _("Set status: %(status)s",
                                                          status=str(entry)))
                        for entry in per_request(TASK_STATUSES)]
            actions += [(f"{ASSIGN_ACTION}-{user.id}", _("Assign to %(user)s", user=str(user)))
                        for user in per_request(accounts.active_users)]
        return actions, confirmations

    def handle_action(self, return_view=None):
        kind, _dash, target = (request.form.get("action") or "").partition("-")
        change = BULK_CHANGES.get(kind)
        if change is None or not self.can_edit:
            return super().handle_action(return_view)
        if self.validate_form(self.action_form()):
            self._change_selected(change, record_id(target))
        return redirect(get_redirect_target() or self.get_url(".index_view"))

    def _change_selected(self, change, target_id: int | None) -> None:
        """Apply a bulk change to the selected tasks; ids of no task of this tenant are
        ignored by the service."""
        selected = [n for n in map(record_id, request.form.getlist("rowid")) if n is not None]

        def apply() -> int:
            if target_id is None:
                raise ServiceError(_("Not a valid choice."))
            return change(selected, target_id)

        changed = commit_or_refuse(apply, flash_refusal)
        if changed:
            flash(ngettext("%(num)d task was changed.", "%(num)d tasks were changed.",
                           changed.value), "success")


class MyTasksView(TaskView):
    """The logged-in user's open tasks, overdue ones first; edited as in the task list.
    Above them, the user's planned activities (E4's follow-ups)."""

    list_template = "kontakt/cases/my_tasks.html"
    planned_shown = 50

    def render(self, template, **kwargs):
        if template == self.list_template:
            planned = activities.planned_for(current_user.id, limit=self.planned_shown)
            now = datetime.now(UTC)
            kwargs.update(planned_activities=planned, activity_kinds=activities.kind_labels(),
                          late_ids={a.id for a in planned if activities.is_overdue(a, now)})
        return super().render(template, **kwargs)

    def get_query(self):
        return super().get_query().filter(tasks.open_tasks_of(current_user.id))

    def get_count_query(self):
        return super().get_count_query().filter(tasks.open_tasks_of(current_user.id))

    def default_order(self) -> list:
        return tasks.overdue_first()
