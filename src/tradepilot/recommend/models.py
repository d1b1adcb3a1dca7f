"""Recommenders that need no similarity model: popularity, the customer's own most
frequent items (P-TopFreq), time-decayed personal frequency and repurchase cycles.

Every recommender follows one contract (see :class:`Recommender`): ``fit`` on
:class:`~tradepilot.recommend.data.Interactions`, then ``score(rows)`` gives a
(len(rows), n_items) array where a larger score ranks first and ``-inf`` means
"never recommend" (e.g. P-TopFreq for an item the customer never bought).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tradepilot.domain.errors import NotFittedError
from tradepilot.recommend.data import Interactions, decay

if TYPE_CHECKING:
    from typing import Self


class Recommender:
    """Base class: parameters in ``__init__``, learned state (``_`` suffix) in
    ``fit``, scores from ``score``."""

    name: ClassVar[str] = "recommender"
    data_: Interactions | None = None

    def fit(self, data: Interactions) -> Self:
        """Learn from ``data``; returns ``self``."""
        self.data_ = data
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Scores of every item for customers ``rows``.

        Parameters
        ----------
        rows : numpy.ndarray
            Customer rows of the fitted data, shape (n_rows,).

        Returns
        -------
        numpy.ndarray
            Shape (n_rows, n_items), float64; larger ranks first, ``-inf`` never.
        """
        raise NotImplementedError

    def fitted(self) -> Interactions:
        """The fitted data; raises :class:`NotFittedError` before ``fit``."""
        if self.data_ is None:
            raise NotFittedError(f"{type(self).__name__} is used before fit")
        return self.data_


class Popularity(Recommender):
    """Items ranked by how many customers bought them (the same list for all).

    Parameters
    ----------
    half_life : float or None
        Days after which a purchase counts half (None: all count 1). A short
        half-life (e.g. 14) gives what is *trending*.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from tradepilot.recommend.data import interactions
    >>> frame = pl.DataFrame({"customer": ["a", "b", "b"], "sku": ["x", "x", "y"],
    ...     "day": [dt.date(2024, 1, 1)] * 3})
    >>> model = Popularity().fit(interactions(frame, as_of=dt.date(2024, 2, 1)))
    >>> model.score(np.array([0])).tolist()
    [[2.0, 1.0]]
    """

    name = "popularity"

    def __init__(self, half_life: float | None = None) -> None:
        self.half_life = half_life

    def fit(self, data: Interactions) -> Self:
        """Count each item's customers (decayed by their latest purchase)."""
        super().fit(data)
        last = data.last_age().tocoo()
        weights = decay(last.data, self.half_life)
        self.counts_ = np.bincount(last.col, weights=weights, minlength=data.n_items)
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """The item counts, one identical row per customer."""
        self.fitted()
        return np.tile(self.counts_, (len(rows), 1))


class PersonalFrequency(Recommender):
    """Items ranked by how often the customer bought them.

    The score is the number of the customer's purchase days with the item
    (decayed with ``half_life``); items never bought are never recommended
    (``-inf``). ``P-TopFreq`` (``tie_break=True``, no half-life) is the baseline
    every next-basket recommender must beat: ties broken by the latest purchase.

    Parameters
    ----------
    half_life : float or None
        Days after which a purchase counts half.
    tie_break : bool
        Break ties by recency.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from tradepilot.recommend.data import interactions
    >>> d = [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 1, 15)]
    >>> frame = pl.DataFrame({"customer": ["a"] * 4, "sku": ["x", "x", "y", "z"],
    ...     "day": [d[0], d[1], d[0], d[2]]})
    >>> data = interactions(frame, as_of=dt.date(2024, 1, 16))
    >>> scores = PersonalFrequency(tie_break=True).fit(data).score(np.array([0]))
    >>> [data.items[i] for i in np.argsort(-scores[0])]
    ['x', 'z', 'y']
    """

    name = "frequency"

    def __init__(self, half_life: float | None = None, tie_break: bool = False) -> None:
        self.half_life = half_life
        self.tie_break = tie_break

    def fit(self, data: Interactions) -> Self:
        """Count purchase days per customer and item."""
        super().fit(data)
        self.counts_ = data.matrix(self.half_life).tocsr()
        self.recency_ = data.last_age().tocsr()
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Counts of the rows' customers (see the class docstring)."""
        self.fitted()
        counts = np.asarray(self.counts_[rows].toarray())
        if self.tie_break:
            last = self.recency_[rows].toarray()
            # a purchase 1 day ago adds 0.25, older ones less: never a whole count
            counts = counts + 0.5 / (1.0 + np.maximum(last, 1))
        return np.where(self.recency_[rows].toarray() > 0, counts, -np.inf)


