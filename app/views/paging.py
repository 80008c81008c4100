"""List pages that cost the same at a hundred rows and at a million: the number of
rows is counted up to a cap ("10.000+" beyond), page numbers reach as far as the cap,
and past it the list is entered by its sort key ("Jump to": the rows from a value of
the sorted column on), which an index answers as fast as the first page."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import flash, g, request
from flask_babel import format_number, gettext, ngettext
from sqlalchemy import ARRAY, Integer, Select, String, any_, bindparam, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Query
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlalchemy.sql.util import ClauseAdapter

from app.extensions import db
from app.services import conditions
from app.services.contacts import search_index
from app.views.admin_compat import ModelViewMixin

COUNT_CAP = 10_000  # rows counted exactly; the pager reaches this far
# A list narrowed (search, filters) to fewer rows than this: they are found first, then
# sorted — fewer rows than reading the list in its order until a page of them turns up
# (at a million rows, 50 of 2,000 matches are 25,000 rows into the order).
FEW_ROWS = 2_000
# Rows of the list's order a search with many matches walks for its page before it
# finds and sorts its matches instead: WALK, or WALK_PER_ROW for each row up to the
# page's end, whichever is more (a match in twenty rows still walks to page 200).
WALK = 5_000
WALK_PER_ROW = 20
WALK_BATCH = 500  # rows fetched at a time on that walk
START_ARG = "start"  # the query-string argument of "Jump to"


class CappedCount(int):
    """A count that stopped at the cap: it pages as the cap and reads "10.000+"."""

    def __str__(self) -> str:
        return f"{format_number(int(self))}+"


class CappedCountQuery(Query):
    """Flask-Admin's count query (filters and search are applied to it as usual),
    answering with at most COUNT_CAP + 1 rows read instead of the whole table.

    ``rows_alone``: rows that give the same count without the model's table (a filter
    that is the list's only condition and can count by itself), counted instead."""

    rows_alone: Select | None = None

    # How many rows the search matched, when it is the list's one condition (the view's
    # apply_search sets it: matched_or_searched).
    matched_alone: int | None = None

    def scalar(self) -> int:
        if self.matched_alone is not None:
            g.list_count = self.matched_alone
            return g.list_count
        rows = (self.rows_alone if self.rows_alone is not None
                else self.with_entities(literal_column("1")))
        capped = rows.limit(COUNT_CAP + 1).subquery()
        count = Query([func.count()], session=self.session).select_from(capped).scalar()
        g.list_count = CappedCount(COUNT_CAP) if count > COUNT_CAP else count
        return g.list_count


def sorted_after_matching(query: Query, key: InstrumentedAttribute) -> Query:
    """The list's ``key`` column in the list's order, the matching rows found first and
    then sorted, for a list known to match few rows (FEW_ROWS).

    Walking the sort column's index until a page of matching rows turns up is the
    database's choice when it guesses that many rows match and that they are spread
    over the order. For a search it cannot measure that is a gamble: PostgreSQL guessed
    10,000 of a million contacts for ``%nowak12%``; 1,855 match, all of them past the
    first 670,000 in the name order, so the first page read 670,000 rows (2.9 s). With
    the count in hand, the matches are found by their own indexes (the trigram index)
    behind an ``OFFSET 0``, which keeps the database from folding the two steps back
    into the walk, and sorted (10.5 ms)."""
    order = query._order_by_clauses  # SQLAlchemy's: no public accessor
    if not order:
        return query
    matched = (query.with_entities(key, *_sort_columns(order)).order_by(None).offset(0)
               .subquery("matched"))
    adapter = ClauseAdapter(matched)
    return (db.session.query(matched.c[key.key])
            .order_by(*(adapter.traverse(clause) for clause in order)))


def walked_page(query: Query, key: InstrumentedAttribute, search: ColumnElement[bool],
                offset: int, size: int) -> list[int] | None:
    """The ``key`` values of a page of a searched list, when the first rows of the
    list's order (WALK, more for later pages) hold it; None when they do not.

    A search with many matches is read in the list's order until a page of matches
    turns up — quick when they are spread over the order (``an``: 1–4 ms at a million
    contacts), slow when they all lie late in it: ``Nowak`` (83,476 matches, none among
    the first 666,028 last names) walked two thirds of the tenant, 1.4 s on PostgreSQL.
    Here the rows are read in the list's order with the search's answer for each, and
    no further than the bound (read as they come: a statement that sorted the walked
    rows again would read the whole bound every time); past it the matches are found
    and sorted (sorted_after_matching)."""
    if not query._order_by_clauses:  # SQLAlchemy's: no public accessor
        return None
    bound = max(WALK, (offset + size) * WALK_PER_ROW)
    # each row asked the search's own conditions, not its index's look-ups: SQLite
    # would read all the look-up's matches first (a million for "son": 115 ms)
    hit = conditions.row_by_row(search).label("hit")
    walk = _without(query, search).with_entities(key, hit).limit(bound).statement
    hits: list[int] = []
    seen = 0
    result = db.session.execute(walk, execution_options={"yield_per": WALK_BATCH})
    try:
        for row_key, hit in result:
            seen += 1
            if hit:
                hits.append(row_key)
                if len(hits) == offset + size:
                    return hits[offset:]
    finally:
        result.close()
    return hits[offset:] if seen < bound else None  # the list ended within the bound


