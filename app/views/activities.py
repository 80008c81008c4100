"""Activities (E): one list of every kind, the planned ones, and a form whose fields
follow the kind. The rules are in services.activities; this module parses, shows and
refuses what the service refuses.

The persons of an activity are chosen among the chosen organisation's people only: the
form's persons control asks ``persons/?organisation_id=N`` (app/static/kontakt/
activity_form.js), and the service checks the choice again when it is saved."""

from __future__ import annotations

import json

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.helpers import get_redirect_target
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import Field, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import html_params

from app import fragments
from app.extensions import db
from app.models import Activity, Contact, Organisation, User
from app.models.activity import CALL, EMAIL, LETTER, MEETING, NOTE, activity_contact
from app.models.base import utcnow
from app.models.dictionary import ACTIVITY_CATEGORY, PRIORITY
from app.services import accounts, privacy
from app.services.activities import activities
from app.services.contacts import contacts
from app.services.profile.tabs import MAIL_STATUS_LABELS
from app.services.terms import lazy_term
from app.services.work import cases
from app.tenancy import current_tenant_id
from app.transactions import commit_or_refuse
from app.views import follow_up
from app.views.base import SecureModelView, record_id
from app.views.cases import case_lookup
from app.views.custom_fields import CustomFieldsMixin
from app.views.fields import FIELD_LABELS, FormOnly, organisation_options, user_options
from app.views.follow_up import FOLLOW_UP_FIELDS
from app.views.formatters import link, link_formatter, plain, time_formatter
from app.views.lookups import organisation_lookup, project_lookup
from app.views.screens import flash_refusal
from app.views.work_fields import (
    ConditionFilter,
    EditableListWidget,
    IdEqualFilter,
    LocalDateTimeField,
    dictionary_entries,
    dictionary_options,
    limit_choices,
    per_request,
)

ACTIVITY_LABELS = {
    **FIELD_LABELS,
    "kind": _l("Kind"),
    "subject": _l("Subject"),
    "body": _l("Note"),
    "starts_at": _l("Start"),
    "duration_minutes": _l("Duration (minutes)"),
    "organisation": _l("Organisation"),
    "contacts": _l("Contact persons"),
    "case": _l("Case"),
    "project": _l("Project"),
    "employee": _l("Employee"),
    "employee.full_name": _l("Employee"),
    "priority": _l("Priority"),
    "category": _l("Category"),
    "planned": _l("Planned"),
    "completed": _l("Completed"),
    "follow_up": _l("Next contact"),
    "location": _l("Location"),
    "ends_at": _l("End"),
    "direction": _l("Direction"),
    "phone_number": _l("Phone number"),
    "outcome": _l("Outcome"),
    "mail_from": _l("From"),
    "mail_to": _l("To"),
    "mail_cc": _l("Cc"),
    "mail_status": _l("E-mail status"),
    "mail_note": _l("E-mail note"),
}
# Fields that belong to some kinds only: the form shows them for those kinds (the page
# script follows the kind chosen), details pages and the service drop the others.
KIND_FIELDS = {
    "subject": (MEETING, EMAIL, CALL, LETTER),  # a note is its text
    "location": (MEETING,),
    "ends_at": (MEETING,),
    "direction": (CALL,),
    "phone_number": (CALL,),
    "outcome": (CALL,),
    "mail_from": (EMAIL,),
    "mail_to": (EMAIL,),
    "mail_cc": (EMAIL,),
    "mail_status": (EMAIL,),
    "mail_note": (EMAIL,),
}
PERSONS_PAGE = 30  # persons per answer of the persons endpoint (it pages on scrolling)
NOTE_SHOWN_IN_LIST = 160  # characters of a note a list row shows


# --- form fields ----------------------------------------------------------------------

