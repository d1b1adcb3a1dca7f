"""``tradepilot forecast run|backtest|export|series``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    settings_for,
    stdout,
)
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.numbers import format_number, format_percent, format_units

if TYPE_CHECKING:
    from tradepilot.forecasting.service import ForecastSettings

forecast_app = typer.Typer(
    help="Demand forecasts per SKU x country.", no_args_is_help=True
)

Horizon = Annotated[int, typer.Option(help="Periods to forecast.")]
Freq = Annotated[str, typer.Option(help="Period: W (weeks from Monday), D or M.")]
Cutoff = Annotated[
    str | None,
    typer.Option(
        help="Use only data before this date (YYYY-MM-DD); forecast from its period."
    ),
]
Levels = Annotated[
    list[int] | None, typer.Option("--level", help="Interval levels (repeat).")
]
Engine = Annotated[
    str,
    typer.Option(
        help="local, dask or ray: the cluster at $TRADEPILOT_CLUSTER_ADDRESS, "
        "else a local one."
    ),
]
Jobs = Annotated[int, typer.Option(help="Parallel processes for model fitting.")]
Pool = Annotated[
    float, typer.Option(help="Pool a SKU's countries selling fewer units into markets.")
]


def _settings(
    horizon: int,
    freq: str,
    cutoff: str | None,
    levels: list[int] | None,
    engine: str,
    n_jobs: int,
    pool: float,
) -> ForecastSettings:
    from tradepilot.forecasting.series import Pooling
    from tradepilot.forecasting.service import ForecastSettings

    try:
        day = dt.date.fromisoformat(cutoff) if cutoff else None
    except ValueError:
        raise DataValidationError(
            f"--cutoff must be YYYY-MM-DD, got {cutoff!r}"
        ) from None
    return ForecastSettings(
        horizon=horizon,
        freq=freq.upper(),
        cutoff=day,
        levels=tuple(sorted(levels or [80, 95])),
        engine=engine,
        n_jobs=n_jobs,
        pooling=Pooling(min_units=pool),
    )


def run(
    horizon: Horizon = 12,
    freq: Freq = "W",
    cutoff: Cutoff = None,
    level: Levels = None,
    engine: Engine = "local",
    n_jobs: Jobs = 2,
    pool: Pool = 0.0,
    stockouts: Annotated[
        bool,
        typer.Option(
            "--stockout-correction/--no-stockout-correction",
            help="Learn from estimated demand where stock ran out.",
        ),
    ] = True,
    global_model: Annotated[
        bool,
        typer.Option(
            "--global-model",
            help="Let a global LightGBM model (mlforecast) compete per series.",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast demand for every SKU x country and store the run."""
    from tradepilot.forecasting.service import forecast_demand
    from tradepilot.workspace import open_store

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        settings = _settings(horizon, freq, cutoff, level, engine, n_jobs, pool)
        settings.stockout_correction = stockouts
        settings.global_model = global_model
        workspace_settings = settings_for(workspace)
        settings.cluster_address = workspace_settings.cluster_address
        store = open_store(workspace_settings)
        progress("choosing a model per series by cross-validation")
        try:
            result = forecast_demand(store, settings)
        finally:
            store.dispose()
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"Forecast run {result['run_id']}: {result['series']:,} series, {result['periods']}"
        f" periods from {result['first_period']}, {result['seconds']} s"
    )
    lost = result["stockouts"]
    if lost.get("corrected"):
        stdout.print(
            f"Stockouts: {lost['censored_periods']:,} periods in"
            f" {lost['series_with_stockouts']:,} series;"
            f" {format_units(lost['lost_units'])} units of lost demand added back"
        )
    returns = result["returns"]
    if returns["return_rate"] is not None:
        stdout.print(
            f"Returns and cancellations: {format_units(returns['units_returned'])} of"
            f" {format_units(returns['units_sold'])} units sold"
            f" ({format_percent(returns['return_rate'])}),"
            " kept out of demand"
        )
    stdout.print(_counts_table("Model chosen", result["model_choices"]))
    stdout.print(_counts_table("Demand class", result["class_counts"]))


