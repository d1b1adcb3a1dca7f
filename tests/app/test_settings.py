"""trade.toml and purchasing.toml from the API, the Settings page and the first-run
setup (SQLite and PostgreSQL stores; the files live in the workspace)."""

from __future__ import annotations

import tomllib

import pytest
from fastapi.testclient import TestClient
from tests.app.conftest import OWNER, PASSWORD
from tests.app.test_web import csrf, login

HAND_WRITTEN = """\
# Our shop ships from the Shenzhen warehouse.
origin = "CN"              # since 2024
target_margin = 0.3        # the owner's rule

[channels]                 # fee schedules
"etsy*" = "web"
"""


def test_api_round_trip_of_the_trade_settings(app, client):
    home = app.state.tradepilot.settings.home

    fresh = client.get("/api/v1/settings/trade").json()
    values = fresh["values"] | {"origin": "CN", "default_cost_share": 0.35}
    put = client.put("/api/v1/settings/trade", json={"values": values})
    again = client.get("/api/v1/settings/trade").json()

    assert fresh["file"] == "trade.toml"
    assert fresh["values"]["origin"] == "DE"
    assert fresh["not_chosen"] == ["origin", "default_cost_share"]
    assert put.status_code == 200
    assert put.json() == again
    assert again["values"] == values
    assert again["not_chosen"] == []
    assert set(again["chosen"]) == set(values)
    written = tomllib.loads((home / "trade.toml").read_text())
    assert (written["origin"], written["default_cost_share"]) == ("CN", 0.35)


def test_api_round_trip_of_purchasing_settings_with_suppliers(app, client):
    supplier = {
        "min_order_value": 500.0,
        "lunar_new_year": True,
        "lead_times": {"sea": {"mean_days": 40.0, "std_days": 9.0}},
        "closures": [{"start": "2026-10-01", "end": "2026-10-07",
                      "reason": "Golden Week", "lead_in_days": 0}],
    }  # fmt: skip
    values = {"service_level": 0.9, "suppliers": {"Shenzhen Co": supplier}}

    put = client.put("/api/v1/settings/purchasing", json={"values": values})
    got = client.get("/api/v1/settings/purchasing").json()

    assert put.status_code == 200
    assert got["values"]["service_level"] == 0.9
    assert got["values"]["suppliers"]["Shenzhen Co"] == supplier
    assert set(got["chosen"]) == {"service_level", "suppliers"}


def test_api_refuses_bad_settings_naming_each_and_writes_nothing(app, client):
    home = app.state.tradepilot.settings.home
    (home / "trade.toml").write_text(HAND_WRITTEN)
    bad = {"target_margin": 1.5, "incoterm": "FOB", "origin": "XQ", "colour": "red"}

    response = client.put("/api/v1/settings/trade", json={"values": bad})
    unknown = client.get("/api/v1/settings/shipping")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_settings"
    found = {e["setting"]: e["message"] for e in body["errors"]}
    assert found.pop("colour").startswith("is not a setting; known: origin, ")
    assert found == {
        "target_margin": "must be less than 1.0 (found 1.5)",
        "incoterm": "must be one of DDP or DAP (found 'FOB')",
        "origin": "country 'XQ' is not an ISO 3166-1 country code"
        " (such as DE, FR or US)",
    }
    assert "target_margin: must be less than 1.0" in body["detail"]
    assert (home / "trade.toml").read_text() == HAND_WRITTEN
    assert unknown.status_code == 422


def test_a_changed_value_keeps_the_files_comments(app, client):
    home = app.state.tradepilot.settings.home
    (home / "trade.toml").write_text(HAND_WRITTEN)
    current = client.get("/api/v1/settings/trade").json()

    client.put(
        "/api/v1/settings/trade",
        json={"values": {"origin": "VN", "target_margin": 0.3,
                         "channels": {"etsy*": "web"}}},
    )  # fmt: skip

    assert current["chosen"] == ["channels", "origin", "target_margin"]
    assert (home / "trade.toml").read_text() == HAND_WRITTEN.replace('"CN"', '"VN"')


