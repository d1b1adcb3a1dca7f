import datetime as dt

import polars as pl
import pytest

from tradepilot.customers.rfm import (
    check_calibration_end,
    holdout_counts,
    naive_forecast,
    purchase_days,
    summarise,
    unit_days,
)
from tradepilot.domain.errors import DataValidationError

D = dt.date


def _lines(rows):
    return pl.DataFrame(rows, schema=["customer", "day", "amount"], orient="row")


def test_several_orders_on_one_day_are_one_purchase_day_and_the_first_is_not_monetary():
    lines = _lines(
        [
            ("a", D(2024, 1, 1), 10.0),
            ("a", D(2024, 1, 1), 30.0),  # same day: one purchase of 40
            ("a", D(2024, 1, 8), 12.0),
            ("a", D(2024, 1, 8), 8.0),  # one repeat purchase of 20
            ("a", D(2024, 1, 22), 5.0),
            ("b", D(2024, 1, 29), 7.0),
        ]
    )

    s = summarise(purchase_days(lines), calibration_end=D(2024, 1, 29), unit_days=7)

    assert s.select("customer", "frequency", "recency", "T", "monetary").rows() == [
        ("a", 2, 3.0, 4.0, 12.5),
        ("b", 0, 0.0, 0.0, 0.0),
    ]


def test_daily_units_count_whole_days_and_later_purchases_are_left_out():
    lines = _lines(
        [
            ("a", D(2024, 1, 1), 1.0),
            ("a", D(2024, 1, 4), 1.0),
            ("a", D(2024, 2, 1), 1.0),  # after the calibration end
            ("c", D(2024, 2, 2), 1.0),  # first purchase after it: not a customer yet
        ]
    )

    s = summarise(purchase_days(lines), calibration_end=D(2024, 1, 10), unit_days=1)

    assert s.select("customer", "frequency", "recency", "T").rows() == [
        ("a", 1, 3.0, 9.0)
    ]


def test_holdout_counts_purchase_days_after_the_calibration_end():
    days = purchase_days(
        _lines(
            [
                ("a", D(2024, 1, 10), 1.0),
                ("a", D(2024, 1, 11), 1.0),
                ("a", D(2024, 1, 11), 1.0),
                ("a", D(2024, 1, 20), 1.0),
                ("b", D(2024, 1, 21), 1.0),
            ]
        )
    )

    counts = holdout_counts(days, calibration_end=D(2024, 1, 10), end=D(2024, 1, 20))

    assert sorted(counts.rows()) == [("a", 2)]


def test_naive_baseline_keeps_the_rate_of_the_calibration_period():
    summary = pl.DataFrame({"frequency": [4, 0, 2], "T": [8.0, 3.0, 0.0]})

    assert naive_forecast(summary, 2.0).to_list() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "end", [D(2023, 12, 31), D(2024, 2, 1)], ids=["before", "after"]
)
def test_calibration_end_outside_the_data_names_the_range(end):
    days = purchase_days(_lines([("a", D(2024, 1, 1), 1.0), ("a", D(2024, 1, 9), 1.0)]))

    with pytest.raises(
        DataValidationError, match="purchases run from 2024-01-01 to 2024-01-09"
    ):
        check_calibration_end(days, end, D(2024, 1, 9))


def test_unknown_time_unit_is_refused():
    with pytest.raises(DataValidationError, match="D \\(days\\) or W \\(weeks\\)"):
        unit_days("M")
