"""Use-case verbs of forecasting: read demand from the store, forecast, backtest, save.

``forecast_demand`` builds the SKU x country panel (optionally corrected for
stockouts), lets :class:`~tradepilot.forecasting.selection.AutoForecaster` choose a
model per series by cross-validation, and stores the run: values, intervals and the
model chosen for every series. ``backtest_demand`` measures it against baselines on
held-out time. ``export_forecast`` writes the latest run as CSV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.forecasting.censoring import (
    AVAILABILITY,
    CensoredDemandCorrector,
    availability_from_snapshots,
)
from tradepilot.forecasting.classify import life_cycle
from tradepilot.forecasting.series import (
    PANDAS_FREQ,
    SEASON_LENGTH,
    Pooling,
    build_panel,
    cutoff_period,
    demand_lines,
    return_lines,
)
from tradepilot.store import tables
from tradepilot.store.bulk import insert_frame, read_frame
from tradepilot.workspace import newest_order_day

if TYPE_CHECKING:
    # statsforecast (and with it numba, and dask where installed) is imported when
    # a forecast or backtest runs, not by every command that reads a stored run
    from tradepilot.forecasting.selection import SeriesProgress

EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 1, 1)  # cutoffs that make sense
PANEL_STAGE = "reading orders and building the demand panel"
SAVE_STAGE = "saving the forecast"
EXPORT_COLUMNS = [
    "sku",
    "country",
    "period_start",
    "forecast",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
    "model",
]


@dataclass
class ForecastSettings:
    """Parameters of a forecast or backtest run."""

    horizon: int = 12
    freq: str = "W"
    cutoff: dt.date | None = None
    levels: tuple[int, ...] = (80, 95)
    level: str = "sku_country"
    pooling: Pooling = field(default_factory=Pooling)
    n_windows: int = 3
    n_jobs: int = 1
    engine: str = "local"
    # Dask or Ray scheduler of ``engine`` (Settings.cluster_address); None starts a
    # local cluster for the run.
    cluster_address: str | None = None
    stockout_correction: bool = True
    global_model: bool = False  # measured slightly worse; see forecasting.global_model

    def check(self) -> None:
        """Refuse settings that cannot run, with the allowed values."""
        if self.freq not in PANDAS_FREQ:
            raise DataValidationError(
                f"--freq must be one of D, W, M; got {self.freq!r}"
            )
        if not 1 <= self.horizon <= 104:
            raise DataValidationError(f"--horizon must be 1 to 104, got {self.horizon}")
        if any(not 50 <= lv < 100 for lv in self.levels):
            raise DataValidationError(
                f"--level values must be 50 to 99, got {self.levels}"
            )
        if self.cutoff is not None and not EARLIEST <= self.cutoff <= LATEST:
            raise DataValidationError(
                f"--cutoff must be between {EARLIEST} and {LATEST}, got {self.cutoff}"
            )
        if self.engine not in ("local", "dask", "ray"):
            raise DataValidationError(
                f"--engine must be local, dask or ray; got {self.engine!r}"
            )

    def as_params(self) -> dict[str, Any]:
        """JSON-ready parameters, as stored with the run."""
        return {
            "horizon": self.horizon,
            "freq": self.freq,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "levels": list(self.levels),
            "level": self.level,
            "pool_min_units": self.pooling.min_units,
            "n_windows": self.n_windows,
            "engine": self.engine,
            "stockout_correction": self.stockout_correction,
            "global_model": self.global_model,
        }


def read_order_lines(conn: Connection) -> pl.DataFrame:
    """Order lines with their order's time, country and kind, for series building."""
    return read_order_lines_of(conn, sku=None)


