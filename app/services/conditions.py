"""Conditions written so that the database can answer them from indexes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, true, union
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BooleanClauseList, ColumnElement

# Marks a part of a condition that only narrows it (an index look-up whose rows the
# rest of the condition decides on anyway), and holds what the index is asked.
NARROWING = "narrowing_query"


def id_in_any(id_column: InstrumentedAttribute, *id_queries: Select) -> ColumnElement:
    """``id_column`` is among the ids any of ``id_queries`` selects: the same rows as
    an OR of their conditions, but each query can use its own index, where PostgreSQL
    answers an OR of subqueries by reading the whole table (a contact's cases and tasks
    at a million contacts: 33 ms instead of under 1)."""
    if len(id_queries) == 1:
        return id_column.in_(id_queries[0])
    return id_column.in_(union(*id_queries))


# --- parts that only narrow ----------------------------------------------------------
#
# SQLite's search index (services.contacts.search_index) answers a look-up by reading
# every match into a list of its own before the statement's first row: a million for a
# word in every e-mail, 115–500 ms in each statement that asks. A statement that reads
# rows one by one (a list's walk in its order) asks each row the rest of the condition
# instead, and one that counts may read the index's matches as they come.

def narrowing(part: ColumnElement[bool], query: str) -> ColumnElement[bool]:
    """``part`` marked as only narrowing the condition it joins; ``query`` is what it
    asks its index."""
    return part._annotate({NARROWING: query})


def narrowings(condition: ColumnElement[bool]) -> list[str]:
    """The queries of the narrowing parts every row of ``condition`` passes (those
    among its top-level AND)."""
    return [query for part in _conjuncts(condition) if (query := _narrowing(part))]


def row_by_row(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` without its narrowing parts: the same rows, asked of each row."""
    def without_narrowing(element: Any, **_kw: Any) -> Any:
        return true() if _narrowing(element) else None

    return visitors.replacement_traverse(condition, {}, without_narrowing)


def _conjuncts(condition: ColumnElement[bool]) -> Iterator[ColumnElement[bool]]:
    if isinstance(condition, BooleanClauseList) and condition.operator is operators.and_:
        for part in condition.clauses:
            yield from _conjuncts(part)
    else:
        yield condition


def _narrowing(part: Any) -> str | None:
    return getattr(part, "_annotations", {}).get(NARROWING)
