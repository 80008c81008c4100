"""The likely duplicates of a tenant, each pair with the rules it matched.

Exact rules (the same e-mail, phone number, name within an organisation, registration
number) are answered by the database: it groups the values and returns only the rows
of groups with more than one record, so their cost does not grow with the pairs that
do not match. Similar names are compared with rapidfuzz within blocks of names that
sound alike at their start (a soundex-like key), each block bounded in size, so the
comparisons grow with the number of records, not with its square."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, String, cast, func, literal, select, type_coerce, union_all

from app.extensions import db
from app.models import Contact, Employment, Organisation
from app.services import identifiers, settings
from app.services.duplicates import CONTACT, MARKS, ORGANISATION, ordered
from app.services.errors import ServiceError
from app.services.text import lowered

RULE_EMAIL = "email"
RULE_PHONE = "phone"
RULE_NAME_IN_ORGANISATION = "name_in_organisation"
RULE_REGISTRATION = "registration_number"
RULE_SIMILAR_NAME = "similar_name"
# Strongest first: a pair is listed by its strongest rule.
RULE_ORDER = (RULE_EMAIL, RULE_PHONE, RULE_REGISTRATION, RULE_NAME_IN_ORGANISATION,
              RULE_SIMILAR_NAME)

SIMILARITY = 88  # rapidfuzz's 0–100 score from which two names count as similar
BLOCK_SIZE = 400  # names compared with each other at most; larger blocks are windowed
BLOCK_OVERLAP = 50
MAX_PAIRS = 500  # listed per entity; the rest waits until these are handled


@dataclass(frozen=True)
class Match:
    rule: str
    detail: str = ""  # what the pair shares: the address, number, organisation, score


@dataclass
class Pair:
    first_id: int
    second_id: int
    matches: list[Match] = field(default_factory=list)

    @property
    def rank(self) -> int:
        return min(RULE_ORDER.index(m.rule) for m in self.matches)


@dataclass
class Found:
    pairs: list[Pair]
    truncated: bool = False


class _Collector:
    """Pairs by their ids, each with every rule it matched (one match per rule): those
    of one record (``record_id``), or the tenant's, up to ``limit`` and one more.

    The rules run strongest first, so once the list is full a pair found later would
    be listed after it, past the limit: it is not kept, and its rule's comparisons stop
    ("the rest waits until these are handled"); the pairs kept are still given every
    rule they match. Every pair was kept before: 30,000 contacts whose names differ by
    a number (Anna Hansen1, Anna Hansen2 …) made millions, and a million contacts ran
    for many minutes."""

    def __init__(self, hidden: set[tuple[int, int]], record_id: int | None,
                 limit: int) -> None:
        self.hidden = hidden
        self.record_id = record_id
        self.bound = limit + 1  # one more than listed: the list says it is cut
        self.pairs: dict[tuple[int, int], Pair] = {}

    @property
    def full(self) -> bool:
        return len(self.pairs) >= self.bound

    def add(self, a: int, b: int, match: Match) -> None:
        if a == b or (self.record_id is not None and self.record_id not in (a, b)):
            return
        key = ordered(a, b)
        if key in self.hidden:
            return
        pair = self.pairs.get(key)
        if pair is None:
            if self.full:
                return
            pair = self.pairs[key] = Pair(*key)
        if all(m.rule != match.rule for m in pair.matches):
            pair.matches.append(match)

    def add_groups(self, rows: Iterable[tuple[int, Any]], rule: str,
                   detail=lambda key: str(key)) -> None:
        """Every two records sharing a key (rows of (id, key))."""
        groups: dict[Any, set[int]] = defaultdict(set)
        for record_id, key in rows:
            groups[key].add(record_id)
        for key, ids in groups.items():
            members = sorted(ids)
            for i, a in enumerate(members):
                if self.full:
                    break
                for b in members[i + 1:]:
                    self.add(a, b, Match(rule, detail(key)))
        if self.full:
            self._match_kept(groups, rule, detail)

    def _match_kept(self, groups: dict[Any, set[int]], rule: str, detail) -> None:
        """The rule's match for each kept pair sharing one of its keys."""
        keys_of: dict[int, set[Any]] = defaultdict(set)
        for key, ids in groups.items():
            for record_id in ids:
                keys_of[record_id].add(key)
        for a, b in list(self.pairs):
            shared = keys_of.get(a, set()) & keys_of.get(b, set())
            if shared:
                self.add(a, b, Match(rule, detail(min(shared, key=str))))

    def found(self) -> Found:
        pairs = sorted(self.pairs.values(), key=lambda p: (p.rank, p.first_id, p.second_id))
        for pair in pairs:
            pair.matches.sort(key=lambda m: RULE_ORDER.index(m.rule))
        limit = self.bound - 1
        return Found(pairs[:limit], len(pairs) > limit)


def hidden_pairs(entity: str) -> set[tuple[int, int]]:
    mark = MARKS[entity]
    return {(a, b) for a, b in db.session.execute(select(mark.first_id, mark.second_id))}


