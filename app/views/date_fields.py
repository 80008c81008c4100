"""Date inputs that read and show dates the way the user's language writes them
(services.dates), with Flask-Admin's date picker writing the same format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from babel import Locale
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form.widgets import DatePickerWidget
from flask_admin.model.filters import (
    BaseDateBetweenFilter,
    BaseDateFilter,
    BaseDateTimeBetweenFilter,
    BaseDateTimeFilter,
)
from flask_admin.model.form import converts
from flask_babel import get_locale, gettext
from wtforms import DateField

from app.services.dates import (
    UnreadableDate,
    date_text,
    parse_date,
    parse_datetime,
    picker_format,
)
from app.services.times import display_zone

T = TypeVar("T")


def typed_value(valuelist: list[Any] | None, parse: Callable[[str], T]) -> T | None:
    """What a date or time input holds as typed: None when empty; a refused text raises
    the ValueError WTForms shows beside the field."""
    text = " ".join(str(item) for item in valuelist or ()).strip()
    if not text:
        return None
    try:
        return parse(text)
    except UnreadableDate as exc:
        raise ValueError(str(exc.message)) from None


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
        self.data = typed_value(valuelist, parse_date)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return date_text(self.data) if isinstance(self.data, date) else ""


RANGE_SEPARATORS = (" – ", " to ")  # the pickers' (behaviours.js), Flask-Admin's


class LocaleMomentFilter:
    """Flask-Admin's date and date-time filters reading the language's format (ISO
    too): its own read ISO only, while the pickers write the language's format. A
    time is typed on the display clock and compared in UTC, as times are kept."""

    with_time = False
    between = False

    def _one(self, text: str) -> date | datetime:
        if not self.with_time:
            return parse_date(text.strip())
        moment = parse_datetime(text.strip())
        return moment.replace(tzinfo=display_zone()).astimezone(UTC)

    def clean(self, value: str) -> Any:
        if not self.between:
            return self._one(value)
        for separator in RANGE_SEPARATORS:
            if separator in value:
                return [self._one(part) for part in value.split(separator)]
        raise ValueError(value)

    def validate(self, value: str) -> bool:
        try:
            cleaned = self.clean(value)
        except ValueError:
            return False
        return not self.between or (len(cleaned) == 2 and cleaned[0] <= cleaned[1])


def localised_filter(filter_class: type) -> type:
    """``filter_class`` reading dates as LocaleMomentFilter does; others as they are."""
    with_time = issubclass(filter_class, BaseDateTimeFilter | BaseDateTimeBetweenFilter)
    if not with_time and not issubclass(filter_class, BaseDateFilter | BaseDateBetweenFilter):
        return filter_class
    between = issubclass(filter_class, BaseDateBetweenFilter | BaseDateTimeBetweenFilter)
    return type(filter_class.__name__, (LocaleMomentFilter, filter_class),
                {"with_time": with_time, "between": between})


class LocaleModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, with every date column a LocaleDateField."""

    @converts("Date")
    def convert_date(self, field_args: dict[str, Any], **extra: Any) -> LocaleDateField:
        return LocaleDateField(**field_args)


def picker_texts() -> dict[str, Any]:
    """The date picker's words and week in the user's language (Babel's names): read
    by behaviours.js, which hands them to every picker Flask-Admin opens."""
    locale = get_locale() or Locale("en")
    days = locale.days["stand-alone"]["abbreviated"]
    return {
        # the picker counts from Sunday (0); Babel from Monday (0)
        "daysOfWeek": [str(days[(index + 6) % 7]).rstrip(".")[:3] for index in range(7)],
        "monthNames": [str(name).rstrip(".")
                       for _n, name in sorted(locale.months["stand-alone"]["abbreviated"].items())],
        "firstDay": (locale.first_week_day + 1) % 7,
        "applyLabel": gettext("Apply"),
        "cancelLabel": gettext("Cancel"),
        "fromLabel": gettext("From"),
        "toLabel": gettext("To"),
        # the formats the list filters' pickers write (Flask-Admin sets ISO ones)
        "dateFormat": picker_format(),
        "dateTimeFormat": picker_format(with_time=True),
        "separator": RANGE_SEPARATORS[0],
    }
