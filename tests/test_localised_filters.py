"""List filters on dates read what the language's date picker writes ("24.12.2026",
a range joined by " – "), as well as ISO; a date-time is typed on the display clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote

from app.models.sales import Campaign
from tests.conftest import filter_arg, list_html
from tests.factories import gen_with_participants


def _campaigns(tenant_id: int) -> None:
    gen_with_participants(Campaign, tenant_id, "Julekampagne", starts_on=date(2026, 12, 24))
    gen_with_participants(Campaign, tenant_id, "Påskekampagne", starts_on=date(2027, 3, 28))


def _shown(admin_client, app, tenant_id: int, column: str, op: str, value: str) -> set[str]:
    arg = filter_arg(app, "campaign", column, op, tenant_id=tenant_id)
    html = list_html(admin_client, "campaign", f"?{arg}={quote(value)}")
    return {name for name in ("Julekampagne", "Påskekampagne") if name in html}


def test_date_filters_read_the_danish_format_and_ranges(app, admin_client, tenant_a):
    _campaigns(tenant_a.id)
    assert _shown(admin_client, app, tenant_a.id, "starts_on", "equals",
                  "24.12.2026") == {"Julekampagne"}
    assert _shown(admin_client, app, tenant_a.id, "starts_on", "between",
                  "01.03.2027 – 31.03.2027") == {"Påskekampagne"}
    # Flask-Admin's own ISO values (links, bookmarks) still work
    assert _shown(admin_client, app, tenant_a.id, "starts_on", "between",
                  "2026-12-01 to 2026-12-31") == {"Julekampagne"}


def test_a_backwards_or_unreadable_range_filters_nothing_away(app, admin_client, tenant_a):
    _campaigns(tenant_a.id)
    for value in ("31.03.2027 – 01.03.2027", "31.02.2027", "jul"):
        op = "equals" if "–" not in value else "between"
        assert _shown(admin_client, app, tenant_a.id, "starts_on", op, value) == {
            "Julekampagne", "Påskekampagne"}


def test_date_time_filters_are_on_the_display_clock(app, admin_client, tenant_a):
    from app.extensions import db
    from app.tenancy import tenant_context

    _campaigns(tenant_a.id)
    with tenant_context(tenant_a.id):  # created 23:30 UTC: 00:30 on 2 Dec in Copenhagen
        for campaign in db.session.query(Campaign):
            campaign.created_at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
        db.session.commit()
    assert _shown(admin_client, app, tenant_a.id, "created_at", "greater than",
                  "02.12.2026 00:15") == {"Julekampagne", "Påskekampagne"}
    assert _shown(admin_client, app, tenant_a.id, "created_at", "greater than",
                  "02.12.2026 00:45") == set()
