"""The authorisation matrix: what each role gets at every URL of the application.

tests/test_authorisation_matrix.py checks the table against ``app.url_map`` (a rule, i.e.
an endpoint with one of its methods, that no entry names fails the test, as does an
entry naming no rule) and then asks every URL as each role.

Roles: ANONYMOUS (no session), USER and ADMIN (a user and an administrator of tenant A,
which owns every record named in a URL), OTHER (an administrator of tenant B) and
OPERATOR (the platform operator, who belongs to no tenant).

One entry is one line, a :class:`Probe`::

    Probe("GET", "contact.photo_view", "/admin/contact/photo/{contact}/", member(OK, MISSING)),
    Probe("POST", "lead.accept_view", "/admin/lead/{lead}/accept/",
          member(to("/admin/lead/details/"), MISSING)),

- the method and the endpoint (as ``url_map`` names them);
- the URL, with ``{name}`` filled with the id of tenant A's record of that name (see
  ``PLACEHOLDERS``; ``{marker}`` is the text every tenant A record carries);
- the outcome per role, most often built by one of ``member`` (any tenant member),
  ``admin`` (tenant administrators), ``operator``, ``logged_in`` and ``everyone``, whose
  first argument is what tenant A's own roles get and second what OTHER gets (tenant
  A's ids name nothing in tenant B). An outcome is a status with, for a redirect, the
  path its Location must have (``to(path)``; the query is not compared); ``LOGIN`` is
  the redirect to /login;
- ``data``: the form posted by the roles that may not change tenant A's records (for
  object URLs: tenant A's ids, as an attacker would post them). Tenant A's own roles
  post an empty form, so that an allowed POST changes nothing that later requests read;
- ``shows``: tenant A's roles, answered 200, see the record's text (so the id in the
  URL really names a record, and OTHER's refusal is tenant isolation at work);
- ``secret``: the URL itself is the credential (a feed token), so it may show tenant
  A's records to whoever holds it;
- ``bearer``: an API URL, asked with the role's own API token (``Authorization:
  Bearer``; the anonymous visitor and the operator have none) and ``data`` sent as
  JSON. A session is no login there: see ``token``.

Flask-Admin's model screens contribute their standard endpoints (list, new, edit,
details, delete, action, export, ajax lookup and update) through one :class:`Screen`
line each in ``SCREENS``; their own extra endpoints are plain probes in ``PROBES``.

Excluded: ``static`` only (the application's own files on disk: no record, no role).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS = "anonymous"
USER = "user of tenant A"
ADMIN = "administrator of tenant A"
OTHER = "administrator of tenant B"
OPERATOR = "platform operator"
ROLES = (ANONYMOUS, USER, ADMIN, OTHER, OPERATOR)
ROLE_IDS = ("anonymous", "user", "admin", "other_admin", "operator")  # test ids
TENANT_A_ROLES = (USER, ADMIN)

MARKER = "Zqxalpha"  # in the text of every record of tenant A that a URL names
# What ``{name}`` in a URL or form may be: tenant A's record ids, its slug, tokens.
PLACEHOLDERS = frozenset({
    "activity", "admin_job", "api_token", "attachment", "audit", "campaign", "case", "contact",
    "delivery", "employment", "entry", "field", "job",
    "lead", "letter", "opportunity", "organisation", "planned", "project", "section",
    "tag", "task", "tenant", "user", "webhook",  # ids (``planned``: a planned activity; ``job``:
    # a job of tenant A's user, ``admin_job`` one of its administrator)
    "twin", "twin_organisation",  # a second contact and organisation (duplicates)
    "slug", "intake_token", "feed_token", "import_token", "marker"})
EXCLUDED_ENDPOINTS = {"static": "the application's own files on disk: no record, no role"}


@dataclass(frozen=True)
class Outcome:
    status: int
    location: str | None = None  # a redirect's path (its query is not compared)
    own_session: bool = field(default=False, compare=False)  # changes only the asker's

    def __str__(self) -> str:
        return f"{self.status} → {self.location}" if self.location else str(self.status)


OK = Outcome(200)
CREATED = Outcome(201)
NO_CONTENT = Outcome(204)
BAD_REQUEST = Outcome(400)
FORBIDDEN = Outcome(403)
MISSING = Outcome(404)
UNAUTHORISED = Outcome(401)  # CardDAV, the API: credentials asked for (a session is none)
INVALID = Outcome(422)  # the API: an empty body refused, or a record in use not deleted
LOGIN = Outcome(302, "/login")
# The user's own logout: to the login page too, but not a refusal (it changes their own
# session version, nothing of anyone else).
SIGNED_OUT = Outcome(302, "/login", own_session=True)


def to(path: str) -> Outcome:
    return Outcome(302, path)


def is_refusal(outcome: Outcome) -> bool:
    """An answer that lets the role see or change nothing of tenant A."""
    return outcome in (LOGIN, FORBIDDEN, MISSING, UNAUTHORISED) and not outcome.own_session


Expect = dict[str, Outcome]


def member(own: Outcome, other: Outcome | None = None, *, user: Outcome | None = None
           ) -> Expect:
    """A screen of any tenant member; ``user`` when the tenant's user gets otherwise."""
    return {ANONYMOUS: LOGIN, USER: user or own, ADMIN: own, OTHER: other or own,
            OPERATOR: FORBIDDEN}


