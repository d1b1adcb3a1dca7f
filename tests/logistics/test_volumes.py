"""Yearly volumes, the ranking of the margin lists and price advice, on hand-made
cells (issue 10: a SKU sold once projected at 62.9 units a year, cells selling
nothing listed as best margins, suggested prices halving current ones)."""

from __future__ import annotations

import polars as pl
import pytest

from tradepilot.logistics.volumes import (
    MIN_ORDERS,
    price_advice,
    rank_margins,
    yearly_volumes,
)


def history(**cells: tuple[int, int, int]) -> pl.DataFrame:
    """SKU -> (units, orders, days since first sale), all sold to DE."""
    return pl.DataFrame(
        [(sku, "DE", *values) for sku, values in cells.items()],
        schema=["sku", "country", "units", "orders", "history_days"],
        orient="row",
    )


def forecast(**years: float) -> pl.DataFrame:
    return pl.DataFrame(
        {"sku": list(years), "country": "DE", "forecast_year": list(years.values())}
    )


def volumes(cells: pl.DataFrame, expected: pl.DataFrame) -> dict[str, tuple]:
    out = yearly_volumes(cells, expected, period_days=365)
    return {r[0]: (r[2], r[3]) for r in out.rows()}


def test_a_sku_sold_once_is_not_projected_beyond_what_it_sold():
    found = volumes(history(ONCE=(4, 1, 300)), forecast(ONCE=62.9))

    assert found == {"ONCE": (4.0, "forecast capped")}


def test_a_forecast_on_a_year_of_steady_orders_is_used_as_it_is():
    found = volumes(history(STEADY=(50, 40, 500)), forecast(STEADY=80.0))

    assert found == {"STEADY": (80.0, "forecast")}


def test_a_new_seller_is_capped_at_its_pace_since_the_first_sale():
    # 30 units in 73 days is 150 a year; a forecast of 200 is capped there
    found = volumes(
        history(NEW=(30, MIN_ORDERS, 73), SLOW=(30, MIN_ORDERS, 73)),
        forecast(NEW=200.0, SLOW=100.0),
    )

    assert found == {"NEW": (150.0, "forecast capped"), "SLOW": (100.0, "forecast")}


def test_a_forecast_below_the_trailing_year_is_kept():
    found = volumes(history(DYING=(40, 2, 900)), forecast(DYING=0.0))

    assert found == {"DYING": (0.0, "forecast")}


def test_without_a_forecast_the_trailing_year_is_the_volume():
    found = yearly_volumes(
        history(NONE=(10, 3, 400)), forecast(OTHER=5.0), period_days=730
    )

    assert found.rows() == [("NONE", "DE", 5.0, "trailing year")]


def test_cells_under_the_minimum_volume_are_not_ranked():
    rows = pl.DataFrame(
        {
            "sku": ["NOTHING", "ONCE", "BIG", "SMALL", "LOSS"],
            "country": "DE",
            "margin_rate": [0.9, 0.6, 0.2, 0.3, -0.1],
            "yearly_units": [0.0, 4.0, 500.0, 20.0, 100.0],
            "yearly_margin": [0.0, 40.0, 1000.0, 60.0, -150.0],
        }
    )

    ranked = rank_margins(rows, min_yearly_units=12)

    assert ranked.select("sku", "ranked").rows() == [
        ("BIG", True),
        ("SMALL", True),
        ("LOSS", True),
        ("ONCE", False),
        ("NOTHING", False),
    ]


@pytest.mark.parametrize(
    ("rate", "floor", "suggested"),
    [
        pytest.param(0.10, 12.99, 12.99, id="below-target-raise"),
        pytest.param(0.60, 6.99, None, id="above-target-no-halving"),
        pytest.param(0.25, 9.99, None, id="at-target"),
        pytest.param(None, 14.99, 14.99, id="no-net-revenue"),
    ],
)
def test_a_price_is_suggested_only_where_the_margin_is_below_target(
    rate, floor, suggested
):
    rows = pl.DataFrame(
        {"margin_rate": [rate], "floor_price": [floor]},
        schema={"margin_rate": pl.Float64, "floor_price": pl.Float64},
    )

    advised = price_advice(rows, target=0.25).row(0, named=True)

    assert advised["suggested_price"] == suggested
    assert advised["floor_price"] == floor
