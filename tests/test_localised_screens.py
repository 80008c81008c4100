"""The key screens read as Danish, Swedish and Polish: no English left by Flask-Admin or
its scripts, no "__None", Flask-Admin's own texts in our wording, counts in the right
plural form and words of two meanings told apart (message contexts)."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from datetime import date

import pytest
from flask_babel import force_locale, ngettext, pgettext
from openpyxl import load_workbook

from app.models.activity import EMAIL, MAIL_NOT_SENT
from tests.conftest import login, translated
from tests.factories import (
    contact_form,
    gen_activity,
    gen_case,
    gen_contact,
    gen_intake_token,
    gen_organisation,
    gen_task,
)

LANGUAGES = ("da", "sv", "pl")

# What the screens showed in English, and Flask-Admin's poor translations (issue 16).
ENGLISH = (
    "Failed to create record", "Failed to save record", " items<", ">__None<",
    "&#34;text&#34;: &#34;__None", "No matches found", ">Empty<", "planned: ", "completed: ",
    "is_private: ", "Mail View", "not_sent", "Errno", "Connection refused",
    "Not a valid choice", "Tablib Dataset", "Something went wrong",
)
POOR = {
    "da": ("Oprette", "Eksportere", "Anvende", "Opret Ny Rekord", "View Post",
           "Redigere Posten", "Tilføje", "ikke lige", "Med udvalgte", "Der er ingen varer",
           "Ny Ansættelser", "Tilføj Ansættelser", "Ansættelser #1", "Tom"),
    "sv": ("Vy-post", "Väljer du alla poster", "inte jämnlikt", "Med utvalda",
           "Skapa Ny Post", "Ny Anställningar", "Anställningar #1"),
    "pl": ("Tworzenie", "Nie istnieją pozycje", "Z wybranych", "Najemca", "jest równe",
           "Nowy Zatrudnienia", "Zatrudnienia #1"),
}


def english_in(html: str, language: str) -> list[str]:
    poor = [word for word in POOR[language]  # whole words: "Oprettet" is right
            if re.search(rf"(?<!\w){re.escape(word.strip())}(?!\w)", html)]
    return [word for word in ENGLISH if word in html] + poor


@pytest.fixture
def screens(client, make_tenant, request):
    """A tenant of the language with a contact, a task, a case and an unsent e-mail."""
    language = request.param
    tenant = make_tenant("alpha", language)
    login(client, "admin@alpha.example")
    organisation = gen_organisation(tenant.id)
    contact = gen_contact(tenant.id, organisation, email="jens@nordlys.example")
    gen_task(tenant.id)
    gen_case(tenant.id, contact)
    gen_activity(tenant.id, organisation, (contact,), kind=EMAIL, mail_status=MAIL_NOT_SENT,
                 mail_to="jens@nordlys.example")
    return client, tenant, language, contact


PAGES = ("/admin/contact/", "/admin/contact/new/", "/admin/contact/edit/?id=1",
         "/admin/task/", "/admin/task/new/",
         "/admin/activity/", "/admin/planned_activity/", "/admin/case/", "/admin/case/new/",
         "/admin/opportunity/new/", "/admin/project/new/")


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_key_screens_show_no_english(screens):
    client, _tenant, language, _contact = screens
    for url in PAGES:
        html = client.get(url).get_data(as_text=True)
        assert english_in(html, language) == [], url
    listed = client.get("/admin/contact/").get_data(as_text=True)
    with force_locale(language):
        rows = ngettext("%(num)d row per page", "%(num)d rows per page", 50)
        assert rows in listed
        assert translated("Create New Record", language) in listed
    assert 'data-text-no-matches="' + translated("No matches", language) in listed
    assert 'data-text-empty="' + translated("(none)", language) in listed


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_the_employments_of_a_contact_are_named_in_the_singular(screens):
    """Flask-Admin heads an inline form "New" + the plural label ("Ny Ansættelser") and
    numbers it "Ansættelser #1": the contact's employments say it in their own words."""
    client, tenant, language, contact = screens
    html = client.get(f"/admin/contact/edit/?id={contact}").get_data(as_text=True)
    assert translated("Add employment", language) in html
    assert translated("New employment", language) in html  # the template for a new one
    assert translated("Employment %(number)d", language, number=1) in html
    assert f"{translated('Employments', language)} #" not in html


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_every_select_has_one_empty_choice_named_by_a_dash(screens):
    """No "__None" shown and never two blank options: the selects that may stay empty
    (responsible user, priority, assignee, category, owner) offer one "—"."""
    client, _tenant, _language, _contact = screens
    may_be_empty = {"/admin/contact/new/": "responsible_user",
                    "/admin/task/new/": "priority", "/admin/case/new/": "category",
                    "/admin/opportunity/new/": "owner", "/admin/project/new/": "owner"}
    for url, field in may_be_empty.items():
        html = client.get(url).get_data(as_text=True)
        for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>',
                                        html, re.S):
            labels = re.findall(r"<option[^>]*>([^<]*)</option>", options)
            blank = [label for label in labels if label.strip() in ("", "—", "__None")]
            assert len(blank) <= 1, (url, name, labels)
            if name == field:
                assert blank == ["—"], (url, name)
        assert field in re.findall(r'<select[^>]*name="([^"]+)"', html), url
    task_form = client.get("/admin/task/new/").get_data(as_text=True)
    assert re.search(r'name="assignee"[^>]*>\s*<option[^>]*value="__None"[^>]*>—<', task_form)


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_a_refused_edit_is_reported_in_the_language(screens):
    client, _tenant, language, contact = screens
    html = client.post(f"/admin/contact/edit/?id={contact}",
                       data=contact_form(last_name="", kind="x")).get_data(as_text=True)
    assert english_in(html, language) == []
    assert translated("Failed to save record.", language) in html


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_a_refused_save_is_reported_in_the_language(screens):
    client, _tenant, language, _contact = screens
    html = client.post("/admin/contact/new/",
                       data=contact_form(last_name="", kind="x")).get_data(as_text=True)
    assert english_in(html, language) == []
    assert translated("Failed to create record.", language) in html


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_mail_page_and_a_failed_sending_are_explained(app, screens, monkeypatch):
    client, tenant, language, contact = screens
    page = client.get(f"/admin/mail/contact/{contact}/").get_data(as_text=True)
    assert english_in(page, language) == []
    assert f"<title>{translated('E-mail', language)} -" in page
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nobody listens there
    sent = client.post(f"/admin/mail/contact/{contact}/",
                       data={"to": "jens@nordlys.example", "subject": "Tilbud", "body": "Hej"})
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert english_in(shown, language) == []
    assert translated("the mail server could not be reached or did not answer; please try "
                      "again later, or ask your administrator to check the mail settings",
                      language) in shown
    details = client.get("/admin/activity/details/?id=1").get_data(as_text=True)
    assert english_in(details, language) == []
    assert translated("Not sent", language) in details