def admin(own: Outcome, other: Outcome | None = None) -> Expect:
    """A screen of the tenant's administrators."""
    return {ANONYMOUS: LOGIN, USER: FORBIDDEN, ADMIN: own, OTHER: other or own,
            OPERATOR: FORBIDDEN}


def operator(own: Outcome, other: Outcome | None = None) -> Expect:
    """A screen of the platform operator (``other`` unused: tenant admins get 403)."""
    return {ANONYMOUS: LOGIN, USER: FORBIDDEN, ADMIN: FORBIDDEN, OTHER: FORBIDDEN,
            OPERATOR: own}


def logged_in(own: Outcome) -> Expect:
    return {ANONYMOUS: LOGIN, USER: own, ADMIN: own, OTHER: own, OPERATOR: own}


def token(own: Outcome, other: Outcome | None = None) -> Expect:
    """An API URL: a token of any tenant member; without one (the anonymous visitor,
    the operator, who has no tenant) 401."""
    return {ANONYMOUS: UNAUTHORISED, USER: own, ADMIN: own, OTHER: other or own,
            OPERATOR: UNAUTHORISED}


def everyone(outcome: Outcome, **roles: Outcome) -> Expect:
    """The same for every role (``anonymous=`` etc. for the exceptions)."""
    names = {"anonymous": ANONYMOUS, "user": USER, "admin": ADMIN, "other": OTHER,
             "operator": OPERATOR}
    return {role: outcome for role in ROLES} | {names[k]: v for k, v in roles.items()}


@dataclass(frozen=True)
class Probe:
    method: str
    endpoint: str
    url: str
    expect: Expect
    data: dict[str, Any] = field(default_factory=dict)
    shows: bool = False
    secret: bool = False
    bearer: bool = False


# --- Flask-Admin model screens --------------------------------------------------------

@dataclass(frozen=True)
class Screen:
    """A Flask-Admin ModelView: who may open it, which record fills its ``id``, and what
    it offers (``lookup``: a form_ajax_refs name; ``editable``: a column edited in the
    list; the ``can_*`` flags as the view sets them for tenant A's roles)."""

    endpoint: str
    url: str
    who: Callable[..., Expect]
    record: str
    lookup: str | None = None
    editable: str | None = None
    can_create: bool = True
    can_edit: bool = True
    can_delete: bool = True
    can_export: bool = True
    shows: bool = True  # its details and edit pages show the record's MARKER
    lists: bool = True  # so do its list and export, to every role of tenant A


SCREENS = (
    Screen("contact", "/admin/contact/", member, "contact"),
    Screen("organisation", "/admin/organisation/", member, "organisation"),
    Screen("tag", "/admin/tag/", member, "tag", can_export=False),
    Screen("case", "/admin/case/", member, "case", lookup="primary_contact"),
    Screen("task", "/admin/task/", member, "task", lookup="contact", editable="status"),
    Screen("my_tasks", "/admin/my_tasks/", member, "task", lookup="contact",
           editable="status", lists=False),  # the list of each user's own tasks
    Screen("lead", "/admin/lead/", member, "lead", can_delete=False, can_export=False),
    Screen("opportunity", "/admin/opportunity/", member, "opportunity",
           lookup="organisation"),
    Screen("campaign", "/admin/campaign/", member, "campaign", lookup="participants"),
    Screen("project", "/admin/project/", member, "project", lookup="organisation"),
    Screen("activity", "/admin/activity/", member, "activity", lookup="organisation",
           editable="body"),
    Screen("planned_activity", "/admin/planned-activity/", member, "planned",
           lookup="organisation", editable="body"),
    Screen("audit", "/admin/audit/", admin, "audit", can_create=False, can_edit=False,
           can_delete=False, can_export=False, lists=False),
    Screen("user", "/admin/user/", admin, "user", can_export=False, shows=False,
           lists=False),
    Screen("tenant", "/admin/tenant/", operator, "tenant", can_delete=False,
           can_export=False, shows=False, lists=False),
)


