"""The platform operator's tenants. A new tenant gets its first administrator at once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Optional

from app.i18n import LANGUAGE_NAMES
from app.models import Tenant
from app.services import accounts
from app.transactions import commit_or_refuse
from app.views.base import OPERATOR, SecureModelView


class TenantView(SecureModelView):
    """The operator sees and edits only what names and runs a tenant: never its intake
    token (the secret of its lead-intake URL) nor its settings, which are the tenant's
    own business; every list of columns is spelled out so a new column is not shown
    by default."""

    access = OPERATOR
    can_delete = False  # deleting a tenant deletes all its records; deactivate it instead
    can_export = False
    column_list = ("name", "slug", "default_language", "active", "created_at")
    column_details_list = (*column_list, "lead_intake")
    column_export_list = column_list
    column_searchable_list = ("name", "slug")
    column_filters = ("active", "default_language")
    column_default_sort = "name"
    column_labels = {
        "name": _l("Name"),
        "slug": _l("Short name"),
        "default_language": _l("Default language"),
        "active": _l("Active"),
        "created_at": _l("Created"),
        "lead_intake": _l("Lead intake"),
    }
    column_formatters = {
        "default_language": lambda v, c, m, n: LANGUAGE_NAMES.get(m.default_language, ""),
        "lead_intake": lambda v, c, m, n: _l("Open") if m.intake_token else _l("Closed"),
    }
    tenant_columns = ("name", "slug", "default_language", "active")
    form_columns = (*tenant_columns, "admin_email", "admin_name", "admin_password")
    form_choices = {"default_language": list(LANGUAGE_NAMES.items())}
    form_extra_fields = {
        "admin_email": EmailField(
            _l("Administrator's e-mail"), validators=[Optional(), Email()]
        ),
        "admin_name": StringField(_l("Administrator's name"), validators=[Optional()]),
        "admin_password": PasswordField(
            _l("Administrator's password"), validators=[Optional()]
        ),
    }
    form_create_rules = form_columns
    form_edit_rules = tenant_columns  # the first administrator is asked for on create only
    form_args = {"name": {"validators": [DataRequired()]}}

    def check_form(self, form) -> None:
        if form.edited_obj is None:
            accounts.check_first_admin(form.admin_email.data, form.admin_password.data)

    def create_model(self, form):
        created = commit_or_refuse(
            lambda: accounts.create_tenant_with_admin(
                form.name.data, form.slug.data, form.default_language.data,
                admin_email=form.admin_email.data, admin_password=form.admin_password.data,
                admin_name=form.admin_name.data or "", active=form.active.data,
            ),
            self.handle_view_exception)
        return created.value if created else False

    def on_model_change(self, form, model: Tenant, is_created: bool) -> None:
        accounts.update_tenant(model)