def read_order_lines_of(conn: Connection, *, sku: str | None) -> pl.DataFrame:
    """:func:`read_order_lines`, of one SKU when ``sku`` is given."""
    o, lines = tables.orders, tables.order_lines
    query = sa.select(
        o.c.ordered_at,
        lines.c.sku,
        o.c.country,
        lines.c.quantity,
        sa.cast(lines.c.unit_price, sa.Float).label("unit_price"),
        o.c.kind.label("order_kind"),
        lines.c.kind.label("line_kind"),
    ).select_from(lines.join(o, lines.c.order_id == o.c.id))
    if sku is not None:
        query = query.where(lines.c.sku == sku)
    rows = conn.execute(query).all()
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "ordered_at": pl.Datetime("us", "UTC"),
        "sku": pl.String,
        "country": pl.String,
        "quantity": pl.Int64,
        "unit_price": pl.Float64,
        "order_kind": pl.String,
        "line_kind": pl.String,
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def demand_panel(engine: Engine, settings: ForecastSettings) -> pl.DataFrame:
    """The demand panel of the workspace for ``settings``.

    With ``settings.stockout_correction``, ``y`` is the estimated demand
    (:func:`correct_stockouts`) and the panel also has ``y_observed``, ``censored``
    and ``lost``; without it, ``y`` is the units sold.
    """
    return _panels(engine, settings)[0]


def return_rates(engine: Engine, settings: ForecastSettings) -> pl.DataFrame:
    """Units sold and units cancelled or returned per series, before the cutoff.

    Cancellations and returns are their own series (never negative demand); their
    ratio to sales is the return rate later capabilities (margins, restock) use.

    Returns
    -------
    polars.DataFrame
        ``unique_id, sku, country, sold, returned, return_rate`` (rate null where
        nothing was sold), one row per series with a sale or a return.
    """
    return _panels(engine, settings)[1]


