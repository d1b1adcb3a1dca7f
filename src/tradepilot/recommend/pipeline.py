"""Every recommender fitted on purchases before a day, the blends chosen on the
period before it, and the ``next`` and ``new`` lists of any customer.

Only items *sold today* can be recommended: products (postage, fees, vouchers and
other bookkeeping lines never reach here) sold to anyone in the ``active_days``
before ``as_of``; a SKU not sold for that long counts as discontinued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tradepilot.domain.errors import NotFittedError
from tradepilot.recommend.blend import (
    FIXED,
    NEW_START,
    NEXT_START,
    BlendChoice,
    blend,
    choose_weights,
    scaled,
)
from tradepilot.recommend.data import Interactions, interactions
from tradepilot.recommend.factors import ImplicitALS
from tradepilot.recommend.metrics import top_k
from tradepilot.recommend.models import (
    PersonalFrequency,
    Popularity,
    PTopFreq,
    Recommender,
    RepurchaseCycle,
)
from tradepilot.recommend.neighbours import ItemKNN, UserKNN

if TYPE_CHECKING:
    from typing import Self

    import scipy.sparse as sp

LISTS = ("next", "new")
STARTS = {"next": NEXT_START, "new": NEW_START}
BATCH = 512
RECENT_DAYS = 28  # "popular now": customers buying in the last 4 weeks
CELL_BUDGET = 6_000_000  # validation customers x items held at once, per component


@dataclass(frozen=True)
class RecommendConfig:
    """Settings of a recommendation run.

    Attributes
    ----------
    k : int
        List length.
    horizon_days : int
        Days ahead the repurchase model looks; also the validation period.
    active_days : int
        A product not sold for this many days is not recommended.
    trending_half_life : float
        Half-life in days of the "trending" popularity.
    min_validation_customers : int
        Fewer customers buying in the validation period: default blend weights.
    """

    k: int = 10
    horizon_days: int = 84
    active_days: int = 90
    trending_half_life: float = 14.0
    min_validation_customers: int = 20


def build_models(config: RecommendConfig) -> dict[str, Recommender]:
    """A fresh instance of every recommender, by name."""
    return {
        "popularity": Popularity(),
        "trending": Popularity(half_life=config.trending_half_life),
        "p_topfreq": PTopFreq(),
        "frequency": PersonalFrequency(),
        "repurchase": RepurchaseCycle(horizon=float(config.horizon_days)),
        "item_knn": ItemKNN(),
        "user_knn": UserKNN(),
        "als": ImplicitALS(),
    }


@dataclass(frozen=True)
class Truth:
    """What customers bought in a period: rows of the fitted data, the columns
    they bought, and how many distinct items (columns or not)."""

    rows: np.ndarray
    relevant: list[set[int]]
    n_relevant: np.ndarray


@dataclass
class Recommendations:
    """The recommenders fitted on purchases before ``as_of``.

    Parameters
    ----------
    config : RecommendConfig
        Settings.
    """

    config: RecommendConfig = field(default_factory=RecommendConfig)
    data_: Interactions | None = None
    models_: dict[str, Recommender] = field(default_factory=dict)
    allowed_: np.ndarray | None = None
    bought_: sp.csr_matrix | None = None
    recent_buyers_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    blends_: dict[str, BlendChoice] = field(default_factory=dict)

    def fit(
        self, purchases: pl.DataFrame, sales: pl.DataFrame, *, as_of: dt.date
    ) -> Self:
        """Fit every model on purchases before ``as_of``.

        Parameters
        ----------
        purchases : polars.DataFrame
            ``customer, sku, day[, quantity]`` of identified customers' product
            purchases (see :func:`~tradepilot.recommend.data.interactions`).
        sales : polars.DataFrame
            ``sku, day`` of every product sale (guests included): what is sold
            today.
        as_of : datetime.date
            First day not used.
        """
        data = interactions(purchases, as_of=as_of)
        self.data_ = data
        self.models_ = {n: m.fit(data) for n, m in build_models(self.config).items()}
        active = sold_today(sales, as_of=as_of, days=self.config.active_days)
        self.allowed_ = np.isin(data.items, np.array(active.to_list(), dtype=object))
        self.bought_ = data.bought().tocsr()
        self.recent_buyers_ = recent_buyers(data, days=RECENT_DAYS)
        self.blends_ = {name: BlendChoice(dict(STARTS[name])) for name in LISTS}
        return self

    def fitted(self) -> Interactions:
        """The fitted purchases; raises :class:`NotFittedError` before ``fit``."""
        if self.data_ is None:
            raise NotFittedError("Recommendations is used before fit")
        return self.data_

    def excluded(self, rows: np.ndarray, list_name: str) -> np.ndarray:
        """Items that may not appear in ``list_name`` for ``rows``: not sold
        today, and for ``new`` those the customer bought."""
        self.fitted()
        assert self.allowed_ is not None
        assert self.bought_ is not None
        blocked = np.tile(~self.allowed_, (len(rows), 1))
        if list_name == "new":
            blocked |= self.bought_[rows].toarray() > 0
        return blocked

    def components(self, rows: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        """Scaled scores (float32) of the named models for ``rows``."""
        return {
            name: scaled(self.models_[name].score(rows)).astype(np.float32)
            for name in names
        }

    def top(
        self, rows: np.ndarray, requests: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """Top-k lists of ``rows`` for each (method, list) request.

        ``method`` is a model's name or ``"blend"`` (the list's blend); excluded
        items (see :meth:`excluded`) never appear. Customers are scored in
        batches, each model once per batch.

        Returns
        -------
        dict
            (method, list) to (columns, scores): both shape (n_rows, k); column
            -1 (score NaN) marks an empty slot.
        """
        found: dict[tuple[str, str], tuple[list[np.ndarray], list[np.ndarray]]] = {
            request: ([], []) for request in requests
        }
        for batch in _batches(rows):
            cache = _BatchScores(self, batch)
            for request in requests:
                scores = cache.scores(*request)
                columns = top_k(scores, self.config.k)
                safe = np.where(columns >= 0, columns, 0)
                picked = np.take_along_axis(scores, safe, axis=1)
                found[request][0].append(columns)
                found[request][1].append(np.where(columns >= 0, picked, np.nan))
        k = self.config.k
        return {
            request: (
                np.vstack(tops) if tops else np.zeros((0, k), dtype=np.int64),
                np.vstack(values) if values else np.zeros((0, k)),
            )
            for request, (tops, values) in found.items()
        }

    def choose_blends(self, validation: Recommendations, truth: Truth) -> None:
        """Choose both blends' weights on ``validation`` (fitted on the period
        before) against ``truth`` (what its customers bought next)."""
        if len(truth.rows) < self.config.min_validation_customers:
            return
        sample = _sample(truth, validation.fitted().n_items)
        targets = {"next": sample, "new": unseen_truth(validation, sample)}
        for name in LISTS:
            start, target = STARTS[name], targets[name]
            self.blends_[name] = choose_weights(
                validation.components(target.rows, list(start)),
                start=start,
                fixed=FIXED[name],
                relevant=target.relevant,
                n_relevant=target.n_relevant,
                excluded=validation.excluded(target.rows, name),
                k=self.config.k,
            )


def sold_today(sales: pl.DataFrame, *, as_of: dt.date, days: int) -> pl.Series:
    """SKUs sold in the ``days`` before ``as_of`` — or before the day after the
    store's last sale when ``as_of`` is later (a store not imported for months
    still sells what it sold last).

    Examples
    --------
    >>> sales = pl.DataFrame({"sku": ["a", "b"],
    ...     "day": [dt.date(2024, 1, 1), dt.date(2024, 5, 1)]})
    >>> sold_today(sales, as_of=dt.date(2024, 12, 1), days=90).to_list()
    ['b']
    >>> sold_today(sales, as_of=dt.date(2024, 2, 1), days=90).to_list()
    ['a']
    """
    last = sales["day"].max()
    if not isinstance(last, dt.date):
        return pl.Series("sku", [], dtype=pl.String)
    end = min(as_of, last + dt.timedelta(days=1))
    since = end - dt.timedelta(days=days)
    window = sales.filter((pl.col("day") >= since) & (pl.col("day") < end))
    return window["sku"].unique().sort()


def recent_buyers(data: Interactions, *, days: int) -> np.ndarray:
    """Customers who bought each item in the last ``days`` days, shape (n_items,)."""
    recent = data.age <= days
    pairs = np.unique(data.user[recent] * data.n_items + data.item[recent])
    return np.bincount(pairs % max(data.n_items, 1), minlength=data.n_items)


class _BatchScores:
    """One batch's model scores, computed once and shared by every request."""

    def __init__(self, fitted: Recommendations, rows: np.ndarray) -> None:
        self.fitted, self.rows = fitted, rows
        self.raw: dict[str, np.ndarray] = {}
        self.scaled: dict[str, np.ndarray] = {}
        self.excluded: dict[str, np.ndarray] = {}

    def model(self, name: str) -> np.ndarray:
        if name not in self.raw:
            self.raw[name] = self.fitted.models_[name].score(self.rows)
        return self.raw[name]

    def scores(self, method: str, list_name: str) -> np.ndarray:
        if list_name not in self.excluded:
            self.excluded[list_name] = self.fitted.excluded(self.rows, list_name)
        if method == "blend":
            weights = self.fitted.blends_[list_name].weights
            for name in weights:
                if name not in self.scaled:
                    self.scaled[name] = scaled(self.model(name))
            raw = blend({n: self.scaled[n] for n in weights}, weights)
        else:
            raw = self.model(method)
        return np.where(self.excluded[list_name], -np.inf, raw)


