"""A pair marked "not a duplicate" no longer shows among the likely duplicates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from app.extensions import db
from app.models import Contact, Organisation
from app.services.duplicates import MARKS, ordered
from app.services.errors import ServiceError


def entity_of(record: Contact | Organisation) -> str:
    return record.__tablename__


def _pair_condition(entity: str, first_id: int, second_id: int):
    mark = MARKS[entity]
    a, b = ordered(first_id, second_id)
    return (mark.first_id == a) & (mark.second_id == b)


def is_marked(first: Contact | Organisation, second: Contact | Organisation) -> bool:
    entity = entity_of(first)
    return db.session.execute(select(MARKS[entity].id).where(
        _pair_condition(entity, first.id, second.id)).limit(1)).first() is not None


def mark_distinct(first: Contact | Organisation, second: Contact | Organisation,
                  user_id: int | None = None) -> None:
    """Say that two records of the same kind are different (marking twice is one mark)."""
    if type(first) is not type(second) or first.id == second.id:
        raise ServiceError(_l("Choose two different records of the same kind."))
    if is_marked(first, second):
        return
    a, b = ordered(first.id, second.id)
    db.session.add(MARKS[entity_of(first)](first_id=a, second_id=b, marked_by_id=user_id))


def unmark(first: Contact | Organisation, second: Contact | Organisation) -> None:
    """The pair may be listed as likely duplicates again."""
    entity = entity_of(first)
    db.session.execute(delete(MARKS[entity]).where(
        _pair_condition(entity, first.id, second.id)))


def move_marks(entity: str, survivor_id: int, other_id: int) -> None:
    """On a merge: the other record's marks become the survivor's (one per pair; none
    between the two themselves)."""
    mark = MARKS[entity]
    rows = db.session.execute(
        select(mark.id, mark.first_id, mark.second_id, mark.marked_by_id)
        .where(or_(mark.first_id == other_id, mark.second_id == other_id))).all()
    kept = {tuple(pair) for pair in db.session.execute(select(mark.first_id, mark.second_id).where(
        or_(mark.first_id == survivor_id, mark.second_id == survivor_id)))}
    for mark_id, first_id, second_id, marked_by_id in rows:
        partner = second_id if first_id == other_id else first_id
        pair = ordered(survivor_id, partner)
        db.session.execute(delete(mark).where(mark.id == mark_id))
        if partner != survivor_id and pair not in kept:
            kept.add(pair)
            db.session.add(mark(first_id=pair[0], second_id=pair[1],
                                marked_by_id=marked_by_id))
