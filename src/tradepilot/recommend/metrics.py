"""Top-k lists and how good they are against what customers then bought.

For one customer with recommended list ``L`` (the first ``k``) and relevant set
``R`` (the distinct items they bought in the test period):

* ``recall@k = |L ∩ R| / |R|`` (the standard definition, used for the targets);
* ``recall_capped@k = |L ∩ R| / min(k, |R|)`` (reaches 1 when the list is full
  of hits however many items were bought);
* ``NDCG@k = DCG / IDCG`` with binary gains, ``DCG = sum over hits at rank r
  (1-based) of 1 / log2(r + 1)`` and ``IDCG`` the DCG of ``min(k, |R|)`` hits.

Each is averaged over customers with ``|R| > 0``. ``R`` counts every item bought,
including items a list could not contain (launched after the cutoff).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class RankingMetrics:
    """Mean metrics of top-k lists over ``customers`` customers."""

    recall: float
    recall_capped: float
    ndcg: float
    customers: int

    def as_dict(self) -> dict[str, float | int]:
        """Rounded to 4 decimals, for JSON."""
        return {
            k: (round(v, 4) if isinstance(v, float) else v)
            for k, v in asdict(self).items()
        }


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Columns of each row's ``k`` largest scores, best first; ``-1`` where fewer
    than ``k`` scores are finite. Ties go to the lower column.

    Examples
    --------
    >>> top_k(np.array([[0.1, 0.9, 0.5], [1.0, -np.inf, -np.inf]]), 2).tolist()
    [[1, 2], [0, -1]]
    >>> top_k(np.array([[0.5, 0.9, 0.5, 0.5]]), 3).tolist()
    [[1, 0, 2]]
    """
    n_rows, n_cols = scores.shape
    width = min(k, n_cols)
    if width == 0:
        return np.full((n_rows, k), -1, dtype=np.int64)
    key = np.where(np.isfinite(scores), scores, -np.inf)
    columns = np.argpartition(-key, width - 1, axis=1)[:, :width]
    kth = np.take_along_axis(key, columns, axis=1).min(axis=1)
    # rows where more than k scores reach the k-th: ties at the edge, which
    # argpartition breaks arbitrarily; give them to the lowest columns
    crowded = np.flatnonzero((key >= kth[:, None]).sum(axis=1) > width)
    for row in crowded:
        columns[row] = np.argsort(-key[row], kind="stable")[:width]
    picked = np.take_along_axis(key, columns, axis=1)
    order = np.lexsort((columns, -picked), axis=1)
    columns = np.take_along_axis(columns, order, axis=1)
    picked = np.take_along_axis(picked, order, axis=1)
    columns = np.where(np.isfinite(picked), columns, -1)
    if width < k:
        pad = np.full((n_rows, k - width), -1, dtype=np.int64)
        columns = np.hstack([columns, pad])
    return columns.astype(np.int64)


def ranking_metrics(
    top: np.ndarray, relevant: list[set[int]], n_relevant: np.ndarray
) -> RankingMetrics:
    """Recall, capped recall and NDCG of lists against relevant items.

    Parameters
    ----------
    top : numpy.ndarray
        Recommended columns per customer, best first, ``-1`` for an empty slot;
        shape (n_customers, k).
    relevant : list of set of int
        Columns each customer bought in the test period.
    n_relevant : numpy.ndarray
        Number of distinct items each customer bought, shape (n_customers,):
        at least ``len(relevant[u])``, more when some are not columns.
        Customers with 0 are left out.

    Returns
    -------
    RankingMetrics

    Examples
    --------
    One customer bought items 1, 2 and 7 (7 is not recommendable); the list is
    [1, 5, 2]: 2 hits of 3, at ranks 1 and 3.

    >>> m = ranking_metrics(np.array([[1, 5, 2]]), [{1, 2}], np.array([3]))
    >>> round(m.recall, 4), round(m.recall_capped, 4), round(m.ndcg, 4)
    (0.6667, 0.6667, 0.7039)
    """
    return Relevance.of(relevant, n_relevant).metrics(top)


@dataclass(frozen=True)
class Relevance:
    """What customers bought, indexed for scoring many lists against it.

    Attributes
    ----------
    keys : numpy.ndarray
        Sorted ``row * width + column`` of every relevant (row, column).
    width : int
        Key stride (above every column).
    n_relevant : numpy.ndarray
        Distinct items bought per row, shape (n_rows,).
    """

    keys: np.ndarray
    width: int
    n_relevant: np.ndarray

    @classmethod
    def of(cls, relevant: list[set[int]], n_relevant: np.ndarray) -> Relevance:
        """Index ``relevant`` (see :func:`ranking_metrics`)."""
        width = 1 + max((max(r) for r in relevant if r), default=0)
        keys = np.fromiter(
            (row * width + c for row, items in enumerate(relevant) for c in items),
            dtype=np.int64,
        )
        return cls(np.sort(keys), width, np.asarray(n_relevant, dtype=np.int64))

    def metrics(self, top: np.ndarray) -> RankingMetrics:
        """:func:`ranking_metrics` of the lists ``top`` (one row per customer)."""
        k = top.shape[1]
        keep = self.n_relevant > 0
        if not keep.any():
            return RankingMetrics(0.0, 0.0, 0.0, 0)
        hits = self.hits(top)[keep]
        total = self.n_relevant[keep].astype(np.float64)
        found = hits.sum(axis=1)
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = np.cumsum(discounts)[np.minimum(total, k).astype(np.int64) - 1]
        return RankingMetrics(
            recall=float(np.mean(found / total)),
            recall_capped=float(np.mean(found / np.minimum(total, k))),
            ndcg=float(np.mean(hits @ discounts / ideal)),
            customers=int(keep.sum()),
        )

    def hits(self, top: np.ndarray) -> np.ndarray:
        """Boolean, shape of ``top``: is each listed column relevant to its row
        (-1, an empty slot, never is)."""
        valid = (top >= 0) & (top < self.width)
        listed = np.arange(len(top))[:, None] * self.width + np.where(valid, top, 0)
        if len(self.keys) == 0:
            return np.zeros(top.shape, dtype=bool)
        at = np.clip(np.searchsorted(self.keys, listed), 0, len(self.keys) - 1)
        return np.asarray(valid & (self.keys[at] == listed))