def test_settings_page_saves_a_form_and_explains_mistakes(app, token):
    home = app.state.tradepilot.settings.home
    browser = TestClient(app)
    login(browser)
    page = browser.get("/settings")
    form = {"csrf_token": csrf(page.text), "origin": "CN", "incoterm": "DDP",
            "buyers": "B2C", "prices_include_tax": "true", "tax_exclusive": "US, CA",
            "schemes": "IOSS", "fx_spread": "0.02", "delivery_days": "21",
            "delivery_probability": "0.9", "inbound_mode": "sea",
            "target_margin": "0.25", "min_yearly_units": "12",
            "default_weight_kg": "0.5", "default_cost_share": "0.35",
            "channels": '"*" = "web"', "delivery_days_for": "DE = 3"}  # fmt: skip

    saved = browser.post("/settings/files/trade", data=form, follow_redirects=False)
    shown = browser.get(saved.headers["location"])
    bad = browser.post(
        "/settings/files/trade",
        data=form | {"target_margin": "lots", "channels": "[oops", "origin": "XQ"},
    )

    assert 'id="trade-settings"' in page.text
    assert 'id="purchasing-settings"' in page.text
    assert "Not chosen yet: origin, default cost share" in page.text
    assert saved.status_code == 303
    assert "Saved trade.toml." in shown.text
    assert "Not chosen yet" not in shown.text.split('id="purchasing-settings"')[0]
    assert tomllib.loads((home / "trade.toml").read_text()) == {
        "origin": "CN", "schemes": ["IOSS"], "default_cost_share": 0.35,
        "channels": {"*": "web"}, "delivery_days_for": {"DE": 3.0},
    }  # fmt: skip
    assert bad.status_code == 422
    assert "trade.toml was not saved" in bad.text
    assert "target margin</strong> must be a number (found &#39;lots&#39;)" in bad.text
    assert "channels</strong> is not valid TOML" in bad.text
    assert "&#39;XQ&#39; is not an ISO 3166-1 country code" in bad.text
    assert 'value="lots"' in bad.text
    assert tomllib.loads((home / "trade.toml").read_text())["origin"] == "CN"


@pytest.mark.parametrize(
    ("origin", "cost", "expected"),
    [
        pytest.param("CN", "35", {"origin": "CN", "default_cost_share": 0.35},
                     id="both"),
        pytest.param("", "", None, id="later"),
    ],
)  # fmt: skip
def test_first_run_setup_asks_where_goods_ship_from_and_what_they_cost(
    app, origin, cost, expected
):
    home = app.state.tradepilot.settings.home
    client = TestClient(app)
    page = client.get("/setup")

    created = client.post(
        "/setup",
        data={"email": OWNER, "password": PASSWORD, "confirm": PASSWORD,
              "csrf_token": csrf(page.text), "origin": origin, "cost_percent": cost},
        follow_redirects=False,
    )  # fmt: skip

    assert 'name="origin"' in page.text
    assert '<option value="CN">China (CN)</option>' in page.text
    assert 'name="cost_percent"' in page.text
    assert created.status_code == 303
    trade = home / "trade.toml"
    if expected is None:
        assert not trade.exists()
    else:
        assert tomllib.loads(trade.read_text()) == expected
        purchasing = tomllib.loads((home / "purchasing.toml").read_text())
        assert purchasing == {"default_cost_share": 0.35}


def test_first_run_setup_refuses_an_unknown_origin_in_words(app):
    client = TestClient(app)
    page = client.get("/setup")

    refused = client.post(
        "/setup",
        data={"email": OWNER, "password": PASSWORD, "confirm": PASSWORD,
              "csrf_token": csrf(page.text), "origin": "XQ", "cost_percent": "lots"},
    )  # fmt: skip

    assert refused.status_code == 422
    assert "must be a percentage such as 35" in refused.text
    assert client.get("/setup", follow_redirects=False).status_code == 200
