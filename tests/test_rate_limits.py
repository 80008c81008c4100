"""Where the rate limits count: memory:// (one process) with a warning outside debug and
tests, REDIS_URL or RATELIMIT_STORAGE_URI shared by every worker. The sharing is tried
on the real Redis at 127.0.0.1:6379 with two app instances, as two gunicorn workers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app.rate_limits import storage_uri
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of the tests' own, emptied of our keys
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("config", "expected"), [
    ({}, "memory://"),
    ({"RATELIMIT_STORAGE_URI": "", "REDIS_URL": ""}, "memory://"),
    ({"REDIS_URL": "redis://cache:6379/2"}, "redis://cache:6379/2"),
    ({"REDIS_URL": "redis://cache:6379/2", "RATELIMIT_STORAGE_URI": "memcached://m:11211"},
     "memcached://m:11211"),
])
def test_the_storage_setting_wins_over_redis_url(config, expected):
    assert storage_uri(config) == expected


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "counted in memory" in r.getMessage()]


def test_memory_storage_is_warned_about_outside_debug_and_tests(database_url, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(database_url, TESTING=False, RATELIMIT_STORAGE_URI="")
    [warning] = _warnings(caplog)
    assert "REDIS_URL" in warning


def test_no_warning_in_tests_or_with_redis(database_url, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(database_url, RATELIMIT_STORAGE_URI="")
        make_app(database_url, TESTING=False, RATELIMIT_STORAGE_URI="", REDIS_URL=REDIS_URL)
    assert _warnings(caplog) == []


# One gunicorn worker: its own process, its own app, some failed logins; prints the
# status codes. (Flask-Limiter keeps its storage on the one Limiter object of a process,
# so workers must be processes to count apart.)
WORKER = """
import json, sys
from tests.conftest import login, make_app
app = make_app(sys.argv[1], **json.loads(sys.argv[2]))
client = app.test_client()
print(" ".join(str(login(client, "admin@alpha.example", "bad-password").status_code)
               for _ in range(int(sys.argv[3]))))
"""


def run_worker(database_url: str, attempts: int, **config) -> list[int]:
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
                "RATELIMIT_STORAGE_URI": "", **config}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, json.dumps(settings), str(attempts)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    return [int(code) for code in done.stdout.split()]


@pytest.fixture
def redis_prefix():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"kontakt-test-{uuid.uuid4().hex}"
    yield prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


def test_two_workers_share_the_login_limit_through_redis(database_url, tenant_a,
                                                         redis_prefix):
    shared = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    assert run_worker(database_url, 3, **shared) == [401, 401, 401]
    # the other worker has seen none of those failures, yet refuses the fourth
    assert run_worker(database_url, 1, **shared) == [429]


def test_workers_with_memory_storage_count_alone(database_url, tenant_a):
    """What the warning is about: each process allows the full limit."""
    assert run_worker(database_url, 3) == [401, 401, 401]
    assert run_worker(database_url, 1) == [401]
