"""Contact photos, the organisation's address on a company contact (B6), the
address-book feed (B10), and the details page's queries."""

from __future__ import annotations

import io
import os
import re

import vobject
from PIL import Image

from app.extensions import db
from app.models import Contact, Employment, User
from app.tenancy import all_tenants, tenant_context
from tests.conftest import login, post_contact, records, warm_statements
from tests.factories import contact_form, gen_organisation, picture


def test_photo_upload_is_stored_resized_with_a_thumbnail(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    response = post_contact(admin_client, **contact_form(org),
                            photo_upload=(picture(), "me.png"))
    assert response.status_code == 302
    [contact] = records(Contact, tenant_a.id)
    assert contact.photo and contact.photo.endswith(".jpg")
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(as_text=True)
    [photo_url] = re.findall(r'<img src="([^"]+)"', details)
    full = admin_client.get(photo_url.replace("&amp;", "&"))
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(full.data)).size) == 800
    thumb = admin_client.get(f"/admin/contact/photo/{contact.id}/?thumbnail=1")
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 160


def test_photo_wrong_type_or_too_large_is_refused_next_to_the_field(
        admin_client, tenant_a, app, monkeypatch):
    org = gen_organisation(tenant_a.id)
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    response = post_contact(admin_client, **contact_form(org), photo_upload=(fake, "x.jpg"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Upload et JPEG-, PNG-, GIF- eller WebP-billede." in html
    assert 'value="Hansen"' in html
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 100_000)
    noise = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    big = io.BytesIO()
    noise.save(big, "PNG")
    big.seek(0)
    response = post_contact(admin_client, **contact_form(org), photo_upload=(big, "big.png"))
    assert response.status_code == 200
    assert "Billedet er større end 0,1 MB." in response.get_data(as_text=True)
    assert records(Contact, tenant_a.id) == []


def test_photo_replaced_and_removed_deletes_old_files(admin_client, tenant_a, app):
    org = gen_organisation(tenant_a.id)
    post_contact(admin_client, **contact_form(org), photo_upload=(picture(), "a.png"))
    [contact] = records(Contact, tenant_a.id)
    folder = f"{app.config['UPLOAD_FOLDER']}/tenant-{tenant_a.id}/photos"
    first = contact.photo
    edit_url = f"/admin/contact/edit/?id={contact.id}"
    assert post_contact(admin_client, edit_url, **contact_form(org),
                        photo_upload=(picture("JPEG"), "b.jpg")).status_code == 302
    [contact] = records(Contact, tenant_a.id)
    assert contact.photo != first
    assert first not in os.listdir(folder)
    assert post_contact(admin_client, edit_url, **contact_form(org),
                        remove_photo="y").status_code == 302
    assert records(Contact, tenant_a.id)[0].photo is None
    assert os.listdir(folder) == []


def test_photo_of_another_tenant_is_not_found(admin_client, tenant_a, tenant_b, client):
    org_b = gen_organisation(tenant_b.id, "Obca Sp. z o.o.")
    login(client, "admin@beta.example")
    post_contact(client, **contact_form(org_b), photo_upload=(picture(), "p.png"))
    [foreign] = records(Contact, tenant_b.id)
    assert client.get(f"/admin/contact/photo/{foreign.id}/").status_code == 200
    login(client, "admin@alpha.example")
    assert client.get(f"/admin/contact/photo/{foreign.id}/").status_code == 404
    assert client.get(f"/admin/contact/photo/{foreign.id}/?thumbnail=1").status_code == 404


def test_company_contact_shows_its_organisations_address(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id, street="Havnegade 1", postcode="1058",
                            city="København K", country="DK")
    admin_client.post("/admin/contact/new/", data=contact_form(org, street="Privatvej 9"))
    [contact] = records(Contact, tenant_a.id)
    assert contact.organisation_id == org
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(as_text=True)
    assert "Havnegade 1" in details and "Privatvej 9" not in details
    assert "Nordlys ApS" in details
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    assert "Nordlys ApS" in listing


def test_private_contact_shows_its_own_address(admin_client, tenant_a):
    admin_client.post("/admin/contact/new/", data={
        **contact_form(), "street": "Privatvej 9", "_save_private": "1"})
    [contact] = records(Contact, tenant_a.id)
    details = admin_client.get(f"/admin/contact/details/?id={contact.id}").get_data(as_text=True)
    assert "Privatvej 9" in details


def table_of(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("model-list"):]


def test_list_sorts_by_organisation(admin_client, tenant_a):
    for name, email in (("Øst A/S", "a@x.dk"), ("Alfa A/S", "b@x.dk")):
        org = gen_organisation(tenant_a.id, name)
        admin_client.post("/admin/contact/new/", data=contact_form(
            org, email=email, _confirm_duplicate="1"))
    listing = admin_client.get("/admin/contact/").get_data(as_text=True)
    [sort] = re.findall(r'\?sort=(\d+)[^"]*" title="[^"]*">Organisation', listing)
    page = table_of(admin_client.get(f"/admin/contact/?sort={sort}"))
    assert page.index("Alfa A/S") < page.index("Øst A/S")
    page = table_of(admin_client.get(f"/admin/contact/?sort={sort}&desc=1"))
    assert page.index("Øst A/S") < page.index("Alfa A/S")


def test_saved_message_names_the_person_once(admin_client, tenant_a):
    org = gen_organisation(tenant_a.id)
    page = admin_client.post("/admin/contact/new/", data=contact_form(org),
                             follow_redirects=True).get_data(as_text=True)
    assert "Kontakt Jens Hansen blev gemt." in page
    assert "Posten blev oprettet" not in page and "successfully" not in page


def test_details_page_query_count_does_not_grow(admin_client, tenant_a):
    counts = []
    for jobs in (1, 8):
        orgs = [gen_organisation(tenant_a.id, f"Firma {jobs}-{i}") for i in range(jobs)]
        with tenant_context(tenant_a.id):
            contact = Contact(first_name="Q", last_name=f"Jobs{jobs}", email=f"{jobs}@q.dk",
                              employments=[Employment(organisation_id=o) for o in orgs])
            db.session.add(contact)
            db.session.commit()
            contact_id = contact.id
        response, statements = warm_statements(admin_client,
                                               f"/admin/contact/details/?id={contact_id}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def feed_url_of(client) -> str:
    page = client.get("/admin/feeds/").get_data(as_text=True)
    [url] = re.findall(r'id="address-book-url"[^>]*value="([^"]+)"', page)
    return url.replace("http://localhost", "")


def test_address_book_feed_has_flagged_contacts_only(admin_client, tenant_a, tenant_b):
    org = gen_organisation(tenant_a.id, street="Havnegade 1", city="København")
    admin_client.post("/admin/contact/new/", data=contact_form(org, address_book_sync="y"))
    admin_client.post("/admin/contact/new/", data=contact_form(
        org, first_name="Ikke", last_name="Med", email="ikke@x.dk", phone=""))
    org_b = gen_organisation(tenant_b.id, "Obca")
    with tenant_context(tenant_b.id):
        db.session.add(Contact(first_name="Obcy", last_name="Nowak", email="o@n.pl",
                               address_book_sync=True, organisation_id=org_b,
                               employments=[Employment(organisation_id=org_b)]))
        db.session.commit()
    url = feed_url_of(admin_client)
    admin_client.post("/logout")
    response = admin_client.get(url)  # no login: the secret URL is the key
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    cards = list(vobject.readComponents(response.get_data(as_text=True)))
    assert [card.fn.value for card in cards] == ["Jens Hansen"]
    assert cards[0].org.value == ["Nordlys ApS"]
    assert cards[0].adr.value.street == "Havnegade 1"
    assert cards[0].tel.value == "+4520123456"
    # a company contact's phone and (its organisation's) address are typed WORK
    assert cards[0].tel.params["TYPE"] == ["WORK", "VOICE"]
    assert cards[0].adr.params["TYPE"] == ["WORK"]


def test_feed_token_is_secret_and_can_be_regenerated(admin_client, tenant_a):
    url = feed_url_of(admin_client)
    assert admin_client.get(url.replace("contacts.vcf", "x.vcf")).status_code == 404
    assert admin_client.get("/feeds/not-a-token/contacts.vcf").status_code == 404
    admin_client.post("/admin/feeds/regenerate/")
    assert admin_client.get(url).status_code == 404
    url = feed_url_of(admin_client)
    assert admin_client.get(url).status_code == 200
    with all_tenants():
        user = db.session.scalar(db.select(User).where(User.email == "admin@alpha.example"))
        user.active = False
        db.session.commit()
    assert admin_client.get(url).status_code == 404


def test_too_large_request_gets_a_translated_page(admin_client, tenant_a, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = post_contact(admin_client, **contact_form(1), photo_upload=(picture(), "a.png"))
    assert response.status_code == 413
    assert 'lang="da"' in response.get_data(as_text=True)  # our page, in Danish
