"""Likely duplicates (B16): /admin/duplicates/ lists the tenant's likely duplicate
contacts and organisations with the rule each pair matched; a pair can be marked "not a
duplicate" or merged on /admin/duplicates/merge/<kind>/<id>/<id>/, where a radio per
differing field picks the value that stays and the linked records are counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import TranslatedFlaskForm
from app.i18n import LANGUAGE_NAMES, current_language
from app.masking import mask_national_id
from app.models import Contact, Organisation, User
from app.models.contact import KIND_PRIVATE
from app.services import countries, identifiers
from app.services.contacts import photos
from app.services.duplicates import CONTACT, MARKS, MODELS, ORGANISATION, finder, marks
from app.services.duplicates import merge as merging
from app.services.duplicates.preview import linked
from app.services.fields import values as custom_fields
from app.services.settings import home_country, user_may_edit
from app.services.terms import lazy_term
from app.transactions import commit_or_refuse
from app.views.base import SecureBaseView
from app.views.fields import FIELD_LABELS
from app.views.screens import flash_refusal, get_or_404

KINDS = {CONTACT: lazy_term("plural"), ORGANISATION: _l("Organisations")}
EDIT_RIGHTS = {CONTACT: "contacts", ORGANISATION: "organisations"}
RULE_TEXTS = {
    finder.RULE_EMAIL: _l("Same e-mail address: %(detail)s"),
    finder.RULE_PHONE: _l("Same phone number: %(detail)s"),
    finder.RULE_NAME_IN_ORGANISATION: _l("Same name at %(detail)s"),
    finder.RULE_REGISTRATION: _l("Same registration number: %(detail)s"),
    finder.RULE_SIMILAR_NAME: _l("Similar names (%(detail)s %%)"),
}
MERGE_LABELS = {**FIELD_LABELS, "national_id": _l("Personal ID"),
                "email_access_restricted": _l("E-mails only for administrators")}
FIRST, SECOND = "first", "second"


def rule_text(match: finder.Match) -> str:
    detail = match.detail
    if match.rule == finder.RULE_PHONE:  # E.164: written as the tenant reads numbers
        detail = identifiers.format_phone(detail, home_country())
    return str(RULE_TEXTS[match.rule] % {"detail": detail})


@dataclass
class ShownPair:
    first: Contact | Organisation
    second: Contact | Organisation
    reasons: list[str]


@dataclass
class FieldChoice:
    """One differing field of the merge screen: its label and each record's value."""

    name: str
    label: str
    first: str
    second: str
    take_second: bool  # chosen by default: the first's value is empty


class DuplicatesView(SecureBaseView):
    @expose("/")
    def index(self) -> str:
        kind = request.args.get("kind", CONTACT)
        if kind not in MODELS:
            abort(404)
        record = self._record_in_args(kind)
        found = (finder.contact_duplicates if kind == CONTACT
                 else finder.organisation_duplicates)(record.id if record else None)
        return self.render("kontakt/duplicates/index.html", kind=kind, kinds=KINDS,
                           record=record, pairs=_shown(kind, found.pairs),
                           truncated=found.truncated, may_edit=self._may_edit(kind),
                           marked=_marked(kind), form=TranslatedFlaskForm())

    def _record_in_args(self, kind: str) -> Contact | Organisation | None:
        """``?record=<id>``: only the pairs of that record (from its profile)."""
        if "record" not in request.args:
            return None
        return get_or_404(MODELS[kind], request.args.get("record"))

    @expose("/distinct/<any(contact, organisation):kind>/<first_id>/<second_id>/",
            methods=("POST",))
    def distinct(self, kind: str, first_id: str, second_id: str) -> Response:
        first, second = self._pair(kind, first_id, second_id)
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: marks.mark_distinct(first, second, current_user.id), flash_refusal):
            flash(gettext("%(first)s and %(second)s are no longer listed as duplicates.",
                          first=str(first), second=str(second)), "success")
        return redirect(url_for(".index", kind=kind))

    @expose("/distinct/<any(contact, organisation):kind>/<first_id>/<second_id>/undo/",
            methods=("POST",))
    def undo_distinct(self, kind: str, first_id: str, second_id: str) -> Response:
        first, second = self._pair(kind, first_id, second_id)
        if TranslatedFlaskForm().validate_on_submit() and commit_or_refuse(
                lambda: marks.unmark(first, second), flash_refusal):
            flash(gettext("%(first)s and %(second)s may be listed as duplicates again.",
                          first=str(first), second=str(second)), "success")
        return redirect(url_for(".index", kind=kind))

    @expose("/merge/<any(contact, organisation):kind>/<first_id>/<second_id>/",
            methods=("GET", "POST"))
    def merge(self, kind: str, first_id: str, second_id: str) -> Response | tuple[str, int] | str:
        first, second = self._pair(kind, first_id, second_id)
        form = TranslatedFlaskForm()
        if request.method == "POST":
            if form.validate_on_submit() and request.form.get("survivor") in (FIRST, SECOND):
                done = self._merged(kind, first, second)
                if done is not None:
                    return done
            else:
                flash(gettext("Choose the record that stays."), "error")
            return self._merge_page(kind, first, second, form), 422
        return self._merge_page(kind, first, second, form)

    def _merge_page(self, kind: str, first, second, form) -> str:
        return self.render("kontakt/duplicates/merge.html", kind=kind, first=first,
                           second=second, form=form, choices=_choices(first, second),
                           linked={FIRST: linked(first), SECOND: linked(second)},
                           reasons=_reasons(kind, first, second),
                           flags=merging.FLAGS[type(first)], labels=MERGE_LABELS)

    def _merged(self, kind: str, first, second) -> Response | None:
        """Run the merge the form asks for; the survivor's profile, or None if refused."""
        survivor, other = (first, second) if request.form["survivor"] == FIRST \
            else (second, first)
        side = {FIRST: first, SECOND: second}
        take = [name for name in merging.differing_fields(first, second)
                if side.get(request.form.get(f"field-{name}", "")) is other]
        label, survivor_id = str(survivor), survivor.id
        outcome = commit_or_refuse(lambda: merging.merge_pair(
            survivor, other, take, current_user.id), flash_refusal)
        if not outcome:
            return None
        for name in outcome.value:  # once committed: a refused merge keeps both photos
            photos.remove(name)
        flash(gettext("The duplicate was merged into %(name)s.", name=label), "success")
        return redirect(url_for(f"{kind}.profile_view", **{f"{kind}_id": survivor_id}))

    def _pair(self, kind: str, first_id: str, second_id: str):
        """Both records (404 for a missing or another tenant's one, or the same twice);
        403 for a user who may not change records of the kind."""
        first = get_or_404(MODELS[kind], first_id)
        second = get_or_404(MODELS[kind], second_id)
        if first.id == second.id:
            abort(404)
        if not self._may_edit(kind):
            abort(403)
        return first, second

    @staticmethod
    def _may_edit(kind: str) -> bool:
        return user_may_edit(EDIT_RIGHTS[kind], current_user)


