"""Conditions written so that the database can answer them from indexes."""

from __future__ import annotations

from sqlalchemy import Select, union
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement


def id_in_any(id_column: InstrumentedAttribute, *id_queries: Select) -> ColumnElement:
    """``id_column`` is among the ids any of ``id_queries`` selects: the same rows as
    an OR of their conditions, but each query can use its own index, where PostgreSQL
    answers an OR of subqueries by reading the whole table (a contact's cases and tasks
    at a million contacts: 33 ms instead of under 1)."""
    if len(id_queries) == 1:
        return id_column.in_(id_queries[0])
    return id_column.in_(union(*id_queries))
