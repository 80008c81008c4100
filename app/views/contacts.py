"""Persons (contacts or customers, by the tenant's term) and their employments."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, abort, g, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import InputRequired, Optional

from app.extensions import db
from app.forms import TranslatedAdminForm
from app.i18n import LANGUAGE_NAMES, current_language
from app.masking import mask_national_id
from app.models import Contact, Employment, Organisation, User
from app.models.contact import KIND_COMPANY, KIND_PRIVATE
from app.services import identifiers
from app.services.contacts import contacts, photos
from app.services.exports import vcards
from app.services.settings import setting
from app.services.terms import JOB_TITLE, lazy_term, term
from app.views.base import EditRightsMixin, SecureModelView, record_id
from app.views.column_choice import ColumnChoiceMixin
from app.views.custom_fields import CustomFieldsMixin
from app.views.fields import (
    FIELD_LABELS,
    FormOnlyBooleanField,
    FormOnlyFileField,
    OrganisationFilter,
    TagFilter,
    country_choices,
    organisation_options,
    service_links,
    tag_options,
    user_options,
)
from app.views.formatters import consent_formatter, phone_formatter, tags_formatter
from app.views.privacy_requests import PrivacyRequestsMixin
from app.views.profile import ProfileMixin, profile_link
from app.views.relation_sort import RelationSort, RelationSortMixin
from app.views.sales import related_sections
from app.views.work_fields import IdEqualFilter

KIND_CHOICES = [(KIND_COMPANY, _l("Company contact (B2B)")),
                (KIND_PRIVATE, _l("Private customer (B2C)"))]
SAVE_PRIVATE = "_save_private"
NUMBERED_COLUMNS = ("list_columns", "sortable_columns", "details_columns", "export_columns")
CONFIRM_DUPLICATE = "_confirm_duplicate"


class EmploymentInline(InlineFormAdmin):
    form_base_class = TranslatedAdminForm  # else its refusals stay in English
    form_columns = ("id", "organisation", "title", "start_date", "end_date", "is_primary")
    form_label = _l("Employments")
    # read by the inline form's template (app.security.ADMIN_WORDING_REWRITES)
    item_label = _l("Employment %(number)d")
    new_label = _l("New employment")
    add_label = _l("Add employment")
    column_labels = {**FIELD_LABELS, "title": JOB_TITLE}


class ContactView(ColumnChoiceMixin, ProfileMixin, PrivacyRequestsMixin, CustomFieldsMixin,
                  RelationSortMixin, EditRightsMixin, SecureModelView):
    edit_right = "contacts"
    create_template = "kontakt/contact_create.html"
    edit_template = "kontakt/contact_edit.html"
    details_template = "kontakt/contact_details.html"
    can_export = True
    export_types = ["csv", "xlsx", "vcf"]

    column_list = ("customer_number", "last_name", "first_name", "email", "phone", "mobile",
                   "organisation", "job_title", "city", "kind", "responsible_user", "tags",
                   "consent", "created_at")
    # the default columns fit a 1,366-pixel screen; each user may show the others
    column_default_hidden = ("mobile", "job_title", "city", "kind", "responsible_user",
                             "consent", "created_at")
    column_sortable_list = ("customer_number", "last_name", "first_name", "email", "phone",
                            "mobile", ("organisation", "organisation.name"), "kind",
                            ("responsible_user", "responsible_user.full_name"))
    column_default_sort = [("last_name", False), ("first_name", False)]
    relation_sorts = {  # read in the indexes' order (views.relation_sort)
        "organisation": RelationSort(Organisation, "organisation_id", "name"),
        "responsible_user": RelationSort(User, "responsible_user_id", "full_name"),
    }
    # Search goes through services.contacts (names, e-mail, phone digits, number).
    column_searchable_list = ("last_name",)
    column_details_list = (
        "photo", "customer_number", "kind", "first_name", "last_name", "email", "phone", "mobile",
        "job_title", "birth_date", "national_id", "national_id_country", "address",
        "preferred_language", "website", "responsible_user", "tags", "employments", "consent",
        "address_book_sync", "is_private", "created_at",
    )
    column_export_list = (
        "customer_number", "last_name", "first_name", "email", "phone", "mobile",
        "organisation", "kind", "job_title", "street", "postcode", "city", "country",
        "responsible_user", "tags",
    )
    column_labels = FIELD_LABELS
    column_formatters = {
        "last_name": profile_link,
        "first_name": profile_link,
        "kind": lambda v, c, m, n: dict(KIND_CHOICES).get(m.kind, m.kind),
        "phone": phone_formatter,
        "mobile": phone_formatter,
        "tags": tags_formatter,
        "consent": consent_formatter,
        "national_id": lambda v, c, m, n: mask_national_id(m.national_id),
        "preferred_language": lambda v, c, m, n: LANGUAGE_NAMES.get(m.preferred_language, ""),
        "employments": lambda v, c, m, n: Markup("<br>").join(
            employment_label(e) for e in m.employments),
        "website": lambda v, c, m, n: m.website or "",
        "address": lambda v, c, m, n: address_label(m),
        "photo": lambda v, c, m, n: photo_tag(m, thumbnail=False),
    }
    column_formatters_export = {
        "kind": lambda v, c, m, n: str(dict(KIND_CHOICES).get(m.kind, m.kind)),
        "tags": lambda v, c, m, n: ", ".join(t.name for t in m.tags),
        "responsible_user": lambda v, c, m, n: str(m.responsible_user or ""),
        "organisation": lambda v, c, m, n: str(m.organisation or ""),
        "phone": lambda v, c, m, n: identifiers.format_phone(m.phone),
        "mobile": lambda v, c, m, n: identifiers.format_phone(m.mobile),
    }
    column_filters = (
        "kind", "last_name", "first_name", "email", "phone", "city", "customer_number",
        TagFilter(Contact.id, _l("Tag"), options=tag_options),
        OrganisationFilter(Contact.id, _l("Organisation"), options=organisation_options),
        IdEqualFilter(Contact.responsible_user_id, _l("Responsible user"), options=user_options),
        "consent_phone", "consent_email", "consent_letter", "address_book_sync", "is_private",
        "created_at",
    )

    form_columns = (
        "kind", "first_name", "last_name", "email", "phone", "mobile", "job_title",
        "birth_date", "national_id_country", "national_id", "street", "postcode", "city",
        "country", "preferred_language", "website", "photo_upload", "remove_photo",
        "responsible_user", "tags", "consent_phone", "consent_phone_date", "consent_phone_source",
        "consent_email", "consent_email_date", "consent_email_source",
        "consent_letter", "consent_letter_date", "consent_letter_source",
        "address_book_sync", "is_private", "employments",
    )
    form_groups = (
        (_l("Person"), ("kind", "first_name", "last_name", "job_title", "birth_date",
                        "national_id_country", "national_id", "preferred_language",
                        "photo_upload", "remove_photo")),
        (_l("About and communication"), ("email", "phone", "mobile", "website")),
        (_l("Address"), ("street", "postcode", "city", "country")),
        (_l("Responsible user and tags"), ("responsible_user", "tags", "address_book_sync",
                                           "is_private")),
        (_l("Consent"), ("consent_phone", "consent_phone_date", "consent_phone_source",
                         "consent_email", "consent_email_date", "consent_email_source",
                         "consent_letter", "consent_letter_date", "consent_letter_source")),
    )
    form_choices = {
        "kind": KIND_CHOICES,
        "national_id_country": [("", "—"), *[(c, n) for c, n in
                                              identifiers.NATIONAL_ID_NAMES.items()]],
        "country": country_choices,
        "preferred_language": [("", "—"), *LANGUAGE_NAMES.items()],
    }
    form_extra_fields = {
        "photo_upload": FormOnlyFileField(FIELD_LABELS["photo_upload"]),
        "remove_photo": FormOnlyBooleanField(FIELD_LABELS["remove_photo"]),
    }
    form_args = {"is_private": {"description": lazy_term("private_help")}}
    form_widget_args = {"national_id": {"autocomplete": "off"},
                        "photo_upload": {"accept": photos.ACCEPTED_EXTENSIONS}}
    inline_models = (EmploymentInline(Employment),)

    # Edit rights (A3) are checked on every request, for every method.
    column_auto_select_related = False  # get_query loads exactly what the list shows

    list_load_options = (joinedload(Contact.responsible_user),
                         joinedload(Contact.organisation), selectinload(Contact.tags))
    details_load_options = (
        *list_load_options,
        selectinload(Contact.employments).joinedload(Employment.organisation),
    )

    def search_condition(self, search: str):
        return contacts.search_condition(search)

    def export_other(self, export_type: str) -> str | bytes:
        """vCard 4.0 of the contacts the list shows (its filter and search)."""
        if export_type != "vcf":
            abort(404)
        return vcards.vcf_bytes(self.export_records(), self._vcard_options())

    @action("vcard", _l("Download as vCard"))
    def action_vcard(self, ids) -> Response:
        """vCard 4.0 of the selected contacts (of the current tenant only: the query
        is scoped as every other)."""
        numbers = [n for n in map(record_id, ids) if n is not None]
        query = self.get_query().filter(Contact.id.in_(numbers)).order_by(
            Contact.last_name, Contact.first_name, Contact.id)
        return self._vcard_response(query)

    def _vcard_response(self, records: Iterable[Contact]) -> Response:
        return self._export_response(vcards.vcf_bytes(records, self._vcard_options()), "vcf")

    @staticmethod
    def _vcard_options() -> vcards.Options:
        return vcards.Options(version=vcards.VERSION_4, language=current_language())

    def search_placeholder(self) -> str:
        if setting("unique_contact_id"):
            return gettext("Name, e-mail, phone or customer no.")
        return gettext("Name, e-mail or phone")

    # The customer number column follows the tenant's setting (A4), so the lists are
    # decided per request (admin_compat.PerRequestAttributes); at start-up there is no
    # tenant to ask.
    def extend_for_request(self, name: str, static):
        columns = static if name == "details_columns" else super().extend_for_request(
            name, static)
        if name in NUMBERED_COLUMNS and not setting("unique_contact_id"):
            if isinstance(columns, dict):
                return {key: value for key, value in columns.items()
                        if key != "customer_number"}
            return [column for column in columns if column[0] != "customer_number"]
        return columns

    def create_form(self, obj=None):
        return self._fit_to_tenant(super().create_form(obj), None)

    def edit_form(self, obj=None):
        return self._fit_to_tenant(super().edit_form(obj), obj)

    @staticmethod
    def _fit_to_tenant(form, contact: Contact | None):
        """The e-mail marked required where the tenant requires one (B2, refused by the
        service otherwise); "Remove photo" offered only when there is a photo."""
        if setting("email_required"):
            # a new list: the validators are shared by every form the class makes
            form.email.validators = [*(v for v in form.email.validators
                                       if not isinstance(v, Optional)), InputRequired()]
            form.email.flags.required = True
        if contact is None or not contact.photo:
            del form.remove_photo
        return form

    def check_form(self, form) -> None:
        upload = form.photo_upload.data
        form.photo_image = photos.read_upload(upload.stream) if upload else None
        if form.edited_obj is None and not request.form.get(CONFIRM_DUPLICATE):
            self._warn_about_duplicates(form)

    def _warn_about_duplicates(self, form) -> None:
        candidates = contacts.likely_duplicates_of(
            form.first_name.data, form.last_name.data, form.email.data,
            form.phone.data, form.mobile.data, form.country.data,
        )
        if candidates:
            g.likely_duplicates = candidates
            contacts.raise_likely_duplicates()

    def on_model_change(self, form, model: Contact, is_created: bool) -> None:
        contacts.prepare(model, is_new=is_created, creator_id=current_user.id,
                         as_private=bool(request.form.get(SAVE_PRIVATE)))
        super().on_model_change(form, model, is_created)
        g.replaced_photo = contacts.change_photo(
            model, getattr(form, "photo_image", None),
            bool("remove_photo" in form and form.remove_photo.data))

    def after_model_change(self, form, model: Contact, is_created: bool) -> None:
        photos.remove(g.pop("replaced_photo", None))
        self.flash_saved(term("created", name=model.full_name))

    def after_model_delete(self, model: Contact) -> None:
        photos.remove(model.photo)

    @expose("/photo/<int:contact_id>/")
    def photo_view(self, contact_id: int):
        """The contact's photo (``?thumbnail=1`` for the small one); 404 for a contact
        of another tenant, like every other record."""
        contact = db.session.get(Contact, contact_id) if record_id(contact_id) else None
        name = photos.stored_name(contact.photo if contact else None,
                                  thumbnail=bool(request.args.get("thumbnail")))
        try:
            stream = photos.open_photo(name)
        except FileNotFoundError:
            abort(404)
        # a new photo gets a new random name: the name is the photo's version
        response = send_file(stream, mimetype="image/jpeg", max_age=86400, etag=name or False)
        response.cache_control.private = True
        response.cache_control.public = False
        return response

    def render(self, template, **kwargs):
        kwargs.setdefault("likely_duplicates", g.get("likely_duplicates"))
        kwargs.setdefault("term", term)
        kwargs.setdefault("save_private_field", SAVE_PRIVATE)
        kwargs.setdefault("confirm_duplicate_field", CONFIRM_DUPLICATE)
        kwargs.setdefault("service_links", service_links)
        kwargs.setdefault("photo_tag", photo_tag)
        kwargs.setdefault("related_sales", related_sections)
        return super().render(template, **kwargs)


def photo_tag(contact: Contact, thumbnail: bool = True) -> Markup:
    if not contact.photo:
        return Markup("")
    url = url_for("contact.photo_view", contact_id=contact.id, v=contact.photo[:8],
                  thumbnail=1 if thumbnail else None)
    return Markup('<img src="{}" alt="{}" class="img-thumbnail kontakt-photo">').format(
        url, contact.full_name)


def address_label(contact: Contact) -> Markup:
    """B6: the organisation's address for a company contact, marked as such."""
    holder = contacts.address_holder(contact)
    lines = Markup("<br>").join(holder.address_lines())
    if not isinstance(holder, Organisation):  # the contact's own address
        return lines
    return Markup('{}<br><small class="text-muted">{}</small>').format(
        lines, _l("Address of %(organisation)s", organisation=holder.name))


def employment_label(employment: Employment) -> Markup:
    period = " – ".join(str(d) for d in (employment.start_date, employment.end_date) if d)
    text = str(employment)
    if not employment.is_current:
        return Markup('<span class="text-muted">{} ({})</span>').format(text, period or "—")
    return Markup("{}{}").format(text, f" ({period})" if period else "")