def _sort_columns(order: tuple) -> list[ColumnClause]:
    # in the order's order (a set's would change the statement's text between processes)
    return list(dict.fromkeys(element for clause in order
                              for element in visitors.iterate(clause)
                              if isinstance(element, ColumnClause)))


@dataclass
class ListSearch:
    """A list search as the list asks it (matched_or_searched)."""

    condition: ColumnElement[bool]
    matched: int | None = None  # how many rows it matched, when they are few (SQLite)
    rows: Select | None = None  # its rows read as its index gives them, to count alone


def matched_or_searched(model: Any, condition: ColumnElement[bool]) -> ListSearch:
    """A list search's condition as the ids of the rows it matches, and their number,
    when they are fewer than FEW_ROWS (SQLite); else the condition itself, which the
    page then walks (walked_page), and on SQLite its rows as its index gives them, for
    its count (search_index.streamed).

    A list page asked the search twice — for its capped count, and for the page's ids —
    and on SQLite once more for the rows (the outer query kept the condition): the
    trigram work of ``Nowak12`` (1,855 of a million contacts) three times. On SQLite its
    ids are found once here; the page reads those ids (by key), the count is their
    number when nothing else narrows the list, and the page's rows are read by their ids
    alone (BoundedListMixin.apply_pagination). PostgreSQL's trigram indexes answer the
    search as fast as the ids would be read: there it is asked as it is.

    Where SQLite's search index serves the search, its rows are read as the index
    gives them (search_index.streamed), so that a search with many matches stops at
    FEW_ROWS: reading a million matches of "son" into a list first took 115 ms."""
    if db.engine.dialect.name == "postgresql":
        g.list_searched = condition
        return ListSearch(condition)
    queries = search_index.lookups(condition)
    rows = (search_index.streamed(condition, queries) if queries
            else select(model.id).where(condition))
    ids = db.session.scalars(rows.limit(FEW_ROWS)).all()
    if len(ids) < FEW_ROWS:
        g.list_matched = among(model.id, ids)
        return ListSearch(g.list_matched, matched=len(ids))
    g.list_searched = condition
    return ListSearch(condition, rows=rows if queries else None)


def among(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, given as one parameter (an array on PostgreSQL, a
    JSON list read by json_each on SQLite): one statement text for any number of ids,
    and no thousands of parameters to bind."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(None, json.dumps(list(ids)), type_=String)).table_valued(
        "value")
    return column.in_(select(listed.c.value))


# The typed "Jump to" text as a value of the sorted column's type (a refused text
# raises ValueError); columns of other types offer no jump.
_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str, int: int, date: date.fromisoformat,
    datetime: datetime.fromisoformat,
}


