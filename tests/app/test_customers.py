"""/api/v1/customers and the Customers page (SQLite and PostgreSQL), on the
hand-made shop of tests/customers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import csrf, login
from tests.customers.conftest import import_shop


@pytest.fixture
def shop(app):
    engine = app.state.tradepilot.engine
    import_shop(engine)
    return engine


def test_api_summary_table_segments_and_clv(client, shop):
    summary = client.get("/api/v1/customers/summary").json()
    table = client.get("/api/v1/customers", params={"sort": "value", "limit": 2}).json()
    churn = client.get("/api/v1/customers", params={"sort": "churn"}).json()
    segments = client.get("/api/v1/customers/segments").json()
    refreshed = client.post("/api/v1/customers/segments").json()
    clv = client.get(
        "/api/v1/customers/clv", params={"time_unit": "W", "horizon": 13}
    ).json()
    export = client.get("/api/v1/customers/clv/export", params={"horizon": 13})

    assert summary["customers"] == 5
    assert table["count"] == 5
    assert len(table["data"]) == 2
    assert table["data"][0]["expected_value"] >= table["data"][1]["expected_value"]
    assert {r["customer"] for r in churn["data"]} == {
        r["customer"] for r in client.get("/api/v1/customers").json()["data"]
    }
    assert segments["segments"]
    assert refreshed["run_id"] > segments["run_id"]
    assert {"model", "params", "spend_params", "holdout", "horizon"} <= set(clv)
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0].startswith(
        "customer,frequency,recency,T,monetary"
    )


def test_api_profile_merge_forget_and_person(client, shop):
    shown = client.get("/api/v1/customers/profile", params={"ref": "carla@example.org"})
    merged = client.post(
        "/api/v1/customers/merge", json={"first": "W-0042", "second": "ben@example.org"}
    )
    person = client.get("/api/v1/customers/person", params={"ref": "ben@example.org"})
    unmerged = client.post(
        "/api/v1/customers/unmerge", params={"ref": "web:ben@example.org"}
    )
    forgotten = client.post(
        "/api/v1/customers/forget", params={"ref": "carla@example.org"}
    )
    gone = client.get("/api/v1/customers/profile", params={"ref": "carla@example.org"})

    assert shown.status_code == 200
    assert shown.json()["figures"]["orders"] == 2
    assert merged.status_code == 200
    assert len(merged.json()["records"]) == 2
    assert [o["order_number"] for o in person.json()["orders"]] == ["W-4", "H-3", "W-5"]
    assert unmerged.status_code == 200
    assert forgotten.json()["records"] == 1
    assert gone.status_code == 422
    assert gone.headers["content-type"] == "application/problem+json"
    assert "no customer 'carla@example.org'" in gone.json()["detail"]


def test_api_segment_export_respects_consent(client, shop):
    segments = client.get("/api/v1/customers/segments").json()["segments"]
    rows = []
    for s in segments:
        csv = client.get(
            "/api/v1/customers/segments/export",
            params={"name": s["name"], "marketing": True},
        ).text
        rows += csv.splitlines()[1:]

    assert sorted(r.split(",")[1] for r in rows) == [
        "anna.mueller+shop@gmail.com",
        "anna.schmidt@example.org",
        "carla@example.org",
    ]


def test_api_needs_a_token(app, shop):
    assert TestClient(app).get("/api/v1/customers").status_code == 401


def test_customers_page_shows_segments_table_and_a_profile(app, token, shop):
    client = TestClient(app)
    login(client)

    page = client.get("/customers")
    table = client.get("/customers/table", params={"sort": "churn"})
    profile = client.get(
        "/customers/profile", params={"ref": "Anna.Mueller+shop@Gmail.com"}
    )
    unknown = client.get("/customers/profile", params={"ref": "nobody"})
    refreshed = client.post(
        "/customers/segments", headers={"X-CSRF-Token": csrf(page.text)}
    )

    assert page.status_code == 200
    assert 'id="chart-segments"' in page.text
    assert 'data-chart="' in page.text
    assert page.text.count('class="customer-link"') == 5
    assert table.status_code == 200
    assert "Anna.Mueller+shop@Gmail.com" in profile.text
    assert "same e-mail a***@gmail.com" in profile.text
    assert 'id="profile-recommendations"' in profile.text
    assert "no customer &#39;nobody&#39;" in unknown.text
    assert refreshed.status_code == 200
    assert re.search(r"\d+ segments as of 2024-03-29", refreshed.text)


def test_customers_page_explains_an_empty_workspace(app, token):
    client = TestClient(app)
    login(client)

    page = client.get("/customers")

    assert page.status_code == 200
    assert "No customers yet" in page.text
    assert "import orders first" in page.text