def fit_with_blends(
    purchases: pl.DataFrame,
    sales: pl.DataFrame,
    *,
    as_of: dt.date,
    config: RecommendConfig,
) -> Recommendations:
    """Fit on purchases before ``as_of`` with both blends chosen on the
    ``horizon_days`` before it (models fitted on the data before that period,
    scored on what customers bought in it).

    With fewer than ``min_validation_customers`` buying in that period (and
    before it), the default weights are kept (``chosen_on == "default"``).
    """
    fitted = Recommendations(config).fit(purchases, sales, as_of=as_of)
    start = as_of - dt.timedelta(days=config.horizon_days)
    if purchases.filter(pl.col("day") < start).height == 0:
        return fitted
    validation = Recommendations(config).fit(purchases, sales, as_of=start)
    truth = truth_of(validation.fitted(), purchases, start=start, end=as_of)
    fitted.choose_blends(validation, truth)
    return fitted


def truth_of(
    data: Interactions, purchases: pl.DataFrame, *, start: dt.date, end: dt.date
) -> Truth:
    """Customers of ``data`` who bought in ``[start, end)``, with what they bought."""
    period = purchases.filter((pl.col("day") >= start) & (pl.col("day") < end))
    bought = period.group_by("customer").agg(pl.col("sku").unique()).sort("customer")
    rows = data.customer_index(bought["customer"].to_numpy())
    keep = rows >= 0
    relevant, counts = [], []
    for skus in bought["sku"].filter(pl.Series(keep)).to_list():
        columns = data.item_index(np.array(skus, dtype=object))
        relevant.append({int(c) for c in columns if c >= 0})
        counts.append(len(skus))
    return Truth(rows[keep], relevant, np.array(counts, dtype=np.int64))


