"""Every admin page has landmarks a screen reader can jump between (a skip link to
<main>, the menu in <header>), one <h1>, and a <title> of its own: a list, its form and
a record's details page are told apart by their titles (WCAG 2.4.1, 2.4.2, 1.3.1)."""

from __future__ import annotations

import re

from app.models import User
from app.tenancy import tenant_context
from tests.factories import gen_activity, gen_contact, gen_organisation, gen_task

TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)


def _title(html: str) -> str:
    match = TITLE.search(html)
    assert match, "page without a title"
    return " ".join(match.group(1).split())


def test_landmarks_skip_link_and_one_heading(admin_client, tenant_a):
    html = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert re.search(r'<a class="[^"]*skip-link[^"]*" href="#main">', html)
    assert '<main id="main"' in html
    assert html.index("<header>") < html.index("<nav") < html.index("</header>")
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_list_form_and_details_have_different_titles(admin_client, tenant_a):
    organisation_id = gen_organisation(tenant_a.id, "Titel & Søn ApS")
    contact_id = gen_contact(tenant_a.id, organisation_id, first_name="Ingeborg")
    pages = ["/admin/contact/", "/admin/contact/new/",
             f"/admin/contact/edit/?id={contact_id}",
             f"/admin/organisation/details/?id={organisation_id}",
             f"/admin/organisation/edit/?id={organisation_id}", "/admin/organisation/"]
    titles = [_title(admin_client.get(url).get_data(as_text=True)) for url in pages]
    assert len(set(titles)) == len(titles), titles
    assert "Ingeborg" in titles[2]
    # the record's name is text, escaped like everywhere else
    assert "Titel &amp; Søn ApS" in titles[3]


def test_tag_text_takes_the_colour_with_more_contrast():
    from app.views.formatters import text_class_on

    assert text_class_on("#b00020") == "text-white"  # dark red: black text would fail
    assert text_class_on("#dc3545") == "text-dark"  # Bootstrap's red: 5.0 : 1 in black
    assert text_class_on("#ffc107") == "text-dark"
    assert text_class_on("#000000") == "text-white"
    assert text_class_on("#ffffff") == "text-dark"
    assert text_class_on("not a colour") == "text-dark"


def test_list_rows_repeat_no_ids_and_name_their_checkboxes(admin_client, tenant_a):
    for first_name in ("Aase", "Bent"):
        gen_contact(tenant_a.id, first_name=first_name)
    html = admin_client.get("/admin/contact/").get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert re.search(r'class="action-checkbox"[^>]*aria-label="[^"]*Aase', html)


def _repeated_ids(html: str) -> list[str]:
    ids = re.findall(r'\bid="([^"]+)"', html)
    return sorted({i for i in ids if ids.count(i) > 1})


def test_lists_edited_in_place_repeat_no_ids(admin_client, tenant_a):
    """Each in-place editor (status, priority, due time, assignee; an activity's text)
    has an id of its own row: the same id on every row broke WCAG 2.1's 4.1.1, and
    a label or script could only ever find the first."""
    with tenant_context(tenant_a.id):
        admin_id = User.query.filter_by(email="admin@alpha.example").one().id
    organisation_id = gen_organisation(tenant_a.id)
    contact_id = gen_contact(tenant_a.id, organisation_id)
    task_ids = [gen_task(tenant_a.id, title, assignee_id=admin_id)
                for title in ("Ring tilbage", "Send tilbud")]
    for subject in ("Møde", "Opfølgning"):
        gen_activity(tenant_a.id, organisation_id, [contact_id], subject=subject)
    for url in ("/admin/task/", "/admin/my_tasks/", "/admin/activity/"):
        html = admin_client.get(url).get_data(as_text=True)
        assert 'data-role="x-editable' in html, url
        assert _repeated_ids(html) == [], url
    html = admin_client.get("/admin/task/").get_data(as_text=True)
    for task_id in task_ids:  # the editors still send the field's name and the row's key
        assert re.search(rf'<a [^>]*data-pk="{task_id}"[^>]*id="status-{task_id}"'
                         rf'[^>]*name="status"', html)


def test_a_refused_form_lists_its_errors_at_the_top(admin_client, tenant_a):
    from tests.factories import contact_form

    form = contact_form(None, first_name="", last_name="", email="ikke.tom@example.dk")
    html = admin_client.post("/admin/contact/new/", data=form).get_data(as_text=True)
    assert 'class="alert alert-danger kontakt-error-summary"' in html
    summary = html[html.index("kontakt-error-summary"):]
    summary = summary[:summary.index("</div>")]
    assert "felter skal rettes" in summary  # Danish, plural
    assert 'href="#first_name"' in summary and 'href="#last_name"' in summary
    # the summary comes before the form's first input: read first, found first
    assert html.index("kontakt-error-summary") < html.index('name="first_name"')
    assert "ikke.tom@example.dk" in html  # what was typed is kept


def test_the_contact_form_is_grouped_into_fieldsets(admin_client, tenant_a):
    html = admin_client.get("/admin/contact/new/").get_data(as_text=True)
    legends = re.findall(r'<legend class="h5">([^<]+)</legend>', html)
    assert legends[:5] == ["Person", "Om og kommunikation", "Adresse",
                           "Ansvarlig bruger og tags", "Samtykke"], legends
    grid = html[html.index("kontakt-form-groups"):]
    for name in ("first_name", "email", "street", "tags", "consent_email"):
        assert f'name="{name}"' in grid
    # every input once: grouped fields are not repeated below the groups
    assert html.count('name="email"') == 1 and html.count('name="first_name"') == 1


def test_a_company_contact_without_an_employment_is_refused_at_the_top(admin_client,
                                                                        tenant_a):
    """The default type (B2B) with no employment: the refusal is summarised above the
    form, before its first input, not only by the employments 3,000 pixels down."""
    from tests.factories import contact_form

    html = admin_client.post("/admin/contact/new/",
                             data=contact_form(None)).get_data(as_text=True)
    assert 'class="alert alert-danger kontakt-error-summary"' in html
    summary = html[html.index("kontakt-error-summary"):]
    summary = summary[:summary.index("</div>")]
    assert 'href="#employments"' in summary and "Ansættelser" in summary
    assert html.index("kontakt-error-summary") < html.index('name="first_name"')
