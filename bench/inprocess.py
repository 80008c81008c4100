"""What a page costs inside the app, one request through Flask's test client: the SQL
statements it issues (counted by an engine event), each SELECT run again straight
through the driver (the floor no Python code above the driver can go below), the
query plan of the costliest statement, and a profile of the request."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from app.extensions import db
from bench.data import ADMIN_EMAIL, PASSWORD

RAW_RUNS = 3


@dataclass
class Statement:
    sql: str
    parameters: Any
    app_ms: float
    raw_ms: float | None = None


@dataclass
class PageCost:
    status: int
    bytes: int
    statements: list[Statement] = field(default_factory=list)

    @property
    def queries(self) -> int:
        return len(self.statements)

    @property
    def main(self) -> Statement | None:
        """The costliest statement through the driver: the page's main query."""
        timed = [s for s in self.statements if s.raw_ms is not None]
        return max(timed, key=lambda s: s.raw_ms, default=None)

    @property
    def sql_ms(self) -> float:
        return sum(s.raw_ms or 0 for s in self.statements)


class Recorder:
    """Every statement the engine sends while recording."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[Statement] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            took = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
            self.statements.append(Statement(statement, parameters, took))


def client_for(app: Flask):
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"the benchmark's login failed ({response.status_code})")
    return client


def measure(app: Flask, client, recorder: Recorder, url: str) -> PageCost:
    client.get(url)  # warm: caches, statistics, the database's pages
    recorder.statements, recorder.recording = [], True
    try:
        response = client.get(url)
    finally:
        recorder.recording = False
    cost = PageCost(response.status_code, len(response.data), recorder.statements)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            for statement in cost.statements:
                if statement.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    statement.raw_ms = _raw_time(raw, statement)
        finally:
            raw.rollback()
            raw.close()
    return cost


def _raw_time(raw, statement: Statement) -> float:
    times = []
    for _ in range(RAW_RUNS):
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(statement.sql, statement.parameters)
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
        cursor.close()
    return statistics.median(times)


def explain(app: Flask, statement: Statement) -> str:
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(prefix + statement.sql, statement.parameters)
            rows = cursor.fetchall()
        finally:
            raw.rollback()
            raw.close()
    if postgres:
        return "\n".join(row[0] for row in rows)
    return "\n".join(str(row[-1]) for row in rows)


def profile(client, url: str) -> str | None:
    """A call-tree profile of one request, when pyinstrument is installed."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    client.get(url)
    profiler.stop()
    return profiler.output_text(color=False, unicode=False, short_mode=True)
