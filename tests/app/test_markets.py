"""The landed-cost API and the Margins & Markets page (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.app.test_web import login
from tests.simstore import import_store

from tradepilot.app.api.trade import trade_cache_version, warm_trade_caches
from tradepilot.ingest.service import import_file


@pytest.fixture
def imported(app, sim_files):
    engine = app.state.tradepilot.engine
    import_store(engine, sim_files)
    return engine


def test_api_landed_cost_margins_scores_lanes_and_impact(app, client, imported):
    parcel = client.get(
        "/api/v1/landed-cost",
        params={"value": "120", "currency": "EUR", "country": "DE",
                "weight_kg": 1, "shipping": "0", "date": "2026-07-01",
                "origin": "CN"},
    )  # fmt: skip
    margins = client.get("/api/v1/margins", params={"limit": 5}).json()
    sku = margins["data"][0]["sku"]
    country = margins["data"][0]["country"]
    quote = client.get("/api/v1/landed-cost", params={"sku": sku, "country": country})
    scores = client.get("/api/v1/markets/scores", params={"margin": 1}).json()
    lane = client.get("/api/v1/lanes/best", params={"from": "DE", "to": "FR"})
    impact = client.post("/api/v1/rules/impact", json={"example": "de_vat_21"})
    pasted = client.post(
        "/api/v1/rules/impact",
        json={"what_if": "name: DE 25\neffective_from: 2027-01-01\nvat:\n"
                         "  - {country: DE, rate_type: standard, rate: 0.25}\n"},
    )  # fmt: skip
    bad = client.get("/api/v1/landed-cost", params={"country": "DE"})
    no_order = client.get("/api/v1/landed-cost/orders/NOPE")
    unknown = client.post("/api/v1/rules/impact", json={"example": "nope"})
    unauthorised = TestClient(app).get("/api/v1/margins")

    assert parcel.status_code == 200
    assert parcel.json()["landed_cost"] == "146.37"  # worked in test_landed
    assert margins["count"] > len(margins["data"]) == 5
    assert quote.status_code == 200
    assert quote.json()["sku"] == sku
    assert scores["count"] > 200
    assert scores["data"][0]["rank"] == 1
    assert lane.status_code == 200
    assert lane.json()["best"]["legs"]
    assert impact.status_code == 200
    assert impact.json()["count"] > 0
    assert pasted.status_code == 200
    assert pasted.json()["total_yearly_change"] < impact.json()["total_yearly_change"]
    assert bad.status_code == 422
    assert "give sku" in bad.json()["detail"]
    assert unknown.status_code == 422
    assert "de_vat_21" in unknown.json()["detail"]
    assert no_order.status_code == 422
    assert "NOPE" in no_order.json()["detail"]
    assert unauthorised.status_code == 401


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/api/v1/landed-cost", {"country": "XQ", "value": "10",
                     "currency": "EUR", "weight_kg": 1}, id="parcel"),
        pytest.param("/api/v1/landed-cost", {"country": "XQ", "sku": "TP-0001"},
                     id="sku"),
        pytest.param("/api/v1/lanes/best", {"from": "DE", "to": "XQ"}, id="lane"),
    ],
)  # fmt: skip
def test_an_unknown_country_code_is_named_as_such(client, path, params):
    response = client.get(path, params=params)

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "country 'XQ' is not an ISO 3166-1 country code (such as DE, FR or US)"
    )


def test_markets_page_filters_explains_rescores_and_shows_impact(app, token, imported):
    client = TestClient(app)
    login(client)
    page = client.get("/markets")
    csrf_token = page.text.split('"X-CSRF-Token": "')[1].split('"')[0]
    row = page.text.split('hx-get="/markets/waterfall?')[1].split('"')[0]

    filtered = client.get("/markets/margins", params={"country": "FR"})
    waterfall = client.get("/markets/waterfall?" + row.replace("&amp;", "&"))
    rescored = client.get("/markets/scores", params={"margin": "1", "demand": "0"})
    bad_weight = client.get("/markets/scores", params={"margin": "lots"})
    impact = client.post(
        "/markets/impact", data={"example": "gb_threshold_abolished"},
        headers={"X-CSRF-Token": csrf_token},
    )  # fmt: skip
    no_csrf = client.post("/markets/impact", data={"example": "de_vat_21"})

    assert page.status_code == 200
    assert 'href="/markets"' in page.text
    assert 'id="margins-best"' in page.text
    assert 'id="market-ranking"' in page.text
    assert "FR" in filtered.text
    assert "cells in FR" in filtered.text
    assert 'id="chart-waterfall"' in waterfall.text
    assert "data-chart=" in waterfall.text
    assert 'id="market-ranking"' in rescored.text
    assert "not a number" in bad_weight.text
    assert 'id="impact-summary"' in impact.text
    assert "GB" in impact.text
    assert no_csrf.status_code == 403


def test_markets_page_without_sales_says_what_to_do(app, token):
    client = TestClient(app)
    login(client)

    page = client.get("/markets")

    assert page.status_code == 200
    assert "No margins yet" in page.text


def test_markets_page_and_api_state_the_defaults_not_chosen_first(
    app, client, imported
):
    browser = TestClient(app)
    login(browser)

    page = browser.get("/markets").text
    scores = client.get("/api/v1/markets/scores").json()
    client.put(
        "/api/v1/settings/trade",
        json={"values": {"origin": "DE", "default_cost_share": 0.4}},
    )
    chosen = browser.get("/markets").text

    notices = page.split('id="trade-notices"')[1].split("</section>")[0]
    assert page.index('id="trade-notices"') < page.index('id="margin-basis"')
    assert "not chosen yet: goods ship from DE" in notices
    assert "costs 40% of its price" in notices
    assert scores["assumptions"][0].startswith("not chosen yet: goods ship from DE")
    assert "not chosen yet" not in chosen
    assert "Choose them in Settings" not in chosen


FX_HINT = "import exchange rates first: tradepilot fx import eurofxref-hist.csv"


def test_without_fx_rates_the_api_and_page_say_what_to_do(app, client, sim_files):
    engine = app.state.tradepilot.engine
    for key, fmt in [("products", "products"), ("shopify_orders", "shopify")]:
        import_file(engine, fmt=fmt, path=sim_files[key])
    browser = TestClient(app)
    login(browser)

    margins = client.get("/api/v1/margins")
    scores = client.get("/api/v1/markets/scores")
    page = browser.get("/markets")

    assert margins.status_code == 409
    assert margins.json()["code"] == "missing_fx_rate"
    assert FX_HINT in margins.json()["detail"]
    assert scores.status_code == 409
    assert FX_HINT in scores.json()["detail"]
    assert page.status_code == 200
    assert FX_HINT in page.text


def test_warming_fills_the_caches_and_tolerates_an_empty_workspace(app, sim_files):
    state = app.state.tradepilot

    warm_trade_caches(state)  # no sales yet: nothing to compute, no error
    empty = state.cache.get("scores:[]", trade_cache_version(state))
    import_store(state.engine, sim_files)
    warm_trade_caches(state)

    assert empty is None
    assert state.cache.get("scores:[]", trade_cache_version(state))
