"""Customer numbers stay unique when several transactions take numbers at once."""

from __future__ import annotations

import threading

from app.extensions import db
from app.services import counters
from app.tenancy import tenant_context


def test_concurrent_transactions_never_share_a_number(app, tenant_a):
    taken: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            with app.app_context(), tenant_context(tenant_a.id):
                start.wait()
                for _ in range(10):
                    taken.append(counters.next_value("customer_number"))
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, with the numbers
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(taken) == list(range(1, 41))


def test_sequences_are_per_tenant(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.id):
            assert [counters.next_value("x") for _ in range(2)] == [1, 2]
            db.session.commit()
