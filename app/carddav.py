"""The address book over CardDAV (RFC 6352), read-only: the contacts flagged for
address-book sync (the feed's, services.feeds), for iOS/macOS Contacts, DAVx5,
Thunderbird and Outlook add-ins to subscribe to.

The subset such clients use: ``/.well-known/carddav`` leads to ``/dav/``; PROPFIND
there names the user's principal, the principal its address-book home, the home its one
address book; PROPFIND Depth 1 on the address book lists each card's ETag (and the
collection's CTag, which tells a client whether to look at all), REPORT
addressbook-multiget and addressbook-query give the cards, GET one card or all.
Writing is refused (403): the CRM is where contacts are edited.

Clients log in with HTTP basic auth: the user's e-mail and an app password
(services.app_passwords), never the user's own password; wrong credentials count
against the login rate limit. A user reaches their own address book only (another's
URL is refused with 403) and only their tenant's contacts (the tenant scopes every
query, as for a logged-in page). Request bodies are parsed with defusedxml."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from email.utils import format_datetime
from functools import wraps
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, SubElement

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for
from flask_babel import force_locale, gettext

from app.extensions import csrf, db, limiter
from app.models import Contact, User
from app.services import app_passwords, feeds
from app.services.exports import vcards
from app.services.times import to_utc
from app.tenancy import tenant_context
from app.transactions import commit_or_refuse

bp = Blueprint("carddav", __name__)
csrf.exempt(bp)  # basic auth on every request: no session, nothing to forge

DAV, CARD, CS = "DAV:", "urn:ietf:params:xml:ns:carddav", "http://calendarserver.org/ns/"
for _prefix, _uri in (("d", DAV), ("card", CARD), ("cs", CS)):
    ET.register_namespace(_prefix, _uri)

DAV_HEADER = "1, 3, addressbook"
ALLOW = "OPTIONS, GET, HEAD, PROPFIND, REPORT"
WRITE_METHODS = ["PUT", "DELETE", "PROPPATCH", "MKCOL", "MOVE", "COPY", "POST", "LOCK",
                 "UNLOCK", "ACL"]
VCARD_TYPE = "text/vcard; charset=utf-8"
CARD_NAME = re.compile(r"contact-(\d{1,18})\.vcf")
STATUS = {200: "HTTP/1.1 200 OK", 404: "HTTP/1.1 404 Not Found"}

Fill = Callable[[Element], None]


def q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Only wrong credentials count: a client's first request, without any, is answered 401
# as a challenge and is no attempt.
limiter.limit(_login_limit, deduct_when=lambda response: response.status_code == 401
              and g.get("dav_credentials_wrong", False))(bp)


# --- authentication -------------------------------------------------------------------

def _challenge() -> Response:
    response = Response(gettext("Log in with your e-mail and an app password."), 401,
                        mimetype="text/plain")
    response.headers["WWW-Authenticate"] = 'Basic realm="Kontakt CRM", charset="UTF-8"'
    return response


def _authenticated() -> User:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        abort(_challenge())
    username, password = auth.username, auth.password
    user = commit_or_refuse(lambda: app_passwords.authenticate(username, password)).value
    if user is None:
        g.dav_credentials_wrong = True
        abort(_challenge())
    return user


def dav(view: Callable[..., Response]) -> Callable[..., Response]:
    """The view for the authenticated user, in their tenant and language; another
    user's URL refused. OPTIONS is answered to anyone (clients ask it first)."""

    @wraps(view)
    def wrapper(**kwargs) -> Response:
        if request.method == "OPTIONS":
            return _options()
        user = _authenticated()
        owner = kwargs.pop("user_id", user.id)
        if owner != user.id or user.tenant_id is None:
            abort(403)
        if request.method in WRITE_METHODS:
            abort(403)  # read-only: contacts are edited in the CRM
        with tenant_context(user.tenant_id), force_locale(feeds.language_of(user)):
            response = view(user, **kwargs)
        response.headers["DAV"] = DAV_HEADER
        response.cache_control.private = True
        response.cache_control.no_cache = True
        return response

    return wrapper


def _options() -> Response:
    response = Response(status=200)
    response.headers["DAV"] = DAV_HEADER
    response.headers["Allow"] = ALLOW
    return response


# --- URLs -----------------------------------------------------------------------------

def _root() -> str:
    return url_for("carddav.root")


def _principal(user: User) -> str:
    return url_for("carddav.principal", user_id=user.id)


def _home(user: User) -> str:
    return url_for("carddav.home", user_id=user.id)


def _collection(user: User) -> str:
    return url_for("carddav.collection", user_id=user.id)


def _card(user: User, contact: Contact) -> str:
    return url_for("carddav.card", user_id=user.id, name=f"contact-{contact.id}.vcf")


# --- properties -----------------------------------------------------------------------

def _text(value: str) -> Fill:
    def fill(element: Element) -> None:
        element.text = value
    return fill


def _href(path: str) -> Fill:
    def fill(element: Element) -> None:
        SubElement(element, q(DAV, "href")).text = path
    return fill


