"""The money figures the monitors share, computed from hand-made store state."""

import datetime as dt

import polars as pl
import pytest

from tradepilot.risk.config import RiskConfig
from tradepilot.risk.inputs import RiskInputs
from tradepilot.risk.monitors import derive_figures

TODAY = dt.date(2025, 6, 30)


def _inputs() -> RiskInputs:
    # given one supplier's two SKUs: 3,650 EUR of sales a year, a net margin < 0
    lines = pl.DataFrame(
        {"day": [TODAY - dt.timedelta(days=10)] * 2, "sku": ["A", "B"],
         "country": ["DE", "DE"], "currency": ["EUR", "EUR"], "units": [10, 10],
         "amount": [3000.0, 650.0], "returned": [False, False]}
    )  # fmt: skip
    margins = pl.DataFrame(
        {"sku": ["A", "B"], "country": ["DE", "DE"], "supplier": ["S", "S"],
         "yearly_margin": [200.0, -900.0], "yearly_units": [10.0, 10.0]}
    )  # fmt: skip
    return RiskInputs(
        today=TODAY, base="EUR", lines=lines,
        rates=pl.DataFrame(schema={"currency": pl.String, "date": pl.Date,
                                   "per_eur": pl.Float64}),
        products=pl.DataFrame({"sku": ["A", "B"], "supplier": ["S", "S"]}),
        margins=margins,
    )  # fmt: skip


def test_a_suppliers_daily_sales_are_its_skus_sales_even_when_its_margin_is_negative():
    figures = derive_figures(_inputs(), RiskConfig())

    # then a delay puts 10 EUR of sales a day at stake, not the negative margin
    assert figures.supplier_daily_sales == {"S": pytest.approx(3650.0 / 365)}
    assert figures.unit_margin["A"] == pytest.approx(20.0)
