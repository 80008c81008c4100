"""The change history screen (the mechanism behind D9): who changed what, when."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.i18n import current_language
from app.models import AuditEntry
from app.services.fields import values as custom_fields
from app.services.terms import lazy_term
from app.views.activities import ACTIVITY_LABELS
from app.views.base import ADMIN, SecureModelView
from app.views.cases import WORK_LABELS
from app.views.fields import FIELD_LABELS, user_options
from app.views.leads import LEAD_LABELS
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
    column_labels = {
        "created_at": _l("Time"), "user": _l("User"), "entity": _l("Record type"),
        "record_id": _l("Record"), "action": _l("Action"), "changes": _l("Changes"),
    }
    column_formatters = {
        "entity": lambda v, c, m, n: entity_name(m.entity),
        "action": lambda v, c, m, n: action_name(m.action),
        "changes": lambda v, c, m, n: format_changes(m.changes, m.entity),
    }

    list_load_options = details_load_options = (joinedload(AuditEntry.user),)

    def create_blueprint(self, admin):
        """The history's texts are also shown on the contact profile's history tab."""
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(format_changes, "format_changes")
        blueprint.add_app_template_global(entity_name, "audit_entity_name")
        blueprint.add_app_template_global(action_name, "audit_action_name")
        return blueprint


ENTITY_NAMES = {"contact": lazy_term("singular"), "organisation": _l("Organisation"),
                "employment": _l("Employment"), "field_section": _l("Field section"),
                "field_definition": _l("Field"), "field_choice": _l("Field choice"),
                "crm_case": _l("Case"), "task": _l("Task"), "lead": _l("Lead"),
                "opportunity": _l("Opportunity"), "campaign": _l("Campaign"),
                "project": _l("Project"), "dictionary_entry": _l("Dictionary entry"),
                "activity": _l("Activity"), "attachment": _l("Attachment")}
ACTION_NAMES = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
                "erase": _l("Personal data erased")}


def entity_name(entity: str) -> str:
    return str(ENTITY_NAMES.get(entity, entity))


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def field_label(entity: str, name: str) -> str:
    labels = LABELS_OF_ENTITY.get(entity, FIELD_LABELS)
    for key in (name, name.removesuffix("_id")):
        if key in labels or key in FIELD_LABELS:
            return str(labels.get(key) or FIELD_LABELS[key])
    return name


def format_changes(changes: dict, entity: str = "") -> str:
    def show(value) -> str:
        if value is None or value == []:
            return "—"
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    def describe(name: str, old, new) -> str:
        if name.startswith("custom."):
            field = custom_fields.field_by_key(entity, name.removeprefix("custom."))
            if field is not None:
                return (f"{field.label(current_language())}: "
                        f"{custom_fields.display(field, old) or '—'} → "
                        f"{custom_fields.display(field, new) or '—'}")
        return f"{field_label(entity, name)}: {show(old)} → {show(new)}"

    return "; ".join(describe(name, old, new) for name, (old, new) in sorted(changes.items()))
