"""Supplier closures: Lunar New Year table, production starts, promised arrivals."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.replenishment.calendar import (
    LUNAR_NEW_YEAR,
    Closure,
    lunar_new_year_closures,
    production_start,
    production_starts,
    promised_arrival,
)
from tradepilot.simulate.purchasing import resume_days
from tradepilot.simulate.suppliers import SUPPLIERS, shutdowns
from tradepilot.simulate.timeline import CHINESE_NEW_YEAR, Timeline

D = dt.date
ACME = "Acme"
# 2024 window: closed 3 Feb .. 24 Feb, lead-in from 24 Jan, production resumes 25 Feb.
LNY_2024 = lunar_new_year_closures(ACME, [2024])


def test_lunar_new_year_table_covers_2020_to_2035() -> None:
    assert sorted(LUNAR_NEW_YEAR) == list(range(2020, 2036))
    assert LUNAR_NEW_YEAR[2020] == D(2020, 1, 25)
    assert LUNAR_NEW_YEAR[2035] == D(2035, 2, 8)


def test_lunar_new_year_table_agrees_with_simulator() -> None:
    common = sorted(set(LUNAR_NEW_YEAR) & set(CHINESE_NEW_YEAR))

    assert common == list(range(2022, 2031))
    assert {y: LUNAR_NEW_YEAR[y] for y in common} == CHINESE_NEW_YEAR


def test_closures_match_simulator_shutdown_windows() -> None:
    sim = shutdowns(D(2024, 1, 1), D(2025, 12, 31))

    ours = lunar_new_year_closures(sim[0].supplier, [2024, 2025])

    assert [(c.supplier, c.start, c.end, c.reason, c.lead_in_days) for c in ours] == [
        (s.supplier, s.start, s.end, s.reason, s.lead_in_days) for s in sim
    ]


def test_closure_window_defaults_and_options() -> None:
    [closure] = lunar_new_year_closures(
        ACME, [2025], before_days=3, after_days=5, lead_in_days=0
    )

    assert closure == Closure(
        ACME, D(2025, 1, 26), D(2025, 2, 3), "Lunar New Year factory closure", 0
    )
    assert LNY_2024[0].start == D(2024, 2, 3)
    assert LNY_2024[0].end == D(2024, 2, 24)
    assert LNY_2024[0].lead_in_days == 10


def test_unknown_year_is_refused() -> None:
    with pytest.raises(DataValidationError, match="no Lunar New Year date for 2019"):
        lunar_new_year_closures(ACME, [2019])


@pytest.mark.parametrize(
    ("start", "end", "lead_in"),
    [
        pytest.param(D(2024, 2, 2), D(2024, 2, 1), 0, id="end-before-start"),
        pytest.param(D(2024, 2, 1), D(2024, 2, 1), -1, id="negative-lead-in"),
    ],
)
def test_invalid_closure_is_refused(start: dt.date, end: dt.date, lead_in: int) -> None:
    with pytest.raises(DataValidationError, match="closure of 'Acme' needs"):
        Closure(ACME, start, end, "x", lead_in)


@pytest.mark.parametrize(
    ("supplier", "ordered", "expected"),
    [
        pytest.param(ACME, D(2024, 1, 23), D(2024, 1, 23), id="day-before-lead-in"),
        pytest.param(ACME, D(2024, 1, 24), D(2024, 2, 25), id="first-lead-in-day"),
        pytest.param(ACME, D(2024, 2, 3), D(2024, 2, 25), id="closure-start"),
        pytest.param(ACME, D(2024, 2, 24), D(2024, 2, 25), id="closure-end"),
        pytest.param(ACME, D(2024, 2, 25), D(2024, 2, 25), id="reopening-day"),
        pytest.param("Other", D(2024, 2, 10), D(2024, 2, 10), id="other-supplier"),
    ],
)
def test_production_start(supplier: str, ordered: dt.date, expected: dt.date) -> None:
    assert production_start(supplier, ordered, LNY_2024) == expected


def test_back_to_back_closures_chain() -> None:
    # Ordered in the first closure; it reopens 11 Mar, inside the second's lead-in.
    closures = [
        Closure(ACME, D(2024, 3, 15), D(2024, 3, 20), "stocktake", 5),
        Closure(ACME, D(2024, 3, 1), D(2024, 3, 10), "holiday"),
    ]

    assert production_start(ACME, D(2024, 3, 5), closures) == D(2024, 3, 21)
    assert production_start(ACME, D(2024, 3, 9), closures[:1]) == D(2024, 3, 9)


def test_production_starts_agree_with_scalar_version() -> None:
    closures = [
        *lunar_new_year_closures(ACME, [2024, 2025]),
        Closure(ACME, D(2024, 3, 15), D(2024, 3, 20), "stocktake", 5),
        Closure(ACME, D(2024, 2, 26), D(2024, 3, 10), "holiday"),
        Closure("Other", D(2024, 6, 1), D(2024, 6, 3), "move"),
    ]
    days = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(420)]
    orders = pl.DataFrame(
        {"who": [ACME, "Other"] * len(days), "day": [d for d in days for _ in "ab"]}
    )

    starts = production_starts(orders, closures, supplier_col="who", date_col="day")

    assert starts.dtype == pl.Date
    assert starts.to_list() == [
        production_start(who, day, closures) for who, day in orders.iter_rows()
    ]


def test_production_starts_match_simulator_resume_days() -> None:
    timeline = Timeline(D(2024, 1, 1), 730)
    windows = shutdowns(timeline.start, timeline.end)
    supplier = next(s for s in SUPPLIERS if s.has_new_year_shutdown)
    resume = resume_days(windows, timeline)[SUPPLIERS.index(supplier)]
    closures = lunar_new_year_closures(supplier.name, timeline.years)
    orders = pl.DataFrame(
        {"supplier": supplier.name, "ordered_date": timeline.dates.tolist()}
    )

    starts = production_starts(orders, closures)

    day = [int(r) if r >= 0 else i for i, r in enumerate(resume)]
    assert starts.to_list() == [timeline.date(d) for d in day]
    assert starts.n_unique() < timeline.n_days  # some orders did wait


def test_production_starts_keep_null_dates() -> None:
    orders = pl.DataFrame(
        {"supplier": [ACME, ACME], "ordered_date": [None, D(2024, 2, 1)]},
        schema={"supplier": pl.String, "ordered_date": pl.Date},
    )

    assert production_starts(orders, LNY_2024).to_list() == [None, D(2024, 2, 25)]


def test_production_starts_without_closures_are_order_days() -> None:
    orders = pl.DataFrame({"supplier": [ACME], "ordered_date": [D(2024, 2, 1)]})

    assert production_starts(orders, []).to_list() == [D(2024, 2, 1)]


def test_production_starts_name_missing_column() -> None:
    orders = pl.DataFrame({"vendor": [ACME], "ordered_date": [D(2024, 2, 1)]})

    with pytest.raises(DataValidationError) as info:
        production_starts(orders, LNY_2024)

    assert str(info.value) == (
        "orders lack column(s) supplier; expected supplier, ordered_date;"
        " found: vendor, ordered_date"
    )


def test_production_starts_need_date_column() -> None:
    orders = pl.DataFrame({"supplier": [ACME], "ordered_date": ["2024-02-01"]})

    with pytest.raises(DataValidationError, match="must be pl.Date; received String"):
        production_starts(orders, LNY_2024)


@pytest.mark.parametrize(
    ("ordered", "lead_days", "expected"),
    [
        pytest.param(D(2024, 3, 1), 10.4, D(2024, 3, 11), id="round-down"),
        pytest.param(D(2024, 3, 1), 10.6, D(2024, 3, 12), id="round-up"),
        pytest.param(D(2024, 3, 1), 10.5, D(2024, 3, 11), id="half-to-even"),
        pytest.param(D(2024, 2, 1), 39.2, D(2024, 4, 4), id="after-closure"),
        pytest.param(D(2024, 1, 20), 5.0, D(2024, 1, 25), id="before-lead-in"),
    ],
)
def test_promised_arrival(
    ordered: dt.date, lead_days: float, expected: dt.date
) -> None:
    assert promised_arrival(ACME, ordered, lead_days, LNY_2024) == expected