class PersonsWidget:
    """A hidden input holding the chosen ids ("3,7"), which the page script turns into
    a multiple choice of the organisation's persons (select2), with a hint shown while
    no organisation is chosen."""

    def __call__(self, field: PersonsField, **kwargs) -> Markup:
        chosen = field.chosen()
        # select2 styles the control; only the error mark stays (it shows the message)
        invalid = "is-invalid" in kwargs.pop("class", "")
        kwargs.pop("id", None)
        attributes = html_params(
            type="hidden", id=field.id, name=field.name, class_="is-invalid" if invalid else False,
            value=",".join(str(contact.id) for contact in chosen),
            data_role="kontakt-persons", data_url=url_for(".persons_view"),
            data_organisation_field="organisation", data_placeholder=_("Add contact persons"),
            data_json=json.dumps([{"id": c.id, "text": c.full_name} for c in chosen]), **kwargs)
        return Markup('<input {}><small class="form-text text-muted kontakt-persons-hint">{}'
                      "</small>").format(Markup(attributes),
                                         _("Choose the organisation first."))


class PersonsField(FormOnly, Field):
    """The contact persons taking part, as contact ids; the view gives them to the
    service, which refuses ids of other tenants and persons of other organisations."""

    widget = PersonsWidget()

    def process_data(self, value) -> None:
        self.data = [contact.id if isinstance(contact, Contact) else contact
                     for contact in value or ()]

    def process_formdata(self, valuelist) -> None:
        tokens = [token.strip() for raw in valuelist for token in str(raw).split(",")
                  if token.strip()]
        self.data = [number for number in map(record_id, tokens) if number is not None]
        if len(self.data) < len(tokens):
            raise ValueError(_("Not a valid choice."))

    def chosen(self) -> list[Contact]:
        return activities.persons(self.data or [])


class KindField(SelectField):
    """The kind chosen by its key in the tenant's dictionary (the program's five and the
    tenant's own, E8). It is stored as ``kind_key``; services.activities.prepare gives
    the activity the behaviour (``kind``) of the kind chosen."""

    def populate_obj(self, obj, name) -> None:
        obj.kind_key = self.data


class NoteEditWidget(EditableListWidget):
    """The note edited in place in the list: starts from the whole text (the list shows
    it shortened); a completed activity's note is shown as plain text."""

    def __call__(self, field, **kwargs) -> Markup:
        if getattr(field, "read_only", False):
            return Markup(escape(kwargs.get("display_value", "")))
        if field.type == "TextAreaField":
            kwargs["data-value"] = field.data or ""
        return super().__call__(field, **kwargs)


# --- formatters, choices and filters --------------------------------------------------

def kind_labels() -> dict[str, str]:
    return per_request(activities.kind_labels)


def kind_options() -> list[tuple[str, str]]:
    """Filter options are tenant data: computed per request, never at start-up."""
    if current_tenant_id() is None:
        return []
    return list(kind_labels().items())


def person_condition(contact_condition):
    """Activities with a person matching the contact condition."""
    return Activity.id.in_(select(activity_contact.c.activity_id).join(
        Contact, Contact.id == activity_contact.c.contact_id).where(contact_condition))


def kind_formatter(view, context, model: Activity, name) -> str:
    return kind_labels().get(model.type_key, model.kind)


def kind_fields() -> dict[str, tuple[str, ...]]:
    """KIND_FIELDS with the tenant's own kinds beside the kinds they behave as (the form
    script shows a field for the keys it lists)."""
    behaviours = per_request(activities.kind_behaviours)
    return {name: tuple(key for key, behaviour in behaviours.items() if behaviour in kinds)
            for name, kinds in KIND_FIELDS.items()}


def persons_formatter(view, context, model: Activity, name) -> Markup:
    return Markup(", ").join(link(contact, "contact") for contact in model.contacts)


def note_formatter(view, context, model: Activity, name) -> str:
    text = " ".join((model.body or "").split())
    if len(text) <= NOTE_SHOWN_IN_LIST:
        return text
    return text[:NOTE_SHOWN_IN_LIST - 1] + "…"


def note_details_formatter(view, context, model: Activity, name) -> Markup:
    return Markup('<div class="kontakt-note-body">{}</div>').format(model.body or "")


def direction_formatter(view, context, model: Activity, name) -> str:
    direction = model.direction or ""
    return str(activities.DIRECTION_LABELS.get(direction, direction))