def _loaded(kind: str, ids: set[int]) -> dict[int, Any]:
    model: Any = MODELS[kind]
    query = select(model).where(model.id.in_(ids))
    if model is Contact:
        query = query.options(joinedload(Contact.organisation))
    return {r.id: r for r in db.session.scalars(query)} if ids else {}


def _shown(kind: str, pairs: list[finder.Pair]) -> list[ShownPair]:
    records = _loaded(kind, {i for p in pairs for i in (p.first_id, p.second_id)})
    return [ShownPair(records[p.first_id], records[p.second_id],
                      [rule_text(m) for m in p.matches])
            for p in pairs if p.first_id in records and p.second_id in records]


def _marked(kind: str, limit: int = 50) -> list[tuple[Any, Any]]:
    """The latest pairs marked "not a duplicate", to undo a mark."""
    mark = MARKS[kind]
    rows = db.session.execute(select(mark.first_id, mark.second_id)
                              .order_by(mark.created_at.desc(), mark.id.desc())
                              .limit(limit)).all()
    records = _loaded(kind, {i for row in rows for i in row})
    return [(records[a], records[b]) for a, b in rows if a in records and b in records]


def _reasons(kind: str, first, second) -> list[str]:
    finder_of = finder.contact_duplicates if kind == CONTACT else finder.organisation_duplicates
    return [rule_text(m) for p in finder_of(first.id).pairs
            if {p.first_id, p.second_id} == {first.id, second.id} for m in p.matches]


def _choices(first, second) -> list[FieldChoice]:
    filled = merging.filled_from_other(first, second)
    return [FieldChoice(name, _label(first, name), _shown_value(first, name),
                        _shown_value(second, name), name in filled)
            for name in merging.differing_fields(first, second)]


def _label(record, name: str) -> str:
    if name.startswith(merging.CUSTOM_PREFIX):
        definition = custom_fields.field_by_key(record.__custom_entity__,
                                                name.removeprefix(merging.CUSTOM_PREFIX))
        return definition.label(current_language()) if definition else name
    return str(MERGE_LABELS.get(name, name))


def _shown_value(record, name: str) -> str:
    """A merge field's value as people read it ("—" for none)."""
    values = merging.field_values(record, name)
    if name.startswith(merging.CUSTOM_PREFIX):
        definition = custom_fields.field_by_key(record.__custom_entity__,
                                                name.removeprefix(merging.CUSTOM_PREFIX))
        text = custom_fields.display(definition, values[0]) if definition else str(values[0])
    else:
        texts = (_value_text(column, value) for column, value
                 in zip(merging.columns_of(record, name), values, strict=True))
        text = ", ".join(t for t in texts if t)
    return text or "—"


COUNTRY_COLUMNS = ("country", "national_id_country", "registration_country")


def _value_text(column: str, value: Any) -> str:
    if value is None or value == "" or value is False:
        return ""
    if value is True:
        return gettext("Yes")
    if isinstance(value, date):
        return format_date(value)
    if column in ("phone", "mobile"):
        return identifiers.format_phone(value)
    if column in COUNTRY_COLUMNS:
        return countries.country_name(value, current_language()) or value
    texts = {
        "kind": lambda: gettext("Private customer (B2C)") if value == KIND_PRIVATE
        else gettext("Company contact (B2B)"),
        "preferred_language": lambda: str(LANGUAGE_NAMES.get(value, value)),
        "responsible_user_id": lambda: str(db.session.get(User, value) or ""),
        "photo": lambda: gettext("Photo"),
        "national_id": lambda: mask_national_id(value),
    }
    return texts[column]() if column in texts else str(value)
