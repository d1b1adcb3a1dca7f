"""Exact unit prices from line totals (Amazon, generic mappings with line_total)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.ingest.adapters.order_fields import exact_unit_prices
from tradepilot.ingest.orders import PRICE_DECIMALS


@pytest.mark.parametrize(
    ("total", "quantity", "currency", "parts"),
    [
        ("25.00", 2, "EUR", [(2, "12.5")]),
        ("10.01", 2, "EUR", [(2, "5.005")]),
        ("10.00", 3, "EUR", [(2, "3.33"), (1, "3.34")]),
        ("1000", 3, "JPY", [(2, "333"), (1, "334")]),
        ("-8.90", -1, "EUR", [(-1, "8.9")]),
        ("0", 0, "EUR", [(0, "0")]),
        ("5", 0, "EUR", [(0, None)]),
        (None, 2, "EUR", [(2, None)]),
    ],
    ids=[
        "divides",
        "more-decimals",
        "split",
        "jpy-split",
        "refund",
        "zero",
        "zero-quantity",
        "missing",
    ],
)
def test_exact_unit_prices(total, quantity, currency, parts):
    frame = pl.DataFrame(
        {"t": [total], "quantity": [quantity], "currency": [currency]},
        schema={"t": pl.String, "quantity": pl.Int64, "currency": pl.String},
    )

    out = exact_unit_prices(frame, total="t")

    assert list(zip(out["quantity"], out["unit_price"], strict=True)) == parts


@given(
    cents=st.integers(min_value=1, max_value=10**9),
    quantity=st.integers(min_value=1, max_value=10_000),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_exact_unit_prices_keep_units_and_total(cents, quantity, currency):
    total = str(Decimal(cents).scaleb(-2 if currency != "JPY" else 0))
    frame = pl.DataFrame({"t": [total], "quantity": [quantity], "currency": [currency]})

    out = exact_unit_prices(frame, total="t")

    assert sum(out["quantity"]) == quantity
    parts = zip(out["quantity"], out["unit_price"], strict=True)
    assert sum(q * Decimal(p) for q, p in parts) == Decimal(total)
    assert all(len(p.partition(".")[2]) <= PRICE_DECIMALS for p in out["unit_price"])