class BoundedListMixin(ModelViewMixin):
    """For SecureModelView: the capped count, the bounded page number and "Jump to"."""

    def get_count_query(self):
        query = self.bounded(
            CappedCountQuery([func.count("*")], session=db.session()).select_from(self.model))
        query.rows_alone = self._sole_filter_rows()
        return query

    def searched_alone(self) -> bool:
        """The list's one condition is its search (no filter, no "Jump to")."""
        args = g.get("list_args")
        return (args is not None and bool(args.search) and not args.filters
                and g.get("list_start") is None)

    def _sole_filter_rows(self) -> Select | None:
        """The rows of the list's one filter when nothing else (no search, no "Jump to")
        narrows the list and that filter can count by itself."""
        args = g.get("list_args")
        if (args is None or args.search or g.get("list_start") is not None
                or len(args.filters or ()) != 1):
            return None
        index, _name, value = args.filters[0]
        flt = self._filters[index]
        rows_alone = getattr(flt, "rows_alone", None)
        return rows_alone(flt.clean(value)) if rows_alone is not None else None

    def apply_pagination(self, query, page, page_size):
        """A page's rows found by their ids first, by the list's order and conditions
        alone, then those rows with what they show. An OFFSET over the whole list query
        reads every skipped row in full (its columns, its joined organisation): 26–30 ms
        for row 10,000 at a million contacts, against 1–2 ms over the ids. The first
        page gains too: SQLite joined the tenant's 50,000 organisations into a Bloom
        filter for 50 rows (8.6 → 1.3 ms)."""
        # 0 is no limit (an export: Flask-Admin's export_max_rows), None the view's size
        size = self.page_size if page_size is None else page_size
        if not size:
            return super().apply_pagination(query, page, page_size)
        ordered = query.with_entities(self.model.id)
        offset = (page or 0) * size
        searched = g.pop("list_searched", None)
        matched = g.pop("list_matched", None)
        if self._few_matches():
            ordered = sorted_after_matching(ordered, self.model.id)
            query = _without(query, matched if matched is not None else searched)
        elif searched is not None:
            found = walked_page(ordered, self.model.id, searched, offset, size)
            if found is not None:
                return _without(query, searched).filter(among(self.model.id, found)).limit(size)
            ordered = sorted_after_matching(ordered, self.model.id)
            query = _without(query, searched)
        ids = ordered.limit(size).offset(offset).subquery("page_ids")
        return query.filter(self.model.id.in_(select(ids.c.id))).limit(size)

    def _few_matches(self) -> bool:
        """A search or a filter narrowed the list to fewer than FEW_ROWS rows."""
        count = g.pop("list_count", None)
        args = g.get("list_args")
        return (count is not None and count < FEW_ROWS
                and args is not None and bool(args.search or args.filters))

    def last_page(self, page_size: int) -> int:
        return max(COUNT_CAP // page_size - 1, 0)

    def list_extra_args(self):
        args = super().list_extra_args()
        size = self.get_safe_page_size(args.page_size)
        args.page = max(args.page or 0, 0)
        if size and args.page > self.last_page(size):
            args.page = self.last_page(size)
            flash(ngettext("Pages reach the first %(count)s row: use “Jump to” to go further.",
                           "Pages reach the first %(count)s rows: use “Jump to” to go "
                           "further.", COUNT_CAP, count=format_number(COUNT_CAP)), "info")
        g.list_start = self._start_condition(args)
        g.list_args = args
        return args

    def jump_column(self, args) -> tuple[InstrumentedAttribute, bool, str] | None:
        """The model column the list is sorted by, its direction and label, when the
        list can be entered by a value of it."""
        if args.sort is not None:
            name, label = self.column_by_index(args.sort) or (None, None)
            column, desc = self.current_sortable_columns().get(name), args.sort_desc
        else:
            default = self.column_default_sort
            if isinstance(default, list):
                default = default[0] if default else None
            if not default:
                return None
            column, desc = (default, False) if isinstance(default, str) else default
            label = self.get_column_name(column) if isinstance(column, str) else None
        if isinstance(column, str):
            column = getattr(self.model, column, None)
        if not isinstance(column, InstrumentedAttribute) or column.class_ is not self.model:
            return None
        python_type = _column_type(column)
        if python_type not in _PARSERS or label is None:
            return None
        return column, bool(desc), str(label)

    def _start_condition(self, args) -> ColumnElement | None:
        text = (args.extra_args.get(START_ARG) or "").strip()
        jump = self.jump_column(args) if text else None
        if jump is None:
            return None
        column, desc, _label = jump
        python_type = _column_type(column)
        parse = _PARSERS.get(python_type) if python_type is not None else None
        if parse is None:
            return None
        try:
            value = parse(text)
        except (ValueError, OverflowError):
            flash(gettext("“%(value)s” is not a value of %(column)s.",
                          value=text, column=jump[2]), "error")
            return None
        return column <= value if desc else column >= value

    def jump_form(self, count: int | None) -> dict[str, Any] | None:
        """What the list page's "Jump to" form needs, when the list is longer than its
        pages reach (or was entered by a value already) and its sort column allows."""
        args = g.get("list_args")
        text = request.args.get(START_ARG, "")
        if args is None or not (isinstance(count, CappedCount) or text):
            return None
        jump = self.jump_column(args)
        if jump is None:
            return None
        kept = [(key, value) for key, value in request.args.items(multi=True)
                if key not in ("page", START_ARG)]
        return {"label": jump[2], "value": text, "kept": kept, "arg": START_ARG,
                "descending": jump[1]}

    def bounded(self, query):
        """The list's query (or count query) from the "Jump to" value on, if any."""
        condition = g.get("list_start")
        if condition is not None and request.endpoint in (
                f"{self.endpoint}.index_view", f"{self.endpoint}.export"):
            query = query.filter(condition)
        return query


def _without(query: Query, condition: ColumnElement[bool] | None) -> Query:
    """``query`` without ``condition`` among its WHERE criteria (SQLAlchemy's attribute:
    there is no public way to take one back). The page's rows are those of its ids,
    which met it: asked again, the database read every match again (PostgreSQL hashed
    all 1,855 to join the page's 50)."""
    if condition is None:
        return query
    query = query._clone()
    query._where_criteria = tuple(c for c in query._where_criteria if c is not condition)
    return query


def _column_type(column: InstrumentedAttribute) -> type | None:
    try:
        return column.property.columns[0].type.python_type
    except (AttributeError, NotImplementedError, IndexError):
        return None
