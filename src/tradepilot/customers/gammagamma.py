"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b; Fader & Hardie 2013).

The value of a customer's transactions varies around the customer's mean spend
``zeta``: each transaction is ``Gamma(p, nu)`` with mean ``zeta = p / nu``, and
across customers ``nu ~ Gamma(q, v)``. Fitted by maximum likelihood on the repeat
buyers' mean spend per repeat transaction ``m`` and their number ``x``; spend is
assumed independent of purchase frequency (check before use; the README says how).

Examples
--------
The published CDNOW fit, asked about a customer with 2 repeat purchases of 30.0 on
average; a customer never seen again is expected to spend the population mean:

>>> model = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
>>> [round(float(v), 2) for v in model.expected_spend([2, 0], [30.0, 0.0])]
[30.94, 35.22]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import gammaln

from tradepilot.domain.errors import DataValidationError, NotFittedError

FloatArray = NDArray[np.float64]
PARAM_NAMES = ("p", "q", "v")
LOG_BOUND = 15.0


def log_likelihood(
    params: ArrayLike, frequency: FloatArray, monetary: FloatArray
) -> FloatArray:
    """Log-likelihood of each repeat buyer's mean spend (Fader & Hardie 2013, eq. 5).

    Parameters
    ----------
    params : array-like of 3 floats
        ``p, q, v`` (all > 0).
    frequency : numpy.ndarray
        Repeat transactions ``x`` (> 0).
    monetary : numpy.ndarray
        Mean spend per repeat transaction (> 0).

    Returns
    -------
    numpy.ndarray
        Shape (n_customers,).
    """
    p, q, v = (float(value) for value in np.asarray(params, dtype=np.float64))
    x, m = frequency, monetary
    px = p * x
    result: FloatArray = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return result


class GammaGammaModel:
    """Gamma-Gamma model of spend per transaction, scikit-learn style.

    Attributes
    ----------
    params_ : dict of str to float
        ``p``, ``q``, ``v``.
    log_likelihood_ : float
        Total log-likelihood at the fit.
    n_customers_ : int
        Repeat buyers the model was fitted on.
    """

    def __init__(self, *, max_iter: int = 2000) -> None:
        self.max_iter = max_iter

    @classmethod
    def from_params(cls, *, p: float, q: float, v: float) -> GammaGammaModel:
        """A model with given parameters, as if fitted."""
        model = cls()
        model.params_ = {"p": p, "q": q, "v": v}
        model.log_likelihood_ = float("nan")
        model.n_customers_ = 0
        return model

    def fit(self, frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaModel:
        """Fit ``p, q, v`` on the customers with repeat purchases and positive spend.

        Customers with ``frequency == 0`` or ``monetary <= 0`` are left out (their
        mean repeat spend is not observed).

        Returns
        -------
        GammaGammaModel
            ``self``.

        Raises
        ------
        DataValidationError
            If fewer than 2 customers have repeat purchases with a positive spend.
        """
        x, m = _arrays(frequency, monetary)
        keep = (x > 0) & (m > 0)
        if int(keep.sum()) < 2:
            raise DataValidationError(
                "the spend model needs at least 2 customers with repeat purchases of"
                f" positive value; found {int(keep.sum())}"
            )
        x, m = x[keep], m[keep]
        start = np.log([1.0, 1.0, float(np.mean(m))])

        def objective(theta: FloatArray) -> float:
            return -float(log_likelihood(np.exp(theta), x, m).sum())

        best = minimize(
            objective,
            start,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * 3,
            options={"maxiter": self.max_iter, "ftol": 1e-13, "gtol": 1e-9},
        )
        self.params_ = dict(zip(PARAM_NAMES, np.exp(best.x).tolist(), strict=True))
        self.log_likelihood_ = -float(best.fun)
        self.n_customers_ = int(x.size)
        return self

    def expected_spend(self, frequency: ArrayLike, monetary: ArrayLike) -> FloatArray:
        """Expected spend per future transaction given each customer's history.

        ``(p (v + x m)) / (p x + q - 1)``: the population mean ``p v / (q - 1)``
        shrunk towards the customer's own mean as ``x`` grows (needs ``q > 1``;
        below that the population mean is infinite and the customer's own mean is
        used).
        """
        if not hasattr(self, "params_"):
            raise NotFittedError(
                "this GammaGammaModel is not fitted yet; call fit(frequency, monetary)"
            )
        x, m = _arrays(frequency, monetary)
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        if q <= 1.0:
            return np.where(x > 0, m, np.nan)
        observed = np.where(x > 0, np.maximum(m, 0.0), 0.0)
        result: FloatArray = p * (v + x * observed) / (p * x + q - 1.0)
        return result


def _arrays(frequency: ArrayLike, monetary: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(frequency, dtype=np.float64).ravel()
    m = np.asarray(monetary, dtype=np.float64).ravel()
    if x.size != m.size:
        raise DataValidationError(
            f"frequency and monetary must have one value per customer; got {x.size}"
            f" and {m.size}"
        )
    return x, m
