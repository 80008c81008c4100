"""The benchmark's table (Markdown, as docs/performance.md shows it) and its JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.inprocess import PageCost
from bench.pages import Page

HEADER = ("| page | queries | KB | costliest statement ms | SQL floor ms "
          "| 1 client: median | p95 | req/s | 4 clients: median | p95 | req/s "
          "| Django 1 client: median | ratio | Django 4 clients: median | req/s | ratio |")


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _get(load: dict | None, key: str) -> float | None:
    return None if not load or "error" in load else load.get(key)


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top and bottom else None


def row(page: Page, cost: PageCost | None, load: dict) -> dict[str, Any]:
    ours1, ours4 = load.get("ours_1"), load.get("ours_4")
    peer1, peer4 = load.get("peer_1"), load.get("peer_4")
    main = cost.main if cost else None
    return {
        "key": page.key, "label": page.label, "url": page.ours, "peer_url": page.peer,
        "status": cost.status if cost else None, "queries": cost.queries if cost else None,
        "bytes": cost.bytes if cost else None,
        "main_query_ms": main.raw_ms if main else None,
        "main_query_app_ms": main.app_ms if main else None,
        "sql_ms": cost.sql_ms if cost else None, "main_query": main.sql if main else None,
        "ours_1": ours1, "ours_4": ours4, "peer_1": peer1, "peer_4": peer4,
        # above 1: we are faster (Django's median over ours; our req/s over Django's)
        "ratio_median_1": _ratio(_get(peer1, "median_ms"), _get(ours1, "median_ms")),
        "ratio_rps_4": _ratio(_get(ours4, "rps"), _get(peer4, "rps")),
    }


def rows(pages: list[Page], costs: dict[str, PageCost], loads: dict[str, dict]
         ) -> list[dict[str, Any]]:
    return [row(page, costs.get(page.key), loads.get(page.key, {})) for page in pages]


def _line(item: dict[str, Any]) -> str:
    o1, o4, p1, p4 = (item[k] for k in ("ours_1", "ours_4", "peer_1", "peer_4"))
    cells = [
        item["label"] if item["url"] else f"{item['label']} (no such screen)",
        _number(item["queries"]), _number(item["bytes"] and item["bytes"] / 1024),
        _number(item["main_query_ms"], 1), _number(item["sql_ms"], 1),
        _number(_get(o1, "median_ms")), _number(_get(o1, "p95_ms")), _number(_get(o1, "rps"), 1),
        _number(_get(o4, "median_ms")), _number(_get(o4, "p95_ms")), _number(_get(o4, "rps"), 1),
        _number(_get(p1, "median_ms")), _number(item["ratio_median_1"], 2),
        _number(_get(p4, "median_ms")), _number(_get(p4, "rps"), 1),
        _number(item["ratio_rps_4"], 2),
    ]
    return "| " + " | ".join(cells) + " |"


def table(settings, pages: list[Page], costs: dict[str, PageCost],
          loads: dict[str, dict]) -> str:
    items = rows(pages, costs, loads)
    errors = [f"  {item['key']} {side}: {item[side]['error']}" for item in items
              for side in ("ours_1", "ours_4", "peer_1", "peer_4")
              if item[side] and "error" in item[side]]
    lines = [f"\n{settings.contacts:,} contacts, {settings.url.split(':')[0]}, "
             f"{settings.seconds:g} s per page and client count; times in ms", "",
             HEADER, "|" + "---|" * (HEADER.count("|") - 1),
             *(_line(item) for item in items)]
    if errors:
        lines += ["", "errors:", *errors]
    return "\n".join(lines)


def progress(page: Page, load: dict) -> str:
    parts = [f"{side} {_number(_get(load.get(side), 'median_ms'))} ms "
             f"{_number(_get(load.get(side), 'rps'), 1)}/s"
             for side in ("ours_1", "ours_4", "peer_1", "peer_4") if side in load]
    return f"{page.label:45.45} " + " · ".join(parts)


def slowest(pages: list[Page], loads: dict[str, dict]) -> Page | None:
    """Our page with the highest one-client median."""
    timed = [(_get(loads.get(p.key, {}).get("ours_1"), "median_ms"), p) for p in pages]
    timed = [(median, page) for median, page in timed if median is not None]
    return max(timed, key=lambda pair: pair[0])[1] if timed else None


def save(folder: Path, result: dict[str, Any], when: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = (f"{when:%Y%m%d-%H%M%S}-{result['database']}-"
            f"{result['settings']['contacts']}.json")
    path = folder / name
    path.write_text(json.dumps(result, indent=2, default=str))
    return path
