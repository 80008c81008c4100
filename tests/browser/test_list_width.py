"""The contact list in a 1,366-pixel window (issue 16): the default columns fit without
scrolling sideways, phones and e-mails keep to one line, and a column that cannot be
sorted (tags) is told apart from one that can by its header."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, new_page
from tests.factories import gen_contact, gen_organisation

LAPTOP = {"width": 1366, "height": 768}

# Each cell of a column: how many lines its text takes.
LINES_OF = """(column) => Array.from(document.querySelectorAll('td.col-' + column)).map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set(Array.from(range.getClientRects()).map(box => Math.round(box.top)));
  return tops.size;
})"""


@pytest.fixture
def laptop(browser, live_url):
    with new_page(browser, live_url, viewport=LAPTOP) as page:
        yield page


def test_the_contact_list_fits_a_laptop_screen(laptop, tenant_a):
    organisation = gen_organisation(tenant_a.id, "Nordisk Ventilation og Energiteknik ApS")
    for n in range(8):
        gen_contact(tenant_a.id, organisation, "Anne-Sofie", f"Christiansen-Østergaard {n}",
                    email=f"anne-sofie.christiansen{n}@nordisk-ventilation.dk",
                    phone="+45 20 12 34 56")
    log_in(laptop, "admin@alpha.example")
    laptop.goto("/admin/contact/")
    overflow = laptop.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow == 0
    table = laptop.evaluate("""() => { const box = document.querySelector('.table-responsive');
                                   return box.scrollWidth - box.clientWidth; }""")
    assert table == 0  # the table itself fits: no scrolling inside it either
    for column in ("phone", "email"):
        lines = laptop.evaluate(LINES_OF, column)
        assert lines and set(lines) == {1}, (column, lines)
    mark = """(selector) => getComputedStyle(document.querySelector(selector), '::after')
              .content"""
    assert "↕" in laptop.evaluate(mark, "th.col-last_name > a")
    assert laptop.locator("th.col-tags a").count() == 0  # not sortable: no link, no mark
