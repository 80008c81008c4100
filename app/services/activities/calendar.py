"""The calendar feed (E5): a user's planned activities as an iCalendar file, read by
calendar programs through the same secret URL as the address book (services.feeds).

Calendar programs replace a published calendar as a whole on each refresh, so an
activity that is completed, moved to another employee or deleted simply drops out."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import vobject
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, AuditEntry, User
from app.models.activity import MEETING
from app.models.audit import ACTION_UPDATE
from app.services.activities import activities
from app.services.times import display_zone, to_utc

PRODID = "-//Kontakt CRM//Calendar feed//EN"
DEFAULT_DURATION = timedelta(minutes=30)
UTC = vobject.icalendar.utc  # vobject names only its own UTC object "Z"


class NamedZone(ZoneInfo):
    """A zone that vobject names by its IANA key ("Europe/Copenhagen") rather than by
    its abbreviation ("CET"), which clients cannot look up: vobject reads ``tzid``."""

    @property
    def tzid(self) -> str:
        return self.key


def calendar(user: User) -> str:
    """The iCalendar text of the user's planned, not completed activities, in the
    current tenant (the caller sets it) and the current language."""
    zone = NamedZone(display_zone().key)
    cal = vobject.iCalendar()
    cal.add("prodid").value = PRODID
    cal.add("method").value = "PUBLISH"
    cal.add("x-wr-calname").value = _("Kontakt CRM: %(name)s", name=user.full_name or user.email)
    cal.add("x-wr-timezone").value = zone.key
    cal.add("x-published-ttl").value = "PT1H"  # a hint how often clients should refresh
    add_timezone(cal, zone)
    sequences = edit_counts(user.id)
    kinds = activities.kind_labels()
    stamp = datetime.now(UTC)
    for activity in activities.planned_for(user.id):
        event = cal.add("vevent")
        fill_event(event, activity, zone=zone, uid_domain=current_app.config["CALENDAR_UID_DOMAIN"],
                   stamp=stamp,
                   sequence=sequences.get(activity.id, 0),
                   kind=kinds.get(activity.type_key, activity.kind))
    return cal.serialize()


def add_timezone(cal: vobject.base.Component, zone: NamedZone) -> None:
    """The VTIMEZONE of the zone. vobject assumes the tzinfo behaviour from before
    PEP 495 and puts every onset an hour late for zoneinfo zones (02:00 becomes
    03:00); the onsets are moved back to the rule's real hour."""
    component = cal.add("vtimezone")
    component.settzinfo(zone)
    for rule in component.getChildren():
        if rule.name in ("STANDARD", "DAYLIGHT"):
            rule.dtstart.value -= timedelta(hours=1)


def edit_counts(user_id: int) -> dict[int, int]:
    """{activity id: number of recorded edits}, the SEQUENCE of each event: it grows
    with every saved change, so clients know a newer version replaces theirs."""
    query = (
        select(AuditEntry.record_id, func.count())
        .where(AuditEntry.entity == Activity.__tablename__,
               AuditEntry.action == ACTION_UPDATE,
               AuditEntry.record_id.in_(select(Activity.id).where(
                   Activity.employee_id == user_id, activities.planned_condition())))
        .group_by(AuditEntry.record_id)
    )
    return {record_id: count for record_id, count in db.session.execute(query)}


def end_of(activity: Activity) -> datetime:
    """The end: the stored end, else start plus the duration, else half an hour on."""
    start = to_utc(activity.starts_at)
    end = to_utc(activity.ends_at)
    if end is not None and end > start:
        return end
    if activity.duration_minutes and activity.duration_minutes > 0:
        return start + timedelta(minutes=activity.duration_minutes)
    return start + DEFAULT_DURATION


def fill_event(event: vobject.base.Component, activity: Activity, *, zone: NamedZone,
               uid_domain: str, stamp: datetime, sequence: int, kind: str) -> None:
    # The UID names the record, never its contents nor the address the feed was read
    # at, so it stays the same after edits and under every host name.
    event.add("uid").value = (
        f"kontakt-{activity.tenant_id}-activity-{activity.id}@{uid_domain}")
    event.add("dtstamp").value = stamp
    event.add("dtstart").value = to_utc(activity.starts_at).astimezone(zone)
    event.add("dtend").value = end_of(activity).astimezone(zone)
    event.add("summary").value = f"{kind}: {activity.subject}" if activity.subject else kind
    if activity.kind == MEETING and activity.location:
        event.add("location").value = activity.location
    description = describe(activity)
    if description:
        event.add("description").value = description
    event.add("last-modified").value = to_utc(activity.updated_at).astimezone(UTC)
    event.add("sequence").value = str(sequence)
    event.add("status").value = "CONFIRMED"


def describe(activity: Activity) -> str:
    """The body, then the counterparty and the persons taking part."""
    parts = [activity.body.strip()] if activity.body and activity.body.strip() else []
    organisation = activity.organisation
    if organisation is not None and not organisation.is_private_customers:
        parts.append(_("Organisation: %(name)s", name=organisation.name))
    if activity.contacts:
        names = ", ".join(contact.full_name for contact in activity.contacts)
        parts.append(_("Participants: %(names)s", names=names))
    return "\n\n".join(parts)