def contact_duplicates(record_id: int | None = None, limit: int = MAX_PAIRS) -> Found:
    """Likely duplicate contacts of the current tenant (those of one contact with
    ``record_id``), not marked as distinct."""
    collector = _Collector(hidden_pairs(CONTACT), record_id, limit)
    collector.add_groups(_same_emails(), RULE_EMAIL)
    collector.add_groups(_same_numbers(), RULE_PHONE)
    collector.add_groups(_same_names_in_organisations(), RULE_NAME_IN_ORGANISATION,
                         lambda key: key[0])
    rows = db.session.execute(select(Contact.id, Contact.first_name, Contact.last_name))
    _similar(collector, ((i, f"{first} {last}", last) for i, first, last in rows))
    return collector.found()


def organisation_duplicates(record_id: int | None = None, limit: int = MAX_PAIRS) -> Found:
    """Likely duplicate organisations of the current tenant (the private-customers
    organisation is no company, so never one)."""
    collector = _Collector(hidden_pairs(ORGANISATION), record_id, limit)
    collector.add_groups(_same_registrations(), RULE_REGISTRATION)
    rows = db.session.execute(select(Organisation.id, Organisation.name)
                              .where(Organisation.is_private_customers.is_(False)))
    _similar(collector, ((i, company_name(name), company_name(name)) for i, name in rows))
    return collector.found()


# --- exact rules -------------------------------------------------------------------------

def _rows_of_shared_keys(keyed: Any) -> Iterator[tuple[int, Any]]:
    """(id, key) of the rows of ``keyed`` (a subquery of id, key) whose key more than
    one record has; the grouping is the database's."""
    shared = (select(keyed.c.key).group_by(keyed.c.key)
              .having(func.count(keyed.c.id.distinct()) > 1).subquery())
    yield from db.session.execute(select(keyed.c.id, keyed.c.key)
                                  .join(shared, shared.c.key == keyed.c.key))


def _same_emails() -> Iterator[tuple[int, str]]:
    """The same address whatever its case (the unique index's lower() folds only A–Z on
    SQLite) or a "+tag" after the name (anna+news@ is anna@)."""
    email = lowered(Contact.email)
    yield from _rows_of_shared_keys(select(Contact.id.label("id"), email.label("key"))
                                    .where(Contact.email.is_not(None)).subquery())
    tagged = {i: _untagged(address) for i, address in db.session.execute(
        select(Contact.id, email).where(Contact.email.contains("+")))}
    if not tagged:
        return
    groups: dict[str, set[int]] = defaultdict(set)
    for record_id, address in tagged.items():
        groups[address].add(record_id)
    for chunk in _chunks(sorted(groups), 500):
        for record_id, address in db.session.execute(
                select(Contact.id, email).where(email.in_(chunk))):
            groups[address].add(record_id)
    yield from ((i, address) for address, ids in groups.items() for i in ids)


def _untagged(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name.split('+', 1)[0]}@{domain}"


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _same_numbers() -> Iterator[tuple[int, str]]:
    """Phone and mobile numbers are stored in E.164 (services.contacts normalises them
    with the tenant's country); a number kept otherwise is read the same way here."""
    numbers = union_all(
        select(Contact.id.label("id"), Contact.phone.label("key"))
        .where(Contact.phone.is_not(None)),
        select(Contact.id.label("id"), Contact.mobile.label("key"))
        .where(Contact.mobile.is_not(None)),
    ).subquery()
    yield from _rows_of_shared_keys(numbers)
    region = settings.phone_region()
    unformatted = db.session.execute(select(numbers.c.id, numbers.c.key)
                                     .where(numbers.c.key.not_like("+%"))).all()
    if unformatted:
        yield from _with_formatted(unformatted, numbers, region)


def _with_formatted(rows: Iterable, numbers: Any, region: str) -> Iterator[tuple[int, str]]:
    """Numbers kept as typed, read as E.164, with the records that have them so."""
    read: dict[int, set[str]] = defaultdict(set)
    for record_id, raw in rows:
        try:
            number = identifiers.normalise_phone(raw, region)
        except ServiceError:
            continue
        if number:
            read[record_id].add(number)
    wanted = sorted({n for ns in read.values() for n in ns})
    for chunk in _chunks(wanted, 500):
        yield from db.session.execute(select(numbers.c.id, numbers.c.key)
                                      .where(numbers.c.key.in_(chunk)))
    yield from ((i, n) for i, ns in read.items() for n in ns)


def _same_names_in_organisations() -> Iterator[tuple[int, tuple[str, str]]]:
    """First and last name equal whatever the case, at the same organisation (a job now
    or before); key: (organisation name, folded name)."""
    key = (cast(Employment.organisation_id, String) + literal("|") + _text(Contact.first_name)
           + literal(" ") + _text(Contact.last_name))
    keyed = (select(Employment.contact_id.label("id"), key.label("key"))
             .join(Contact, Contact.id == Employment.contact_id)
             .join(Organisation, Organisation.id == Employment.organisation_id)
             .where(Organisation.is_private_customers.is_(False))).subquery()
    rows = list(_rows_of_shared_keys(keyed))
    organisation_ids = {int(key.split("|", 1)[0]) for _i, key in rows}
    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(organisation_ids))).all()) if organisation_ids else {}
    for record_id, key in rows:
        organisation_id, folded = key.split("|", 1)
        yield record_id, (names.get(int(organisation_id), ""), folded)


