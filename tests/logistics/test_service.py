"""Margins, quotes and rule-change impact on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from tests.simstore import import_store

from tradepilot.domain.errors import DataValidationError
from tradepilot.logistics.impact import example_path, rule_impact
from tradepilot.logistics.quotes import best_lane, quote_parcel, quote_sku
from tradepilot.logistics.service import margins
from tradepilot.reference import is_eu_member

DAY = dt.date(2026, 3, 1)


@pytest.fixture
def store(engine, store_settings, sim_files):
    """The small simulated store (seller's warehouse in DE), imported."""
    import_store(engine, sim_files)
    return engine, store_settings.home


def test_margins_cover_every_sold_sku_and_country_and_add_up(store):
    engine, home = store

    report = margins(engine, home=home, day=DAY)
    rows = report.rows

    assert report.currency == "EUR"
    assert report.day == DAY
    assert rows.height > 50
    assert rows.select(["sku", "country"]).is_duplicated().sum() == 0
    for row in rows.to_dicts():
        assert row["landed_cost"] >= row["product_cost"] + row["shipping"] - 1e-9
        assert row["margin"] == pytest.approx(row["revenue"] - row["landed_cost"])
        assert row["yearly_margin"] == pytest.approx(
            row["margin"] * row["yearly_units"]
        )
    us = rows.filter(rows["country"] == "US").to_dicts()
    assert us
    assert all(r["vat"] == 0 for r in us)
    de = rows.filter(rows["country"] == "DE").to_dicts()
    assert de
    assert all(r["duty"] == 0 for r in de)


def test_suggested_prices_keep_the_target_margin(store):
    engine, home = store

    rows = margins(engine, home=home, day=DAY).rows.drop_nulls("suggested_price")

    assert rows.height > 0
    # a suggested price is a local price point (EUR prices end in .99 or .49)
    eur = rows.filter(rows["price_currency"] == "EUR")["suggested_price"].to_list()
    assert all(round(p % 0.5, 2) == 0.49 for p in eur)


def test_lists_rank_cells_with_volume_by_yearly_margin_and_only_raise_prices(store):
    engine, home = store

    report = margins(engine, home=home, day=DAY)
    ranked, unranked = report.ranked_rows()
    advised = report.rows.drop_nulls("suggested_price")

    assert report.min_yearly_units == 12
    assert ranked.height > 0
    assert unranked.height > 0
    assert report.rows.head(ranked.height)["ranked"].all()
    assert ranked["yearly_units"].min() >= 12
    assert unranked["yearly_units"].max() < 12
    assert ranked["yearly_margin"].to_list() == sorted(
        ranked["yearly_margin"].to_list(), reverse=True
    )
    assert advised.height > 0
    assert (advised["suggested_price"] > advised["suggested_from"]).all()
    main = advised.filter(
        (pl.col("suggested_channel") == pl.col("channels"))
        & (pl.col("suggested_currency") == pl.col("price_currency"))
    )
    assert main.height > 0
    assert (main["suggested_price"] == main["floor_price"]).all()
    assert report.rows["floor_price"].null_count() < report.rows.height
    assert set(report.rows["volume_source"]) <= {
        "forecast", "forecast capped", "trailing year"
    }  # fmt: skip
    assert any("min_yearly_units" in note for note in report.assumptions)


def test_quote_for_a_sku_names_its_rules_and_route(store):
    engine, home = store
    sku = _a_sku_sold_to(engine, home, "GB")

    quote = quote_sku(engine, home=home, sku=sku, country="GB", quantity=2, day=DAY)

    assert quote["quantity"] == 2
    assert quote["currency"] == "EUR"
    assert {"duty", "vat", "fees", "shipping", "fx", "landed_cost", "rules"} <= set(
        quote
    )
    assert any(rule["kind"] == "import_regime" for rule in quote["rules"])
    assert all(rule["source"] for rule in quote["rules"])
    assert quote["route"]["legs"]


def _a_sku_sold_to(engine, home, country):
    rows = margins(engine, home=home, day=DAY, suggest_prices=False).rows
    return rows.filter(rows["country"] == country)["sku"][0]


def test_parcel_quote_uses_the_given_shipping(store):
    engine, home = store

    quote = quote_parcel(
        engine, home=home, value=Decimal("120"), currency="EUR", country="DE",
        weight_kg=1.0, day=dt.date(2026, 7, 1), shipping=Decimal("0"), origin="CN",
    )  # fmt: skip

    assert (quote["duty"], quote["vat"], quote["landed_cost"]) == (
        "3.00", "23.37", "146.37",
    )  # fmt: skip


def test_unknown_sku_and_bad_parcel_are_refused_with_a_message(store):
    engine, home = store

    with pytest.raises(DataValidationError, match="unknown SKU 'NOPE'"):
        quote_sku(engine, home=home, sku="NOPE", country="DE")
    with pytest.raises(DataValidationError, match="must be positive"):
        quote_parcel(engine, home=home, value=Decimal("-1"), currency="EUR",
                     country="DE", weight_kg=1.0)  # fmt: skip


def test_best_lane_from_the_warehouse(store):
    engine, home = store

    lane = best_lane(engine, home=home, origin="DE", destination="FR", weight_kg=1.0)

    assert lane["best"]["legs"]
    assert Decimal(lane["best"]["cost"]) > 0


@pytest.mark.parametrize(
    ("example", "countries"),
    [
        pytest.param("de_vat_21", {"DE"}, id="de-vat"),
        pytest.param("gb_threshold_abolished", {"GB"}, id="gb-threshold"),
    ],
)
def test_rule_change_touches_only_its_countries_and_costs_margin(
    store, example, countries
):
    engine, home = store

    impact = rule_impact(engine, home=home, what_if=example_path(example))

    assert impact["count"] > 0
    assert {row["country"] for row in impact["data"]} == countries
    assert all(row["yearly_change"] <= 0 for row in impact["data"])
    changes = [row["yearly_change"] for row in impact["data"]]
    assert changes == sorted(changes)  # largest loss first


def test_eu_flat_duty_costs_a_seller_shipping_from_china_in_the_eu_only(store):
    """Shipped from DE (the default), EU sales are internal: the EU's customs change
    costs nothing. Shipped straight from CN, every EU parcel under EUR 150 pays it."""
    engine, home = store
    what_if = example_path("eu_flat_duty_3")
    from_de = rule_impact(engine, home=home, what_if=what_if)
    (home / "trade.toml").write_text('origin = "CN"\n', encoding="utf-8")

    from_cn = rule_impact(engine, home=home, what_if=what_if)

    day = dt.date.fromisoformat(from_cn["day"])
    assert not any(is_eu_member(row["country"], day) for row in from_de["data"])
    assert from_cn["count"] > 0
    assert all(is_eu_member(row["country"], day) for row in from_cn["data"])
    assert from_cn["total_yearly_change"] < 0