def backtest(
    horizon: Horizon = 12,
    freq: Freq = "W",
    cutoff: Cutoff = None,
    level: Levels = None,
    n_jobs: Jobs = 2,
    pool: Pool = 0.0,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Backtest on held-out time against single-model baselines."""
    from tradepilot.forecasting.service import backtest_demand
    from tradepilot.workspace import open_store

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        settings = _settings(horizon, freq, cutoff, level, "local", n_jobs, pool)
        store = open_store(settings_for(workspace))
        progress("backtesting TradePilot and the baselines")
        try:
            metrics = backtest_demand(store, settings)
        finally:
            store.dispose()
    if as_json:
        emit_json(metrics)
        return
    stdout.print(_metrics_table(metrics))


def export(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the latest forecast run (one row per series and period)."""
    from tradepilot.forecasting.service import export_forecast
    from tradepilot.workspace import open_store

    with errors_as_messages():
        store = open_store(settings_for(workspace))
        try:
            rows = export_forecast(store, out)
        finally:
            store.dispose()
    if as_json:
        emit_json({"rows": rows, "out": str(out)})
    else:
        stdout.print(f"Wrote {rows:,} rows to {out}")


def series(
    file: Annotated[
        Path, typer.Argument(help="A long table: one row per id and period.")
    ],
    id_col: Annotated[
        str,
        typer.Option(
            "--id", help="Series id column, or several joined by commas (Store,Dept)."
        ),
    ],
    time_col: Annotated[str, typer.Option("--time", help="Period date column.")],
    target_col: Annotated[str, typer.Option("--target", help="Value column.")],
    horizon: Annotated[int, typer.Option(help="Periods to forecast.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    freq: Annotated[
        str | None, typer.Option(help="D, W or M (checked against the data).")
    ] = None,
    n_jobs: Jobs = 2,
    as_json: JsonOption = False,
) -> None:
    """Forecast any long table (a spreadsheet of weekly sales, a marketplace report)."""
    from tradepilot.forecasting.panel_file import forecast_file

    with errors_as_messages():
        result = forecast_file(
            file,
            out,
            id_col=id_col,
            time_col=time_col,
            target_col=target_col,
            horizon=horizon,
            freq=freq.upper() if freq else None,
            n_jobs=n_jobs,
        )
    if as_json:
        emit_json(result)
    else:
        stdout.print(
            f"Forecast {result['series']} series ({result['freq']}); wrote {result['rows']} rows to {out}"
        )
        notes = result["notes"]
        for note in notes if isinstance(notes, list) else []:
            stdout.print(f"Note: {note}")


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split()[0].lower())
    table.add_column("series", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    return table


def _metrics_table(metrics: dict[str, Any]) -> Table:
    table = Table(
        title=f"Backtest at {metrics['cutoff']} ({metrics['series']:,} series)",
        title_justify="left",
    )
    for column in ("model", "RMSSE", "MASE", "WAPE", "bias", "cover 80", "cover 95"):
        table.add_column(column, justify="left" if column == "model" else "right")
    rows = [("TradePilot", metrics), *metrics["baselines"].items()]
    for name, m in rows:
        cover = m.get("coverage", {})
        table.add_row(
            name,
            format_number(m["rmsse"], 3),
            format_number(m["mase"], 3),
            format_number(m["wape"], 3),
            format_number(m["bias"], 3, signed=True),
            format_percent(cover.get("80")),
            format_percent(cover.get("95")),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the forecast commands to ``app``."""
    forecast_app.command()(run)
    forecast_app.command()(backtest)
    forecast_app.command()(export)
    forecast_app.command()(series)
    app.add_typer(forecast_app, name="forecast")