def _panels(
    engine: Engine, settings: ForecastSettings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`demand_panel` and :func:`return_rates` from one read of the store."""
    with engine.connect() as conn:
        lines = read_order_lines(conn)
        snapshots = read_snapshots(conn) if settings.stockout_correction else None
    demand = panel_of(demand_lines(lines), settings)
    keys = ["unique_id", "sku", "country"]
    sold = demand.group_by(keys).agg(sold=pl.col("y").sum())
    returned = (
        panel_of(return_lines(lines), settings)
        .group_by(keys)
        .agg(returned=pl.col("y").sum())
    )
    rates = (
        sold.join(returned, on=keys, how="full", coalesce=True)
        .with_columns(pl.col("sold", "returned").fill_null(0.0))
        .with_columns(
            return_rate=pl.when(pl.col("sold") > 0).then(
                pl.col("returned") / pl.col("sold")
            )
        )
        .sort(keys)
    )
    if snapshots is not None and demand.height:
        demand = correct_stockouts(demand, snapshots, settings.freq)
    return demand, rates


def panel_of(lines: pl.DataFrame, settings: ForecastSettings) -> pl.DataFrame:
    """:func:`~tradepilot.forecasting.series.build_panel` of ``lines`` with the
    period, cutoff, level and pooling of ``settings``."""
    return build_panel(
        lines,
        freq=settings.freq,
        cutoff=settings.cutoff,
        level=settings.level,
        pooling=settings.pooling,
    )


def run_settings(run: dict[str, Any]) -> ForecastSettings:
    """The settings a stored run (:func:`latest_run`) was made with."""
    params = run["params"]
    return ForecastSettings(
        horizon=run["horizon"],
        freq=run["freq"],
        cutoff=run["cutoff"],
        levels=tuple(params.get("levels", (80, 95))),
        level=params.get("level", "sku_country"),
        pooling=Pooling(min_units=params.get("pool_min_units", 0.0)),
        stockout_correction=params.get("stockout_correction", False),
    )


def read_snapshots(conn: Connection) -> pl.DataFrame:
    """Stock counts ``sku, date, on_hand`` (every warehouse), for availability."""
    return read_snapshots_of(conn, sku=None)


def read_snapshots_of(conn: Connection, *, sku: str | None) -> pl.DataFrame:
    """:func:`read_snapshots`, of one SKU when ``sku`` is given."""
    where = "" if sku is None else " WHERE sku = :sku"
    return read_frame(
        conn,
        f"SELECT sku, date, on_hand FROM inventory_snapshots{where}",
        {"sku": sku},
        schema={"sku": pl.String, "date": pl.Date, "on_hand": pl.Int64},
    )


def correct_stockouts(
    panel: pl.DataFrame, snapshots: pl.DataFrame, freq: str
) -> pl.DataFrame:
    """Replace stock-censored sales in ``panel`` by estimated demand.

    Stock is held per SKU, not per country, so availability is read off the SKU's
    counts (summed over warehouses, against its sales in all countries) and applies
    to each of its series. Periods without counts, and workspaces without any, are
    left to inference: a steady seller suddenly at zero (see
    :class:`~tradepilot.forecasting.censoring.CensoredDemandCorrector`).

    Parameters
    ----------
    panel : polars.DataFrame
        ``unique_id, sku, country, ds, y`` from :func:`build_panel`.
    snapshots : polars.DataFrame
        ``sku, date, on_hand``; may be empty.
    freq : str
        ``D``, ``W`` or ``M``.

    Returns
    -------
    polars.DataFrame
        ``panel`` with ``y`` the demand, ``y_observed`` the units sold, ``censored``
        and ``lost`` (units).
    """
    if snapshots.height:
        totals = panel.group_by(pl.col("sku").alias("unique_id"), "ds").agg(
            pl.col("y").sum()
        )
        available = availability_from_snapshots(
            snapshots, totals, id_column="sku", freq=freq
        ).select(pl.col("unique_id").alias("sku"), "ds", *AVAILABILITY)
        panel = panel.join(available, on=["sku", "ds"], how="left")
    corrector = CensoredDemandCorrector().fit(panel)
    return corrector.transform(panel).drop(AVAILABILITY, strict=False)


def forecast_demand(
    engine: Engine,
    settings: ForecastSettings,
    *,
    progress: SeriesProgress | None = None,
) -> dict[str, Any]:
    """Forecast every SKU x country series and store the run.

    Without ``settings.cutoff``, the cutoff is the day after the last order, so the
    forecast starts at the period that order falls in unless it ends that period.
    ``progress`` is called with ``(stage, series done, series in all)``: the
    count is 0 of 0 while the panel is built, then as
    :meth:`~tradepilot.forecasting.selection.AutoForecaster.fit` reports it, then
    all of all while the run is saved.

    Returns
    -------
    dict
        ``run_id``, ``series``, ``periods``, ``first_period``, ``model_choices``
        (model -> series), ``class_counts``, ``stockouts`` (periods, series and
        units of demand the correction added back), ``seconds``.
    """
    from tradepilot.forecasting.distributed import open_engine
    from tradepilot.forecasting.selection import AutoForecaster

    settings.check()
    report = progress or _no_progress
    started = time.perf_counter()
    report(PANEL_STAGE, 0, 0)
    if settings.cutoff is None:
        settings = dataclasses.replace(settings, cutoff=_after_last_order(engine))
    panel, rates = _panels(engine, settings)
    if panel.height == 0:
        raise DataValidationError("no demand to forecast: import orders first")
    with open_engine(settings.engine, settings.cluster_address) as cluster:
        dead_after, new_within = life_cycle(settings.freq)
        model = AutoForecaster(
            freq=PANDAS_FREQ[settings.freq],
            season_length=SEASON_LENGTH[settings.freq],
            horizon=settings.horizon,
            levels=settings.levels,
            n_windows=settings.n_windows,
            n_jobs=settings.n_jobs,
            engine=cluster,
            global_model=settings.global_model,
            dead_after=dead_after,
            new_within=new_within,
        ).fit(panel.select("unique_id", "ds", "y"), progress=progress)
    forecasts = model.predict()
    keys = panel.select("unique_id", "sku", "country").unique()
    report(SAVE_STAGE, keys.height, keys.height)
    summary = {
        "series": keys.height,
        "periods": settings.horizon,
        "first_period": str(forecasts["ds"].min()),
        "model_choices": _counts(model.choices_, "model"),
        "class_counts": _counts(model.choices_, "demand_class"),
        "stockouts": _stockout_summary(panel),
        "returns": _returns_summary(rates),
    }
    summary["seconds"] = round(time.perf_counter() - started, 2)
    with engine.begin() as conn:
        run_id = _save_run(conn, "forecast", settings, summary)
        _save_forecasts(
            conn, run_id, forecasts.join(keys, on="unique_id"), settings.levels
        )
        _save_choices(conn, run_id, _choices_with_losses(model.choices_, panel, keys))
        _save_scores(conn, run_id, model.scores_)
    return {"run_id": run_id, **summary}


def _no_progress(stage: str, done: int, total: int) -> None:
    """The progress callback of a caller that asked for none."""


def backtest_demand(
    engine: Engine,
    settings: ForecastSettings,
    *,
    baselines: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Rolling-origin backtest at ``settings.cutoff`` (default: ``horizon`` periods
    before the last whole period), against ``baselines`` (default: all) in the
    same run; stored."""
    if settings.cutoff is None:
        settings.cutoff = _default_cutoff(engine, settings)
    settings.check()
    panel = demand_panel(
        engine,
        # Scored against units sold, the only demand a backtest can verify; the
        # correction is measured on the simulator, whose true demand is known.
        ForecastSettings(
            freq=settings.freq,
            level=settings.level,
            pooling=settings.pooling,
            stockout_correction=False,
        ),
    )
    from tradepilot.forecasting.backtest import backtest

    metrics = backtest(
        panel.select("unique_id", "ds", "y"),
        cutoff=cutoff_period(settings.cutoff, settings.freq),
        horizon=settings.horizon,
        freq=PANDAS_FREQ[settings.freq],
        season_length=SEASON_LENGTH[settings.freq],
        levels=settings.levels,
        n_jobs=settings.n_jobs,
        baseline_names=baselines,
    )
    metrics["cutoff"] = settings.cutoff.isoformat()
    with engine.begin() as conn:
        metrics["run_id"] = _save_run(conn, "backtest", settings, metrics)
    return metrics


def _default_cutoff(engine: Engine, settings: ForecastSettings) -> dt.date:
    days = {"D": 1, "W": 7, "M": 31}[settings.freq] * settings.horizon
    return newest_order_day(engine) - dt.timedelta(days=days)


def _after_last_order(engine: Engine) -> dt.date:
    """The day after the last order: as a cutoff, it leaves out a partial last period
    (a week the export ends in the middle of would look like a sales dip)."""
    return newest_order_day(engine) + dt.timedelta(days=1)


def latest_run(conn: Connection, kind: str = "forecast") -> dict[str, Any] | None:
    """The newest run of ``kind`` with its parameters and metrics, or None."""
    runs = tables.forecast_runs
    row = (
        conn.execute(
            sa.select(runs)
            .where(runs.c.kind == kind)
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return {
        **row,
        "params": json.loads(row["params"]),
        "metrics": json.loads(row["metrics"]),
    }


def export_frame(engine: Engine) -> pl.DataFrame:
    """The latest forecast run as the export table (see :data:`EXPORT_COLUMNS`).

    Raises
    ------
    DataValidationError
        If no forecast has been run yet.
    """
    with engine.connect() as conn:
        run = latest_run(conn)
        if run is None:
            raise DataValidationError(
                "no forecast yet: run 'tradepilot forecast run' first"
            )
        values = read_frame(
            conn,
            "SELECT unique_id, sku, country, period_start, forecast, model"
            " FROM forecast_values WHERE run_id = :r",
            {"r": run["id"]},
            schema={"unique_id": pl.String, "period_start": pl.Date},
        )
        # A run at other levels (say --level 90) has empty 80/95 columns.
        bounds = read_frame(
            conn,
            "SELECT unique_id, period_start, level, lo, hi FROM forecast_intervals"
            " WHERE run_id = :r AND level IN (80, 95)",
            {"r": run["id"]},
            schema={
                "unique_id": pl.String,
                "period_start": pl.Date,
                "level": pl.Int64,
                "lo": pl.Float64,
                "hi": pl.Float64,
            },
        )
    wide = values
    for level in (80, 95):
        part = bounds.filter(pl.col("level") == level).select(
            "unique_id",
            "period_start",
            pl.col("lo").alias(f"lo_{level}"),
            pl.col("hi").alias(f"hi_{level}"),
        )
        wide = wide.join(part, on=["unique_id", "period_start"], how="left")
    return wide.sort("sku", "country", "period_start").select(EXPORT_COLUMNS)


def export_forecast(engine: Engine, out: Path) -> int:
    """Write the latest forecast run to ``out`` (CSV); return the rows written."""
    frame = export_frame(engine)
    _as_csv_text(frame).write_csv(out, float_precision=4)
    return frame.height


def export_csv(engine: Engine) -> str:
    """The latest forecast run as CSV text (see :func:`export_forecast`)."""
    return _as_csv_text(export_frame(engine)).write_csv(float_precision=4)


def _as_csv_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("period_start").dt.strftime("%Y-%m-%d"))


def _returns_summary(rates: pl.DataFrame) -> dict[str, Any]:
    """Units sold and returned over the history, and their ratio."""
    sold, returned = float(rates["sold"].sum()), float(rates["returned"].sum())
    return {
        "units_sold": round(sold, 1),
        "units_returned": round(returned, 1),
        "return_rate": round(returned / sold, 4) if sold else None,
    }


def _stockout_summary(panel: pl.DataFrame) -> dict[str, Any]:
    """Censored periods, series touched and units of demand recovered."""
    if "censored" not in panel.columns:
        return {"corrected": False}
    censored = panel.filter(pl.col("censored"))
    return {
        "corrected": True,
        "censored_periods": censored.height,
        "series_with_stockouts": censored["unique_id"].n_unique(),
        "lost_units": round(float(censored["lost"].sum()), 1),
    }


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame[column].value_counts(sort=True)
    return dict(zip(counted[column].to_list(), counted["count"].to_list(), strict=True))


def _save_run(
    conn: Connection, kind: str, settings: ForecastSettings, metrics: dict[str, Any]
) -> int:
    result = conn.execute(
        sa.insert(tables.forecast_runs).values(
            kind=kind,
            created_at=dt.datetime.now(dt.UTC),
            freq=settings.freq,
            horizon=settings.horizon,
            cutoff=settings.cutoff,
            params=json.dumps(settings.as_params()),
            metrics=json.dumps(metrics, default=str),
            seconds=float(metrics.get("seconds", 0.0)),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _save_forecasts(
    conn: Connection, run_id: int, forecasts: pl.DataFrame, levels: tuple[int, ...]
) -> None:
    run = pl.lit(run_id).alias("run_id")
    insert_frame(
        conn,
        "forecast_values",
        forecasts.select(
            run,
            "unique_id",
            "sku",
            "country",
            pl.col("ds").alias("period_start"),
            "forecast",
            "model",
        ),
    )
    for level in levels:
        insert_frame(
            conn,
            "forecast_intervals",
            forecasts.select(
                run,
                "unique_id",
                pl.col("ds").alias("period_start"),
                pl.lit(level).alias("level"),
                pl.col(f"lo_{level}").alias("lo"),
                pl.col(f"hi_{level}").alias("hi"),
            ),
        )


def _save_choices(conn: Connection, run_id: int, choices: pl.DataFrame) -> None:
    insert_frame(
        conn,
        "forecast_choices",
        choices.select(
            pl.lit(run_id).alias("run_id"),
            "unique_id",
            "sku",
            "country",
            "demand_class",
            "model",
            "cv_rmsse",
            "cv_mae",
            "n_windows",
            "interval_method",
            "lost_units",
        ),
    )


def _save_scores(conn: Connection, run_id: int, scores: pl.DataFrame) -> None:
    insert_frame(
        conn,
        "forecast_scores",
        scores.select(
            pl.lit(run_id).alias("run_id"), "unique_id", "model", "cv_rmsse", "cv_mae"
        ),
    )


def _choices_with_losses(
    choices: pl.DataFrame, panel: pl.DataFrame, keys: pl.DataFrame
) -> pl.DataFrame:
    """Model choices with the series' keys and the lost demand added back."""
    if "lost" in panel.columns:
        lost = panel.group_by("unique_id").agg(lost_units=pl.col("lost").sum())
    else:
        lost = keys.select("unique_id", lost_units=pl.lit(None, pl.Float64))
    return choices.join(keys, on="unique_id").join(lost, on="unique_id", how="left")
