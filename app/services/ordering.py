"""Lists an administrator orders by hand (field sections, fields, dictionary entries)."""

from __future__ import annotations

from collections.abc import Sequence


def move_in(siblings: Sequence, item, step: int) -> None:
    """Move ``item`` one place up (-1) or down (+1) among its ordered ``siblings`` and
    number their ``position`` 1, 2, 3 … again (so gaps and ties left by deletions
    disappear)."""
    ordered = list(siblings)
    index = ordered.index(item)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered, start=1):
        sibling.position = position
