from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.app.conftest import OWNER, PASSWORD

PAGES = ["/", "/imports", "/quality", "/settings", "/imports/quarantine"]


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, password: str = PASSWORD):
    token = csrf(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": OWNER, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_first_run_goes_to_setup_and_creates_the_owner(app):
    client = TestClient(app)

    first = client.get("/", follow_redirects=False)
    page = client.get("/setup")
    created = client.post(
        "/setup",
        data={
            "email": OWNER,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": csrf(page.text),
        },
        follow_redirects=False,
    )

    assert (first.status_code, first.headers["location"]) == (303, "/setup")
    assert (created.status_code, created.headers["location"]) == (303, "/")
    assert client.get("/").status_code == 200
    assert client.get("/setup", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_session(app, token, path):
    response = TestClient(app).get(path, follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_login_sets_a_safe_cookie_and_logout_needs_csrf(app, token):
    client = TestClient(app)

    response = login(client)
    cookie = response.headers["set-cookie"]
    without_token = client.post("/logout", follow_redirects=False)
    page = client.get("/")
    with_token = client.post(
        "/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False
    )

    assert response.status_code == 303
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert without_token.status_code == 403
    assert with_token.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_form_without_its_csrf_token_is_refused(app, token):
    client = TestClient(app)

    response = client.post("/login", data={"email": OWNER, "password": PASSWORD})

    assert response.status_code == 403


def test_failed_logins_are_rate_limited(app, token):
    client = TestClient(app)

    codes = [login(client, "wrong password!").status_code for _ in range(6)]
    after = login(client)

    assert codes == [401, 401, 401, 401, 401, 429]
    assert after.status_code == 429


def test_security_headers_on_every_response(app):
    response = TestClient(app).get("/login", follow_redirects=False)
    static = TestClient(app).get("/static/app.js")

    for r in (response, static):
        assert "script-src 'self';" in r.headers["content-security-policy"]
        assert (
            "'unsafe-inline'"
            not in r.headers["content-security-policy"]
            .split("script-src")[1]
            .split(";")[0]
        )
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"


def test_token_created_on_settings_page_works_once_shown(app, token):
    client = TestClient(app)
    login(client)
    page = client.get("/settings")

    created = client.post(
        "/settings/tokens", data={"name": "laptop", "csrf_token": csrf(page.text)}
    )
    shown = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)

    assert (
        TestClient(app)
        .get("/api/v1/status", headers={"Authorization": f"Bearer {shown}"})
        .status_code
        == 200
    )
    assert shown not in client.get("/settings").text


def test_overview_shows_kpis_after_an_import(app, token, sample_file):
    from tradepilot.ingest.service import import_file

    import_file(app.state.tradepilot.engine, fmt="online-retail", path=sample_file)
    client = TestClient(app)
    login(client)

    html = client.get("/").text

    assert 'id="kpi-revenue"' in html
    assert "40.70" in html  # net revenue in GBP
    assert 'id="data-map"' in html
    assert "FRA" in html  # map locations are ISO alpha-3


def test_every_page_template_compiles_before_the_server_listens() -> None:
    # `tradepilot serve` compiles them up front; a template with a syntax error
    # fails here instead of on a visitor's first page.
    from tradepilot.app.web.pages import HERE, compile_templates

    on_disk = sorted(p.name for p in (HERE / "templates").rglob("*.html"))
    assert on_disk
    assert compile_templates() == len(on_disk)
