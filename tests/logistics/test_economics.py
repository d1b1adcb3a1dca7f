"""Unit economics: typical consignments, price points and suggested prices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from tradepilot.logistics.economics import (
    Pricing,
    price_cell,
    price_point,
    suggest_price,
    unit_economics,
)
from tradepilot.logistics.landed import Terms
from tradepilot.reference import load_reference

D = Decimal


def pricing(origin: str = "CN", shipping: str = "6") -> Pricing:
    return Pricing(
        reference=load_reference(),
        terms=Terms(base="EUR"),
        convert=lambda a, s, t: a if s == t else a * D("0.85"),
        day=dt.date(2026, 3, 1),
        origin=origin,
        shipping=lambda country, kg: D(shipping),
        fees_of=lambda channel: (),
        includes_tax=lambda country: country != "US",
    )


def cell(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sku": "MUG", "country": "DE", "channel": "web", "currency": "EUR",
        "units": 10, "lines": 10, "revenue": 238.0, "unit_cost_base": 5.0,
        "inbound_base": 0.5, "weight_kg": 0.4, "hs_code": "691200",
        "basket_value": 23.8, "basket_weight": 0.4,
    }  # fmt: skip
    return base | changes


@pytest.mark.parametrize(
    ("amount", "currency", "point"),
    [
        pytest.param("12.30", "EUR", "12.99", id="eur"),
        pytest.param("12.99", "EUR", "12.99", id="already-a-point"),
        pytest.param("4.10", "GBP", "4.49", id="small-gbp"),
        pytest.param("131", "SEK", "139", id="sek"),
        pytest.param("2140", "JPY", "2180", id="jpy"),
        pytest.param("0.001", "EUR", "0.49", id="floor"),
    ],
)
def test_price_points(amount: str, currency: str, point: str) -> None:
    assert price_point(D(amount), currency) == D(point)


def test_a_unit_in_a_typical_order_carries_its_costs() -> None:
    """EUR 23.80 incl. 19% VAT, IOSS from CN: VAT 3.80, shipping 6, cost 5 + 0.5:
    margin 23.80 - 3.80 - 6 - 5.5 = 8.50."""
    frame = unit_economics(pl.DataFrame([cell()]), pricing())
    row = frame.row(0, named=True)
    assert row["vat"] == pytest.approx(3.80)
    assert row["margin"] == pytest.approx(8.50)
    assert row["net_revenue"] == pytest.approx(20.0)
    assert row["margin_rate"] == pytest.approx(0.425)
    assert row["vat_by"] == "seller at sale"


def test_a_big_order_crosses_the_ioss_ceiling() -> None:
    """The same mug in a EUR 300 order: over EUR 150, so import VAT at the border
    and duty at the chapter's rate instead of IOSS and relief."""
    row = price_cell(cell(basket_value=300.0), pricing(), D("23.80"))
    assert row.vat_by == "seller at border"
    assert row.duty_rule == "ad valorem"


def test_suggested_price_reaches_the_target_at_a_price_point() -> None:
    target = 0.5
    found = suggest_price(cell(), pricing(), D("23.80"), target)

    assert found is not None
    assert D(repr(found)) == price_point(D(repr(found)), "EUR")
    at = unit_economics(pl.DataFrame([cell(revenue=found * 10)]), pricing()).row(
        0, named=True
    )
    assert at["margin_rate"] >= target
    below = D(repr(found)) - 1
    under = unit_economics(
        pl.DataFrame([cell(revenue=float(below) * 10)]), pricing()
    ).row(0, named=True)
    assert under["margin_rate"] < target  # the next point down misses it


def test_no_price_reaches_an_impossible_target() -> None:
    assert suggest_price(cell(), pricing(), D("23.80"), 0.99) is None
