"""The "next contact" inputs (E4) that every form recording an activity offers: the
activity form, the e-mail and the letter. Scheduling is services.activities'."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import Optional

from app.models import Activity
from app.services.activities import activities
from app.views.date_fields import LocaleDateField
from app.views.fields import FormOnly

FOLLOW_UP_FIELDS = ("follow_up_in", "follow_up_unit", "follow_up_on")


class FollowUpStepsField(FormOnly, IntegerField):
    pass


class FollowUpUnitField(FormOnly, SelectField):
    pass


class FollowUpDateField(FormOnly, LocaleDateField):
    pass


class FollowUpFields:
    """Mixed into a form class; Flask-Admin views take them from :func:`extra_fields`."""

    follow_up_in = FollowUpStepsField(_l("Schedule the next contact in"),
                                      validators=[Optional()], render_kw={"min": 1})
    follow_up_unit = FollowUpUnitField(_l("Hours, days or weeks"),
                                       choices=list(activities.FOLLOW_UP_UNITS.items()),
                                       default=activities.DAYS)
    follow_up_on = FollowUpDateField(_l("Or on this date"), validators=[Optional()])


def extra_fields() -> dict[str, Any]:
    return {name: getattr(FollowUpFields, name) for name in FOLLOW_UP_FIELDS}


def requested(form: Any) -> activities.FollowUp:
    """What the form asks for (perhaps nothing: see ``FollowUp.asked``)."""
    return activities.FollowUp(every=form.follow_up_in.data, unit=form.follow_up_unit.data,
                               on=form.follow_up_on.data)


def announce(scheduled: Activity | None) -> None:
    if scheduled is not None:
        flash(_("The next contact is planned for %(when)s.",
                when=format_datetime(scheduled.starts_at, "short")), "success")
