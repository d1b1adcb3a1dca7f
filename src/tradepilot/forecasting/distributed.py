"""Run statsforecast on a Dask or Ray cluster through its Fugue backend.

``tradepilot forecast run --engine dask|ray`` opens a :class:`ClusterEngine` with
:func:`open_engine`: connected to the workspace's cluster address
(``TRADEPILOT_CLUSTER_ADDRESS``, see :class:`tradepilot.config.Settings`), or to a
local cluster started for the run and closed after it. The statsforecast calls of
:class:`~tradepilot.forecasting.selection.AutoForecaster` (cross-validation, and
forecasts with levels and conformal intervals) then go to the engine: it sends the
panel to the cluster partitioned by series, statsforecast's ``FugueBackend`` fits
each series on a worker, and the result comes back as the pandas frame a local run
returns (same columns, dtypes and row order), so choices and forecasts equal those
of ``--engine local``. The engine calls the backend itself, as ``StatsForecast``
does when given a Dask frame, but keeps its output in float64 (statsforecast
declares float32 there).

Workers need the same ``tradepilot`` and statsforecast as the client: the median
ensemble is a tradepilot class, sent to them by reference. ``n_jobs`` does not
apply; each series is fitted in one worker thread.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from fugue.dataframe.api import as_pandas
from statsforecast.distributed.fugue import FugueBackend
from triad.collections.schema import Schema

from tradepilot.domain.errors import DataValidationError

if TYPE_CHECKING:
    from statsforecast.utils import ConformalIntervals

    from tradepilot.forecasting.model_protocol import StatsModel

ENGINES: Final = ("local", "dask", "ray")
ID: Final = "unique_id"
TIME: Final = "ds"
TARGET: Final = "y"
INSTALL: Final = {
    "dask": "uv sync --extra dask (or pip install 'fugue[dask]' 'dask[distributed]')",
    "ray": "pip install 'fugue[ray]' (Ray is not a TradePilot dependency)",
}
# fugue_dask groups the panel with DataFrameGroupBy.apply, which pandas >= 2.2 warns
# about on every call; Fugue relies on the grouping columns being passed.
_GROUPBY_WARNING: Final = "DataFrameGroupBy.apply operated on the grouping columns"


class _Float64Backend(FugueBackend):
    """statsforecast's ``FugueBackend`` returning float64, as a local run does.

    Its output schema declares every forecast, bound and ``y`` float32, which would
    round the cluster's results (and could flip a close model choice).
    """

    def _get_output_schema(self, **kwargs: Any) -> Schema:
        schema: Schema = super()._get_output_schema(**kwargs)
        return Schema(
            [
                (f.name, "double" if str(f.type) == "float" else f.type)
                for f in schema.fields
            ]
        )


class ClusterEngine:
    """statsforecast's Fugue backend on an open Dask or Ray cluster.

    Parameters
    ----------
    name : {"dask", "ray"}
        The engine, for messages.
    fugue_engine : fugue.ExecutionEngine
        Fugue's execution engine of the cluster.
    distribute : callable
        Turns a pandas panel into the cluster's data frame.
    """

    def __init__(
        self,
        name: str,
        fugue_engine: Any,
        distribute: Callable[[pd.DataFrame], Any],
    ) -> None:
        self.name = name
        self.fugue_engine = fugue_engine
        self.distribute = distribute

    def __repr__(self) -> str:
        return f"ClusterEngine({self.name!r})"

    def forecast(
        self,
        models: Sequence[StatsModel],
        df: pd.DataFrame,
        *,
        freq: str,
        horizon: int,
        level: list[int] | None,
        prediction_intervals: ConformalIntervals | None,
    ) -> pd.DataFrame:
        """``StatsForecast(models, freq).forecast(...)`` of ``df`` on the cluster.

        Parameters
        ----------
        models : sequence of model
            Fresh statsforecast models with distinct aliases.
        df : pandas.DataFrame
            Panel ``unique_id, ds, y``.
        freq : str
            Pandas offset alias of ``ds``.
        horizon : int
            Periods to forecast.
        level : list of int or None
            Interval levels in percent.
        prediction_intervals : ConformalIntervals or None
            Conformal calibration (needs ``level``).

        Returns
        -------
        pandas.DataFrame
            What the local ``StatsForecast.forecast`` returns, sorted by
            ``unique_id, ds``.
        """
        with _library_warnings():
            result = self._backend().forecast(
                df=self.distribute(df),
                freq=freq,
                models=list(models),
                fallback_model=None,
                X_df=None,
                h=horizon,
                level=level,
                fitted=False,
                prediction_intervals=prediction_intervals,
                id_col=ID,
                time_col=TIME,
                target_col=TARGET,
            )
            return _like_local(as_pandas(result), df, [ID, TIME])

    def cross_validation(
        self,
        models: Sequence[StatsModel],
        df: pd.DataFrame,
        *,
        freq: str,
        horizon: int,
        n_windows: int,
        step_size: int,
    ) -> pd.DataFrame:
        """``StatsForecast(models, freq).cross_validation(...)`` of ``df`` on the cluster.

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, cutoff, y`` and one column per model alias, as the local
            call returns it, sorted by ``unique_id, cutoff, ds``.
        """
        with _library_warnings():
            result = self._backend().cross_validation(
                df=self.distribute(df),
                freq=freq,
                models=list(models),
                fallback_model=None,
                h=horizon,
                n_windows=n_windows,
                step_size=step_size,
                # statsforecast annotates these int; None means "not used" there too.
                test_size=None,  # type: ignore[arg-type]
                input_size=None,  # type: ignore[arg-type]
                level=None,
                refit=True,
                fitted=False,
                prediction_intervals=None,
                id_col=ID,
                time_col=TIME,
                target_col=TARGET,
            )
            return _like_local(as_pandas(result), df, [ID, "cutoff", TIME])

    def _backend(self) -> FugueBackend:
        return _Float64Backend(self.fugue_engine)


@contextmanager
def open_engine(
    name: str, address: str | None = None
) -> Iterator[ClusterEngine | None]:
    """Connect to (or start) the cluster of an engine for the duration of a run.

    Parameters
    ----------
    name : {"local", "dask", "ray"}
        ``local`` yields None: statsforecast runs in this process.
    address : str, optional
        Scheduler address (``tcp://host:8786`` for Dask, ``ray://host:10001`` or
        ``auto`` for Ray). None starts a local cluster of one single-threaded
        worker per core, closed on exit.

    Yields
    ------
    ClusterEngine or None

    Raises
    ------
    DataValidationError
        Unknown engine, its libraries not installed, or the cluster unreachable.

    Examples
    --------
    >>> with open_engine("local") as engine:
    ...     print(engine)
    None
    """
    if name == "local":
        yield None
    elif name == "dask":
        with _dask_engine(address) as engine:
            yield engine
    elif name == "ray":
        with _ray_engine(address) as engine:
            yield engine
    else:
        raise DataValidationError(
            f"engine must be one of {', '.join(ENGINES)}; got {name!r}"
        )


@contextmanager
def _dask_engine(address: str | None) -> Iterator[ClusterEngine]:
    _require("dask", "dask.distributed")
    fugue_dask = _require("dask", "fugue_dask")
    import dask
    from dask.distributed import Client, LocalCluster

    with ExitStack() as stack:
        if address is None:
            # One single-threaded worker process per core, ours to configure.
            target: Any = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    # The scheduler serves HTTP even without a dashboard: any port.
                    dashboard_address="127.0.0.1:0",
                )
            )
        else:
            target = address
        try:
            client = stack.enter_context(Client(target))  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise DataValidationError(
                f"cannot reach the Dask scheduler at {address!r} "
                f"(TRADEPILOT_CLUSTER_ADDRESS): {exc}"
            ) from None
        if address is None:
            client.run(_ignore_library_warnings)
        # Task-based shuffles: the peer-to-peer default logs a warning per shuffle.
        stack.enter_context(dask.config.set({"dataframe.shuffle.method": "tasks"}))
        threads = sum(client.nthreads().values())
        yield ClusterEngine(
            "dask",
            fugue_dask.DaskExecutionEngine(dask_client=client),
            partial(_dask_frame, partitions=max(threads, 1)),
        )


@contextmanager
def _ray_engine(address: str | None) -> Iterator[ClusterEngine]:
    ray = _require("ray", "ray")
    fugue_ray = _require("ray", "fugue_ray")
    try:
        ray.init(address=address)
    except ConnectionError as exc:
        raise DataValidationError(
            f"cannot reach the Ray cluster at {address!r} "
            f"(TRADEPILOT_CLUSTER_ADDRESS): {exc}"
        ) from None
    try:
        # Fugue turns the pandas panel into a Ray dataset itself.
        yield ClusterEngine("ray", fugue_ray.RayExecutionEngine(), lambda df: df)
    finally:
        ray.shutdown()


def _require(engine: str, module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DataValidationError(
            f"--engine {engine} needs the {module!r} module, which is not installed "
            f"({exc.msg}); install it with {INSTALL[engine]}"
        ) from None


def _dask_frame(frame: pd.DataFrame, *, partitions: int) -> Any:
    """``frame`` as a Dask data frame, each series within one partition."""
    import dask.dataframe as dd

    n = max(1, min(partitions, frame[ID].nunique()))
    indexed = dd.from_pandas(frame.set_index(ID), npartitions=n, sort=True)  # type: ignore[no-untyped-call]
    return indexed.reset_index()


def _like_local(
    result: pd.DataFrame, df: pd.DataFrame, order: list[str]
) -> pd.DataFrame:
    """The cluster's ``result`` with a local run's dtypes and row order."""
    columns: dict[str, pd.Series] = {}
    for name, column in result.items():
        key = str(name)
        if key == ID:
            columns[key] = column.astype(df[ID].dtype)
        elif key in (TIME, "cutoff"):
            columns[key] = column.astype(df[TIME].dtype)
        else:
            columns[key] = column.astype("float64")
    out = pd.DataFrame(columns)
    return out.sort_values(order, kind="stable").reset_index(drop=True)


@contextmanager
def _library_warnings() -> Iterator[None]:
    """Silence the warnings of :func:`_ignore_library_warnings` in a block.

    Worker threads of an in-process cluster share this process's filters.
    """
    with warnings.catch_warnings():
        _ignore_library_warnings()
        yield


def _ignore_library_warnings() -> None:
    """Ignore the library warnings known to carry no information, from now on.

    Run on the worker processes of a local cluster: Fugue's groupby warning, and
    AutoETS's division by zero (see
    :func:`tradepilot.forecasting.models.library_warnings`).
    """
    warnings.filterwarnings("ignore", message=_GROUPBY_WARNING, category=FutureWarning)
    warnings.filterwarnings(
        "ignore",
        message="divide by zero encountered in scalar divide",
        category=RuntimeWarning,
        module=r"statsforecast\.ets",
    )
