"""``tradepilot status`` computes its totals without polars; its rate lookup must be
the one of :class:`~tradepilot.fx.rates.RateTable` (carry-forward, its limit, the
euro anchor), day by day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepilot.domain.errors import MissingRateError
from tradepilot.fx import rates as fx_rates
from tradepilot.fx.service import load_rate_table
from tradepilot.ingest.service import import_file
from tradepilot.reporting import totals
from tradepilot.reporting.totals import _round

# ECB layout, newest first; USD has a 17-day hole, GBP one rate, JPY none.
ECB = """Date,USD,GBP,
2024-01-22,1.0890,N/A,
2024-01-05,1.0921,N/A,
2024-01-03,N/A,0.8630,
2024-01-02,1.0956,N/A,
"""


def test_the_carry_forward_rules_are_the_rate_tables():
    assert totals.ANCHOR == fx_rates.ANCHOR
    assert totals.MAX_CARRY_DAYS == fx_rates.MAX_CARRY_DAYS


def test_every_day_gets_the_rate_table_rate_or_none_where_it_has_none(engine, tmp_path):
    (tmp_path / "eurofxref-hist.csv").write_text(ECB)
    import_file(engine, fmt="fx", path=tmp_path / "eurofxref-hist.csv")
    with engine.begin() as conn:
        table = load_rate_table(conn, ["USD", "GBP", "JPY"])
        ours = totals._Rates(conn, {"USD", "GBP", "JPY", "EUR"})
    for currency in ("USD", "GBP", "JPY", "EUR"):
        for offset in range(-3, 35):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=offset)
            try:
                expected: float | None = table.per_eur(currency, day)
            except MissingRateError:
                expected = None
            assert ours.per_eur(currency, day) == expected, (currency, day)


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.675, 2, 2.68), (0.125, 2, 0.12), (-0.135, 2, -0.14), (1234.5, 0, 1234.0)],
)
def test_rounding_is_the_kpi_reports(value, digits, expected):
    """Half to even on the shortest decimal form, as polars rounds."""
    import polars as pl

    assert pl.Series([value]).round(digits)[0] == expected
    assert _round(value, digits) == expected


@given(st.floats(-1e9, 1e9, allow_nan=False), st.sampled_from([0, 2, 3]))
def test_rounding_agrees_with_polars_on_any_amount(value, digits):
    import polars as pl

    assert _round(value, digits) == pl.Series([value]).round(digits)[0]
