"""``tradepilot forecast run|backtest|export|series`` end to end on a SQLite workspace."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.workspace import init_workspace


def invoke(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_run_backtest_and_export(tmp_path: Path, sim_files):
    home = tmp_path / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    engine.dispose()
    out = tmp_path / "forecast.csv"

    run = invoke("forecast", "run", "--horizon", "4", "-w", str(home), "--json")
    backtest = invoke(
        "forecast", "backtest", "--horizon", "4", "-w", str(home), "--json"
    )
    exported = invoke(
        "forecast", "export", "--out", str(out), "-w", str(home), "--json"
    )
    text = CliRunner().invoke(
        app, ["forecast", "run", "--horizon", "2", "-w", str(home)]
    )

    assert run["series"] > 0
    assert run["stockouts"]["censored_periods"] > 0
    assert {
        "series",
        "rmsse",
        "mase",
        "wape",
        "bias",
        "coverage",
        "baselines",
        "seconds",
    } <= set(backtest)
    assert set(backtest["coverage"]) == {"80", "95"}
    assert 0 <= backtest["coverage"]["80"] <= backtest["coverage"]["95"] <= 1
    assert {"Naive", "MovingAverage8", "AutoETS", "CrostonOptimized", "TSB"} <= set(
        backtest["baselines"]
    )
    assert exported["rows"] == run["series"] * 4
    with out.open(newline="") as handle:
        header = next(csv.reader(handle))
    assert (
        header
        == "sku,country,period_start,forecast,lo_80,hi_80,lo_95,hi_95,model".split(",")
    )
    assert text.exit_code == 0
    assert "Model chosen" in text.stdout
    # units whole, with separators, as the pages write them ("0 of 1,234 units")
    returns, words = run["returns"], " ".join(text.stdout.split())
    sold, back = round(returns["units_sold"]), round(returns["units_returned"])
    assert sold >= 1000
    assert f"Returns and cancellations: {back:,} of {sold:,} units sold" in words


def test_series_forecasts_any_long_table_in_its_own_frequency(tmp_path: Path):
    fridays = [dt.date(2024, 1, 5) + dt.timedelta(weeks=w) for w in range(60)]
    table = pl.DataFrame(
        {
            "listing": [name for name in ("mug", "tee") for _ in fridays],
            "week_ending": fridays * 2,
            "units": [float(5 + w % 4) for w in range(60)]
            + [float(20 + (w % 2) * 3) for w in range(60)],
        }
    )
    source, out = tmp_path / "weekly.csv", tmp_path / "out.csv"
    table.write_csv(source)

    result = invoke(
        "forecast", "series", str(source), "--id", "listing", "--time", "week_ending",
        "--target", "units", "--horizon", "6", "--out", str(out), "--json",
    )  # fmt: skip

    written = pl.read_csv(out, try_parse_dates=True)
    assert result["series"] == 2
    assert written.columns == [
        "listing", "week_ending", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model",
    ]  # fmt: skip
    assert written.height == 12
    assert {d.weekday() for d in written["week_ending"]} == {4}  # still Fridays
    assert written.filter(pl.col("listing") == "mug")["week_ending"].min() == (
        fridays[-1] + dt.timedelta(weeks=1)
    )


def test_series_reads_a_daily_export_without_rows_for_days_without_sales(
    tmp_path: Path,
):
    # A sales export has no row for a day without a sale: a shop closed on
    # Saturdays, and a wholesale customer ordering about every three weeks who
    # has not ordered in the export's last ten days.
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(200)]
    shop = [(d, float(10 + d.weekday())) for d in days if d.weekday() != 5]
    wholesale = [(d, 40.0) for i, d in enumerate(days) if i % 21 == 3 and i < 190]
    table = pl.DataFrame(
        [("shop", d, y) for d, y in shop] + [("wholesale", d, y) for d, y in wholesale],
        schema=["customer", "date", "units"],
        orient="row",
    )
    source, out = tmp_path / "daily.csv", tmp_path / "out.csv"
    table.sample(fraction=1.0, shuffle=True, seed=1).write_csv(source)

    result = invoke(
        "forecast", "series", str(source), "--id", "customer", "--time", "date",
        "--target", "units", "--horizon", "14", "--out", str(out), "--json",
    )  # fmt: skip

    written = pl.read_csv(out, try_parse_dates=True)
    assert result["freq"] == "D"
    # every series is forecast from the day after the export's last day
    starts = written.group_by("customer").agg(pl.col("date").min())
    assert set(starts["date"]) == {days[-1] + dt.timedelta(days=1)}
    # ten days without an order is not a dead customer on daily data
    wholesale_fc = written.filter(pl.col("customer") == "wholesale")
    assert wholesale_fc["model"].unique().to_list() != ["Zero"]
    assert wholesale_fc["forecast"].sum() > 0


@pytest.mark.parametrize(
    ("dates", "freq"),
    [
        (["2024-01-01", "2024-01-02", "2024-01-05"], "D"),
        (["2024-01-05", "2024-01-19", "2024-02-02"], "W-FRI"),
        (["2024-01-01", "2024-03-01", "2024-04-01"], "MS"),
        (["2024-01-31", "2024-02-29", "2024-04-30"], "ME"),
        (["2024-01-01", "2024-04-01", "2024-10-01"], "QS-JAN"),
        (["2024-03-31", "2024-06-30", "2024-12-31"], "QE-DEC"),
    ],
    ids=["days", "weeks", "months", "month-ends", "quarters", "quarter-ends"],
)
def test_series_frequency_is_the_grid_all_dates_sit_on(dates: list[str], freq: str):
    from tradepilot.forecasting.panel_file import infer_freq

    panel = pl.DataFrame(
        {"unique_id": "a", "ds": [dt.date.fromisoformat(d) for d in dates]}
    )

    assert infer_freq(panel) == freq


def test_wrong_table_gets_a_message_not_a_traceback(tmp_path: Path):
    source = tmp_path / "weekly.csv"
    source.write_text("a,b\n1,2\n")

    result = CliRunner().invoke(
        app,
        ["forecast", "series", str(source), "--id", "listing", "--time", "week",
         "--target", "units", "--horizon", "4", "--out", str(tmp_path / "o.csv")],
    )  # fmt: skip

    assert result.exit_code != 0
    assert "listing" in result.stderr
    assert "Traceback" not in result.stderr


def test_series_accepts_net_sales_below_zero_and_says_so(tmp_path: Path):
    fridays = [dt.date(2024, 1, 5) + dt.timedelta(weeks=w) for w in range(20)]
    sales = [float(10 + w % 3) for w in range(20)]
    sales[7] = -4.5  # a week of returns
    source, out = tmp_path / "net.csv", tmp_path / "out.csv"
    pl.DataFrame({"store": "a", "week": fridays, "net": sales}).write_csv(source)

    result = invoke(
        "forecast", "series", str(source), "--id", "store", "--time", "week",
        "--target", "net", "--horizon", "4", "--out", str(out), "--json",
    )  # fmt: skip

    assert result["rows"] == 4
    assert "1 value(s) of net below zero" in result["notes"][0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "a,2024-01-12,inf\na,2024-01-19,2",
            "cannot be forecast (infinite or NaN), in rows 3",
        ),
        (
            "a,2024-01-12,3\na,2024-01-12,2",
            "repeat an (store, week) pair, so a period has two values; rows 3, 4",
        ),
        (
            "a,2024-01-08,3\na,2024-01-14,2",
            "the dates are 3 days apart or a multiple of it",
        ),
    ],
    ids=["infinite", "repeated-week", "off-grid"],
)
def test_series_names_the_rows_it_cannot_forecast(
    tmp_path: Path, rows: str, message: str
):
    source = tmp_path / "bad.csv"
    source.write_text(f"store,week,net\na,2024-01-05,1\n{rows}\n")

    result = CliRunner().invoke(
        app,
        ["forecast", "series", str(source), "--id", "store", "--time", "week",
         "--target", "net", "--horizon", "2", "--out", str(tmp_path / "o.csv")],
    )  # fmt: skip

    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_series_takes_several_id_columns_and_writes_them_back(tmp_path: Path):
    fridays = [dt.date(2024, 1, 5) + dt.timedelta(weeks=w) for w in range(20)]
    rows = [
        {"Store": store, "Dept": dept, "Date": day, "Sales": float(w % 4 + dept)}
        for store in (1, 2)
        for dept in (1, 2)
        for w, day in enumerate(fridays)
    ]
    source, out = tmp_path / "panel.csv", tmp_path / "out.csv"
    pl.DataFrame(rows).write_csv(source)

    result = invoke(
        "forecast", "series", str(source), "--id", "Store,Dept", "--time", "Date",
        "--target", "Sales", "--horizon", "3", "--out", str(out), "--json",
    )  # fmt: skip
    written = pl.read_csv(out)

    assert result["series"] == 4
    assert result["rows"] == 12
    assert written.columns[:3] == ["Store", "Dept", "Date"]
    assert sorted(set(written.select("Store", "Dept").iter_rows())) == [
        (1, 1), (1, 2), (2, 1), (2, 2)
    ]  # fmt: skip
