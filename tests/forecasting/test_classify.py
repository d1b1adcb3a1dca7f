"""Panel validation and Syntetos-Boylan classification, on hand-computed series."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.classify import classify_series, since_first_sale, to_panel

MONDAY = dt.date(2024, 1, 1)


def weekly(series: dict[str, list[float]]) -> pl.DataFrame:
    """Panel of weekly series, all starting on the same Monday."""
    return pl.concat(
        pl.DataFrame(
            {
                "unique_id": uid,
                "ds": [MONDAY + dt.timedelta(weeks=i) for i in range(len(y))],
                "y": [float(v) for v in y],
            }
        )
        for uid, y in series.items()
    )


# (y, n_periods, nonzero, adi, cv2, class) with dead_after=3, new_within=4.
# cv2 uses the population standard deviation of the non-zero sizes.
CASES = {
    # sizes 4,5,4,5,4,5 from week 2: mean 4.5, sd 0.5 -> (0.5 / 4.5)^2 = 1/81
    "smooth": ([0, 0, 4, 5, 4, 5, 4, 5], 6, 6, 1.0, 1 / 81, "smooth"),
    # mean 5, sd 4 -> 16/25
    "erratic": ([1, 9, 1, 9, 1, 9], 6, 6, 1.0, 0.64, "erratic"),
    # 8 periods / 5 sales = 1.6; sizes 3,3,4,3,3: mean 3.2, sd 0.4 -> 1/64
    "intermittent": ([3, 0, 3, 0, 4, 0, 3, 3], 8, 5, 1.6, 1 / 64, "intermittent"),
    # 8 / 4 = 2; sizes 1,9,1,9 -> 0.64
    "lumpy": ([1, 0, 0, 9, 0, 1, 0, 9], 8, 4, 2.0, 0.64, "lumpy"),
    # first sale in week 5: 3 periods < 4; sizes 2,3,1: mean 2, var 2/3 -> 1/6
    "new": ([0, 0, 0, 0, 0, 2, 3, 1], 3, 3, 1.0, 1 / 6, "new"),
    # exactly new_within periods since the first sale is no longer new
    "new_boundary": ([1, 1, 1, 1], 4, 4, 1.0, 0.0, "smooth"),
    # last sale 3 periods before the end (dead_after=3); 7 / 4 = 1.75
    "dead": ([5, 5, 5, 5, 0, 0, 0], 7, 4, 1.75, 0.0, "dead"),
    # last sale 2 periods before the end: alive
    "dead_boundary": ([5, 5, 5, 5, 5, 0, 0], 7, 5, 1.4, 0.0, "intermittent"),
    "never_sold": ([0, 0, 0], 0, 0, None, None, "dead"),
}


@pytest.mark.parametrize(
    ("y", "n_periods", "nonzero", "adi", "cv2", "demand_class"),
    list(CASES.values()),
    ids=list(CASES),
)
def test_classify_series_hand_computed(
    y: list[float],
    n_periods: int,
    nonzero: int,
    adi: float | None,
    cv2: float | None,
    demand_class: str,
) -> None:
    # given one series
    panel = weekly({"a": y})

    # when it is classified
    row = classify_series(panel, dead_after=3, new_within=4).row(0, named=True)

    # then every statistic matches the hand computation
    assert row["n_periods"] == n_periods
    assert row["nonzero"] == nonzero
    assert row["adi"] == pytest.approx(adi)
    assert row["cv2"] == pytest.approx(cv2)
    assert row["demand_class"] == demand_class


def test_classify_series_returns_one_sorted_row_per_series() -> None:
    panel = weekly({"b": CASES["lumpy"][0], "a": CASES["smooth"][0]})

    result = classify_series(panel, dead_after=3, new_within=4)

    assert result.columns == [
        "unique_id",
        "n_periods",
        "nonzero",
        "adi",
        "cv2",
        "demand_class",
    ]
    assert result["unique_id"].to_list() == ["a", "b"]
    assert result["demand_class"].to_list() == ["smooth", "lumpy"]


def test_classify_series_accepts_pandas() -> None:
    panel = weekly({"a": CASES["erratic"][0]})

    result = classify_series(panel.to_pandas(), dead_after=3, new_within=4)

    assert isinstance(result, pl.DataFrame)
    assert result["demand_class"].to_list() == ["erratic"]


@pytest.mark.parametrize("argument", ["dead_after", "new_within"])
def test_classify_series_rejects_thresholds_below_one(argument: str) -> None:
    with pytest.raises(DataValidationError, match=argument):
        classify_series(weekly({"a": [1.0]}), **{argument: 0})


def test_since_first_sale_drops_leading_zeros_and_keeps_unsold_series() -> None:
    panel = to_panel(weekly({"a": [0, 0, 2, 0, 1], "b": [0, 0, 0]}))

    trimmed = since_first_sale(panel)

    assert trimmed.filter(pl.col("unique_id") == "a")["y"].to_list() == [2, 0, 1]
    assert trimmed.filter(pl.col("unique_id") == "b").height == 3


def test_to_panel_sorts_and_casts() -> None:
    frame = pd.DataFrame(
        {
            "unique_id": [2, 1, 1],
            "ds": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-01"]),
            "y": [1, 2, 3],
            "extra": ["x", "y", "z"],
        }
    )

    panel = to_panel(frame, freq="W-MON")

    assert panel.columns == ["unique_id", "ds", "y"]
    assert panel.schema["ds"] == pl.Datetime("ns")
    assert panel.with_columns(pl.col("ds").dt.date()).rows() == [
        ("1", dt.date(2024, 1, 1), 3.0),
        ("1", dt.date(2024, 1, 8), 2.0),
        ("2", dt.date(2024, 1, 1), 1.0),
    ]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pl.DataFrame({"unique_id": ["a"], "y": [1.0]}),
            "ds missing; found: unique_id, y",
        ),
        (
            pl.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": [1.0]}),
            "must hold dates",
        ),
        (weekly({"a": [1, -1]}), "finite and >= 0; 1 row"),
        (weekly({"a": [1, float("nan")]}), "finite and >= 0"),
        (pl.concat([weekly({"a": [1]}), weekly({"a": [2]})]), "repeated"),
        (
            weekly({"a": [1, 2, 3]}).filter(
                pl.col("ds") != MONDAY + dt.timedelta(weeks=1)
            ),
            "regular 'W-MON' grid",
        ),
        (
            weekly({"a": [1, 2]}).with_columns(pl.col("ds") + dt.timedelta(days=1)),
            "regular 'W-MON' grid",
        ),
    ],
    ids=[
        "missing_column",
        "text_dates",
        "negative",
        "nan",
        "duplicate",
        "gap",
        "tuesday",
    ],
)
def test_to_panel_rejects_invalid_panels(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        to_panel(frame, freq="W-MON")
