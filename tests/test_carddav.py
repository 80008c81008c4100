"""The address book over CardDAV (B10, issue 14): the requests iOS Contacts sends, from
the well-known address to the cards, with an app password; refusals for wrong
passwords, other users' and tenants' address books, writes and hostile XML; app
passwords made, shown once, stored hashed and revoked on the user's feeds page."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest
import vobject
from sqlalchemy import select

from app.extensions import db
from app.models import AppPassword, Contact
from app.tenancy import all_tenants, tenant_context
from tests.conftest import login, make_app, user_id
from tests.factories import gen_app_password, gen_contact, gen_organisation

D, C, CS = "{DAV:}", "{urn:ietf:params:xml:ns:carddav}", "{http://calendarserver.org/ns/}"
USER = "user@alpha.example"

# The bodies as iOS 17 Contacts sends them (trimmed of Apple's own properties).
PRINCIPAL_QUERY = b"""<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:"><A:prop><A:current-user-principal/><A:principal-URL/>
<A:resourcetype/></A:prop></A:propfind>"""
HOME_QUERY = b"""<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav">
<A:prop><B:addressbook-home-set/><A:displayname/>
<B:directory-gateway/></A:prop></A:propfind>"""
COLLECTIONS_QUERY = b"""<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/">
<A:prop><A:resourcetype/><A:displayname/><B:getctag/><A:current-user-privilege-set/>
<A:supported-report-set/><A:sync-token/></A:prop></A:propfind>"""
ETAG_QUERY = b"""<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:"><A:prop><A:getetag/><A:getcontenttype/></A:prop></A:propfind>"""


def multiget(*hrefs: str) -> bytes:
    links = "".join(f"<A:href>{href}</A:href>" for href in hrefs)
    return (f'<?xml version="1.0" encoding="UTF-8"?><B:addressbook-multiget xmlns:A="DAV:" '
            f'xmlns:B="urn:ietf:params:xml:ns:carddav"><A:prop><A:getetag/><B:address-data/>'
            f"</A:prop>{links}</B:addressbook-multiget>").encode()


QUERY_ALL = b"""<?xml version="1.0" encoding="utf-8" ?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><C:address-data/></D:prop></C:addressbook-query>"""