class PTopFreq(PersonalFrequency):
    """:class:`PersonalFrequency` as the P-TopFreq baseline (ties by recency)."""

    name = "p_topfreq"

    def __init__(self) -> None:
        super().__init__(half_life=None, tie_break=True)


class RepurchaseCycle(Recommender):
    """Chance of buying each item again within a horizon, from its buying cycle.

    The days between a customer's purchases of an item are modelled as Erlang-2
    (a gamma with shape 2: purchases come roughly every ``m`` days, rarely much
    sooner), whose mean ``m`` is the customer's mean interval for the item shrunk
    towards once per observed span. The score is the probability of a purchase
    in the next ``horizon`` days given none since the last one:
    ``1 - S(e + h) / S(e)`` with ``S(t) = (1 + 2t/m) exp(-2t/m)`` and ``e`` the
    days since the last purchase. Items never bought are never recommended.

    Parameters
    ----------
    horizon : float
        Days ahead.
    prior_weight : float
        Weight, in intervals, of the prior "once per span" interval.
    """

    name = "repurchase"

    def __init__(self, horizon: float = 84.0, prior_weight: float = 1.0) -> None:
        self.horizon = horizon
        self.prior_weight = prior_weight

    def fit(self, data: Interactions) -> Self:
        """Mean interval and days since the last purchase per customer and item."""
        super().fit(data)
        counts = data.matrix().tocoo()
        first = data.first_age().tocsr()
        last = data.last_age().tocsr()
        rows, cols, n = counts.row, counts.col, counts.data
        first_v = np.asarray(first[rows, cols]).ravel()
        last_v = np.asarray(last[rows, cols]).ravel()
        prior = data.customer_span()[rows] + self.horizon
        interval = (first_v - last_v + self.prior_weight * prior) / (
            n - 1 + self.prior_weight
        )
        self.cells_ = _cells(data, rows, cols, {
            "n": n, "first": first_v, "last": last_v,
            "p": _renewal_chance(last_v, interval, self.horizon),
        })  # fmt: skip
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Purchase chances within the horizon (-inf for items never bought)."""
        self.fitted()
        bought = self.cells_["n"][rows].toarray() > 0
        return np.where(bought, self.cells_["p"][rows].toarray(), -np.inf)

    def cycles(
        self, row: int, items: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Purchase days, mean days between them (0 when bought at most once) and
        days since the last purchase of a customer's ``items``."""
        self.fitted()
        n, first, last = (
            np.asarray(self.cells_[name][row].toarray()).ravel()[items]
            for name in ("n", "first", "last")
        )
        mean = np.where(n > 1, (first - last) / np.maximum(n - 1, 1), 0.0)
        return n.astype(np.int64), mean, last


def _renewal_chance(elapsed: np.ndarray, mean: np.ndarray, horizon: float) -> Any:
    """Erlang-2 chance of the next event within ``horizon`` after ``elapsed``.

    Examples
    --------
    >>> float(_renewal_chance(np.array([0.0]), np.array([10.0]), 1e9)[0])
    1.0
    """

    def survival(t: np.ndarray) -> np.ndarray:
        x = 2.0 * t / mean
        return np.asarray((1.0 + x) * np.exp(-x))

    before = np.maximum(survival(elapsed), 1e-300)
    return 1.0 - survival(elapsed + horizon) / before


def _cells(
    data: Interactions, rows: np.ndarray, cols: np.ndarray, values: dict[str, Any]
) -> dict[str, Any]:
    """Sparse customer x item matrices of per-cell ``values``."""
    import scipy.sparse as sp

    shape = (data.n_customers, data.n_items)
    return {
        name: sp.csr_matrix(
            (np.asarray(v, dtype=np.float64), (rows, cols)), shape=shape
        )
        for name, v in values.items()
    }