def screen_probes(screen: Screen) -> list[Probe]:
    """The standard endpoints of one model screen. Another tenant's id gets what a
    missing id gets: Flask-Admin's "Record does not exist." and the list."""
    url, record, gone = screen.url, f"{{{screen.record}}}", to(screen.url)

    def expect(own: Outcome, other: Outcome | None = None) -> Expect:
        return screen.who(own, other)

    def allowed(flag: bool, outcome: Outcome) -> Outcome:
        return outcome if flag else gone

    ids = {"id": record, "rowid": record, "action": "delete", "list_form_pk": record}
    lookup = f"{url}ajax/lookup/?name={screen.lookup or 'none'}&query={MARKER[:-1]}"
    editable = {"list_form_pk": record, screen.editable or "id": "1"}
    return [
        Probe("GET", f"{screen.endpoint}.index_view", url, expect(OK), shows=screen.lists),
        Probe("GET", f"{screen.endpoint}.create_view", f"{url}new/",
              expect(allowed(screen.can_create, OK))),
        Probe("POST", f"{screen.endpoint}.create_view", f"{url}new/",
              expect(allowed(screen.can_create, OK))),
        Probe("GET", f"{screen.endpoint}.details_view", f"{url}details/?id={record}",
              expect(OK, gone), shows=screen.shows),
        Probe("GET", f"{screen.endpoint}.edit_view", f"{url}edit/?id={record}",
              expect(allowed(screen.can_edit, OK), gone),
              shows=screen.shows and screen.can_edit),
        Probe("POST", f"{screen.endpoint}.edit_view", f"{url}edit/?id={record}",
              expect(allowed(screen.can_edit, OK), gone), data=ids),
        Probe("POST", f"{screen.endpoint}.delete_view", f"{url}delete/", expect(gone),
              data=ids),
        Probe("POST", f"{screen.endpoint}.action_view", f"{url}action/", expect(gone),
              data=ids),
        Probe("GET", f"{screen.endpoint}.export", f"{url}export/csv/",
              expect(allowed(screen.can_export, OK)), shows=screen.lists),
        Probe("GET", f"{screen.endpoint}.ajax_lookup", lookup,
              expect(OK if screen.lookup else MISSING), shows=True),
        # the relation filters' lookups (views.filter_lookups): an index naming none
        Probe("GET", f"{screen.endpoint}.filter_lookup", f"{url}filter-lookup/999/",
              expect(MISSING)),
        # an empty form (tenant A's roles) names no record either
        Probe("POST", f"{screen.endpoint}.ajax_update", f"{url}ajax/update/",
              expect(MISSING), data=editable),
    ]


# --- every other URL ------------------------------------------------------------------

CONTACT = "/admin/contact/{contact}"
ORGANISATION = "/admin/organisation/{organisation}"
PROFILE = to("/admin/contact/{contact}/profile")

