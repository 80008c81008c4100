"""Filters on a column holding a code from a fixed list (contact type, role, language,
country, record type …) offer the list's names in the reader's language, not a text
box that finds rows only when one types the internal code (``private``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_admin.contrib.sqla.filters import FilterEqual, FilterNotEqual

from app.views.admin_compat import ModelViewMixin

Choices = Iterable[tuple[str, Any]] | Callable[[], Iterable[tuple[str, Any]]]

CHOICE_FILTERS = (FilterEqual, FilterNotEqual)


def named_options(choices: Choices) -> Callable[[], list[tuple[str, str]]]:
    """The filter's options, named afresh per request (the labels are lazy, the language
    is the reader's); the form's blank choice is no value to filter by."""
    def options() -> list[tuple[str, str]]:
        listed = choices() if callable(choices) else choices
        return [(str(code), str(label)) for code, label in listed if code]

    return options


class ChoiceFilterMixin(ModelViewMixin):
    """A column named in ``column_filters`` whose form offers choices (``form_choices``)
    or that ``filter_choices`` names is filtered by picking one of them."""

    filter_choices: dict[str, Choices] = {}

    def scaffold_filters(self, name):
        choices = None
        if isinstance(name, str):
            choices = self.filter_choices.get(name) or (self.form_choices or {}).get(name)
        if not choices:
            return super().scaffold_filters(name)
        label = (self.column_labels or {}).get(name) or self.get_column_name(name)
        column = getattr(self.model, name)
        return [flt(column, label, options=named_options(choices)) for flt in CHOICE_FILTERS]
