from tests.conftest import make_app


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    broken = f"sqlite:///{tmp_path / 'missing-dir' / 'none.db'}"
    response = make_app(broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
