"""A tenant administrator's users (the session scopes the list to the tenant)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Email, Optional

from app.i18n import LANGUAGE_NAMES
from app.models import User
from app.models.user import ROLE_ADMIN, ROLE_USER
from app.services import accounts
from app.views.base import ADMIN, SecureModelView

ROLE_CHOICES = [(ROLE_ADMIN, _l("Administrator")), (ROLE_USER, _l("User"))]


class UserView(SecureModelView):
    access = ADMIN
    column_list = ("full_name", "email", "role", "language", "active", "created_at")
    column_searchable_list = ("full_name", "email")
    column_filters = ("role", "active", "language")
    column_default_sort = "full_name"
    column_labels = {
        "full_name": _l("Full name"),
        "email": _l("E-mail"),
        "role": _l("Role"),
        "language": _l("Language"),
        "active": _l("Active"),
        "created_at": _l("Created"),
        "password": _l("Password"),
    }
    column_formatters = {
        "role": lambda v, c, m, n: dict(ROLE_CHOICES).get(m.role, m.role),
        "language": lambda v, c, m, n: LANGUAGE_NAMES.get(m.language, _l("Tenant default")),
    }
    column_details_list = column_list
    form_columns = ("full_name", "email", "role", "language", "active", "password")
    form_choices = {
        "role": ROLE_CHOICES,
        "language": [("", _l("Tenant default")), *LANGUAGE_NAMES.items()],
    }
    form_args = {"email": {"validators": [Email()]}}
    form_extra_fields = {
        "password": PasswordField(
            _l("Password"),
            validators=[Optional()],
            description=_l("Leave empty to keep the current password. A new password "
                           "ends the user's sessions on every device."),
        )
    }

    def check_form(self, form) -> None:
        accounts.check_user(form.email.data, form.password.data, user=form.edited_obj,
                           acting_user_id=current_user.id)

    def on_model_change(self, form, model: User, is_created: bool) -> None:
        accounts.save_user(model, password=form.password.data, is_new=is_created)

    def on_model_delete(self, model: User) -> None:
        accounts.ensure_admin_remains(model, deleting=True)