def _empty(*tags: str) -> Fill:
    def fill(element: Element) -> None:
        for tag in tags:
            SubElement(element, tag)
    return fill


def _privileges(element: Element) -> None:
    for name in ("read", "read-current-user-privilege-set"):
        SubElement(SubElement(element, q(DAV, "privilege")), q(DAV, name))


def _reports(element: Element) -> None:
    for name in ("addressbook-multiget", "addressbook-query"):
        report = SubElement(SubElement(element, q(DAV, "supported-report")), q(DAV, "report"))
        SubElement(report, q(CARD, name))


def _address_data_types(element: Element) -> None:
    SubElement(element, q(CARD, "address-data-type"),
               {"content-type": "text/vcard", "version": vcards.VERSION_3})


def _common(user: User) -> dict[str, Fill]:
    return {q(DAV, "current-user-principal"): _href(_principal(user)),
            q(DAV, "owner"): _href(_principal(user)),
            q(DAV, "current-user-privilege-set"): _privileges}


def _root_props(user: User) -> dict[str, Fill]:
    return {**_common(user), q(DAV, "resourcetype"): _empty(q(DAV, "collection")),
            q(DAV, "displayname"): _text("Kontakt CRM")}


def _principal_props(user: User) -> dict[str, Fill]:
    return {**_common(user),
            q(DAV, "resourcetype"): _empty(q(DAV, "collection"), q(DAV, "principal")),
            q(DAV, "displayname"): _text(str(user)),
            q(DAV, "principal-URL"): _href(_principal(user)),
            q(CARD, "addressbook-home-set"): _href(_home(user))}


def _home_props(user: User) -> dict[str, Fill]:
    return {**_common(user), q(DAV, "resourcetype"): _empty(q(DAV, "collection")),
            q(DAV, "displayname"): _text(str(user)),
            q(CARD, "addressbook-home-set"): _href(_home(user))}


def _collection_props(user: User) -> dict[str, Fill]:
    return {
        **_common(user),
        q(DAV, "resourcetype"): _empty(q(DAV, "collection"), q(CARD, "addressbook")),
        q(DAV, "displayname"): _text(user.tenant.name if user.tenant else "Kontakt CRM"),
        q(CARD, "addressbook-description"): _text(
            gettext("Contacts marked for address-book sync")),
        q(CS, "getctag"): _text(feeds.address_book_tag(user)),
        q(DAV, "supported-report-set"): _reports,
        q(CARD, "supported-address-data"): _address_data_types,
    }


def _card_props(user: User, contact: Contact, with_data: bool = False) -> dict[str, Fill]:
    options = feeds.card_options(user)
    props = {q(DAV, "getetag"): _text(f'"{vcards.etag(contact, options)}"'),
             q(DAV, "getcontenttype"): _text(VCARD_TYPE),
             q(DAV, "resourcetype"): _empty()}
    if contact.updated_at:
        props[q(DAV, "getlastmodified")] = _text(
            format_datetime(to_utc(contact.updated_at), usegmt=True))
    if with_data:
        props[q(CARD, "address-data")] = _text(vcards.vcard(contact, options))
    return props


# --- multistatus ----------------------------------------------------------------------

def _add_response(status: Element, href: str, props: dict[str, Fill],
                  requested: list[str] | None) -> None:
    """One resource's answer: the asked properties it has (200), those it lacks (404).
    ``requested`` None (allprop) answers every property but the cards' data."""
    response = SubElement(status, q(DAV, "response"))
    SubElement(response, q(DAV, "href")).text = href
    names = requested if requested is not None else [
        name for name in props if name != q(CARD, "address-data")]
    found = [name for name in names if name in props]
    missing = [name for name in names if name not in props]
    for code, group in ((200, found), (404, missing)):
        if group or (code == 200 and not missing):
            propstat = SubElement(response, q(DAV, "propstat"))
            prop = SubElement(propstat, q(DAV, "prop"))
            for name in group:
                element = SubElement(prop, name)
                if code == 200:
                    props[name](element)
            SubElement(propstat, q(DAV, "status")).text = STATUS[code]


def _add_missing(status: Element, href: str) -> None:
    response = SubElement(status, q(DAV, "response"))
    SubElement(response, q(DAV, "href")).text = href
    SubElement(response, q(DAV, "status")).text = STATUS[404]


def _multistatus(fill: Callable[[Element], None]) -> Response:
    status = Element(q(DAV, "multistatus"))
    fill(status)
    body = ET.tostring(status, encoding="utf-8", xml_declaration=True)
    return Response(body, status=207, mimetype="application/xml; charset=utf-8")


def _body() -> Element | None:
    data = request.get_data()
    if not data.strip():
        return None
    try:
        return fromstring(data)
    except (ET.ParseError, DefusedXmlException):
        abort(400)


def _requested(root: Element | None) -> list[str] | None:
    """The property names a PROPFIND or REPORT asks for; None for all of them."""
    prop = root.find(q(DAV, "prop")) if root is not None else None
    return None if prop is None else [child.tag for child in prop]


