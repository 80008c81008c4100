"""Dictionaries (A6): seeded entries, the administrator's screen (create, edit, reorder,
deactivate, delete), the rules that keep a dictionary usable, access and isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DictionaryEntry, Task
from app.models.dictionary import DICTIONARIES, PRIORITY, TASK_STATUS
from app.services import dictionaries
from app.tenancy import tenant_context
from tests.conftest import errors_in, login
from tests.factories import gen_task, label_inputs

URL = "/admin/dictionaries"


# --- helpers ------------------------------------------------------------------------

def entry(tenant_id: int, dictionary: str, key: str) -> DictionaryEntry | None:
    db.session.expire_all()  # requests ran in their own sessions: read afresh
    with tenant_context(tenant_id):
        return dictionaries.by_key(dictionary, key)


def keys_in_order(tenant_id: int, dictionary: str, active_only: bool = False) -> list[str]:
    db.session.expire_all()
    with tenant_context(tenant_id):
        return [e.key for e in dictionaries.entries(dictionary, active_only=active_only)]


def post(client, path: str, data: dict | None = None, follow: bool = False):
    return client.post(f"{URL}{path}", data=data or {}, follow_redirects=follow)


# --- seeded entries -----------------------------------------------------------------

def test_new_tenant_has_every_dictionary_in_four_languages(tenant_a):
    with tenant_context(tenant_a.id):
        for dictionary in DICTIONARIES:
            found = dictionaries.entries(dictionary)
            assert found, dictionary
            for item in found:
                assert all(item.labels.get(lang) for lang in ("da", "sv", "pl", "en")), item.key
        done = [e.key for e in dictionaries.entries(TASK_STATUS) if e.is_done]
    assert done == ["done", "cancelled"]


def test_index_lists_entries_in_order_with_every_language(admin_client, tenant_a):
    response = admin_client.get(f"{URL}/?dictionary={PRIORITY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Høj") < html.index("Normal") < html.index("Lav")
    for text in ("Hög", "Wysoki", "High"):
        assert text in html
    assert admin_client.get(f"{URL}/").status_code == 200
    assert admin_client.get(f"{URL}/?dictionary=nonsense").status_code == 404


def test_task_statuses_show_the_done_flag(admin_client, tenant_a):
    html = admin_client.get(f"{URL}/?dictionary={TASK_STATUS}").get_data(as_text=True)
    row = re.search(r'<tr id="entry-\d+"[^>]*>(?:(?!</tr>).)*Udført(?:(?!</tr>).)*</tr>', html,
                    re.S)
    assert row and "fa-check" in row.group(0)


# --- create, edit, reorder ----------------------------------------------------------

def test_create_entry_gets_a_key_from_its_label_and_goes_last(admin_client, tenant_a):
    response = post(admin_client, f"/new/?dictionary={PRIORITY}",
                    label_inputs(da="Kritisk", sv="Kritisk", pl="Krytyczny", en="Critical"))
    assert response.status_code == 302
    assert f"dictionary={PRIORITY}" in response.headers["Location"]
    assert keys_in_order(tenant_a.id, PRIORITY) == ["high", "normal", "low", "critical"]
    created = entry(tenant_a.id, PRIORITY, "critical")
    assert created.labels == {"da": "Kritisk", "sv": "Kritisk", "pl": "Krytyczny",
                              "en": "Critical"}
    assert created.active and not created.is_done


def test_key_of_a_new_entry_is_unique_and_ascii(admin_client, tenant_a):
    post(admin_client, f"/new/?dictionary={PRIORITY}", label_inputs(da="Høj"))
    post(admin_client, f"/new/?dictionary={PRIORITY}", label_inputs(en="High"))
    keys = keys_in_order(tenant_a.id, PRIORITY)
    assert keys[-2:] == ["hoej", "high_2"]


def test_new_task_status_may_be_done(admin_client, tenant_a):
    post(admin_client, f"/new/?dictionary={TASK_STATUS}",
         {**label_inputs(da="Afvist"), "is_done": "y"})
    assert entry(tenant_a.id, TASK_STATUS, "afvist").is_done
    # the done flag means nothing outside task statuses
    post(admin_client, f"/new/?dictionary={PRIORITY}", {**label_inputs(da="Akut"), "is_done": "y"})
    assert not entry(tenant_a.id, PRIORITY, "akut").is_done


def test_entry_needs_a_label(admin_client, tenant_a):
    before = keys_in_order(tenant_a.id, PRIORITY)
    response = post(admin_client, f"/new/?dictionary={PRIORITY}", label_inputs())
    assert response.status_code == 200
    assert errors_in(response.get_data(as_text=True))
    assert keys_in_order(tenant_a.id, PRIORITY) == before
    assert admin_client.get(f"{URL}/new/?dictionary=nonsense").status_code == 404


def test_edit_labels_keeps_the_key(admin_client, tenant_a):
    high = entry(tenant_a.id, PRIORITY, "high")
    page = admin_client.get(f"{URL}/{high.id}/edit/").get_data(as_text=True)
    assert 'value="Høj"' in page and 'value="Wysoki"' in page
    response = post(admin_client, f"/{high.id}/edit/",
                    label_inputs(da="Meget høj", sv="Mycket hög", pl="Bardzo wysoki",
                                 en="Very high"))
    assert response.status_code == 302
    edited = entry(tenant_a.id, PRIORITY, "high")
    assert edited.labels["da"] == "Meget høj" and edited.labels["en"] == "Very high"


def test_move_up_and_down(admin_client, tenant_a):
    low = entry(tenant_a.id, PRIORITY, "low")
    assert post(admin_client, f"/{low.id}/move/up/").status_code == 302
    assert keys_in_order(tenant_a.id, PRIORITY) == ["high", "low", "normal"]
    post(admin_client, f"/{low.id}/move/up/")
    post(admin_client, f"/{low.id}/move/up/")  # already first: nothing moves
    assert keys_in_order(tenant_a.id, PRIORITY) == ["low", "high", "normal"]
    post(admin_client, f"/{low.id}/move/down/")
    assert keys_in_order(tenant_a.id, PRIORITY) == ["high", "low", "normal"]
    assert admin_client.get(f"{URL}/{low.id}/move/up/").status_code == 405


# --- deactivate, delete, the rules --------------------------------------------------

def test_deactivated_entry_is_not_offered_but_stays_on_its_task(admin_client, tenant_a):
    task_id = gen_task(tenant_a.id, status="waiting")
    waiting = entry(tenant_a.id, TASK_STATUS, "waiting")
    assert post(admin_client, f"/{waiting.id}/deactivate/").status_code == 302
    assert "waiting" not in keys_in_order(tenant_a.id, TASK_STATUS, active_only=True)
    with tenant_context(tenant_a.id):
        task = db.session.get(Task, task_id)
        assert task.status.key == "waiting"
        offered = [key for key, _label in dictionaries.choices(TASK_STATUS, include=task.status)]
        assert str(waiting.id) in offered
        assert str(waiting.id) not in [key for key, _l in dictionaries.choices(TASK_STATUS)]
    post(admin_client, f"/{waiting.id}/activate/")
    assert "waiting" in keys_in_order(tenant_a.id, TASK_STATUS, active_only=True)


def test_delete_unused_entry(admin_client, tenant_a):
    low = entry(tenant_a.id, PRIORITY, "low")
    assert post(admin_client, f"/{low.id}/delete/").status_code == 302
    assert keys_in_order(tenant_a.id, PRIORITY) == ["high", "normal"]


def test_delete_used_entry_is_refused_and_deactivation_suggested(admin_client, tenant_a):
    gen_task(tenant_a.id, status="waiting")
    waiting = entry(tenant_a.id, TASK_STATUS, "waiting")
    response = post(admin_client, f"/{waiting.id}/delete/", follow=True)
    html = response.get_data(as_text=True)
    [message] = [m for m in errors_in(html) if "Afventer" in m]
    assert "1 " in message  # how many records use it
    assert entry(tenant_a.id, TASK_STATUS, "waiting") is not None


def test_database_refusal_is_explained_too(admin_client, tenant_a, monkeypatch):
    """A use no area registered in services.references: PostgreSQL's foreign key
    refuses the delete, and the screen says so instead of failing."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce the foreign keys here")
    from app.services import references

    monkeypatch.setitem(references.REFERENCES, DictionaryEntry, [])
    gen_task(tenant_a.id, status="waiting")
    waiting = entry(tenant_a.id, TASK_STATUS, "waiting")
    response = post(admin_client, f"/{waiting.id}/delete/", follow=True)
    assert [m for m in errors_in(response.get_data(as_text=True)) if "Afventer" in m]
    assert entry(tenant_a.id, TASK_STATUS, "waiting") is not None


