"""Date inputs that read and show dates the way the user's language writes them
(services.dates), with Flask-Admin's date picker writing the same format."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form.widgets import DatePickerWidget
from flask_admin.model.form import converts
from wtforms import DateField

from app.services.dates import UnreadableDate, date_text, parse_date, picker_format


class LocaleDatePickerWidget(DatePickerWidget):
    """The picker reads and writes the input in the language's date format."""

    def __call__(self, field, **kwargs: Any):
        kwargs.setdefault("data-date-format", picker_format())
        return super().__call__(field, **kwargs)


class LocaleDateField(DateField):
    """A date typed as the language writes it (or as ISO), shown back the same way."""

    widget = LocaleDatePickerWidget()
    data: date | None

    def process_formdata(self, valuelist) -> None:
        text = " ".join(str(item) for item in valuelist or ()).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_date(text)
        except UnreadableDate as exc:
            self.data = None
            raise ValueError(str(exc.message)) from None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return date_text(self.data) if isinstance(self.data, date) else ""


class LocaleModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, with every date column a LocaleDateField."""

    @converts("Date")
    def convert_date(self, field_args: dict[str, Any], **extra: Any) -> LocaleDateField:
        return LocaleDateField(**field_args)
