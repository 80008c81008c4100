"""The platform operator's tenants. A new tenant gets its first administrator at once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Optional

from app.extensions import db
from app.i18n import LANGUAGE_NAMES
from app.models import Tenant
from app.services import accounts
from app.services.errors import ServiceError
from app.services.passwords import check_password_policy
from app.views.base import OPERATOR, SecureModelView


class TenantView(SecureModelView):
    access = OPERATOR
    can_delete = False  # deleting a tenant deletes all its records; deactivate it instead
    column_list = ("name", "slug", "default_language", "active", "created_at")
    column_searchable_list = ("name", "slug")
    column_filters = ("active", "default_language")
    column_default_sort = "name"
    column_labels = {
        "name": _l("Name"),
        "slug": _l("Short name"),
        "default_language": _l("Default language"),
        "active": _l("Active"),
        "created_at": _l("Created"),
    }
    column_formatters = {
        "default_language": lambda v, c, m, n: LANGUAGE_NAMES.get(m.default_language, ""),
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
        if form.edited_obj is not None:
            return
        if not form.admin_email.data:
            raise ServiceError(_l("A new tenant needs its first administrator."),
                               field="admin_email")
        if accounts.email_taken(form.admin_email.data):
            raise ServiceError(_l("A user with this e-mail address already exists."),
                               field="admin_email")
        check_password_policy(form.admin_password.data, field="admin_password")

    def create_model(self, form):
        try:
            tenant = accounts.create_tenant_with_admin(
                form.name.data, form.slug.data, form.default_language.data,
                admin_email=form.admin_email.data, admin_password=form.admin_password.data,
                admin_name=form.admin_name.data or "", active=form.active.data,
            )
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return False
        return tenant

    def on_model_change(self, form, model: Tenant, is_created: bool) -> None:
        model.slug = model.slug.strip().lower()
        if not accounts.SLUG_PATTERN.match(model.slug):
            raise ServiceError(_l("The short name may hold only a-z, 0-9 and hyphens."))
