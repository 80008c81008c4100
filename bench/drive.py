"""Closed-loop load on one page through the shared load generator (`load.py`), run in
its own process with this interpreter: median, p95 and requests per second."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

LINE = re.compile(r"n=\s*(\d+) err=(\d+) median=([\d.]+)ms p95=([\d.]+)ms rps=([\d.]+)")


def load(script: Path, base: str, login: str, user: str, password: str, path: str,
         seconds: float, workers: int) -> dict:
    command = [sys.executable, str(script), base, "--login", login, "--user", user,
               "--password", password, "--seconds", str(seconds), "--workers", str(workers),
               path]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 20 + 120)
    match = LINE.search(done.stdout)
    if done.returncode or not match:
        return {"error": (done.stderr or done.stdout).strip()[-500:]}
    n, errors, median, p95, rps = match.groups()
    return {"n": int(n), "errors": int(errors), "median_ms": float(median),
            "p95_ms": float(p95), "rps": float(rps)}
