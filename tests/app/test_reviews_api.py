"""/api/v1/reviews and /api/v1/text/triage, and the Reviews page (server side)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from tests.app.test_web import login

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reviews.example.csv"


def _import(client: TestClient) -> dict:
    with EXAMPLE.open("rb") as handle:
        answer = client.post(
            "/api/v1/reviews/import",
            files={"file": ("reviews.csv", handle, "text/csv")},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_import_report_and_list(client: TestClient) -> None:
    imported = _import(client)

    report = client.get("/api/v1/reviews/report").json()
    german = client.get("/api/v1/reviews", params={"country": "DE"}).json()

    assert imported["imported"] == 10
    assert report["reviews"] == 10
    assert report["complaints"][0]["examples"]
    assert german["count"] == 2
    assert {r["language"] for r in german["data"]} == {"de"}


def test_report_refuses_a_bad_country(client: TestClient) -> None:
    answer = client.get("/api/v1/reviews/report", params={"country": "Germany"})

    assert answer.status_code == 422


def test_triage_gives_language_intent_sentiment(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/text/triage",
        json={"texts": ["Wo ist mein Paket? Bestellung 1234 ist noch nicht da.", ""]},
    )

    assert answer.status_code == 200, answer.text
    first, empty = answer.json()["data"]
    assert (first["language"], first["intent"]) == ("de", "track_order")
    assert (empty["intent"], empty["language"]) == ("unknown", "und")


def test_reviews_page_shows_the_report(client: TestClient) -> None:
    _import(client)
    login(client)

    page = client.get("/reviews", params={"sku": "linen-shirt"})

    assert page.status_code == 200
    assert "Top complaints" in page.text
    assert "linen-shirt" in page.text
