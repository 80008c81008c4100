"""The administrator's screen for dictionaries (A6): the entries of each dictionary in
order, with a label per language, active flag and (task statuses) the done flag.

The rules live in services.dictionaries; this module parses forms, loads the entry the
URL names (another tenant's is a 404) and renders."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField

from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES, current_language
from app.models import DictionaryEntry
from app.models.activity import KINDS
from app.models.dictionary import (
    ACTIVITY_CATEGORY,
    ACTIVITY_KIND,
    CASE_CATEGORY,
    PRIORITY,
    TASK_STATUS,
)
from app.services import dictionaries
from app.services.activities.activities import KIND_LABELS
from app.views.base import ADMIN
from app.views.screens import (
    STEPS,
    GroupedErrorsForm,
    LabelFields,
    ServiceScreenView,
    get_or_404,
    language_data,
    language_values,
)

# In menu order; the keys are the values of DictionaryEntry.dictionary.
DICTIONARY_NAMES = {
    ACTIVITY_KIND: _l("Activity kinds"),
    PRIORITY: _l("Priorities"),
    ACTIVITY_CATEGORY: _l("Activity categories"),
    TASK_STATUS: _l("Task statuses"),
    CASE_CATEGORY: _l("Case categories"),
}


class EntryForm(LabelFields, GroupedErrorsForm):
    is_done = BooleanField(_l("Done: a task in this status is closed"))
    # activity kinds: how the kind's activities behave (their fields, rules and actions)
    behaviour = SelectField(_l("Behaves as"), validate_choice=False,  # the service checks
                            choices=lambda: [("", "—"), *((kind, str(KIND_LABELS[kind]))
                                                          for kind in KINDS)])


def _dictionary(name: str | None) -> str:
    if name not in DICTIONARY_NAMES:
        abort(404)
    return name


def _entry(entry_id: int) -> DictionaryEntry:
    return get_or_404(DictionaryEntry, entry_id)


class DictionaryAdminView(ServiceScreenView):
    access = ADMIN

    def back_url(self, place: str) -> str:
        return url_for(".index", dictionary=place)

    def render(self, template: str, **kwargs: Any) -> str:
        if "dictionary" in kwargs:
            kwargs["dictionary_name"] = DICTIONARY_NAMES[kwargs["dictionary"]]
        return super().render(template, language_names=LANGUAGE_NAMES, **kwargs)

    @expose("/")
    def index(self) -> str:
        dictionary = _dictionary(request.args.get("dictionary", ACTIVITY_KIND))
        return self.render("kontakt/dictionaries/index.html", dictionary=dictionary,
                           tabs=list(DICTIONARY_NAMES.items()),
                           entries=dictionaries.entries(dictionary, active_only=False),
                           with_done=dictionary == TASK_STATUS, lang=current_language(),
                           with_behaviour=dictionary == ACTIVITY_KIND,
                           behaviour_labels=KIND_LABELS, form=TranslatedFlaskForm())

    def _render_form(self, form: EntryForm, dictionary: str,
                     entry: DictionaryEntry | None) -> str:
        return self.render("kontakt/dictionaries/entry_form.html", form=form,
                           dictionary=dictionary, entry=entry,
                           with_done=dictionary == TASK_STATUS,
                           # the program's own kinds behave as themselves
                           with_behaviour=dictionary == ACTIVITY_KIND and not (
                               entry is not None and entry.key in KINDS))

    @expose("/new/", methods=("GET", "POST"))
    def new_entry(self) -> Response | str:
        dictionary = _dictionary(request.args.get("dictionary"))
        form = EntryForm()
        return self._submitted(form, lambda: dictionaries.create_entry(
            dictionary, language_values(form, "label"), is_done=form.is_done.data,
            behaviour=form.behaviour.data or None),
            _("The entry was created."), dictionary) or self._render_form(form, dictionary, None)

    @expose("/<int:entry_id>/edit/", methods=("GET", "POST"))
    def edit_entry(self, entry_id: int) -> Response | str:
        entry = _entry(entry_id)
        dictionary = entry.dictionary
        form = EntryForm(data={**language_data("label", entry.labels),
                               "is_done": entry.is_done, "behaviour": entry.behaviour or ""})
        return self._submitted(form, lambda: dictionaries.update_entry(
            entry, language_values(form, "label"), is_done=form.is_done.data,
            behaviour=form.behaviour.data or ""),
            _("The entry was saved."), dictionary) or self._render_form(form, dictionary, entry)

    @expose("/<int:entry_id>/move/<any(up, down):direction>/", methods=("POST",))
    def move_entry(self, entry_id: int, direction: str) -> Response:
        entry = _entry(entry_id)
        return self._button(entry.dictionary,
                            lambda: dictionaries.move(entry, STEPS[direction]),
                            _("The order was changed."))

    @expose("/<int:entry_id>/<any(activate, deactivate):action>/", methods=("POST",))
    def set_active(self, entry_id: int, action: str) -> Response:
        entry = _entry(entry_id)
        active = action == "activate"
        message = _("The entry was activated.") if active else _(
            "The entry was deactivated. Records that have it keep it.")
        return self._button(entry.dictionary,
                            lambda: dictionaries.set_active(entry, active), message)

    @expose("/<int:entry_id>/delete/", methods=("POST",))
    def delete_entry(self, entry_id: int) -> Response:
        entry = _entry(entry_id)
        return self._button(entry.dictionary, lambda: dictionaries.delete_entry(entry),
                            _("The entry was deleted."))
