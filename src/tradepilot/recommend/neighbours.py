"""Neighbourhood recommenders on time-decayed co-purchase.

* :class:`ItemKNN`: items similar to what the customer bought ("customers who buy
  X also buy Y"); similarity is the co-purchase count of two items over customers,
  normalised by their own counts (asymmetric cosine), keeping each item's
  ``neighbours`` most similar items.
* :class:`UserKNN`: what the customer's most similar customers bought (cosine on
  time-decayed purchase vectors, as in TIFU-KNN's neighbour part).

Similarities are computed in blocks of rows, so memory grows with
``block x n_items`` (or ``n_customers``), never with its square.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tradepilot.recommend.data import Interactions
from tradepilot.recommend.models import Recommender

if TYPE_CHECKING:
    from typing import Self

    import scipy.sparse as sp

BLOCK = 1024


class ItemKNN(Recommender):
    """Item-based nearest neighbours on time-decayed co-purchase.

    ``sim(i, j) = C[i, j] / (C[i, i] ** alpha * C[j, j] ** (1 - alpha) + shrink)``
    where ``C = X'X`` and ``X`` is the customer x item matrix of purchase days
    decayed with ``half_life``; each row keeps its ``neighbours`` largest. A
    customer's score of item ``j`` is ``sum_i P[u, i] sim(i, j)`` with ``P`` the
    purchases decayed with ``profile_half_life``.

    Parameters
    ----------
    neighbours : int
        Similar items kept per item.
    half_life : float or None
        Decay of the purchases the similarities are counted on (None: none).
    profile_half_life : float or None
        Decay of the customer's own purchases when scoring.
    alpha : float
        Asymmetry of the normalisation (0.5: cosine).
    shrink : float
        Added to the denominator, so pairs seen once do not look certain.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from tradepilot.recommend.data import interactions
    >>> day = dt.date(2024, 1, 1)
    >>> frame = pl.DataFrame({"customer": ["a", "a", "b", "b", "c"],
    ...     "sku": ["tea", "cups", "tea", "cups", "tea"], "day": [day] * 5})
    >>> data = interactions(frame, as_of=dt.date(2024, 2, 1))
    >>> model = ItemKNN(shrink=0, profile_half_life=None).fit(data)
    >>> model.score(np.array([2])).round(3).tolist()  # c bought tea: cups, tea
    [[0.816, 0.0]]
    """

    name = "item_knn"

    def __init__(
        self,
        neighbours: int = 20,
        half_life: float | None = None,
        profile_half_life: float | None = 60.0,
        alpha: float = 0.5,
        shrink: float = 10.0,
    ) -> None:
        self.neighbours = neighbours
        self.half_life = half_life
        self.profile_half_life = profile_half_life
        self.alpha = alpha
        self.shrink = shrink

    def fit(self, data: Interactions) -> Self:
        """Similarities of every item to its nearest items."""
        import scipy.sparse as sp

        super().fit(data)
        x = data.matrix(self.half_life).tocsc()
        xt = x.T.tocsr()
        own = np.asarray(x.multiply(x).sum(axis=0)).ravel()
        blocks = []
        for start in range(0, data.n_items, BLOCK):
            stop = min(start + BLOCK, data.n_items)
            co = np.asarray((xt[start:stop] @ x).toarray())
            co[np.arange(stop - start), np.arange(start, stop)] = 0.0
            norm = np.power(own[start:stop, None], self.alpha) * np.power(
                own[None, :], 1.0 - self.alpha
            )
            blocks.append(_top_k(co / (norm + self.shrink), self.neighbours))
        self.similarity_ = (
            sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((0, 0))
        )
        self.profile_ = data.matrix(self.profile_half_life).tocsr()
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Sum of similarities to the customers' (decayed) purchases."""
        self.fitted()
        return np.asarray((self.profile_[rows] @ self.similarity_).toarray())

    def because(self, row: int, item: int) -> int | None:
        """The customer's item that contributes most to ``item``'s score, or None."""
        self.fitted()
        profile = self.profile_[row]
        if profile.nnz == 0:
            return None
        sims = np.asarray(self.similarity_[profile.indices, item].toarray()).ravel()
        contribution = profile.data * sims
        best = int(np.argmax(contribution))
        return int(profile.indices[best]) if contribution[best] > 0 else None


class UserKNN(Recommender):
    """User-based nearest neighbours: what the most similar customers bought.

    Customers are L2-normalised vectors of purchase days decayed with
    ``half_life``; a customer's score of an item is the similarity-weighted mean
    of their ``neighbours`` most similar customers' vectors.

    Parameters
    ----------
    neighbours : int
        Similar customers used.
    half_life : float or None
        Days after which a purchase counts half.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from tradepilot.recommend.data import interactions
    >>> day = dt.date(2024, 1, 1)
    >>> frame = pl.DataFrame({"customer": ["a", "a", "b", "b", "c"],
    ...     "sku": ["tea", "cups", "tea", "jam", "jam"], "day": [day] * 5})
    >>> model = UserKNN(neighbours=1).fit(interactions(frame, as_of=day.replace(month=2)))
    >>> model.score(np.array([2])).round(3).tolist()  # c's neighbour is b
    [[0.0, 0.707, 0.707]]
    """

    name = "user_knn"

    def __init__(self, neighbours: int = 200, half_life: float | None = 60.0) -> None:
        self.neighbours = neighbours
        self.half_life = half_life

    def fit(self, data: Interactions) -> Self:
        """Normalised customer vectors."""
        import scipy.sparse as sp

        super().fit(data)
        x = data.matrix(self.half_life).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        self.vectors_ = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ x
        self.vectors_t_ = self.vectors_.T.tocsr()
        return self

    def neighbourhood(self, rows: np.ndarray) -> sp.csr_matrix:
        """Similarities of ``rows`` to their nearest customers, shape
        (n_rows, n_customers), each row scaled to sum to 1."""
        import scipy.sparse as sp

        self.fitted()
        sims = np.asarray((self.vectors_[rows] @ self.vectors_t_).toarray())
        sims[np.arange(len(rows)), rows] = 0.0  # not one's own neighbour
        top = _top_k(sims, self.neighbours)
        total = np.asarray(top.sum(axis=1)).ravel()
        return sp.csr_matrix(sp.diags(1.0 / np.maximum(total, 1e-12)) @ top)

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Similarity-weighted mean of the neighbours' purchase vectors."""
        return np.asarray((self.neighbourhood(rows) @ self.vectors_).toarray())

    def neighbours_buying(self, row: int, item: int) -> tuple[int, int]:
        """(neighbours who bought ``item``, neighbours) of a customer."""
        near = self.neighbourhood(np.array([row]))
        bought = self.vectors_[near.indices, item].toarray().ravel() > 0
        return int(bought.sum()), int(near.nnz)


def _top_k(values: np.ndarray, k: int) -> sp.csr_matrix:
    """``values`` with all but each row's ``k`` largest positive entries zeroed."""
    import scipy.sparse as sp

    values = np.where(values > 0, values, 0.0)
    if values.shape[1] > k:
        drop = np.argpartition(-values, k, axis=1)[:, k:]
        np.put_along_axis(values, drop, 0.0, axis=1)
    return sp.csr_matrix(values)
