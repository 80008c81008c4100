"""The change history screen (the mechanism behind D9): who changed what, when."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from app.models import AuditEntry
from app.services import history_text
from app.services.history_text import EntryText
from app.services.terms import lazy_term
from app.views.activities import ACTIVITY_LABELS
from app.views.base import ADMIN, SecureModelView
from app.views.cases import WORK_LABELS
from app.views.contacts import KIND_CHOICES
from app.views.dictionaries import DICTIONARY_NAMES
from app.views.field_admin import TYPE_NAMES
from app.views.fields import FIELD_LABELS, user_options
from app.views.leads import LEAD_LABELS
from app.views.leads import STATUS_LABELS as LEAD_STATUS_LABELS
from app.views.sales import SALES_LABELS
from app.views.work_fields import IdEqualFilter

# Field names per audited table, for the history; the contact screens' labels serve the
# rest (contacts, organisations, employments).
LABELS_OF_ENTITY = {
    "crm_case": WORK_LABELS, "task": WORK_LABELS, "activity": ACTIVITY_LABELS,
    "lead": LEAD_LABELS, "opportunity": SALES_LABELS, "campaign": SALES_LABELS,
    "project": SALES_LABELS,
}


class AuditView(SecureModelView):
    """The change history (D9's mechanism): read-only, for administrators."""

    access = ADMIN
    can_create = False
    can_edit = False
    can_delete = False
    page_size = 50
    column_list = ("created_at", "user", "entity", "record_id", "action", "changes")
    column_default_sort = ("created_at", True)
    column_filters = (
        "entity", "action", "record_id", "created_at",
        IdEqualFilter(AuditEntry.user_id, _l("User"), options=user_options),
    )
    filter_choices = {"entity": lambda: ENTITY_NAMES.items(),
                      "action": lambda: ACTION_NAMES.items()}
    column_labels = {
        "created_at": _l("Time"), "user": _l("User"), "entity": _l("Record type"),
        "record_id": _l("Record"), "action": _l("Action"), "changes": _l("Changes"),
    }
    column_formatters = {
        "entity": lambda v, c, m, n: entity_name(m.entity),
        "action": lambda v, c, m, n: action_name(m.action),
        "changes": lambda v, c, m, n: entry_html(_text_of(m)),
    }

    list_load_options = details_load_options = (joinedload(AuditEntry.user),)

    def get_list(self, *args, **kwargs):
        """The page's entries, put into words together (one query for the names they
        hold, not one per entry)."""
        count, entries = super().get_list(*args, **kwargs)
        g.history_texts = history_text.describe_entries(entries)
        return count, entries

    def create_blueprint(self, admin):
        """The history's texts are also shown on the contact profile's history tab."""
        install_history_text()
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(entry_html, "history_html")
        blueprint.add_app_template_global(entity_name, "audit_entity_name")
        blueprint.add_app_template_global(action_name, "audit_action_name")
        return blueprint


ENTITY_NAMES: dict[str, Any] = {
    "contact": lazy_term("singular"), "organisation": _l("Organisation"),
    "employment": _l("Employment"), "field_section": _l("Field section"),
    "field_definition": _l("Field"), "field_choice": _l("Field choice"),
    "crm_case": _l("Case"), "task": _l("Task"), "lead": _l("Lead"),
    "opportunity": _l("Opportunity"), "campaign": _l("Campaign"),
    "project": _l("Project"), "dictionary_entry": _l("Dictionary entry"),
    "activity": _l("Activity"), "attachment": _l("Attachment")}
ACTION_NAMES: dict[str, Any] = {
    "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
    "erase": _l("Personal data erased"), "merge": _l("Merged")}


def entity_name(entity: str) -> str:
    return str(ENTITY_NAMES.get(entity, entity))


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def install_history_text() -> None:
    """Hands the screens' field labels and coded values down to the history's words."""
    custom_entity = {"contact": lazy_term("singular"), "organisation": _l("Organisation"),
                     "case": _l("Case"), "task": _l("Task"), "activity": _l("Activity")}
    history_text.install(
        LABELS_OF_ENTITY, FIELD_LABELS,
        {("contact", "kind"): dict(KIND_CHOICES), ("lead", "status"): LEAD_STATUS_LABELS,
         ("field_definition", "field_type"): TYPE_NAMES,
         ("dictionary_entry", "dictionary"): DICTIONARY_NAMES,
         ("field_definition", "entity"): custom_entity,
         ("field_section", "entity"): custom_entity})


def _text_of(entry: AuditEntry) -> EntryText:
    """The entry's words, from its list page's (the details page shows one entry)."""
    page = g.get("history_texts") or {}
    if entry.id not in page:
        page = history_text.describe_entries([entry])
    return page[entry.id]


def entry_html(text: EntryText) -> Markup:
    """An entry's words: the headline, then the changes (folded under the headline of a
    creation or deletion, whose changes are the record's values)."""
    items = Markup("").join(
        Markup('<li>{}: {} → {}</li>').format(
            change.label, change.old, change.new) for change in text.changes)
    changes = Markup('<ul class="list-unstyled mb-0">{}</ul>').format(items) if items else ""
    if not text.headline:
        return Markup(changes)
    if not changes:
        return Markup("<span>{}</span>").format(text.headline)
    return Markup("<span>{}</span><details><summary>{}</summary>{}</details>").format(
        text.headline, gettext("Details"), changes)