def test_a_dictionary_keeps_one_active_entry(admin_client, tenant_a):
    for key in ("high", "normal"):
        post(admin_client, f"/{entry(tenant_a.id, PRIORITY, key).id}/deactivate/")
    low = entry(tenant_a.id, PRIORITY, "low")
    response = post(admin_client, f"/{low.id}/deactivate/", follow=True)
    assert errors_in(response.get_data(as_text=True))
    assert entry(tenant_a.id, PRIORITY, "low").active
    post(admin_client, f"/{low.id}/delete/")
    assert entry(tenant_a.id, PRIORITY, "low") is not None


def test_task_statuses_keep_an_open_and_a_done_status(admin_client, tenant_a):
    done = entry(tenant_a.id, TASK_STATUS, "done")
    cancelled = entry(tenant_a.id, TASK_STATUS, "cancelled")
    post(admin_client, f"/{cancelled.id}/deactivate/")
    post(admin_client, f"/{done.id}/deactivate/")
    assert entry(tenant_a.id, TASK_STATUS, "done").active
    response = post(admin_client, f"/{done.id}/edit/", label_inputs(da="Udført"))  # not done
    assert response.status_code == 200
    assert errors_in(response.get_data(as_text=True))
    assert entry(tenant_a.id, TASK_STATUS, "done").is_done
    for key in ("new", "in_progress"):
        post(admin_client, f"/{entry(tenant_a.id, TASK_STATUS, key).id}/deactivate/")
    waiting = entry(tenant_a.id, TASK_STATUS, "waiting")
    post(admin_client, f"/{waiting.id}/deactivate/")
    post(admin_client, f"/{waiting.id}/delete/")
    assert keys_in_order(tenant_a.id, TASK_STATUS, active_only=True) == ["waiting", "done"]