@pytest.mark.parametrize("screens", LANGUAGES, indirect=True)
def test_the_xlsx_sheet_is_named_after_the_list(screens):
    client, _tenant, language, _contact = screens
    workbook = load_workbook(io.BytesIO(client.get("/admin/contact/export/xlsx/").data))
    with force_locale(language):
        title = client.get("/admin/contact/").get_data(as_text=True)
    [sheet] = workbook.sheetnames
    assert sheet != "Tablib Dataset" and f"{sheet} - " in title


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_intake_answers_in_the_tenants_language(app, client, make_tenant, language,
                                                    monkeypatch):
    tenant = make_tenant("alpha", language)
    url = f"/intake/alpha/lead?token={gen_intake_token(tenant.id)}"
    refused = client.post(url, json={"email": "not an address"})
    assert refused.status_code == 400
    assert english_in(refused.get_data(as_text=True), language) == []

    def broken(values):
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr("app.services.work.leads.receive", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    failed = client.post(url, json={"name": "Jens"}, headers={"Accept-Language": "en"})
    assert failed.status_code == 500
    assert failed.get_json()["error"] == translated(
        "Something went wrong. Please try again.", language)


def test_deleting_five_records_says_so_in_polish_plural(client, make_tenant):
    tenant = make_tenant("beta", "pl")
    login(client, "admin@beta.example")
    ids = [str(gen_task(tenant.id, title=f"Zadanie {n}")) for n in range(5)]
    page = client.post("/admin/task/action/", data={"action": "delete", "rowid": ids},
                       follow_redirects=True).get_data(as_text=True)
    assert "5 rekordów zostało pomyślnie usuniętych." in page


def test_polish_tells_a_case_title_from_a_job_title(client, make_tenant):
    tenant = make_tenant("beta", "pl")
    login(client, "admin@beta.example")
    gen_case(tenant.id, gen_contact(tenant.id, gen_organisation(tenant.id)))
    with force_locale("pl"):
        record_title = pgettext("heading of a case, task or sales record", "Title")
        job_title = pgettext("position a person holds at an organisation", "Title")
    assert (record_title, job_title) == ("Tytuł", "Stanowisko")
    cases = client.get("/admin/case/").get_data(as_text=True)
    headers = re.findall(r"<th[^>]*>\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<", cases)
    assert "Tytuł" in headers and "Stanowisko" not in headers
    assert "Data otwarcia" in cases and "Otwarta" in cases
    assert "Data zamknięcia" in headers


def test_polish_case_statuses_agree_with_their_noun(client, make_tenant):
    """Sprawa is feminine: otwarta, zamknięta, odrzucona (not otwarte, zamknięty)."""
    tenant = make_tenant("beta", "pl")
    login(client, "admin@beta.example")
    contact = gen_contact(tenant.id, gen_organisation(tenant.id))
    gen_case(tenant.id, contact, "Zwrot", status="closed", closed_on=date(2026, 12, 1))
    gen_case(tenant.id, contact, "Skarga", status="rejected", closed_on=date(2026, 12, 2))
    cases = client.get("/admin/case/").get_data(as_text=True)
    assert "Zamknięta" in cases and "Odrzucona" in cases
    assert "Zamknięty" not in cases and "Odrzucony" not in cases


def test_polish_filter_operators_are_one_word_each(client, make_tenant):
    """One operator, one name: Flask-Admin's "jest równe" and our "równa się" never
    stand side by side in a filter menu."""
    make_tenant("beta", "pl")
    login(client, "admin@beta.example")
    for url in ("/admin/contact/", "/admin/case/", "/admin/task/", "/admin/activity/"):
        page = html_lib.unescape(client.get(url).get_data(as_text=True))
        data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1)
        operations = {item["operation"] for items in json.loads(data).values()
                      for item in items}
        assert "równa się" in operations, url
        assert not operations & {"jest równe", "nie równe"}, url
    form = client.get("/admin/contact/new/").get_data(as_text=True)
    assert "Stanowisko" in form