def unseen_truth(fitted: Recommendations, truth: Truth) -> Truth:
    """``truth`` restricted to items each customer had never bought."""
    relevant, counts = _unseen(fitted, truth.rows, truth.relevant, truth.n_relevant)
    return Truth(truth.rows, relevant, counts)


def _unseen(
    fitted: Recommendations,
    rows: np.ndarray,
    relevant: list[set[int]],
    n_relevant: np.ndarray,
) -> tuple[list[set[int]], np.ndarray]:
    assert fitted.bought_ is not None
    bought = fitted.bought_
    new_relevant, counts = [], []
    for row, items, total in zip(rows, relevant, n_relevant, strict=True):
        own = set(bought.indices[bought.indptr[row] : bought.indptr[row + 1]].tolist())
        new_relevant.append(items - own)
        counts.append(int(total) - len(items & own))
    return new_relevant, np.array(counts, dtype=np.int64)


def _sample(truth: Truth, n_items: int) -> Truth:
    """At most :data:`CELL_BUDGET` / ``n_items`` customers of ``truth``, evenly
    spaced (deterministic)."""
    limit = max(50, CELL_BUDGET // max(n_items, 1))
    if len(truth.rows) <= limit:
        return truth
    picks = np.linspace(0, len(truth.rows) - 1, limit).round().astype(int)
    return Truth(
        truth.rows[picks], [truth.relevant[i] for i in picks], truth.n_relevant[picks]
    )


def _batches(rows: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]
