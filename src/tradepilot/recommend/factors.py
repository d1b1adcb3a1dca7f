"""Implicit-feedback matrix factorisation: alternating least squares (Hu, Koren &
Volinsky 2008) from the ``implicit`` package, on BM25-weighted, time-decayed
purchase days."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from tradepilot.recommend.data import Interactions
from tradepilot.recommend.models import Recommender

if TYPE_CHECKING:
    from typing import Self


class ImplicitALS(Recommender):
    """Customers and items as ``factors``-dimensional vectors whose dot products
    fit the confidence-weighted purchase matrix.

    Parameters
    ----------
    factors : int
        Latent dimensions (at most ``min(n_customers, n_items) - 1`` are used).
    regularization : float
        L2 penalty on the factors.
    iterations : int
        ALS sweeps.
    half_life : float or None
        Days after which a purchase counts half.
    bm25_k1, bm25_b : float
        BM25 weighting of the purchase matrix (damps heavy buyers and very
        popular items).
    random_state : int
        Seed of the factors' initialisation.
    """

    name = "als"

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 1.0,
        iterations: int = 15,
        half_life: float | None = 125.0,
        bm25_k1: float = 100.0,
        bm25_b: float = 0.8,
        random_state: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.iterations = iterations
        self.half_life = half_life
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.random_state = random_state

    def fit(self, data: Interactions) -> Self:
        """Fit the customer and item factors."""
        from implicit.als import AlternatingLeastSquares
        from implicit.nearest_neighbours import bm25_weight
        from threadpoolctl import threadpool_limits

        super().fit(data)
        purchases = data.matrix(self.half_life)
        factors = max(1, min(self.factors, min(purchases.shape) - 1))
        if not purchases.sum() > 0:  # nothing, or every purchase decayed to 0
            self.customer_factors_ = np.zeros((data.n_customers, factors))
            self.item_factors_ = np.zeros((data.n_items, factors))
            return self
        weighted = bm25_weight(
            purchases.tocoo(), K1=self.bm25_k1, B=self.bm25_b
        ).tocsr()
        # implicit warns unless BLAS is single-threaded (it runs its own threads)
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model = AlternatingLeastSquares(
                factors=factors,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.random_state,
            )
            model.fit(weighted, show_progress=False)
        self.customer_factors_ = np.asarray(model.user_factors, dtype=np.float64)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float64)
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Dot products of the customers' and every item's factors."""
        self.fitted()
        return np.asarray(self.customer_factors_[rows] @ self.item_factors_.T)
