from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from app.forms import TranslatedFlaskForm


class LoginForm(TranslatedFlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()
