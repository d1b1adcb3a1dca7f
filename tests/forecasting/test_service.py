"""Forecast runs on a real store (SQLite and PostgreSQL): stored, exported, reported."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from tests.simstore import import_store

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.reports import list_series, run_summary, series_detail
from tradepilot.forecasting.series import build_panel
from tradepilot.forecasting.service import (
    EXPORT_COLUMNS,
    ForecastSettings,
    correct_stockouts,
    demand_panel,
    export_forecast,
    forecast_demand,
    return_rates,
)
from tradepilot.store import tables

MONDAY = dt.date(2024, 1, 1)


def test_forecast_run_is_stored_and_exported_in_the_documented_format(
    engine, sim_files, tmp_path: Path
):
    import_store(engine, sim_files)

    result = forecast_demand(engine, ForecastSettings(horizon=4))
    out = tmp_path / "forecast.csv"
    rows = export_forecast(engine, out)

    with out.open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == EXPORT_COLUMNS
    assert rows == len(table) == result["series"] * 4
    periods = sorted({r["period_start"] for r in table})
    assert periods[0] == result["first_period"]
    assert all(dt.date.fromisoformat(p).weekday() == 0 for p in periods)
    assert len(periods) == 4
    for r in table:
        lo95, lo80, f, hi80, hi95 = (
            float(r[k]) for k in ("lo_95", "lo_80", "forecast", "hi_80", "hi_95")
        )
        assert 0 <= lo95 <= lo80 <= hi80 <= hi95
        assert lo95 <= f <= hi95
        assert len(r["country"]) == 2
        assert r["model"]
    assert sum(result["model_choices"].values()) == result["series"]
    assert sum(result["class_counts"].values()) == result["series"]
    with engine.connect() as conn:
        counts = {
            name: conn.execute(
                sa.select(sa.func.count()).select_from(getattr(tables, name))
            ).scalar_one()
            for name in ("forecast_choices", "forecast_values", "forecast_scores")
        }
    assert counts["forecast_choices"] == result["series"]
    assert counts["forecast_values"] == result["series"] * 4
    assert counts["forecast_scores"] > result["series"]  # several candidates each


def test_forecast_starts_after_the_last_whole_period(engine, sim_files):
    import_store(engine, sim_files)
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(tables.orders.c.ordered_at))).scalar()
    last_day = last.date() if isinstance(last, dt.datetime) else last
    next_day = last_day + dt.timedelta(days=1)

    result = forecast_demand(engine, ForecastSettings(horizon=2))

    expected = next_day - dt.timedelta(days=next_day.weekday())
    assert result["first_period"] == expected.isoformat()


def test_cutoff_uses_only_data_before_it(engine, sim_files):
    import_store(engine, sim_files)
    cutoff = dt.date(2024, 10, 9)  # a Wednesday: its week is left out of training

    result = forecast_demand(engine, ForecastSettings(horizon=3, cutoff=cutoff))
    panel = demand_panel(engine, ForecastSettings(cutoff=cutoff))

    assert result["first_period"] == "2024-10-07"
    assert panel["ds"].max() == dt.date(2024, 9, 30)


def test_stockouts_from_stock_counts_are_corrected(engine, sim_files):
    import_store(engine, sim_files)

    corrected = demand_panel(engine, ForecastSettings())
    raw = demand_panel(engine, ForecastSettings(stockout_correction=False))

    assert corrected.height == raw.height
    assert (
        corrected["y_observed"].to_list()
        == corrected.sort("unique_id", "ds")["y_observed"].to_list()
    )
    joined = corrected.join(raw, on=["unique_id", "ds"], suffix="_raw")
    assert (joined["y_observed"] == joined["y_raw"]).all()
    assert (joined["y"] >= joined["y_raw"]).all()
    assert joined.filter(pl.col("censored"))["lost"].sum() > 0
    assert joined.filter(~pl.col("censored"))["lost"].sum() == 0


def test_sku_total_is_the_sum_of_its_countries(engine, sim_files):
    import_store(engine, sim_files)
    plain = ForecastSettings(stockout_correction=False)

    by_country = demand_panel(engine, plain)
    by_sku = demand_panel(
        engine, ForecastSettings(level="sku", stockout_correction=False)
    )

    summed = by_country.group_by("sku", "ds").agg(pl.col("y").sum())
    joined = by_sku.join(summed, on=["sku", "ds"], how="left", suffix="_sum")
    assert (joined["y"] == joined["y_sum"].fill_null(0)).all()


def test_reports_list_worst_first_and_explain_one_series(engine, sim_files):
    import_store(engine, sim_files)
    assert run_summary(engine) is None
    forecast_demand(engine, ForecastSettings(horizon=4))

    listed = list_series(engine, limit=500)
    scored = [r["cv_rmsse"] for r in listed["data"] if r["cv_rmsse"] is not None]
    top = next(r for r in listed["data"] if r["n_windows"] > 0)
    detail = series_detail(engine, top["unique_id"])

    assert scored == sorted(scored, reverse=True)
    assert listed["count"] == run_summary(engine)["run"]["metrics"]["series"]
    assert detail["choice"]["model"] == top["model"]
    best = min(
        (c for c in detail["candidates"] if c["cv_rmsse"] is not None),
        key=lambda c: c["cv_rmsse"],
    )
    assert top["model"] in {c["model"] for c in detail["candidates"]}
    assert best["cv_rmsse"] <= top["cv_rmsse"]
    assert len(detail["forecast"]["ds"]) == 4
    assert set(detail["forecast"]["intervals"]) == {"80", "95"}
    history = detail["history"]
    assert len(history["ds"]) == len(history["y"]) == len(history["demand"])
    assert all(d >= y for d, y in zip(history["demand"], history["y"], strict=True))
    with pytest.raises(DataValidationError, match="no series 'NOPE|XX'"):
        series_detail(engine, "NOPE|XX")


def test_export_before_any_run_says_what_to_do(engine, tmp_path: Path):
    with pytest.raises(DataValidationError, match="tradepilot forecast run"):
        export_forecast(engine, tmp_path / "x.csv")


def test_forecast_without_orders_is_refused(engine):
    with pytest.raises(DataValidationError, match="import orders first"):
        forecast_demand(engine, ForecastSettings())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"freq": "Q"}, "--freq must be one of D, W, M"),
        ({"horizon": 0}, "--horizon must be 1 to 104"),
        ({"levels": (80, 120)}, "--level values must be 50 to 99"),
        ({"engine": "spark"}, "--engine must be local, dask or ray"),
    ],
)
def test_bad_settings_name_the_allowed_values(change, message):
    with pytest.raises(DataValidationError, match=message):
        ForecastSettings(**change).check()


def test_a_stock_count_of_zero_marks_every_country_of_the_sku():
    """Hand-made: SKU A sells 10 a week in GB and 4 in FR; in weeks 5-6 it is out of
    stock (counted 0 on both Sundays, and on the Sunday before week 7) and sells
    nothing anywhere."""
    weeks = [MONDAY + dt.timedelta(weeks=w) for w in range(10)]
    sold = {
        "GB": [10, 10, 10, 10, 0, 0, 10, 10, 10, 10],
        "FR": [4] * 4 + [0, 0] + [4] * 4,
    }
    lines = pl.DataFrame(
        {
            "sku": "A",
            "country": [c for c in sold for _ in weeks],
            "ordered_at": [
                dt.datetime(w.year, w.month, w.day, 12, tzinfo=dt.UTC)
                for _ in sold
                for w in weeks
            ],
            "quantity": [q for c in sold for q in sold[c]],
        }
    ).filter(pl.col("quantity") > 0)
    panel = build_panel(lines, freq="W")
    on_hand = [50, 40, 30, 20, 0, 0, 60, 50, 40, 30]
    counts = pl.DataFrame(
        {
            "sku": "A",
            "date": [w + dt.timedelta(days=6) for w in weeks],
            "on_hand": on_hand,
        }
    )

    out = correct_stockouts(panel, counts, "W").sort("country", "ds")

    gb = out.filter(pl.col("country") == "GB")
    fr = out.filter(pl.col("country") == "FR")
    # Out all of weeks 5-6; restocked at some unknown point of week 7.
    assert gb["censored"].to_list() == [False] * 4 + [True] * 3 + [False] * 3
    assert fr["censored"].to_list() == gb["censored"].to_list()
    assert gb["y"].to_list()[4:6] == pytest.approx([10.0, 10.0])
    assert fr["y"].to_list()[4:6] == pytest.approx([4.0, 4.0])
    assert gb["y"][6] >= 10
    assert fr["y"][6] >= 4
    assert out.filter(~pl.col("censored"))["lost"].sum() == 0


def test_export_of_a_run_at_other_levels_leaves_80_and_95_empty(
    engine, sim_files, tmp_path: Path
):
    import_store(engine, sim_files)
    forecast_demand(engine, ForecastSettings(horizon=2, levels=(90,)))

    out = tmp_path / "f.csv"
    export_forecast(engine, out)
    table = pl.read_csv(out)

    assert table.columns == EXPORT_COLUMNS
    assert table["lo_80"].null_count() == table.height
    assert table["forecast"].null_count() == 0


def test_cancellations_and_returns_are_their_own_series(engine, sim_files):
    import_store(engine, sim_files)
    with engine.connect() as conn:
        o, lines = tables.orders, tables.order_lines
        returned = conn.execute(
            sa.select(sa.func.sum(-lines.c.quantity))
            .select_from(lines.join(o, lines.c.order_id == o.c.id))
            .where(
                o.c.kind.in_(["cancellation", "return"]),
                lines.c.kind == "product",
                lines.c.quantity < 0,
            )
        ).scalar_one()

    rates = return_rates(engine, ForecastSettings())
    run = forecast_demand(engine, ForecastSettings(horizon=2))

    assert returned > 0
    assert rates["returned"].sum() == pytest.approx(float(returned))
    assert (rates["sold"] >= 0).all()
    assert run["returns"]["units_returned"] == pytest.approx(float(returned), abs=0.1)
    assert 0 < run["returns"]["return_rate"] < 1
