"""Organisations and tags."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import Regexp

from app.models import Organisation, User
from app.services import identifiers
from app.services.contacts import organisations
from app.services.errors import ServiceError
from app.services.settings import user_may_edit
from app.views.base import EditRightsMixin, SecureModelView
from app.views.column_choice import ColumnChoiceMixin
from app.views.custom_fields import CustomFieldsMixin
from app.views.fields import FIELD_LABELS, TagFilter, country_choices, tag_options, user_options
from app.views.formatters import phone_formatter, tags_formatter
from app.views.organisation_profile import OrganisationProfileMixin, organisation_profile_link
from app.views.relation_sort import RelationSort, RelationSortMixin
from app.views.work_fields import IdEqualFilter

CONFIRM_DUPLICATE = "_confirm_duplicate"


def _same_number(organisation: Organisation, number: str | None, country: str | None) -> bool:
    try:
        typed = identifiers.normalise_registration_number(number, country)
    except ServiceError:
        return False
    return (typed, (country or "").strip().upper() or None) == (
        organisation.registration_number, organisation.registration_country or None)


class OrganisationView(ColumnChoiceMixin, OrganisationProfileMixin, CustomFieldsMixin,
                       RelationSortMixin, EditRightsMixin, SecureModelView):
    edit_right = "organisations"
    create_template = "kontakt/organisation_create.html"
    edit_template = "kontakt/organisation_edit.html"
    details_template = "kontakt/model_details.html"
    can_export = True
    export_types = ["csv", "xlsx"]
    column_list = ("name", "registration_number", "city", "phone", "email", "industry",
                   "responsible_user", "tags", "website", "created_at")
    column_default_hidden = ("website", "created_at")
    column_sortable_list = ("name", "registration_number", "city", "phone", "email",
                            "industry", ("responsible_user", "responsible_user.full_name"))
    column_default_sort = "name"
    relation_sorts = {  # read in the indexes' order (views.relation_sort)
        "responsible_user": RelationSort(User, "responsible_user_id", "full_name"),
    }
    column_searchable_list = ("name", "registration_number", "email", "city")
    column_filters = (
        "name", "registration_number", "registration_country", "city", "country", "industry",
        IdEqualFilter(Organisation.responsible_user_id, _l("Responsible user"),
                    options=user_options),
        "is_private_customers", "created_at",
        TagFilter(Organisation.id, _l("Tag"), options=tag_options),
    )
    column_details_list = (
        "name", "registration_number", "registration_country", "street", "postcode", "city",
        "country", "phone", "email", "website", "industry", "responsible_user", "tags",
        "notes", "is_private_customers", "created_at",
    )
    column_export_list = ("name", "registration_number", "registration_country", "street",
                          "postcode", "city", "country", "phone", "email", "website",
                          "industry", "responsible_user", "tags")
    column_labels = FIELD_LABELS
    column_formatters = {"name": organisation_profile_link, "phone": phone_formatter,
                         "tags": tags_formatter}
    column_formatters_export = {
        "tags": lambda v, c, m, n: ", ".join(t.name for t in m.tags),
        "responsible_user": lambda v, c, m, n: str(m.responsible_user or ""),
        "phone": lambda v, c, m, n: identifiers.format_phone(m.phone),
    }
    form_columns = ("name", "registration_country", "registration_number", "street",
                    "postcode", "city", "country", "phone", "email", "website", "industry",
                    "responsible_user", "tags", "notes")
    form_choices = {
        "registration_country": [("", "—"), *identifiers.REGISTRATION_NAMES.items()],
        "country": country_choices,
    }

    column_auto_select_related = False

    list_load_options = details_load_options = (
        joinedload(Organisation.responsible_user), selectinload(Organisation.tags))

    search_hint = _l("Name, registration no., e-mail or city")

    def search_condition(self, search: str):
        return organisations.search_condition(search)

    def check_form(self, form) -> None:
        """A registration number another organisation has is likely a duplicate: warn,
        and save when the form is sent again (as a new contact with a known name)."""
        if request.form.get(CONFIRM_DUPLICATE):
            return
        number, country = form.registration_number.data, form.registration_country.data
        edited = form.edited_obj
        if edited is not None and _same_number(edited, number, country):
            return  # unchanged: warned about when it was typed
        candidates = organisations.with_registration_number(
            number, country, exclude_id=edited.id if edited is not None else None)
        if candidates:
            g.likely_duplicates = candidates
            organisations.raise_registration_in_use()

    def render(self, template, **kwargs):
        kwargs.setdefault("likely_duplicates", g.get("likely_duplicates"))
        kwargs.setdefault("confirm_duplicate_field", CONFIRM_DUPLICATE)
        return super().render(template, **kwargs)

    def on_model_change(self, form, model: Organisation, is_created: bool) -> None:
        organisations.prepare(model)
        super().on_model_change(form, model, is_created)

    def on_model_delete(self, model: Organisation) -> None:
        organisations.ensure_deletable(model)


class TagView(SecureModelView):
    column_list = ("name", "colour")
    column_default_sort = "name"
    column_searchable_list = ("name",)
    column_labels = FIELD_LABELS
    form_columns = ("name", "colour")
    form_widget_args = {"colour": {"type": "color"}}
    # the colour goes into a style attribute: only "#rrggbb", whatever the browser sends
    form_args = {"colour": {"validators": [Regexp(r"^#[0-9a-fA-F]{6}\Z")]}}

    @property
    def can_create(self) -> bool:
        return any(user_may_edit(right, current_user) for right in ("contacts", "organisations"))

    can_edit = can_create
    can_delete = can_create