def dav(client, method: str, path: str, password: str | None, body: bytes | None = None,
        depth: str | None = None, email: str = USER):
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if password is not None:
        token = base64.b64encode(f"{email}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    if depth is not None:
        headers["Depth"] = depth
    return client.open(path, method=method, data=body, headers=headers)


def answers(response) -> dict[str, dict[str, ET.Element]]:
    """href → {property tag: element} of the properties found (200)."""
    assert response.status_code == 207, response.get_data(as_text=True)
    found: dict[str, dict[str, ET.Element]] = {}
    for item in ET.fromstring(response.data).findall(f"{D}response"):
        props = found.setdefault(item.findtext(f"{D}href"), {})
        for propstat in item.findall(f"{D}propstat"):
            if propstat.findtext(f"{D}status") == "HTTP/1.1 200 OK":
                props.update({prop.tag: prop for prop in propstat.find(f"{D}prop")})
    return found


def missing(response) -> list[str]:
    """The property tags answered 404, of every resource."""
    root = ET.fromstring(response.data)
    return [prop.tag for propstat in root.iter(f"{D}propstat")
            if propstat.findtext(f"{D}status") == "HTTP/1.1 404 Not Found"
            for prop in propstat.find(f"{D}prop")]


@pytest.fixture
def address_book(tenant_a, tenant_b):
    """Tenant A: two synced contacts (a company one, a private one) and one not synced;
    tenant B: a synced one. Returns tenant A's user's app password and contact ids."""
    org = gen_organisation(tenant_a.id, "Nordlys ApS", street="Havnegade 1", city="Aarhus")
    work = gen_contact(tenant_a.id, org, "Jens", "Hansen", phone="+4520123456",
                       mobile="+4540123456", address_book_sync=True)
    private = gen_contact(tenant_a.id, None, "Pia", "Privat", kind="private",
                          phone="+4570101010", street="Hjemvej 2", city="Odense",
                          address_book_sync=True)
    hidden = gen_contact(tenant_a.id, org, "Ikke", "Synkroniseret")
    foreign = gen_contact(tenant_b.id, gen_organisation(tenant_b.id, "Obca"), "Obcy",
                          "Nowak", address_book_sync=True)
    return {"password": gen_app_password(tenant_a.id, USER), "work": work,
            "private": private, "hidden": hidden, "foreign": foreign,
            "user": user_id(tenant_a.id, USER)}


def test_ios_discovery_sync_and_fetch(client, address_book):
    password, me = address_book["password"], address_book["user"]
    response = dav(client, "PROPFIND", "/.well-known/carddav", None, depth="0")
    assert response.status_code == 301 and response.headers["Location"].endswith("/dav/")
    challenge = dav(client, "PROPFIND", "/dav/", None, PRINCIPAL_QUERY, "0")
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"].startswith("Basic ")
    options = client.open("/dav/", method="OPTIONS")
    assert "addressbook" in options.headers["DAV"] and "REPORT" in options.headers["Allow"]

    root = answers(dav(client, "PROPFIND", "/dav/", password, PRINCIPAL_QUERY, "0"))
    principal = root["/dav/"][f"{D}current-user-principal"].findtext(f"{D}href")
    assert principal == f"/dav/principals/{me}/"

    found = dav(client, "PROPFIND", principal, password, HOME_QUERY, "0")
    home = answers(found)[principal][f"{C}addressbook-home-set"].findtext(f"{D}href")
    assert home == f"/dav/addressbooks/{me}/"
    assert f"{C}directory-gateway" in missing(found)  # asked, not had: 404 in its propstat

    listing = answers(dav(client, "PROPFIND", home, password, COLLECTIONS_QUERY, "1"))
    collection = f"{home}contacts/"
    assert set(listing) == {home, collection}
    book = listing[collection]
    assert book[f"{D}resourcetype"].find(f"{C}addressbook") is not None
    assert book[f"{D}displayname"].text == "Alpha ApS"
    reports = {report[0].tag for report in book[f"{D}supported-report-set"].iter(f"{D}report")}
    assert reports == {f"{C}addressbook-multiget", f"{C}addressbook-query"}
    ctag = book[f"{CS}getctag"].text
    assert ctag

    cards = answers(dav(client, "PROPFIND", collection, password, ETAG_QUERY, "1"))
    hrefs = sorted(href for href in cards if href != collection)
    assert hrefs == sorted(f"{collection}contact-{address_book[k]}.vcf"
                           for k in ("work", "private"))
    assert all(cards[h][f"{D}getetag"].text.startswith('"') for h in hrefs)
    assert all(cards[h][f"{D}getcontenttype"].text.startswith("text/vcard") for h in hrefs)

    unknown = f"{collection}contact-{address_book['hidden']}.vcf"
    got = dav(client, "REPORT", collection, password, multiget(*hrefs, unknown), "1")
    data = answers(got)
    names = sorted(vobject.readOne(data[h][f"{C}address-data"].text).fn.value for h in hrefs)
    assert names == ["Jens Hansen", "Pia Privat"] and data[unknown] == {}
    for href in hrefs:  # the etag of the listing is the card's
        assert data[href][f"{D}getetag"].text == cards[href][f"{D}getetag"].text

    single = dav(client, "GET", hrefs[0], password)
    assert single.status_code == 200 and single.mimetype == "text/vcard"
    assert single.headers["ETag"] == cards[hrefs[0]][f"{D}getetag"].text
    assert vobject.readOne(single.get_data(as_text=True)).version.value == "3.0"


def test_addressbook_query_and_ctag_follow_changes(client, address_book, tenant_a):
    password, me = address_book["password"], address_book["user"]
    collection = f"/dav/addressbooks/{me}/contacts/"

    def ctag() -> str:
        found = answers(dav(client, "PROPFIND", collection, password, COLLECTIONS_QUERY, "0"))
        return found[collection][f"{CS}getctag"].text

    everything = answers(dav(client, "REPORT", collection, password, QUERY_ALL, "1"))
    assert len(everything) == 2
    before = ctag()
    assert ctag() == before  # nothing changed: clients need not look further
    with tenant_context(tenant_a.id):
        db.session.get(Contact, address_book["private"]).address_book_sync = False
        db.session.commit()
    after = ctag()
    assert after != before
    with tenant_context(tenant_a.id):
        db.session.get(Contact, address_book["work"]).job_title = "Chef"
        db.session.commit()
    assert ctag() != after
    assert len(answers(dav(client, "REPORT", collection, password, QUERY_ALL, "1"))) == 1


def test_cards_are_typed_by_kind(client, address_book):
    password, me = address_book["password"], address_book["user"]
    base = f"/dav/addressbooks/{me}/contacts/contact-"
    work = vobject.readOne(dav(client, "GET", f"{base}{address_book['work']}.vcf",
                               password).get_data(as_text=True))
    private = vobject.readOne(dav(client, "GET", f"{base}{address_book['private']}.vcf",
                                  password).get_data(as_text=True))
    work_tels = {t.value: t.params["TYPE"] for t in work.contents["tel"]}
    assert work_tels == {"+4520123456": ["WORK", "VOICE"], "+4540123456": ["CELL"]}
    assert work.adr.params["TYPE"] == ["WORK"] and work.adr.value.city == "Aarhus"
    assert private.tel.params["TYPE"] == ["HOME", "VOICE"]
    assert private.adr.params["TYPE"] == ["HOME"] and private.adr.value.city == "Odense"
    assert private.email.params["TYPE"] == ["INTERNET", "HOME"]
    assert "org" not in private.contents  # the private customers' organisation is no ORG


def test_wrong_credentials_are_refused(client, address_book):
    for email, password in ((USER, "wrong-pass-word"), (USER, "secret-pass"),
                            ("admin@alpha.example", address_book["password"]),
                            ("nobody@alpha.example", address_book["password"])):
        response = dav(client, "PROPFIND", "/dav/", password, PRINCIPAL_QUERY, "0", email)
        assert response.status_code == 401, (email, password)
    # the dashes and the case are the reader's help only
    typed = address_book["password"].replace("-", " ").upper()
    assert dav(client, "PROPFIND", "/dav/", typed, PRINCIPAL_QUERY, "0").status_code == 207


def test_a_session_is_no_login(client, address_book):
    login(client, USER)
    response = client.open("/dav/", method="PROPFIND", headers={"Depth": "0"})
    assert response.status_code == 401


def test_other_users_and_tenants_are_refused(client, address_book, tenant_a, tenant_b):
    password = address_book["password"]
    colleague = user_id(tenant_a.id, "admin@alpha.example")
    stranger = user_id(tenant_b.id, "user@beta.example")
    for other in (colleague, stranger, 999999):
        for path in (f"/dav/principals/{other}/", f"/dav/addressbooks/{other}/",
                     f"/dav/addressbooks/{other}/contacts/",
                     f"/dav/addressbooks/{other}/contacts/contact-{address_book['work']}.vcf"):
            assert dav(client, "PROPFIND", path, password, None, "1").status_code == 403, path
    mine = f"/dav/addressbooks/{address_book['user']}/contacts/"
    for contact in (address_book["foreign"], address_book["hidden"], 0):
        path = f"{mine}contact-{contact}.vcf"
        assert dav(client, "GET", path, password).status_code == 404, path
    # another tenant's card asked for in a multiget is not found either
    foreign = f"{mine}contact-{address_book['foreign']}.vcf"
    data = answers(dav(client, "REPORT", mine, password, multiget(
        foreign, f"/dav/addressbooks/{colleague}/contacts/contact-{address_book['work']}.vcf")))
    assert all(props == {} for props in data.values())
    assert b"Obcy" not in dav(client, "GET", mine, password).data
    # a user of tenant B with an app password sees tenant B's address book only
    beta = gen_app_password(tenant_b.id, "user@beta.example")
    book = f"/dav/addressbooks/{stranger}/contacts/"
    text = dav(client, "GET", book, beta, email="user@beta.example").get_data(as_text=True)
    assert [card.fn.value for card in vobject.readComponents(text)] == ["Obcy Nowak"]


def test_writes_are_refused(client, address_book):
    password, me = address_book["password"], address_book["user"]
    card = f"/dav/addressbooks/{me}/contacts/contact-{address_book['work']}.vcf"
    new = f"/dav/addressbooks/{me}/contacts/new.vcf"
    vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ny\r\nN:Ny;;;;\r\nEND:VCARD\r\n"
    for method, path in (("PUT", card), ("PUT", new), ("DELETE", card),
                         ("PROPPATCH", f"/dav/addressbooks/{me}/contacts/"),
                         ("MKCOL", f"/dav/addressbooks/{me}/other/")):
        assert dav(client, method, path, password, vcard).status_code == 403, (method, path)
        assert dav(client, method, path, None, vcard).status_code == 401, (method, path)
    assert dav(client, "GET", card, password).status_code == 200  # still there


@pytest.mark.parametrize("body", [
    b"<not xml",
    b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<propfind xmlns="DAV:"><prop>&lol2;</prop></propfind>""",
    b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<propfind xmlns="DAV:"><prop><displayname>&xxe;</displayname></prop></propfind>""",
])
def test_hostile_xml_is_refused(client, address_book, body):
    response = dav(client, "PROPFIND", "/dav/", address_book["password"], body, "0")
    assert response.status_code == 400
    assert b"root:" not in response.data


def test_unknown_report_is_refused(client, address_book):
    collection = f"/dav/addressbooks/{address_book['user']}/contacts/"
    body = b'<?xml version="1.0"?><sync-collection xmlns="DAV:"><sync-token/></sync-collection>'
    response = dav(client, "REPORT", collection, address_book["password"], body)
    assert response.status_code == 403 and b"supported-report" in response.data


def test_app_passwords_are_made_shown_once_and_revoked(client, address_book, tenant_a):
    login(client, USER)
    response = client.post("/admin/feeds/app-passwords/", data={"name": "Min iPhone"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [password] = re.findall(r'id="new-app-password">([^<]+)<', page)
    assert "/dav/" in page and USER in page
    again = client.get("/admin/feeds/").get_data(as_text=True)
    assert password not in again and "Min iPhone" in again
    with all_tenants():
        stored = db.session.scalars(select(AppPassword.secret_hash)).all()
    assert password not in stored and all(len(h) == 64 for h in stored)
    assert dav(client, "PROPFIND", "/dav/", password, PRINCIPAL_QUERY, "0").status_code == 207
    with tenant_context(tenant_a.id):
        record = db.session.scalar(select(AppPassword).where(AppPassword.name == "Min iPhone"))
        assert record.last_used_at is not None
        record_id = record.id
    # another user cannot revoke it
    client.post("/logout")
    login(client, "admin@alpha.example")
    client.post("/admin/feeds/app-passwords/revoke/", data={"password_id": record_id})
    assert dav(client, "PROPFIND", "/dav/", password, PRINCIPAL_QUERY, "0").status_code == 207
    client.post("/logout")
    login(client, USER)
    response = client.post("/admin/feeds/app-passwords/revoke/", data={"password_id": record_id})
    assert response.status_code == 302
    assert dav(client, "PROPFIND", "/dav/", password, PRINCIPAL_QUERY, "0").status_code == 401
    # the other one, made earlier, still works
    assert dav(client, "PROPFIND", "/dav/", address_book["password"], PRINCIPAL_QUERY,
               "0").status_code == 207


def test_an_app_password_needs_a_name(client, address_book):
    login(client, USER)
    response = client.post("/admin/feeds/app-passwords/", data={"name": "  "})
    assert response.status_code == 200 and 'id="new-app-password"' not in response.text


def test_inactive_users_cannot_sync(client, address_book, tenant_a):
    with tenant_context(tenant_a.id):
        from app.models import User

        db.session.get(User, address_book["user"]).active = False
        db.session.commit()
    response = dav(client, "PROPFIND", "/dav/", address_book["password"], PRINCIPAL_QUERY, "0")
    assert response.status_code == 401


def test_wrong_passwords_are_rate_limited(database_url, tenant_a):
    app = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    password = gen_app_password(tenant_a.id, USER)
    for _ in range(5):  # challenges without credentials are no attempts
        assert dav(client, "PROPFIND", "/dav/", None, depth="0").status_code == 401
    assert dav(client, "PROPFIND", "/dav/", password, depth="0").status_code == 207
    for _ in range(3):
        assert dav(client, "PROPFIND", "/dav/", "wrong", depth="0").status_code == 401
    assert dav(client, "PROPFIND", "/dav/", password, depth="0").status_code == 429