def _text(column: Any) -> ColumnElement[str]:
    """The column folded to lower case, typed as text so that + joins with ||."""
    return type_coerce(lowered(column), String)


def _same_registrations() -> Iterator[tuple[int, str]]:
    number = Organisation.registration_number
    country = func.coalesce(Organisation.registration_country, "")
    keyed = (select(Organisation.id.label("id"), (country + literal(" ") + number).label("key"))
             .where(number.is_not(None), number != "")).subquery()
    for record_id, key in _rows_of_shared_keys(keyed):
        yield record_id, key.strip()


# --- similar names ---------------------------------------------------------------------

_LEGAL_FORMS = re.compile(
    r"\b(aps|a/s|as|ab|i/s|k/s|p/s|ivs|amba|a\.m\.b\.a\.|hb|kb|sp\.? ?z ?o\.? ?o\.?|"
    r"s\.?a\.?|sp\.? ?j\.?|sp\.? ?k\.?|ltd|limited|gmbh|inc|oy|asa|plc)(?=\s|$|[.,])")
_NOT_WORD = re.compile(r"[^\w\s]+")
_FOLDED = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ł": "l", "ß": "ss", "đ": "d"})


def folded(text: str) -> str:
    """Lower case without accents (æ, ø, å and ł spelled out), single spaces."""
    text = (text or "").casefold()
    if not text.isascii():  # no accents to take off otherwise (most names: 5× faster)
        text = "".join(c for c in unicodedata.normalize("NFKD", text.translate(_FOLDED))
                       if not unicodedata.combining(c))
    return " ".join(text.split())


def company_name(name: str) -> str:
    """A company's name without its legal form and punctuation (Nordlys ApS = Nordlys A/S)."""
    text = _LEGAL_FORMS.sub(" ", folded(name))
    return " ".join(_NOT_WORD.sub(" ", text).split())


_SOUND_CODES = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"),
                **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}


def sound_key(word: str) -> str:
    """Soundex: the first letter and the sounds of the next consonants (Hansen,
    Hanssen and Hansén share H525), so names spelled a little differently meet."""
    letters = [c for c in folded(word) if c.isalpha()]
    if not letters:
        return ""
    codes, last = [], _SOUND_CODES.get(letters[0], "")
    for letter in letters[1:]:
        code = _SOUND_CODES.get(letter, "")
        if code and code != last:
            codes.append(code)
        if letter not in "hw":
            last = code
    return (letters[0].upper() + "".join(codes) + "000")[:4]


def _similar(collector: _Collector, rows: Iterable[tuple[int, str, str]]) -> None:
    """Names compared within blocks of (the sound of the key word, first letter of the
    whole): ``rows`` are (id, name, key word)."""
    blocks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    sounds: dict[str, str] = {}  # by key word: a last name is many people's
    for record_id, name, key_word in rows:
        text = folded(name)
        if text:
            sound = sounds.get(key_word)
            if sound is None:
                sound = sounds[key_word] = sound_key(key_word)
            blocks[f"{sound}|{text[0]}"].append((record_id, text))
    for members in blocks.values():
        if len(members) > 1 and not collector.full:
            members.sort(key=lambda m: m[1])
            step = BLOCK_SIZE - BLOCK_OVERLAP
            for start in range(0, max(len(members) - BLOCK_OVERLAP, 1), step):
                _compare(collector, members[start:start + BLOCK_SIZE])
    if collector.full:
        _compare_kept(collector, blocks)


def _compare(collector: _Collector, members: list[tuple[int, str]]) -> None:
    names = [text for _i, text in members]
    for i, name in enumerate(names[:-1]):
        if collector.full:
            return
        # one call per name: rapidfuzz loops over the rest in C
        for _text, score, j in process.extract(name, names[i + 1:], scorer=fuzz.token_sort_ratio,
                                               score_cutoff=SIMILARITY, limit=None):
            collector.add(members[i][0], members[i + 1 + j][0],
                          Match(RULE_SIMILAR_NAME, str(int(score))))


def _compare_kept(collector: _Collector, blocks: dict[str, list[tuple[int, str]]]) -> None:
    """The similar-name match for each kept pair whose names meet in a block."""
    where: dict[int, tuple[str, str]] = {record_id: (block, text)
                                         for block, members in blocks.items()
                                         for record_id, text in members}
    for a, b in list(collector.pairs):
        if a in where and b in where and where[a][0] == where[b][0]:
            score = fuzz.token_sort_ratio(where[a][1], where[b][1])
            if score >= SIMILARITY:
                collector.add(a, b, Match(RULE_SIMILAR_NAME, str(int(score))))