def _depth_one() -> bool:
    """Depth 0 answers the resource; 1 (and infinity, taken as 1) its members too."""
    return request.headers.get("Depth", "infinity").strip() != "0"


def _propfind(href: str, props: dict[str, Fill],
              members: Callable[[Element, list[str] | None], None] | None = None) -> Response:
    requested = _requested(_body())

    def fill(status: Element) -> None:
        _add_response(status, href, props, requested)
        if members is not None and _depth_one():
            members(status, requested)
    return _multistatus(fill)


# --- resources ------------------------------------------------------------------------

@bp.route("/.well-known/carddav", methods=["GET", "PROPFIND"])
def well_known() -> Response:
    """RFC 6764: where clients given only the server's name look first."""
    return redirect(url_for("carddav.root"), 301)  # type: ignore[return-value]


@bp.route("/dav/", methods=["OPTIONS", "PROPFIND"])
@dav
def root(user: User) -> Response:
    return _propfind(_root(), _root_props(user))


@bp.route("/dav/principals/<int:user_id>/", methods=["OPTIONS", "PROPFIND"])
@dav
def principal(user: User) -> Response:
    return _propfind(_principal(user), _principal_props(user))


@bp.route("/dav/addressbooks/<int:user_id>/", methods=["OPTIONS", "PROPFIND"])
@dav
def home(user: User) -> Response:
    def members(status: Element, requested: list[str] | None) -> None:
        _add_response(status, _collection(user), _collection_props(user), requested)
    return _propfind(_home(user), _home_props(user), members)


def _synced() -> Iterable[Contact]:
    query = feeds.synced_contacts().execution_options(yield_per=feeds.BATCH)
    return db.session.scalars(query)


@bp.route("/dav/addressbooks/<int:user_id>/contacts/",
          methods=["OPTIONS", "PROPFIND", "REPORT", "GET"])
@dav
def collection(user: User) -> Response:
    if request.method == "GET":  # the whole address book as one file, like the feed
        return Response("".join(feeds.address_book(user)), mimetype=VCARD_TYPE)
    if request.method == "REPORT":
        return _report(user)

    def members(status: Element, requested: list[str] | None) -> None:
        for contact in _synced():
            _add_response(status, _card(user, contact), _card_props(user, contact), requested)
    return _propfind(_collection(user), _collection_props(user), members)


def _report(user: User) -> Response:
    root = _body()
    if root is None:
        abort(400)
    requested = _requested(root)
    if root.tag == q(CARD, "addressbook-query"):  # every card: no filter narrows it here
        def fill(status: Element) -> None:
            for contact in _synced():
                _add_response(status, _card(user, contact),
                              _card_props(user, contact, with_data=True), requested)
        return _multistatus(fill)
    if root.tag == q(CARD, "addressbook-multiget"):
        hrefs = [(element.text or "").strip() for element in root.findall(q(DAV, "href"))]
        return _multiget(user, hrefs, requested)
    error = Element(q(DAV, "error"))
    SubElement(error, q(DAV, "supported-report"))
    return Response(ET.tostring(error, encoding="utf-8", xml_declaration=True), status=403,
                    mimetype="application/xml; charset=utf-8")


def _contact_id(user: User, href: str) -> int | None:
    """The contact a card's href names, if it lies in the user's address book."""
    path = unquote(urlsplit(href).path)
    folder, _, name = path.rpartition("/")
    match = CARD_NAME.fullmatch(name)
    if match is None or f"{folder}/" != _collection(user):
        return None
    return int(match.group(1))


def _multiget(user: User, hrefs: list[str], requested: list[str] | None) -> Response:
    wanted = {href: _contact_id(user, href) for href in hrefs}
    found = {contact.id: contact for contact in feeds.synced_contacts_with_ids(
        [number for number in wanted.values() if number is not None])}

    def fill(status: Element) -> None:
        for href, number in wanted.items():
            contact = found.get(number) if number is not None else None
            if contact is None:
                _add_missing(status, href)
            else:
                _add_response(status, href, _card_props(user, contact, with_data=True),
                              requested)
    return _multistatus(fill)


@bp.route("/dav/addressbooks/<int:user_id>/contacts/<name>",
          methods=["OPTIONS", "PROPFIND", "GET"])
@dav
def card(user: User, name: str) -> Response:
    match = CARD_NAME.fullmatch(name)
    contacts = feeds.synced_contacts_with_ids([int(match.group(1))]) if match else []
    if not contacts:
        abort(404)
    contact = contacts[0]
    if request.method == "PROPFIND":
        return _propfind(_card(user, contact), _card_props(user, contact))
    options = feeds.card_options(user)
    response = Response(vcards.vcard(contact, options), mimetype=VCARD_TYPE)
    response.headers["ETag"] = f'"{vcards.etag(contact, options)}"'
    return response


@bp.route("/dav/<path:rest>", methods=WRITE_METHODS)
@dav
def read_only(user: User, rest: str) -> Response:  # pragma: no cover - dav() refuses first
    abort(403)