def follow_up_formatter(view, context, model: Activity, name) -> Markup | str:
    return link(model.follow_up, view.endpoint)


# --- the views ------------------------------------------------------------------------


def mail_status_formatter(view, context, model, name) -> str:
    """The e-mail's status in words ("Ikke sendt"), not its stored code."""
    status = model.mail_status
    return str(MAIL_STATUS_LABELS.get(status, status or ""))


class ActivityView(CustomFieldsMixin, SecureModelView):
    create_template = "kontakt/activities/create.html"
    edit_template = "kontakt/activities/edit.html"
    details_template = "kontakt/activities/details.html"
    can_export = True
    export_types = ["csv", "xlsx"]
    column_labels = ACTIVITY_LABELS
    column_auto_select_related = False  # get_query loads exactly what the list shows

    column_list = ("kind", "subject", "starts_at", "organisation", "contacts", "employee",
                   "planned", "completed", "body")
    column_sortable_list = ("kind", "subject", "starts_at",
                            ("organisation", "organisation.name"),
                            ("employee", "employee.full_name"), "planned", "completed")
    column_default_sort = [("starts_at", True), ("id", True)]
    column_searchable_list = ("subject",)  # the search itself: services.activities
    column_editable_list = ("body",)
    column_filters = (
        # the tenant's kinds (E8) by key, named as the column they stand for
        FilterEqual(Activity.type_key.label("kind"), _l("Kind"), options=kind_options),
        IdEqualFilter(Activity.employee_id, _l("Employee"), options=user_options),
        IdEqualFilter(Activity.organisation_id, _l("Organisation"), options=organisation_options),
        ConditionFilter(Activity.case_id, _l("Case"), _l("matches"), condition=lambda text:
                        Activity.case_id.in_(cases.matching_ids(text))),
        ConditionFilter(Activity.id, lazy_term("singular"), _l("matches"), condition=lambda text:
                        person_condition(contacts.search_condition(text))),
        ConditionFilter(Activity.id, lazy_term("singular"), _l("has id"), parse=record_id,
                        condition=activities.contact_condition),
        "planned", "completed", "starts_at",
        IdEqualFilter(Activity.priority_id, _l("Priority"), options=dictionary_options(PRIORITY)),
        IdEqualFilter(Activity.category_id, _l("Category"),
                      options=dictionary_options(ACTIVITY_CATEGORY)),
        ConditionFilter(Activity.project_id, _l("Project"), _l("matches"),
                        condition=activities.project_condition),
    )
    column_details_list = (
        "kind", "subject", "starts_at", "ends_at", "duration_minutes", "organisation",
        "contacts", "case", "project", "employee", "priority", "category", "planned",
        "completed", "follow_up", "location", "direction", "phone_number", "outcome", "mail_from",
        "mail_to", "mail_cc", "mail_status", "mail_note", "body", "created_at")
    column_export_list = (
        "kind", "subject", "starts_at", "ends_at", "duration_minutes", "organisation",
        "contacts", "case", "project", "employee", "priority", "category", "planned",
        "completed", "location", "direction", "phone_number", "outcome", "body")
    column_formatters = {
        "kind": kind_formatter,
        "starts_at": time_formatter,
        "ends_at": time_formatter,
        "organisation": link_formatter("organisation"),
        "case": link_formatter("case"),
        "project": link_formatter("project"),
        "contacts": persons_formatter,
        "body": note_formatter,
        "direction": direction_formatter,
        "follow_up": follow_up_formatter,
        "mail_status": mail_status_formatter,
    }
    column_formatters_detail = {**column_formatters, "body": note_details_formatter}
    column_formatters_export = {
        "kind": kind_formatter, "direction": direction_formatter,
        "organisation": plain, "case": plain, "project": plain, "employee": plain,
        "priority": plain,
        "category": plain,
        "contacts": lambda v, c, m, n: ", ".join(map(str, m.contacts)),
        "body": lambda v, c, m, n: m.body or "",
    }

    form_columns = ("kind", "subject", "starts_at", "duration_minutes", "organisation",
                    "contacts", "case", "project", "employee", "priority", "category", "location",
                    "ends_at", "direction", "phone_number", "outcome", "body", "planned",
                    "completed", *FOLLOW_UP_FIELDS)
    form_ajax_refs = {"organisation": organisation_lookup("organisation"),
                      "case": case_lookup("case"), "project": project_lookup("project")}
    form_overrides = {"starts_at": LocalDateTimeField, "ends_at": LocalDateTimeField,
                      "kind": KindField, "body": TextAreaField}
    form_choices = {"direction": list(activities.DIRECTION_LABELS.items())}
    form_args = {"kind": {"choices": list(activities.KIND_LABELS.items())},
                 "duration_minutes": {"validators": [Optional()]},
                 **{name: {"blank_text": "—"} for name in ("employee", "priority", "category")}}
    form_widget_args = {"body": {"rows": 6}, "duration_minutes": {"min": 0}}
    form_extra_fields = {
        "contacts": PersonsField(ACTIVITY_LABELS["contacts"], validators=[InputRequired()]),
        **follow_up.extra_fields(),
    }
    choice_sources = {"employee": accounts.active_users,
                      "priority": dictionary_entries(PRIORITY),
                      "category": dictionary_entries(ACTIVITY_CATEGORY)}
    new_is_planned = False  # whether a new activity starts planned on this screen
    fragment_template = "kontakt/activities/form_fragment.html"

    # --- loading ---------------------------------------------------------------------

    list_load_options = activities.list_load_options()
    details_load_options = (*list_load_options, joinedload(Activity.priority),
                            joinedload(Activity.category), joinedload(Activity.follow_up))

    # F1/F2: what the user may not read is left out of lists and exports, and its pages
    # say "not found", wherever they are reached from.
    def get_query(self):
        return super().get_query().filter(privacy.readable_condition(current_user))

    def get_count_query(self):
        return super().get_count_query().filter(privacy.readable_condition(current_user))

    def get_one(self, id):
        activity = super().get_one(id)
        if activity is not None and not privacy.may_read(activity, current_user):
            return None
        return activity

    search_hint = _l("Subject or note")

    def search_condition(self, search: str):
        return activities.search_condition(search)

    # --- forms -----------------------------------------------------------------------

    def create_form(self, obj=None):
        form = super().create_form(obj)
        limit_choices(form, None, self.choice_sources)
        if request.method == "GET":
            self._prefill(form)
        form.kind.choices = activities.kind_choices(include=form.kind.data)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        limit_choices(form, obj, self.choice_sources)
        if obj is not None and request.method == "GET":
            form.kind.data = obj.type_key  # the tenant's own kind, not its behaviour
        form.kind.choices = activities.kind_choices(include=obj.type_key if obj else None)
        return form

    def list_form(self, obj=None):
        form = super().list_form(obj)
        if obj is not None and obj.completed:
            form.body.read_only = True
        return form

    def scaffold_list_form(self, widget=None, validators=None):
        return super().scaffold_list_form(widget or NoteEditWidget(), validators)

    def _prefill(self, form) -> None:
        """A new activity: now, by the logged-in user, and, opened from an organisation,
        a contact, a case or a project (``?organisation_id=``, ``?contact_id=``,
        ``?case_id=``, ``?project_id=``, ``?kind=``), with what they give."""
        start = activities.prefill(
            organisation_id=record_id(request.args.get("organisation_id", "")),
            contact_id=record_id(request.args.get("contact_id", "")),
            case_id=record_id(request.args.get("case_id", "")),
            project_id=record_id(request.args.get("project_id", "")),
            kind=request.args.get("kind"))
        form.kind.data = start.kind or NOTE
        form.starts_at.data = utcnow().replace(second=0, microsecond=0)
        form.employee.data = db.session.get(User, current_user.id)
        form.planned.data = self.new_is_planned
        form.organisation.data = start.organisation
        form.case.data = start.case
        form.project.data = start.project
        form.contacts.data = [contact.id for contact in start.contacts]

    def check_form(self, form) -> None:
        if form.edited_obj is not None:
            activities.ensure_editable(form.edited_obj)

    def update_model(self, form, model) -> bool:
        """Also the in-place list edit's way in: a completed activity is refused before
        anything of it changes."""
        if not activities.is_editable(model):
            flash(str(activities.COMPLETED_MESSAGE), "error")
            return False
        return super().update_model(form, model)

    def on_model_change(self, form, model: Activity, is_created: bool) -> None:
        full_form = hasattr(form, "custom_sections")  # not the list's in-place edit
        if full_form:
            activities.set_persons(model, form.contacts.data or [])
        activities.prepare(model, is_new=is_created, creator_id=current_user.id)
        if not full_form:
            return
        super().on_model_change(form, model, is_created)
        form.scheduled = activities.plan_next_contact(model, follow_up.requested(form))

    def after_model_change(self, form, model: Activity, is_created: bool) -> None:
        if not hasattr(form, "custom_sections"):
            return
        self.flash_saved(_("The activity %(name)s was saved.", name=str(model)))
        follow_up.announce(getattr(form, "scheduled", None))

    def on_model_delete(self, model: Activity) -> None:
        activities.ensure_editable(model)
        super().on_model_delete(model)

    def render(self, template, **kwargs):
        if template == self.create_template and fragments.requested():
            template = self.fragment_template  # opened inside another page
        kwargs.setdefault("kind_fields", kind_fields())
        kwargs.setdefault("follow_up_fields", FOLLOW_UP_FIELDS)
        kwargs.setdefault("activity_editable", activities.is_editable)
        kwargs.setdefault("completed_message", activities.COMPLETED_MESSAGE)
        return super().render(template, **kwargs)

    # --- endpoints -------------------------------------------------------------------

    @expose("/persons/")
    def persons_view(self):
        """JSON: the persons who may take part in an activity with the organisation
        (``organisation_id``), filtered by ``q``, ``page`` by page; 404 for an id that
        names no organisation of the tenant."""
        organisation_id = record_id(request.args.get("organisation_id", ""))
        if organisation_id is None or db.session.get(Organisation, organisation_id) is None:
            abort(404)
        page = record_id(request.args.get("page", "1")) or 1
        found = activities.eligible_contacts(
            organisation_id, request.args.get("q", "").strip(),
            offset=(page - 1) * PERSONS_PAGE, limit=PERSONS_PAGE + 1)
        return jsonify(results=[{"id": c.id, "name": c.full_name, "email": c.email}
                                for c in found[:PERSONS_PAGE]],
                       more=len(found) > PERSONS_PAGE)

    @expose("/reopen/", methods=("POST",))
    def reopen_view(self):
        """An administrator reopens a completed activity (E6)."""
        if not current_user.is_admin:
            abort(403)
        activity = self.get_one(request.form.get("id", ""))
        if activity is None:
            abort(404)
        user = db.session.get(User, current_user.id) or abort(403)
        if commit_or_refuse(lambda: activities.reopen(activity, by=user), flash_refusal):
            flash(_("The activity was reopened."), "success")
        return redirect(url_for(".details_view", id=activity.id))

    @action("change_employee", _l("Give meetings to another employee"))
    def action_change_employee(self, ids):
        """D8: the chosen meetings get the employee picked on the next page."""
        numbers = [number for number in map(record_id, ids) if number is not None]
        employee_id = record_id(request.form.get("employee_id", ""))
        if employee_id is None:
            return self.render("kontakt/activities/change_employee.html", ids=numbers,
                               employees=accounts.active_users(),
                               return_url=get_redirect_target() or url_for(".index_view"))
        changed = commit_or_refuse(
            lambda: activities.change_employee(numbers, employee_id), flash_refusal)
        if changed:
            flash(ngettext("%(num)s meeting was given to another employee.",
                           "%(num)s meetings were given to another employee.", changed.value),
                  "success")
        return None


class PlannedActivityView(ActivityView):
    """What is still to be done (E4): planned, not completed activities, soonest first."""

    column_default_sort = [("starts_at", False), ("id", False)]
    new_is_planned = True

    def get_query(self):
        return super().get_query().where(activities.planned_condition())

    def get_count_query(self):
        return super().get_count_query().where(activities.planned_condition())
