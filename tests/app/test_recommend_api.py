"""/api/v1/recommendations and the recommendation fragments, on SQLite and
PostgreSQL, with a small Online Retail file imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.app.test_web import login
from tests.recommend.shop import import_shop


@pytest.fixture
def shop(app: FastAPI, tmp_path: Path) -> FastAPI:
    import_shop(app.state.tradepilot.engine, tmp_path)
    return app


def test_customer_lists_with_reasons(shop: FastAPI, client: TestClient) -> None:
    response = client.get("/api/v1/recommendations/customers/17850", params={"k": 3})

    assert response.status_code == 200
    found = response.json()
    assert found["customer"] == "17850"
    assert found["next"][0]["sku"] == "TEA"
    assert found["next"][0]["reason"] == "bought every 4 weeks, last 4 weeks ago"
    assert len(found["next"]) == 3
    assert {i["sku"] for i in found["new"]} == {"JAM", "MUG"}


def test_frequently_bought_together(shop: FastAPI, client: TestClient) -> None:
    found = client.get("/api/v1/recommendations/products/TEA/together").json()

    assert [(r["sku"], r["orders_together"], r["lift"]) for r in found["together"]] == [
        ("CUPS", 2, 1.3333),
    ]


def test_export_is_the_contract_csv(shop: FastAPI, client: TestClient) -> None:
    response = client.get("/api/v1/recommendations/export", params={"k": 2})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["list", "customer", "rank", "sku", "score", "reason"]
    assert {r[1] for r in rows[1:]} == {"12583", "13047", "14000", "15000", "17850"}


def test_evaluation(shop: FastAPI, client: TestClient) -> None:
    response = client.get(
        "/api/v1/recommendations/evaluation",
        params={"cutoff": "2011-05-01", "test_weeks": 8},
    )

    assert response.status_code == 200
    assert response.json()["methods"][-1]["method"] == "blend"


@pytest.mark.parametrize(
    ("path", "params", "status", "detail"),
    [
        ("/customers/99999", {}, 404, "no customer '99999' with purchases"),
        ("/products/NOPE/together", {}, 404, "no SKU 'NOPE' in the catalogue"),
        ("/products/POST/together", {}, 422, "POST is a shipping line"),
        ("/evaluation", {"cutoff": "2013-01-01"}, 422, "outside the data"),
        ("/customers/17850", {"k": 0}, 422, "does not match"),
    ],
    ids=["customer", "sku", "postage", "cutoff", "k"],
)
def test_bad_requests_are_problems(
    shop: FastAPI, client: TestClient, path: str, params: dict, status: int,
    detail: str,
) -> None:  # fmt: skip
    response = client.get(f"/api/v1/recommendations{path}", params=params)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_fragments_render_lists_and_messages(shop: FastAPI, token: str) -> None:
    client = TestClient(shop)
    login(client)

    lists = client.get("/customers/17850/recommendations")
    together = client.get("/products/TEA/together")
    unknown = client.get("/customers/99999/recommendations")

    assert lists.status_code == 200
    assert 'id="recommendations-next"' in lists.text
    assert "bought every 4 weeks, last 4 weeks ago" in lists.text
    assert "out of stock" in lists.text  # JAM is counted at 0
    assert together.status_code == 200
    assert "<td>CUPS</td>" in together.text
    assert "1.33" in together.text
    assert unknown.status_code == 200
    assert "no customer &#39;99999&#39; with purchases" in unknown.text


def test_fragments_need_a_session(shop: FastAPI) -> None:
    response = TestClient(shop).get(
        "/customers/17850/recommendations", follow_redirects=False
    )

    assert response.status_code == 303