PROBES = (
    # sign-in, language, health: no login needed
    Probe("GET", "auth.login", "/login", everyone(to("/admin/"), anonymous=OK)),
    Probe("POST", "auth.login", "/login", everyone(Outcome(401)),
          data={"email": "admin@alpha.example", "password": "wrong"}),
    Probe("GET", "auth.logout", "/logout", logged_in(OK)),  # only asks to confirm
    Probe("POST", "auth.logout", "/logout", logged_in(SIGNED_OUT)),
    Probe("GET", "auth.set_language", "/language/da", everyone(to("/admin/"))),
    Probe("POST", "auth.set_language", "/language/da", everyone(to("/admin/"))),
    Probe("GET", "password.index", "/admin/password/", logged_in(OK)),
    Probe("POST", "password.index", "/admin/password/", logged_in(OK),  # refused: re-shown
          data={"current_password": "wrong", "new_password": "x"}),
    # a list's columns, each user's own choice: an empty form names no list
    Probe("POST", "columns.index", "/admin/columns/", member(MISSING, to("/admin/")),
          data={"list": "contact", "columns": "email"}),
    Probe("GET", "health.healthz", "/healthz", everyone(OK)),
    Probe("GET", "admin.static", "/admin/static/admin/js/helpers.js", everyone(OK)),
    # secret-token URLs: the token is the credential, a wrong one names nothing
    Probe("GET", "feeds.address_book", "/feeds/{feed_token}/contacts.vcf", everyone(OK),
          secret=True),
    Probe("GET", "feeds.address_book", "/feeds/not-a-token/contacts.vcf", everyone(MISSING)),
    Probe("GET", "feeds.planned_activities", "/feeds/{feed_token}/calendar.ics",
          everyone(OK), secret=True),
    Probe("GET", "feeds.planned_activities", "/feeds/not-a-token/calendar.ics",
          everyone(MISSING)),
    Probe("POST", "intake.receive_lead", "/intake/{slug}/lead?token={intake_token}",
          everyone(BAD_REQUEST)),
    Probe("POST", "intake.receive_lead", "/intake/{slug}/lead?token=not-a-token",
          everyone(FORBIDDEN), data={"name": "Smuggled lead"}),
    Probe("POST", "intake.receive_lead", "/intake/beta/lead?token={intake_token}",
          everyone(FORBIDDEN), data={"name": "Smuggled lead"}),
    # the dashboard and the user's own feed page
    Probe("GET", "admin.index", "/admin/", logged_in(OK)),
    Probe("GET", "feeds_page.index", "/admin/feeds/", member(OK)),
    Probe("POST", "feeds_page.regenerate", "/admin/feeds/regenerate/",
          member(to("/admin/feeds/"))),
    Probe("POST", "feeds_page.create_app_password", "/admin/feeds/app-passwords/",
          member(OK), data={"name": "Smuggled"}),  # one's own, in one's own tenant
    Probe("POST", "feeds_page.revoke_app_password", "/admin/feeds/app-passwords/revoke/",
          member(to("/admin/feeds/")), data={"password_id": "1"}),
    # CardDAV: every request logs in with basic auth (an app password); a session is no
    # login there, so every role is asked to (tests/test_carddav.py logs in for real)
    Probe("GET", "carddav.well_known", "/.well-known/carddav", everyone(Outcome(301, "/dav/"))),
    Probe("PROPFIND", "carddav.well_known", "/.well-known/carddav",
          everyone(Outcome(301, "/dav/"))),
    Probe("PROPFIND", "carddav.root", "/dav/", everyone(UNAUTHORISED)),
    Probe("PROPFIND", "carddav.principal", "/dav/principals/{user}/", everyone(UNAUTHORISED)),
    Probe("PROPFIND", "carddav.home", "/dav/addressbooks/{user}/", everyone(UNAUTHORISED)),
    *(Probe(method, "carddav.collection", "/dav/addressbooks/{user}/contacts/",
            everyone(UNAUTHORISED)) for method in ("PROPFIND", "REPORT", "GET")),
    *(Probe(method, "carddav.card", "/dav/addressbooks/{user}/contacts/contact-{contact}.vcf",
            everyone(UNAUTHORISED)) for method in ("PROPFIND", "GET")),
    *(Probe(method, "carddav.read_only",
            "/dav/addressbooks/{user}/contacts/contact-{contact}.vcf", everyone(UNAUTHORISED))
      for method in ("PUT", "DELETE", "PROPPATCH", "MKCOL", "MOVE", "COPY", "POST", "LOCK",
                     "UNLOCK", "ACL")),
    # the JSON API: a token acts as its user; another tenant's ids are 404. Tenant A's
    # roles send empty bodies (refused: 422; an empty PATCH changes nothing; deleting a
    # record still in use is refused)
    Probe("GET", "api-docs.openapi_json", "/api/v1/openapi.json", everyone(OK)),
    Probe("GET", "api_tokens.index", "/admin/api-tokens/", member(OK)),
    Probe("POST", "api_tokens.create", "/admin/api-tokens/", member(OK),
          data={"name": "Smuggled"}),  # one's own, in one's own tenant
    Probe("POST", "api_tokens.revoke", "/admin/api-tokens/revoke/",
          member(to("/admin/api-tokens/")), data={"token_id": "{api_token}"}),
    # (tenant B's administrator lists their own; an organisation they post is theirs, a
    # contact at tenant A's organisation is refused)
    *(Probe(method, f"api_contacts.{name}_list", f"/api/v1/{name}", token(*outcome),
            shows=method == "GET", bearer=True, data=data)
      for name, data, made in (
          ("contacts", {"first_name": "Smuggled", "last_name": "Person",
                        "organisation_id": "{organisation}"}, INVALID),
          ("organisations", {"name": "Smuggled"}, CREATED))
      for method, outcome in (("GET", (OK,)), ("POST", (INVALID, made)))),
    *(Probe(method, f"api_contacts.{name}_item", f"/api/v1/{name}/{{{record}}}",
            token(outcome, MISSING), shows=method != "DELETE", bearer=True,
            data={"email": "overwritten@example.com"})
      for name, record in (("contacts", "contact"), ("organisations", "organisation"))
      for method, outcome in (("GET", OK), ("PATCH", OK), ("DELETE", INVALID))),
    Probe("POST", "api_contacts.contacts_upsert", "/api/v1/contacts:upsert",
          token(INVALID, OK), bearer=True,
          data={"items": [{"email": "zqx@alpha.example", "job_title": "Smuggled"}]}),
    Probe("GET", "api_fields.fields_list", "/api/v1/fields", token(OK), bearer=True),
    # the other records: tenant B's administrator posts names of tenant A's records
    # (refused) or, for a tag, one of their own; an empty PATCH changes nothing; a
    # DELETE removes tenant A's record (removals run last: in_safe_order)
    *(Probe(method, f"api_{group}.{name}_list", f"/api/v1/{name}", token(*outcome),
            shows=method == "GET" and name != "employments", bearer=True, data=data)
      for group, name, data, made in (
          ("contacts", "employments", {"contact_id": "{contact}",
                                       "organisation_id": "{organisation}"}, INVALID),
          ("contacts", "tags", {"name": "Smuggled"}, CREATED),
          ("work", "cases", {"title": "Smuggled", "primary_contact_id": "{contact}"},
           INVALID),
          ("work", "tasks", {"title": "Smuggled", "case_id": "{case}"}, INVALID),
          ("activities", "activities", {"kind": "note", "body": "Smuggled",
                                        "organisation_id": "{organisation}"}, INVALID),
          ("sales", "opportunities", {"title": "Smuggled", "contact_id": "{contact}"},
           INVALID),
          ("sales", "campaigns", {"name": "Smuggled", "participant_ids": ["{contact}"]},
           INVALID),
          ("sales", "projects", {"name": "Smuggled", "organisation_id": "{organisation}"},
           INVALID))
      for method, outcome in (("GET", (OK,)), ("POST", (INVALID, made)))),
    *(Probe(method, f"api_{group}.{name}_item", f"/api/v1/{name}/{{{record}}}",
            token(outcome, MISSING), shows=method != "DELETE" and name != "employments",
            bearer=True, data={text: "Overwritten"})
      for group, name, record, text, removed in (
          # (the contact's only employment: a business contact keeps one)
          ("contacts", "employments", "employment", "title", INVALID),
          ("contacts", "tags", "tag", "name", NO_CONTENT),
          ("work", "cases", "case", "title", NO_CONTENT),
          ("work", "tasks", "task", "title", NO_CONTENT),
          ("activities", "activities", "planned", "subject", NO_CONTENT),
          ("sales", "opportunities", "opportunity", "title", NO_CONTENT),
          ("sales", "campaigns", "campaign", "name", NO_CONTENT),
          ("sales", "projects", "project", "name", NO_CONTENT))
      for method, outcome in (("GET", OK), ("PATCH", OK), ("DELETE", removed))),
    # the dictionaries: read only (their screen is the administrators')
    Probe("GET", "api_dictionaries.dictionaries_list", "/api/v1/dictionaries", token(OK),
          shows=True, bearer=True),
    Probe("GET", "api_dictionaries.dictionaries_item", "/api/v1/dictionaries/{entry}",
          token(OK, MISSING), shows=True, bearer=True),
    # the contact's own pages
    Probe("GET", "contact.profile_view", f"{CONTACT}/profile", member(OK, MISSING),
          shows=True),
    Probe("GET", "contact.panel_edit_view", f"{CONTACT}/profile/panel/about/edit",
          member(OK, MISSING), shows=True),
    Probe("POST", "contact.panel_edit_view", f"{CONTACT}/profile/panel/about/edit",
          member(Outcome(422), MISSING), data={"first_name": "Overwritten"}),
    # the organisation's own pages (A3: users may edit when the tenant allows it; the
    # demo tenant A's settings let them)
    Probe("GET", "organisation.profile_view", f"{ORGANISATION}/profile", member(OK, MISSING),
          shows=True),
    Probe("GET", "organisation.panel_edit_view", f"{ORGANISATION}/profile/panel/master/edit",
          member(OK, MISSING), shows=True),
    Probe("POST", "organisation.panel_edit_view", f"{ORGANISATION}/profile/panel/master/edit",
          member(Outcome(422), MISSING), data={"name": "Overwritten"}),
    Probe("POST", "organisation.add_employee_view", f"{ORGANISATION}/profile/employees/add",
          member(to(f"{ORGANISATION}/profile"), MISSING), data={"contact_id": "{contact}"}),
    Probe("POST", "organisation.end_employment_view",
          f"{ORGANISATION}/profile/employees/{{employment}}/end",
          member(to(f"{ORGANISATION}/profile"), MISSING), data={"end_date": "2026-01-01"}),
    Probe("GET", "contact.privacy_view", f"{CONTACT}/privacy/", admin(OK, MISSING), shows=True),
    Probe("GET", "contact.privacy_export_view", f"{CONTACT}/privacy/export", admin(OK, MISSING),
          shows=True),
    Probe("GET", "contact.privacy_erase_view", f"{CONTACT}/privacy/erase", admin(OK, MISSING),
          shows=True),
    Probe("POST", "contact.privacy_erase_view", f"{CONTACT}/privacy/erase",
          admin(Outcome(422), MISSING), data={"confirm": "1"}),  # unconfirmed: asks again
    Probe("POST", "contact.privacy_archive_view", f"{CONTACT}/privacy/archive",
          admin(BAD_REQUEST, MISSING)),  # an empty form asks for no archive
    Probe("POST", "contact.email_access_view", f"{CONTACT}/profile/email-access",
          member(PROFILE, MISSING, user=FORBIDDEN), data={"restricted": "1"}),
    Probe("GET", "contact.photo_view", "/admin/contact/photo/{contact}/", member(OK, MISSING)),
    Probe("GET", "mail.index", "/admin/mail/", member(MISSING)),
    Probe("GET", "mail.compose", "/admin/mail/contact/{contact}/?fragment=1",
          member(OK, MISSING)),
    Probe("GET", "mail.compose", "/admin/mail/contact/{contact}/", member(OK, MISSING),
          shows=True),
    Probe("POST", "mail.compose", "/admin/mail/contact/{contact}/", member(OK, MISSING),
          data={"to": "someone@example.com", "subject": "Smuggled", "body": "Smuggled"}),
    # only a not-sent e-mail is sent again; tenant A's {activity} is a note
    Probe("POST", "mail.send_again", "/admin/mail/{activity}/send-again", member(MISSING)),
    Probe("POST", "mail.send_again", "/admin/mail/not-an-id/send-again", member(MISSING)),
    # new records opened from the contact's profile, tenant A's ids filled in only for
    # tenant A
    Probe("GET", "activity.create_view", "/admin/activity/new/?contact_id={contact}"
          "&kind=call&fragment=1", member(OK), shows=True),
    Probe("GET", "case.create_view", "/admin/case/new/?contact_id={contact}", member(OK),
          shows=True),
    Probe("GET", "task.create_view", "/admin/task/new/?contact_id={contact}", member(OK),
          shows=True),
    # letters
    Probe("GET", "letter.index", "/admin/letter/", member(to("/admin/contact/"))),
    Probe("GET", "letter.create", "/admin/letter/new/?contact_id={contact}",
          member(OK, MISSING), shows=True),
    Probe("POST", "letter.create", "/admin/letter/new/?contact_id={contact}",
          member(OK, MISSING), data={"subject": "Smuggled", "body": "Smuggled"}),
    Probe("GET", "letter.details", "/admin/letter/{letter}/", member(OK, MISSING),
          shows=True),
    Probe("GET", "letter.pdf", "/admin/letter/{letter}/pdf", member(OK, MISSING)),
    Probe("GET", "letterhead.index", "/admin/letterhead/", admin(OK)),
    Probe("POST", "letterhead.index", "/admin/letterhead/", admin(to("/admin/letterhead/"))),
    Probe("GET", "letterhead.logo", "/admin/letterhead/logo", admin(OK, MISSING)),
    Probe("GET", "letterhead.sample", "/admin/letterhead/sample.pdf", admin(OK)),
    # files
    Probe("GET", "attachments.index", "/admin/attachments/", member(MISSING)),
    Probe("POST", "attachments.upload", "/admin/attachments/contact/{contact}/upload/",
          member(to("/admin/contact/details/"), MISSING)),
    Probe("GET", "attachments.download", "/admin/attachments/{attachment}/download/",
          member(OK, MISSING), shows=True),
    Probe("POST", "attachments.delete_view", "/admin/attachments/{attachment}/delete/",
          member(to("/admin/contact/details/"), MISSING, user=FORBIDDEN)),
    # background jobs: a user's own, an administrator's all of the tenant's
    Probe("GET", "jobs.index", "/admin/jobs/", member(OK), shows=True),
    Probe("GET", "jobs.job_view", "/admin/jobs/{job}/", member(OK, MISSING), shows=True),
    Probe("GET", "jobs.job_view", "/admin/jobs/{admin_job}/",
          member(OK, MISSING, user=MISSING), shows=True),
    Probe("GET", "jobs.job_view", "/admin/jobs/not-a-job/", member(MISSING)),
    Probe("GET", "jobs.status", "/admin/jobs/{job}/status", member(OK, MISSING), shows=True),
    Probe("GET", "jobs.status", "/admin/jobs/{admin_job}/status",
          member(OK, MISSING, user=MISSING), shows=True),
    Probe("GET", "jobs.download", "/admin/jobs/{job}/download", member(OK, MISSING),
          shows=True),
    Probe("GET", "jobs.download", "/admin/jobs/{admin_job}/download",
          member(OK, MISSING, user=MISSING), shows=True),
    # a job that did not fail is not run again: back to its page
    Probe("POST", "jobs.again", "/admin/jobs/{job}/again",
          member(to("/admin/jobs/{job}/"), MISSING)),
    Probe("POST", "jobs.again", "/admin/jobs/{admin_job}/again",
          member(to("/admin/jobs/{admin_job}/"), MISSING, user=MISSING)),
    # activities
    Probe("GET", "activity.persons_view", "/admin/activity/persons/?organisation_id="
          "{organisation}", member(OK, MISSING), shows=True),
    Probe("GET", "planned_activity.persons_view", "/admin/planned-activity/persons/"
          "?organisation_id={organisation}", member(OK, MISSING), shows=True),
    Probe("POST", "activity.reopen_view", "/admin/activity/reopen/",
          member(MISSING, MISSING, user=FORBIDDEN), data={"id": "{activity}"}),
    Probe("POST", "planned_activity.reopen_view", "/admin/planned-activity/reopen/",
          member(MISSING, MISSING, user=FORBIDDEN), data={"id": "{planned}"}),
    # leads
    Probe("POST", "lead.accept_view", "/admin/lead/{lead}/accept/",
          member(to("/admin/lead/details/"), MISSING)),
    Probe("GET", "lead.reject_view", "/admin/lead/{lead}/reject/", member(OK, MISSING),
          shows=True),
    Probe("POST", "lead.reject_view", "/admin/lead/{lead}/reject/",
          member(OK, MISSING), data={"reason": "Smuggled"}),
    # likely duplicates and merging (users may merge: demo tenant A's settings let them)
    Probe("GET", "duplicates.index", "/admin/duplicates/", member(OK)),
    Probe("GET", "duplicates.index", "/admin/duplicates/?kind=contact&record={contact}",
          member(OK, MISSING), shows=True),
    Probe("GET", "duplicates.merge", "/admin/duplicates/merge/contact/{contact}/{twin}/",
          member(OK, MISSING), shows=True),
    Probe("GET", "duplicates.merge",
          "/admin/duplicates/merge/organisation/{organisation}/{twin_organisation}/",
          member(OK, MISSING), shows=True),
    Probe("POST", "duplicates.merge", "/admin/duplicates/merge/contact/{contact}/{twin}/",
          member(Outcome(422), MISSING), data={"survivor": "first", "confirm": "1"}),
    Probe("POST", "duplicates.distinct", "/admin/duplicates/distinct/contact/{contact}/{twin}/",
          member(to("/admin/duplicates/"), MISSING)),
    Probe("POST", "duplicates.undo_distinct",
          "/admin/duplicates/distinct/contact/{contact}/{twin}/undo/",
          member(to("/admin/duplicates/"), MISSING)),
    # settings
    # import (an uploaded file waits under its token between the steps)
    Probe("GET", "imports.index", "/admin/import/", admin(OK)),
    Probe("POST", "imports.index", "/admin/import/", admin(OK)),  # no file: asks again
    Probe("GET", "imports.columns", "/admin/import/{import_token}/columns",
          admin(OK, MISSING), shows=True),
    Probe("POST", "imports.columns", "/admin/import/{import_token}/columns",
          admin(OK, MISSING)),  # no column with names: asks again
    Probe("GET", "imports.preview", "/admin/import/{import_token}/preview",
          admin(OK, MISSING), shows=True),
    Probe("POST", "imports.run", "/admin/import/{import_token}/run",
          admin(BAD_REQUEST, MISSING), data={"mode": "good-rows", "on_match": "update"}),
    Probe("GET", "imports.result", "/admin/import/{import_token}/result",
          admin(OK, MISSING), shows=True),
    Probe("GET", "imports.errors", "/admin/import/{import_token}/errors.csv",
          admin(OK, MISSING), shows=True),
    Probe("GET", "settings.index", "/admin/settings/", admin(OK)),
    Probe("POST", "settings.index", "/admin/settings/", admin(to("/admin/settings/"))),
    Probe("POST", "settings.intake", "/admin/settings/intake/regenerate/",
          admin(to("/admin/settings/"))),
    # webhooks, the tenant administrator's (tenant A's is disabled: nothing is sent)
    Probe("GET", "webhooks.index", "/admin/webhooks/", admin(OK), shows=True),
    Probe("POST", "webhooks.create", "/admin/webhooks/", admin(OK),  # refused: re-shown
          data={"url": "http://127.0.0.1/smuggled", "events": "contact.created"}),
    Probe("GET", "webhooks.deliveries", "/admin/webhooks/{webhook}/", admin(OK, MISSING),
          shows=True),
    Probe("GET", "webhooks.deliveries", "/admin/webhooks/not-a-webhook/", admin(MISSING)),
    Probe("POST", "webhooks.set_active", "/admin/webhooks/{webhook}/disable",
          admin(to("/admin/webhooks/"), MISSING)),
    Probe("POST", "webhooks.send_again", "/admin/webhooks/deliveries/{delivery}/send-again",
          admin(to("/admin/webhooks/{webhook}/"), MISSING)),
    Probe("GET", "webhooks.delete", "/admin/webhooks/{webhook}/delete", admin(OK, MISSING),
          shows=True),
    Probe("POST", "webhooks.delete", "/admin/webhooks/{webhook}/delete",  # the last of it
          admin(to("/admin/webhooks/"), MISSING)),
    # dictionaries
    Probe("GET", "dictionaries.index", "/admin/dictionaries/?dictionary=priority",
          admin(OK), shows=True),
    Probe("GET", "dictionaries.new_entry", "/admin/dictionaries/new/?dictionary=priority",
          admin(OK)),
    Probe("POST", "dictionaries.new_entry", "/admin/dictionaries/new/?dictionary=priority",
          admin(OK)),
    Probe("GET", "dictionaries.edit_entry", "/admin/dictionaries/{entry}/edit/",
          admin(OK, MISSING), shows=True),
    Probe("POST", "dictionaries.edit_entry", "/admin/dictionaries/{entry}/edit/",
          admin(to("/admin/dictionaries/"), MISSING), data={"label_en": "Overwritten"}),
    Probe("POST", "dictionaries.move_entry", "/admin/dictionaries/{entry}/move/up/",
          admin(to("/admin/dictionaries/"), MISSING)),
    Probe("POST", "dictionaries.set_active", "/admin/dictionaries/{entry}/deactivate/",
          admin(to("/admin/dictionaries/"), MISSING)),
    Probe("POST", "dictionaries.delete_entry", "/admin/dictionaries/{entry}/delete/",
          admin(to("/admin/dictionaries/"), MISSING)),
    # configurable fields
    Probe("GET", "fields.index", "/admin/fields/?entity=contact", admin(OK), shows=True),
    Probe("GET", "fields.new_section", "/admin/fields/section/new/", admin(OK)),
    Probe("POST", "fields.new_section", "/admin/fields/section/new/", admin(OK)),
    Probe("GET", "fields.edit_section", "/admin/fields/section/{section}/edit/",
          admin(OK, MISSING), shows=True),
    Probe("POST", "fields.edit_section", "/admin/fields/section/{section}/edit/",
          admin(to("/admin/fields/"), MISSING), data={"label_en": "Overwritten"}),
    Probe("POST", "fields.move_section", "/admin/fields/section/{section}/move/up/",
          admin(to("/admin/fields/"), MISSING)),
    Probe("POST", "fields.delete_section", "/admin/fields/section/{section}/delete/",
          admin(to("/admin/fields/"), MISSING)),
    Probe("GET", "fields.new_field", "/admin/fields/section/{section}/field/new/",
          admin(OK, MISSING)),
    Probe("POST", "fields.new_field", "/admin/fields/section/{section}/field/new/",
          admin(OK, MISSING), data={"label_en": "Smuggled", "field_type": "text"}),
    Probe("GET", "fields.edit_field", "/admin/fields/field/{field}/edit/",
          admin(OK, MISSING), shows=True),
    Probe("POST", "fields.edit_field", "/admin/fields/field/{field}/edit/",
          admin(to("/admin/fields/"), MISSING), data={"label_en": "Overwritten"}),
    Probe("POST", "fields.move_field", "/admin/fields/field/{field}/move/up/",
          admin(to("/admin/fields/"), MISSING)),
    Probe("POST", "fields.set_active", "/admin/fields/field/{field}/deactivate/",
          admin(to("/admin/fields/"), MISSING)),
    Probe("GET", "fields.delete_field", "/admin/fields/field/{field}/delete/",
          admin(OK, MISSING), shows=True),
    Probe("POST", "fields.delete_field", "/admin/fields/field/{field}/delete/",
          admin(to("/admin/fields/"), MISSING), data={"confirmed": "y"}),
)


def all_probes() -> list[Probe]:
    return [probe for screen in SCREENS for probe in screen_probes(screen)] + list(PROBES)
