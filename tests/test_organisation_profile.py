"""The organisation profile (B13): the contact profile's panels, tabs and action bar
given an organisation — master data edited in place with the organisation form's rules
and edit rights (A3), employees taken on and let go through the services, the timeline
of the organisation and its people, the other tabs, the action bar (seed 003), the
list's link and tag filter, tenant isolation and the fixed query budget."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Case, Contact, Employment, Organisation, Tag
from app.models.activity import CALL, EMAIL, LETTER, MEETING, NOTE
from app.services.contacts import employments
from app.services.errors import ServiceError
from app.tenancy import tenant_context
from tests.conftest import (
    SCRIPT_HEADERS,
    count_queries,
    csrf_token_from,
    local_date,
    user_id,
    view_of,
)
from tests.factories import (
    FIELDS,
    gen_activity,
    gen_case,
    gen_contact,
    gen_fields,
    gen_opportunity,
    gen_organisation,
    gen_task,
    set_settings,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def days(number: float) -> datetime:
    return NOW + timedelta(days=number)


def profile(org_id: int) -> str:
    return f"/admin/organisation/{org_id}/profile"


def page_of(client, url: str, **params) -> str:
    response = client.get(url, query_string=params)
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.get_data(as_text=True))


def panel_html(page: str, key: str) -> str:
    match = re.search(rf'<section[^>]*id="panel-{key}".*?</section>', page, re.S)
    assert match, f"no panel {key}"
    return match.group(0)


def ids_in(html: str, prefix: str) -> list[int]:
    return [int(n) for n in re.findall(rf'id="{re.escape(prefix)}(\d+)"', html)]


def token(client, org_id: int) -> str:
    return csrf_token_from(client.get(profile(org_id)).get_data(as_text=True))


def load(tenant_id: int, model: type, record_id: int):
    db.session.expire_all()
    with tenant_context(tenant_id):
        record = db.session.get(model, record_id)
        if isinstance(record, Organisation):
            _ = record.tags, record.responsible_user
        if isinstance(record, Contact):
            _ = [(e.organisation_id, e.end_date) for e in record.employments]
        return record


@pytest.fixture
def world(tenant_a, tenant_b):
    """Nordlys with Jens and Eva now and Ole before; Sol with Kim; another tenant's
    organisation."""
    org = gen_organisation(tenant_a.id, "Nordlys ApS", registration_country="DK",
                            registration_number="12345674", street="Strandvejen 12",
                            postcode="2900", city="Hellerup", country="DK",
                            industry="Energi")
    other = gen_organisation(tenant_a.id, "Sol A/S")
    jens = gen_contact(tenant_a.id, org, "Jens", "Hansen", email="jens@nordlys.example")
    eva = gen_contact(tenant_a.id, org, "Eva", "Berg", email="eva@nordlys.example")
    ole = gen_contact(tenant_a.id, org, "Ole", "Gammel", ended=True, email="ole@sol.example")
    with tenant_context(tenant_a.id):  # Ole moved on to Sol
        moved = db.session.get(Contact, ole)
        moved.employments.append(Employment(organisation_id=other, is_primary=True))
        db.session.commit()
    kim = gen_contact(tenant_a.id, other, "Kim", "Sol", email="kim@sol.example")
    foreign_org = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    foreign = gen_contact(tenant_b.id, foreign_org, "Jan", "Kowalski")
    return type("World", (), dict(a=tenant_a.id, b=tenant_b.id, org=org, other=other,
                                  jens=jens, eva=eva, ole=ole, kim=kim,
                                  foreign_org=foreign_org, foreign=foreign))


# --- the page and its left column ---------------------------------------------------------

def test_profile_shows_the_master_data_panels_in_danish(admin_client, world):
    gen_fields(world.a, "organisation", note=FIELDS["note"])
    with tenant_context(world.a):
        organisation = db.session.get(Organisation, world.org)
        organisation.tags = [Tag(name="Storkunde", colour="#aa0000")]
        organisation.custom = {next(iter(organisation.custom or {}), "note"): "Ring fredag"}
        db.session.commit()
    page = page_of(admin_client, profile(world.org))
    assert '<html lang="da">' in page and "Nordlys ApS" in page
    assert "12345674" in panel_html(page, "registration")
    address = panel_html(page, "address")
    assert "Strandvejen 12" in address and "2900 Hellerup" in address
    assert "Storkunde" in panel_html(page, "responsible")
    assert "Energi" in panel_html(page, "master")
    assert re.search(r'id="panel-fields-\d+"', page)
    assert "Planlagt og historik" in page  # the tabs, in Danish


def test_a_panel_is_edited_in_place_with_the_organisation_rules(admin_client, world):
    url = f"{profile(world.org)}/panel/registration/edit"
    assert 'name="registration_number"' in page_of(admin_client, url)
    csrf = token(admin_client, world.org)
    refused = admin_client.post(url, data={"csrf_token": csrf, "registration_country": "DK",
                                           "registration_number": "12345678"},
                                headers=SCRIPT_HEADERS)
    assert refused.status_code == 422
    assert 'name="registration_number"' in refused.get_data(as_text=True)
    assert load(world.a, Organisation, world.org).registration_number == "12345674"
    saved = admin_client.post(f"{profile(world.org)}/panel/master/edit",
                              data={"csrf_token": csrf, "name": "Nordlys Energi ApS",
                                    "phone": "20 12 34 56", "email": "INFO@Nordlys.example",
                                    "website": "", "industry": "Energi", "notes": ""},
                              headers=SCRIPT_HEADERS)
    assert saved.status_code == 200 and 'id="panel-master"' in saved.get_data(as_text=True)
    organisation = load(world.a, Organisation, world.org)
    assert organisation.name == "Nordlys Energi ApS"
    assert organisation.phone == "+4520123456" and organisation.email == "info@nordlys.example"


def test_without_script_a_panel_is_a_page_and_saving_returns_to_the_profile(admin_client,
                                                                           world):
    url = f"{profile(world.org)}/panel/responsible/edit"
    page = page_of(admin_client, url)
    assert "Nordlys ApS" in page and 'name="responsible_user"' in page
    response = admin_client.post(url, data={
        "csrf_token": token(admin_client, world.org),
        "responsible_user": user_id(world.a, "user@alpha.example")})
    assert response.status_code == 302
    assert response.location.endswith(f"{profile(world.org)}#panel-responsible")
    assert "Organisationen Nordlys ApS er gemt." in page_of(admin_client, profile(world.org))
    assert load(world.a, Organisation, world.org).responsible_user.email == "user@alpha.example"


def test_a_blank_name_is_refused_beside_the_field(admin_client, world):
    response = admin_client.post(f"{profile(world.org)}/panel/master/edit",
                                 data={"csrf_token": token(admin_client, world.org),
                                       "name": " "}, headers=SCRIPT_HEADERS)
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert load(world.a, Organisation, world.org).name == "Nordlys ApS"


def test_edit_rights_are_enforced_with_403(client, world, user_client):
    set_settings(world.a, users_edit_organisations=False, users_edit_contacts=False)
    url = f"{profile(world.org)}/panel/master/edit"
    assert user_client.get(profile(world.org)).status_code == 200
    page = page_of(user_client, profile(world.org))
    assert url not in page
    assert user_client.get(url).status_code == 403
    csrf = token(user_client, world.org)
    assert user_client.post(url, data={"csrf_token": csrf, "name": "X"}).status_code == 403
    with tenant_context(world.a):
        employment_id = db.session.scalar(select(Employment.id).where(
            Employment.contact_id == world.jens))
    assert user_client.post(f"{profile(world.org)}/employees/add",
                            data={"csrf_token": csrf, "contact_id": world.kim}).status_code == 403
    assert user_client.post(f"{profile(world.org)}/employees/{employment_id}/end",
                            data={"csrf_token": csrf,
                                  "end_date": "2024-01-01"}).status_code == 403
    assert load(world.a, Organisation, world.org).name == "Nordlys ApS"


def test_another_tenants_organisation_is_404_everywhere(admin_client, world):
    csrf = token(admin_client, world.org)
    with tenant_context(world.b):
        foreign_employment = db.session.scalar(select(Employment.id))
    base = profile(world.foreign_org)
    for url in (base, f"{base}/panel/master/edit", f"{profile('abc')}", f"{profile(10**12)}"):
        assert admin_client.get(url).status_code == 404, url
    for url in (f"{base}/panel/master/edit", f"{base}/employees/add",
                f"{base}/employees/{foreign_employment}/end",
                f"{profile(world.org)}/employees/{foreign_employment}/end"):
        assert admin_client.post(url, data={"csrf_token": csrf, "name": "X",
                                            "end_date": "2024-01-01"}).status_code == 404, url
    assert admin_client.get(f"{profile(world.org)}/panel/nothing/edit").status_code == 404


def test_the_list_links_names_to_the_profile_and_filters_by_tag(app, admin_client, world):
    with tenant_context(world.a):
        tag = Tag(name="Partner", colour="#00aa00")
        db.session.get(Organisation, world.other).tags = [tag]
        db.session.commit()
        tag_id = tag.id
    listing = page_of(admin_client, "/admin/organisation/")
    assert f'href="{profile(world.org)}"' in listing
    index = next(number for number, flt in enumerate(view_of(app, "organisation")._filters)
                 if type(flt).__name__ == "TagFilter")
    tagged = page_of(admin_client, "/admin/organisation/", **{f"flt0_{index}": tag_id})
    assert "Sol A/S" in tagged and "Nordlys ApS" not in tagged
    assert "Nordlys ApS" in page_of(admin_client, "/admin/organisation/",
                                    **{f"flt0_{index}": "abc"})


# --- employees ---------------------------------------------------------------------------

def test_employees_tab_lists_current_and_former_with_titles_and_dates(admin_client, world):
    with tenant_context(world.a):
        employment = db.session.scalar(select(Employment).where(
            Employment.contact_id == world.jens))
        employment.title, employment.start_date = "Indkøbschef", date(2020, 1, 1)
        db.session.commit()
    page = page_of(admin_client, profile(world.org), tab="employees")
    current = page[page.index('id="profile-employees"'):page.index('id="profile-former-employees"')]
    assert "Jens Hansen" in current and "Eva Berg" in current and "Ole" not in current
    assert "Indkøbschef" in current and "2020" in current
    former = page[page.index('id="profile-former-employees"'):]
    assert "Ole Gammel" in former and "Jens" not in former


def test_employees_are_paged(admin_client, world):
    for n in range(21):
        gen_contact(world.a, world.org, f"Ny{n:02d}", "Ansat", email=f"ny{n}@nordlys.example")
    first = page_of(admin_client, profile(world.org), tab="employees")
    second = page_of(admin_client, profile(world.org), tab="employees", employees_page=2)
    shown = ids_in(first, "profile-employee-") + ids_in(second, "profile-employee-")
    assert len(ids_in(first, "profile-employee-")) == 20 and len(set(shown)) == 23


def test_add_an_employee_through_the_service(admin_client, world):
    page = page_of(admin_client, profile(world.org), tab="employees", employees_q="Kim")
    assert f'id="profile-candidate-{world.kim}"' in page
    assert f"profile-candidate-{world.jens}" not in page  # works here already
    response = admin_client.post(f"{profile(world.org)}/employees/add", data={
        "csrf_token": token(admin_client, world.org), "contact_id": world.kim,
        "title": "Rådgiver", "start_date": "2024-02-01"})
    assert response.status_code == 302 and "tab=employees" in response.location
    kim = load(world.a, Contact, world.kim)
    added = [e for e in kim.employments if e.organisation_id == world.org]
    assert [(e.title, e.start_date, e.is_primary) for e in added] == [
        ("Rådgiver", date(2024, 2, 1), False)]


def test_adding_is_refused_for_someone_already_there_or_a_private_customer(app, world):
    with tenant_context(world.a):
        organisation = db.session.get(Organisation, world.org)
        with pytest.raises(ServiceError):
            employments.add_employee(organisation, db.session.get(Contact, world.jens))
        with pytest.raises(ServiceError):
            employments.add_employee(organisation, None)
        private = Contact(first_name="Privat", last_name="Kunde", kind="private")
        db.session.add(private)
        with pytest.raises(ServiceError):
            employments.add_employee(organisation, private)
        db.session.rollback()


def test_end_an_employment_through_the_service(admin_client, world):
    with tenant_context(world.a):
        eva_job = db.session.scalar(select(Employment.id).where(
            Employment.contact_id == world.eva))
        jens_job = db.session.scalar(select(Employment.id).where(
            Employment.contact_id == world.jens))
        # Eva also works at Sol, so ending her job here leaves her a current one
        eva = db.session.get(Contact, world.eva)
        eva.employments.append(Employment(organisation_id=world.other))
        db.session.commit()
    csrf = token(admin_client, world.org)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = admin_client.post(f"{profile(world.org)}/employees/{eva_job}/end",
                                 data={"csrf_token": csrf, "end_date": yesterday})
    assert response.status_code == 302
    eva = load(world.a, Contact, world.eva)
    assert {e.organisation_id for e in eva.current_employments} == {world.other}
    assert eva.organisation_id == world.other
    # Jens's only job: a company contact keeps a current employment (the contact rules)
    admin_client.post(f"{profile(world.org)}/employees/{jens_job}/end",
                      data={"csrf_token": csrf, "end_date": yesterday})
    assert load(world.a, Employment, jens_job).end_date is None
    page = page_of(admin_client, profile(world.org), tab="employees")
    assert "Jens Hansen: En virksomhedskontakt skal have mindst én aktuel ansættelse." in page
    # a malformed date is a clear refusal, no 500
    bad = admin_client.post(f"{profile(world.org)}/employees/{jens_job}/end",
                            data={"csrf_token": csrf, "end_date": "i morgen"})
    assert bad.status_code == 302


def test_ending_before_the_start_is_refused(app, world):
    with tenant_context(world.a):
        job = db.session.scalar(select(Employment).where(Employment.contact_id == world.jens))
        job.start_date = date(2024, 1, 1)
        with pytest.raises(ServiceError):
            employments.end_employment(job, date(2023, 1, 1))
        db.session.rollback()


# --- the tabs ---------------------------------------------------------------------------

def test_timeline_holds_the_organisations_and_its_peoples_activities(admin_client, world):
    admin = user_id(world.a, "admin@alpha.example")
    own = gen_activity(world.a, world.org, [world.jens], kind=NOTE, subject="Med Jens",
                       body="x", starts_at=days(-3), employee_id=admin)
    eva_elsewhere = gen_activity(world.a, world.other, [world.eva], kind=CALL,
                                 subject="Eva hos Sol", starts_at=days(-2))
    kims = gen_activity(world.a, world.other, [world.kim], kind=CALL, subject="Kim",
                        starts_at=days(-1))
    oles_later = gen_activity(world.a, world.other, [world.ole], kind=CALL,
                              subject="Ole hos Sol", starts_at=days(-1))
    case = gen_case(world.a, world.jens, "Nordlys-sag", organisation_id=world.org)
    page = page_of(admin_client, profile(world.org), tab="timeline")
    shown = ids_in(page, "timeline-activity-")
    assert own in shown and eva_elsewhere in shown
    assert kims not in shown and oles_later not in shown
    assert f"timeline-case_opened-{case}" in page
    only_eva = ids_in(page_of(admin_client, profile(world.org), tab="timeline",
                              timeline_person=world.eva), "timeline-activity-")
    assert only_eva == [eva_elsewhere]
    calls = ids_in(page_of(admin_client, profile(world.org), tab="timeline",
                           timeline_kind=CALL), "timeline-activity-")
    assert calls == [eva_elsewhere]
    period = ids_in(page_of(admin_client, profile(world.org), tab="timeline",
                            timeline_from=local_date(days(-2)).isoformat()), "timeline-activity-")
    assert own not in period and eva_elsewhere in period
    # a person of another organisation or tenant is no filter
    ignored = page_of(admin_client, profile(world.org), tab="timeline",
                      timeline_person=world.foreign)
    assert own in ids_in(ignored, "timeline-activity-")


def test_cases_tasks_notes_email_files_related_and_history(admin_client, world):
    admin = user_id(world.a, "admin@alpha.example")
    case = gen_case(world.a, world.jens, "Nordlys-sag")
    with tenant_context(world.a):
        db.session.get(Case, case).organisation_id = world.org
        db.session.commit()
    kims_case = gen_case(world.a, world.kim, "Sols sag")
    task = gen_task(world.a, "Ring til Eva", contact_id=world.eva)
    note = gen_activity(world.a, world.org, [world.jens], kind=NOTE, subject="Notat",
                        body="Aftalt pris", starts_at=days(-1), employee_id=admin)
    mail = gen_activity(world.a, world.org, [world.eva], kind=EMAIL, subject="Tilbud",
                        starts_at=days(-1), mail_to="eva@nordlys.example")
    opportunity = gen_opportunity(world.a, "Stor ordre", organisation_id=world.org)
    cases = page_of(admin_client, profile(world.org), tab="cases")
    assert ids_in(cases, "profile-case-") == [case] and kims_case not in ids_in(
        cases, "profile-case-")
    assert f"/admin/case/new/?organisation_id={world.org}" in cases
    assert ids_in(page_of(admin_client, profile(world.org), tab="tasks"),
                  "profile-task-") == [task]
    assert ids_in(page_of(admin_client, profile(world.org), tab="notes"),
                  "profile-note-") == [note]
    assert ids_in(page_of(admin_client, profile(world.org), tab="email"),
                  "profile-email-") == [mail]
    assert "Stor ordre" in page_of(admin_client, profile(world.org), tab="related")
    assert opportunity
    assert 'id="tab-panel-files"' in page_of(admin_client, profile(world.org), tab="files")
    history = page_of(admin_client, profile(world.org), tab="history")
    assert ids_in(history, "profile-history-")


def test_new_case_opens_with_the_organisation(admin_client, world):
    page = page_of(admin_client, "/admin/case/new/", organisation_id=world.org)
    assert re.search(rf'<option selected value="{world.org}"|value="{world.org}"[^>]*selected',
                     page) or "Nordlys ApS" in page


# --- the action bar ---------------------------------------------------------------------

def test_action_bar_opens_every_kind_with_the_organisation(admin_client, world):
    page = page_of(admin_client, profile(world.org))
    bar = page[page.index('id="profile-actions"'):page.index('id="profile-activity-modal"')]
    for kind in (NOTE, MEETING, CALL, EMAIL, LETTER):
        assert f"organisation_id={world.org}&kind={kind}" in bar, kind
    assert f"/admin/case/new/?organisation_id={world.org}" in bar
    form = page_of(admin_client, "/admin/activity/new/", organisation_id=world.org, kind=NOTE,
                   fragment=1)
    assert "Nordlys ApS" in form
    persons = admin_client.get("/admin/activity/persons/",
                               query_string={"organisation_id": world.org}).get_json()
    named = {item["name"] for item in persons["results"]}
    assert named == {"Jens Hansen", "Eva Berg"}


def test_a_note_saved_from_the_action_bar_lands_on_the_timeline(admin_client, world):
    page = page_of(admin_client, profile(world.org))
    csrf = csrf_token_from(page)
    back = profile(world.org)
    response = admin_client.post(
        "/admin/activity/new/", query_string={"organisation_id": world.org, "kind": NOTE,
                                              "url": back},
        data={"csrf_token": csrf, "kind": NOTE, "body": "Fra virksomhedssiden",
              "starts_at": "2024-05-02 10:00", "organisation": str(world.org),
              "contacts": str(world.eva)})
    assert response.status_code == 302 and response.location.endswith(back)
    with tenant_context(world.a):
        note = db.session.scalar(select(Activity).where(Activity.body == "Fra virksomhedssiden"))
        assert note.organisation_id == world.org
        assert [c.id for c in note.contacts] == [world.eva]
    assert note.id in ids_in(page_of(admin_client, profile(world.org), tab="timeline"),
                             "timeline-activity-")


# --- the query budget ----------------------------------------------------------------------

def busy_organisation(w, name: str, size: int) -> int:
    """An organisation with ``size`` people, activities, cases and tasks."""
    org = gen_organisation(w.a, name)
    admin = user_id(w.a, "admin@alpha.example")
    people = [gen_contact(w.a, org, f"P{n}", name, email=f"p{n}@{org}.example")
              for n in range(size)]
    for n, person in enumerate(people):
        case = gen_case(w.a, person, f"Sag {n}")
        with tenant_context(w.a):
            db.session.get(Case, case).organisation_id = org
            db.session.commit()
        gen_task(w.a, f"Opgave {n}", contact_id=person)
    with tenant_context(w.a):
        contacts = [db.session.get(Contact, p) for p in people]
        kinds = (NOTE, MEETING, EMAIL, CALL)
        db.session.add_all(Activity(
            kind=kinds[n % 4], subject=f"Aktivitet {n}", body="tekst", organisation_id=org,
            starts_at=days(-n - 2), planned=n < 2, employee_id=admin,
            contacts=[contacts[n % size]]) for n in range(size * 4))
        last = contacts[-1]
        last.employments[0].end_date = date(2020, 1, 1)
        last.employments.append(Employment(organisation_id=w.other))
        db.session.commit()
    return org


def test_every_tab_takes_the_same_number_of_queries_with_few_and_many_rows(admin_client,
                                                                           world):
    few, many = busy_organisation(world, "Lille", 3), busy_organisation(world, "Stor", 40)
    for name in ("employees", "timeline", "cases", "tasks", "notes", "email", "meetings",
                 "files", "related", "history"):
        counts = []
        for org in (few, many):
            page_of(admin_client, profile(org), tab=name)  # warm: per-process caches
            with count_queries() as statements:
                page_of(admin_client, profile(org), tab=name)
            counts.append(len(statements))
        assert counts[0] == counts[1], (name, counts)