def test_service_refuses_an_unknown_dictionary(tenant_a):
    from app.services.errors import ServiceError

    with tenant_context(tenant_a.id), pytest.raises(ServiceError):
        dictionaries.create_entry("nonsense", {"da": "X"})


def test_changes_are_in_the_history(admin_client, tenant_a):
    from app.models import AuditEntry

    low = entry(tenant_a.id, PRIORITY, "low")
    post(admin_client, f"/{low.id}/deactivate/")
    with tenant_context(tenant_a.id):
        changes = db.session.scalars(select(AuditEntry.changes).where(
            AuditEntry.entity == "dictionary_entry", AuditEntry.action == "update")).all()
    assert {"active": [True, False]} in changes


# --- access and isolation -----------------------------------------------------------

def entry_urls(entry_id: int) -> list[tuple[str, str]]:
    return [("get", f"{URL}/{entry_id}/edit/"), ("post", f"{URL}/{entry_id}/edit/"),
            ("post", f"{URL}/{entry_id}/move/up/"), ("post", f"{URL}/{entry_id}/move/down/"),
            ("post", f"{URL}/{entry_id}/activate/"), ("post", f"{URL}/{entry_id}/deactivate/"),
            ("post", f"{URL}/{entry_id}/delete/")]


def test_users_cannot_edit_dictionaries(user_client, tenant_a):
    low = entry(tenant_a.id, PRIORITY, "low")
    urls = [("get", f"{URL}/"), ("get", f"{URL}/new/?dictionary={PRIORITY}"),
            ("post", f"{URL}/new/?dictionary={PRIORITY}"), *entry_urls(low.id)]
    for method, url in urls:
        response = getattr(user_client, method)(url, data=label_inputs(da="Ny"))
        assert response.status_code == 403, url
    assert keys_in_order(tenant_a.id, PRIORITY) == ["high", "normal", "low"]
    assert entry(tenant_a.id, PRIORITY, "low").active


def test_other_tenant_gets_404_for_every_entry_url(client, tenant_a, tenant_b):
    low = entry(tenant_a.id, PRIORITY, "low")
    login(client, "admin@beta.example")
    for method, url in [*entry_urls(low.id), ("get", f"{URL}/99999999999/edit/")]:
        response = getattr(client, method)(url, data=label_inputs(pl="Obcy"))
        assert response.status_code == 404, url
    unchanged = entry(tenant_a.id, PRIORITY, "low")
    assert unchanged.active and unchanged.labels["da"] == "Lav" and unchanged.position == 3
    # and tenant B's own list shows its own entries, in its language
    html = client.get(f"{URL}/?dictionary={PRIORITY}").get_data(as_text=True)
    assert "Wysoki" in html and f'id="entry-{low.id}"' not in html
