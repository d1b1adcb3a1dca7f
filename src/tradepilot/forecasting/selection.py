"""Per-series model selection by rolling-origin cross-validation.

:class:`AutoForecaster` classifies every series (:mod:`.classify`), cuts it to its
history since the first sale, and cross-validates its class's candidates
(:func:`tradepilot.forecasting.models.candidates`) on that history: up to
``n_windows`` windows of ``horizon`` periods, ``step_size`` apart, the earliest
window still training on at least :data:`MIN_TRAIN_PERIODS` periods. Series are
grouped by (class, seasonal, number of windows) so each statsforecast call fits only
the candidates of one class. Where a class has three or more candidates, their
median (:class:`~tradepilot.forecasting.models.MedianEnsemble`) competes too, scored
on the median of the members' CV forecasts. The candidate with the lowest mean
RMSSE (or MAE) wins, except that a single model must beat the ensemble by
``ensemble_margin``; ties go to the simpler model. A series too short for one window
gets its class's default (:data:`tradepilot.forecasting.models.CLASS_DEFAULTS`) and
``n_windows = 0`` in ``choices_``. The chosen model is then refitted on the whole history and
forecast with intervals (see :mod:`.models` for the interval policy).

With ``global_model=True`` one LightGBM fitted across all eligible series
(:mod:`.global_model`) is cross-validated on the same windows, each series scored on
its own, and competes as ``"LightGBM"``, ranked after the statistical candidates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final, TypeAlias

import polars as pl
from statsforecast import StatsForecast

from tradepilot.domain.errors import DataValidationError, NotFittedError
from tradepilot.forecasting.choice import ENSEMBLE_MARGIN
from tradepilot.forecasting.classify import (
    Frame,
    classify_series,
    since_first_sale,
    to_panel,
)
from tradepilot.forecasting.distributed import ClusterEngine
from tradepilot.forecasting.global_model import (
    GLOBAL_MODEL,
    forecast_winners,
    global_scores,
)
from tradepilot.forecasting.launch import (
    INTERVAL_METHOD,
    LAUNCH_MODEL,
    PeerLaunchForecaster,
    apply_launch,
)
from tradepilot.forecasting.level_model import (
    LEVEL_MODEL,
    apply_levels,
    level_forecasts,
)
from tradepilot.forecasting.metrics import cv_scores
from tradepilot.forecasting.models import (
    CLASS_DEFAULTS,
    ENSEMBLE,
    MIN_TRAIN_PERIODS,
    MOVING_AVERAGE_WINDOW,
    StatsModel,
    candidates,
    ensemble,
    forecast_with_intervals,
    library_warnings,
    model_by_name,
)

SeriesProgress: TypeAlias = Callable[[str, int, int], None]
"""``(stage, series done, series in all)``, called as batches of series finish."""
PROGRESS_BATCH: Final = 100
"""Series per statsforecast call and worker while progress is reported."""
CV_STAGE: Final = "cross-validating candidate models"
FORECAST_STAGE: Final = "forecasting with the chosen models"
METRICS: Final = ("rmsse", "mae")
_GROUP: Final = ["demand_class", "seasonal"]
# The global model ranks after every statistical candidate: ties go to those.
_GLOBAL_ORDER: Final = 1_000


class AutoForecaster:
    """Pick and fit a statsforecast model per series; forecast with intervals.

    Parameters
    ----------
    freq : str, default "W-MON"
        Pandas offset alias of the panel's ``ds``.
    season_length : int, default 52
        Periods per season; seasonal candidates need two full seasons.
    horizon : int, default 12
        Periods to forecast, and the length of each cross-validation window.
    levels : sequence of int, default (80, 95)
        Prediction interval levels in percent.
    n_windows : int, default 3
        Most cross-validation windows per series (fewer when it is short).
    step_size : int, optional
        Periods between window cutoffs; ``None`` means ``horizon``.
    n_jobs : int, default 1
        Processes statsforecast uses (-1: all cores).
    metric : {"rmsse", "mae"}, default "rmsse"
        Cross-validation score to minimise. Where a series' RMSSE is undefined
        (constant history), its MAE decides.
    dead_after, new_within : int, default 13, 8
        Life-cycle thresholds of :func:`~.classify.classify_series`.
    ensemble_margin : float, default 0.4
        How much lower (relative) a single model's CV score must be than that of
        the class's median ensemble for it to be chosen instead; 0 picks the plain
        minimum. With one or two windows the minimum mostly picks noise: on
        simulated panels (stationary Poisson / negative-binomial, and with dying
        and trending series) a margin of 0.2 cut the held-out RMSSE by 2-7%
        against 0, to within 1% of always using the ensemble. On Online Retail
        at a validation cutoff (2011-06-06, 12 weeks) the held-out RMSSE was
        flat for margins 0.3-1 and 0.4% lower than at 0.2 (2.4% lower than at
        0); on the demo simulator 0.2-1 tie.
    engine : ClusterEngine, optional
        Cluster that runs statsforecast (see
        :func:`~tradepilot.forecasting.distributed.open_engine`); None runs it in
        this process. The results are the same either way.
    global_model : bool, default False
        Whether the global LightGBM model
        (:mod:`~tradepilot.forecasting.global_model`) competes as model
        ``"LightGBM"`` for the series it is eligible for. Off by default: on the
        Online Retail backtest it won 1-2% of the series and left the held-out
        RMSSE and WAPE 0.1-0.2% worse (see that module); it costs a few seconds.
        It always runs in this process, also with an ``engine``.
    level_model : bool, default True
        Whether the series with enough sales get the level of the global L1
        LightGBM of :mod:`~tradepilot.forecasting.level_model` as their point
        forecast (model ``"LevelLightGBM"``), keeping the intervals of the model
        their cross-validation chose. Only series shorter than a season plus a
        horizon get it: a flat level cannot follow a yearly shape that longer
        histories let the seasonal candidates learn. On Online Retail at validation cutoffs it
        lowered the mean RMSSE to 0.97x the best single baseline (from 1.00x).
    launch_model : bool, default True
        Whether ``new`` series (fewer than ``new_within`` periods since their first
        sale) are forecast from the launch curve of the panel's earlier launches
        (:class:`~tradepilot.forecasting.launch.PeerLaunchForecaster`, model
        ``"PeerLaunch"``, intervals ``"peer_quantiles"``) instead of their mean
        so far. Other series are untouched.

    Attributes
    ----------
    classes_ : polars.DataFrame
        Output of :func:`~.classify.classify_series`.
    choices_ : polars.DataFrame
        One row per series: ``unique_id, demand_class, model, cv_rmsse, cv_mae,
        n_windows, interval_method``; ``n_windows = 0`` marks the class default.
    scores_ : polars.DataFrame
        ``unique_id, demand_class, model, cv_rmsse, cv_mae, n_windows`` for every
        cross-validated candidate.
    forecasts_ : polars.DataFrame
        What :meth:`predict` returns.

    Examples
    --------
    >>> import datetime as dt
    >>> ds = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 12, 30), "1w", eager=True)
    >>> y = [float(3 + (i % 3)) for i in range(ds.len())]
    >>> panel = pl.DataFrame({"unique_id": "a", "ds": ds, "y": y})
    >>> model = AutoForecaster(season_length=3, horizon=4, n_windows=2).fit(panel)
    >>> model.choices_.select("model", "n_windows").row(0)
    ('SeasonalNaive', 2)
    >>> model.predict()["forecast"].to_list()
    [5.0, 3.0, 4.0, 5.0]
    """

    classes_: pl.DataFrame
    choices_: pl.DataFrame
    scores_: pl.DataFrame
    forecasts_: pl.DataFrame

    def __init__(
        self,
        freq: str = "W-MON",
        season_length: int = 52,
        horizon: int = 12,
        levels: Sequence[int] = (80, 95),
        n_windows: int = 3,
        step_size: int | None = None,
        n_jobs: int = 1,
        metric: str = "rmsse",
        dead_after: int = 13,
        new_within: int = 8,
        ensemble_margin: float = ENSEMBLE_MARGIN,
        engine: ClusterEngine | None = None,
        global_model: bool = False,
        level_model: bool = True,
        launch_model: bool = True,
    ) -> None:
        self.freq = freq
        self.season_length = season_length
        self.horizon = horizon
        self.levels = levels
        self.n_windows = n_windows
        self.step_size = step_size
        self.n_jobs = n_jobs
        self.metric = metric
        self.dead_after = dead_after
        self.new_within = new_within
        self.ensemble_margin = ensemble_margin
        self.engine = engine
        self.global_model = global_model
        self.level_model = level_model
        self.launch_model = launch_model

    def fit(
        self,
        panel: Frame,
        *,
        progress: SeriesProgress | None = None,
        level_panel: Frame | None = None,
    ) -> AutoForecaster:
        """Classify, cross-validate, choose and forecast every series.

        Parameters
        ----------
        panel : polars.DataFrame or pandas.DataFrame
            Long frame ``unique_id, ds, y`` on a regular ``freq`` grid.
        progress : callable, optional
            Called with ``(stage, series done, series in all)`` as batches of
            series finish: first while cross-validating (series too short for it
            count as done at once), then while forecasting with the chosen models.
            With it, series run in batches of about :data:`PROGRESS_BATCH` (in
            this process; one batch per group on a cluster); the results are the
            same either way, every series being fitted on its own.
        level_panel : polars.DataFrame or pandas.DataFrame, optional
            The panel the level model learns from (every series of the store up to
            the same last period); None: ``panel``. A backtest that fits only the
            series selling often enough before its cutoff passes them all here, so
            the model does not learn from series chosen by their later sales.

        Returns
        -------
        AutoForecaster
            ``self``, fitted.

        Raises
        ------
        DataValidationError
            Invalid parameters or panel.
        """
        self._validate_params()
        data = to_panel(panel, freq=self.freq)
        if data.is_empty():
            raise DataValidationError("panel is empty; nothing to forecast")
        self.classes_ = classify_series(
            data, dead_after=self.dead_after, new_within=self.new_within
        )
        history = since_first_sale(data)
        plan = self._plan(history)
        batches = _Batches(progress, self._batch_size(progress), plan.height)
        self.scores_ = self._cross_validate(history, plan, batches)
        choices = self._choose(plan, self.scores_)
        self.forecasts_, methods = self._forecast(history, choices, batches)
        if self.level_model:
            learn = history if level_panel is None else to_panel(level_panel)
            # A flat level only where a season and a horizon of history are not
            # there to show a yearly shape (the seasonal candidates' ground).
            seasonless = plan.filter(
                (pl.col("length") < self.season_length + self.horizon)
                | (self.season_length <= 1)
            ).select("unique_id")
            levels = level_forecasts(
                since_first_sale(learn), horizon=self.horizon, n_jobs=self.n_jobs
            ).join(seasonless, on="unique_id")
            self.forecasts_ = apply_levels(self.forecasts_, levels, list(self.levels))
            leveled = pl.col("unique_id").is_in(levels["unique_id"].implode())
            choices = choices.with_columns(
                model=pl.when(leveled)
                .then(pl.lit(LEVEL_MODEL))
                .otherwise(pl.col("model"))
            )
            # A candidate row without a CV score (it is validated on whole
            # panels, not per series), so pages list it beside the others.
            rows = choices.filter(leveled).select(
                "unique_id",
                "demand_class",
                "model",
                cv_rmsse=pl.lit(None, pl.Float64),
                cv_mae=pl.lit(None, pl.Float64),
                n_windows=pl.lit(0, pl.Int64),
            )
            self.scores_ = pl.concat([self.scores_, rows], how="vertical_relaxed")
        if self.launch_model:
            learn = data if level_panel is None else to_panel(level_panel)
            choices, methods = self._launch(learn, choices, methods)
        self.choices_ = choices.join(methods, on="unique_id").select(
            "unique_id",
            "demand_class",
            "model",
            "cv_rmsse",
            "cv_mae",
            "n_windows",
            "interval_method",
        )
        return self

    def _launch(
        self, learn: pl.DataFrame, choices: pl.DataFrame, methods: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Forecast the new series from the launch curve of ``learn``'s launches."""
        new = self.classes_.filter(pl.col("demand_class") == "new")["unique_id"]
        if new.is_empty():
            return choices, methods
        launch = PeerLaunchForecaster(
            horizon=self.horizon, levels=self.levels, new_within=self.new_within
        ).fit(learn)
        rows = launch.predict().filter(pl.col("unique_id").is_in(new.implode()))
        self.forecasts_ = apply_launch(self.forecasts_, rows, sorted(self.levels))
        launched = pl.col("unique_id").is_in(rows["unique_id"].unique().implode())
        choices = choices.with_columns(
            model=pl.when(launched).then(pl.lit(LAUNCH_MODEL)).otherwise("model")
        )
        methods = methods.with_columns(
            interval_method=pl.when(launched)
            .then(pl.lit(INTERVAL_METHOD))
            .otherwise("interval_method")
        )
        return choices, methods

    def predict(self) -> pl.DataFrame:
        """Forecasts of the fitted panel.

        Returns
        -------
        polars.DataFrame
            ``unique_id, ds, forecast, lo_<l>, hi_<l>`` for each level ascending
            (demand units, clipped at 0, nested), ``model``; ``horizon`` rows per
            series, sorted by ``unique_id, ds``.

        Raises
        ------
        NotFittedError
            :meth:`fit` has not been called.
        """
        if not hasattr(self, "forecasts_"):
            raise NotFittedError("AutoForecaster is not fitted; call fit(panel) first")
        return self.forecasts_

    def _validate_params(self) -> None:
        checks = {
            "horizon": self.horizon >= 1,
            "n_windows": self.n_windows >= 1,
            "season_length": self.season_length >= 1,
            "step_size": self.step_size is None or self.step_size >= 1,
            "n_jobs": self.n_jobs != 0,
            "levels": len(self.levels) > 0
            and len(set(self.levels)) == len(self.levels)
            and all(isinstance(lv, int) and 0 < lv < 100 for lv in self.levels),
            "metric": self.metric in METRICS,
            "new_within": self.new_within >= MOVING_AVERAGE_WINDOW,
            "ensemble_margin": 0 <= self.ensemble_margin < 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            got = {name: getattr(self, name) for name in bad}
            raise DataValidationError(
                f"invalid AutoForecaster parameter(s) {got}; horizon, n_windows, "
                "season_length and step_size must be >= 1, n_jobs != 0, levels "
                f"distinct integers in (0, 100), metric one of {METRICS}, new_within "
                f">= {MOVING_AVERAGE_WINDOW} (the moving-average window), "
                "ensemble_margin in [0, 1)"
            )

    def _batch_size(self, progress: SeriesProgress | None) -> int | None:
        """Series per statsforecast call: all of a group unless progress is
        reported from this process (a cluster spreads a whole group itself)."""
        if progress is None or self.engine is not None:
            return None
        workers = self.n_jobs if self.n_jobs > 0 else os.cpu_count() or 1
        return PROGRESS_BATCH * workers

    def _plan(self, history: pl.DataFrame) -> pl.DataFrame:
        step = self.step_size or self.horizon
        spare = pl.col("length") - self.horizon - MIN_TRAIN_PERIODS
        return (
            history.group_by("unique_id")
            .agg(length=pl.len().cast(pl.Int64))
            .join(self.classes_.select("unique_id", "demand_class"), on="unique_id")
            .with_columns(
                seasonal=(pl.col("length") >= 2 * self.season_length)
                & (self.season_length > 1),
                cv_windows=(spare // step + 1).clip(0, self.n_windows),
            )
            .sort("unique_id")
        )

    def _cross_validate(
        self, history: pl.DataFrame, plan: pl.DataFrame, batches: _Batches
    ) -> pl.DataFrame:
        parts = [_empty_scores()]
        eligible = plan.filter(pl.col("cv_windows") > 0)
        batches.start(CV_STAGE, done=plan.height - eligible.height)
        for (cls, seasonal, k), group in eligible.group_by(
            *_GROUP, "cv_windows", maintain_order=True
        ):
            for batch in batches.split(group):
                sub = history.join(batch.select("unique_id"), on="unique_id")
                scores = self._cv_scores(sub, str(cls), bool(seasonal), int(k))
                parts.append(scores)
                batches.advance(batch.height)
        if self.global_model:
            scores = global_scores(
                history,
                plan,
                freq=self.freq,
                season_length=self.season_length,
                horizon=self.horizon,
                step_size=self.step_size or self.horizon,
                n_jobs=self.n_jobs,
            )
            parts.append(scores.with_columns(order=pl.lit(_GLOBAL_ORDER)))
        return (
            pl.concat(parts, how="diagonal_relaxed")
            .select(
                "unique_id",
                "demand_class",
                "model",
                "cv_rmsse",
                "cv_mae",
                "n_windows",
                "order",
            )
            .sort("unique_id", "order")
            .drop("order")
        )

    def _cv_scores(
        self, sub: pl.DataFrame, cls: str, seasonal: bool, k: int
    ) -> pl.DataFrame:
        """CV scores of a class's candidates (and ensemble) on the series of ``sub``."""
        models = candidates(cls, self.season_length, seasonal=seasonal)
        names = [m.alias for m in models]
        cv = cross_validate(
            sub,
            models,
            freq=self.freq,
            horizon=self.horizon,
            n_windows=k,
            step_size=self.step_size or self.horizon,
            n_jobs=self.n_jobs,
            engine=self.engine,
        )
        combined = ensemble(cls, self.season_length, seasonal=seasonal)
        if combined is not None:
            # The members are deterministic given a window's history, so the
            # median of their columns is exactly the ensemble's CV forecast.
            median = pl.concat_list(names).list.median()
            cv = cv.with_columns(median.alias(combined.alias))
            names.append(combined.alias)
        order = pl.DataFrame({"model": names, "order": range(len(names))})
        scores = cv_scores(cv, sub, names).join(order, on="model")
        return scores.with_columns(demand_class=pl.lit(cls))

    def _choose(self, plan: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
        primary = "cv_rmsse" if self.metric == "rmsse" else "cv_mae"
        handicap = (
            pl.when(pl.col("model") == ENSEMBLE)
            .then(1 - self.ensemble_margin)
            .otherwise(1.0)
        )
        score = pl.coalesce(primary, "cv_mae", pl.lit(float("inf"))) * handicap
        # scores_ is sorted by candidate order, so a stable sort breaks ties towards
        # the simpler model.
        best = (
            scores.with_columns(score=score)
            .sort("unique_id", "score", maintain_order=True)
            .group_by("unique_id", maintain_order=True)
            .first()
            .drop("demand_class", "score")
        )
        default = pl.col("demand_class").replace_strict(CLASS_DEFAULTS)
        return plan.join(best, on="unique_id", how="left").with_columns(
            model=pl.coalesce("model", default),
            n_windows=pl.col("n_windows").fill_null(0),
        )

    def _forecast(
        self, history: pl.DataFrame, choices: pl.DataFrame, batches: _Batches
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        parts = []
        is_global = pl.col("model") == GLOBAL_MODEL
        batches.start(FORECAST_STAGE)
        for (cls, seasonal, name), group in choices.filter(~is_global).group_by(
            *_GROUP, "model", maintain_order=True
        ):
            factory = partial(
                model_by_name, str(cls), self.season_length, bool(seasonal), str(name)
            )
            for batch in batches.split(group):
                fc = forecast_with_intervals(
                    history.join(batch.select("unique_id"), on="unique_id"),
                    factory,
                    freq=self.freq,
                    horizon=self.horizon,
                    levels=sorted(self.levels),
                    n_jobs=self.n_jobs,
                    engine=self.engine,
                )
                parts.append(fc.with_columns(model=pl.lit(str(name))))
                batches.advance(batch.height)
        winners = choices.filter(is_global)["unique_id"]
        if winners.len():
            fc = forecast_winners(
                history,
                choices,
                winners,
                freq=self.freq,
                season_length=self.season_length,
                horizon=self.horizon,
                levels=sorted(self.levels),
                n_jobs=self.n_jobs,
            )
            parts.append(fc.with_columns(model=pl.lit(GLOBAL_MODEL)))
            batches.advance(winners.len())
        out = pl.concat(parts).sort("unique_id", "ds")
        methods = out.group_by("unique_id").agg(pl.col("interval_method").first())
        return out.drop("interval_method"), methods


def cross_validate(
    history: pl.DataFrame,
    models: list[StatsModel],
    *,
    freq: str,
    horizon: int,
    n_windows: int,
    step_size: int,
    n_jobs: int = 1,
    engine: ClusterEngine | None = None,
) -> pl.DataFrame:
    """Rolling-origin cross-validation of ``models`` on every series of a panel.

    Parameters
    ----------
    history : polars.DataFrame
        Panel ``unique_id, ds, y``; every series longer than
        ``horizon + step_size * (n_windows - 1)`` periods.
    models : list of model
        Fresh statsforecast models with distinct aliases.
    freq : str
        Pandas offset alias of ``ds``.
    horizon, n_windows, step_size : int
        Periods per window, windows, periods between window cutoffs.
    n_jobs : int, default 1
        Processes statsforecast uses.
    engine : ClusterEngine, optional
        Cluster to run on; None runs in this process.

    Returns
    -------
    polars.DataFrame
        ``unique_id, ds, cutoff, y`` and one forecast column per model alias.
    """
    with library_warnings():
        if engine is not None:
            cv = engine.cross_validation(
                models,
                history.to_pandas(),
                freq=freq,
                horizon=horizon,
                n_windows=n_windows,
                step_size=step_size,
            )
        else:
            sf = StatsForecast(models=list(models), freq=freq, n_jobs=n_jobs)
            cv = sf.cross_validation(
                h=horizon,
                df=history.to_pandas(),
                n_windows=n_windows,
                step_size=step_size,
                id_col="unique_id",
                time_col="ds",
                target_col="y",
            )
    ds_type = history.schema["ds"]
    return pl.from_pandas(cv).with_columns(
        pl.col("ds").cast(ds_type), pl.col("cutoff").cast(ds_type)
    )


@dataclass
class _Batches:
    """How :meth:`AutoForecaster.fit` splits groups of series, and its progress."""

    progress: SeriesProgress | None
    size: int | None  # series per batch; None: a whole group at once
    total: int
    stage: str = ""
    done: int = 0

    def start(self, stage: str, done: int = 0) -> None:
        """Begin ``stage`` with ``done`` series already done."""
        self.stage, self.done = stage, done
        self._report()

    def split(self, group: pl.DataFrame) -> Iterator[pl.DataFrame]:
        """``group`` in batches of ``size`` rows (one series per row)."""
        if self.size is None:
            yield group
        else:
            yield from group.iter_slices(self.size)

    def advance(self, series: int) -> None:
        """Count ``series`` more as done."""
        self.done += series
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.stage, self.done, self.total)


def _empty_scores() -> pl.DataFrame:
    text = dict.fromkeys(("unique_id", "demand_class", "model"), pl.String)
    numbers = {"cv_rmsse": pl.Float64, "cv_mae": pl.Float64}
    return pl.DataFrame(
        schema=text | numbers | {"n_windows": pl.Int64, "order": pl.Int64}
    )
