"""The BG/NBD purchase model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

While alive, a customer makes repeat purchases as a Poisson process of rate
``lambda``; after each purchase the customer drops out for good with probability
``p``. Across customers ``lambda ~ Gamma(r, alpha)`` (rate ``alpha``) and
``p ~ Beta(a, b)``. A customer's data are ``x`` repeat purchases (frequency), the
time ``t_x`` of the last one (recency) and the time ``T`` observed, all counted from
the first purchase.

The likelihood (FHL 2005, eq. 6) is evaluated in logs (``gammaln``, ``logaddexp``)
and maximised over the logs of the four parameters with L-BFGS-B on the distinct
``(x, t_x, T)`` rows, weighted by how many customers share them. The conditional
expectation uses the Gaussian hypergeometric function ``2F1`` as in FHL 2005
eq. 10 (checked against direct integration in the tests).

Examples
--------
A model with the published CDNOW parameters, asked about a customer with 2 repeat
purchases, the last at week 30.43, observed for 38.86 weeks:

>>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> round(float(model.p_alive([2], [30.43], [38.86])[0]), 3)
0.727
>>> round(float(model.expected_purchases(39, [2], [30.43], [38.86])[0]), 3)
1.226
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

from tradepilot.domain.errors import DataValidationError, NotFittedError

FloatArray = NDArray[np.float64]
PARAM_NAMES = ("r", "alpha", "a", "b")
LOG_BOUND = 15.0  # parameters live in [e^-15, e^15]
_NEAR_ONE = 1e-7  # eq. 10 divides by a - 1; a == 1 is its continuous limit


@dataclass(frozen=True)
class CustomerData:
    """Frequency, recency and age of each customer, validated, as float arrays."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray

    @classmethod
    def of(cls, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> CustomerData:
        """Validate the three arrays (same length, ``0 <= t_x <= T``, whole ``x``).

        Raises
        ------
        DataValidationError
            Naming the first rule a value breaks.
        """
        x, t_x, age = (
            np.asarray(v, dtype=np.float64).ravel() for v in (frequency, recency, T)
        )
        if not x.size == t_x.size == age.size:
            raise DataValidationError(
                f"frequency, recency and T must have one value per customer; got"
                f" {x.size}, {t_x.size} and {age.size}"
            )
        if not (
            np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(age).all()
        ):
            raise DataValidationError("frequency, recency and T must be finite numbers")
        if (x < 0).any() or (x != np.round(x)).any():
            raise DataValidationError("frequency must be a whole number >= 0")
        if (t_x < 0).any() or (t_x > age + 1e-9).any():
            raise DataValidationError("recency must lie between 0 and T")
        if ((x == 0) & (t_x > 0)).any():
            raise DataValidationError("recency must be 0 where frequency is 0")
        return cls(x, t_x, age)


def log_likelihood(params: ArrayLike, data: CustomerData) -> FloatArray:
    """Log-likelihood of each customer under BG/NBD ``params`` (FHL 2005, eq. 6).

    Parameters
    ----------
    params : array-like of 4 floats
        ``r, alpha, a, b`` (all > 0).
    data : CustomerData
        Frequency, recency and T.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer, shape (n_customers,).
    """
    r, alpha, a, b = (float(v) for v in np.asarray(params, dtype=np.float64))
    x, t_x, age = data.x, data.t_x, data.T
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a)
        - np.log(b + x[repeat] - 1)
        - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    result: FloatArray = a1 + a2 + np.logaddexp(a3, a4)
    return result


class BetaGeoModel:
    """BG/NBD model of repeat purchases, scikit-learn style.

    Parameters
    ----------
    max_iter : int
        Iterations of L-BFGS-B per start.

    Attributes
    ----------
    params_ : dict of str to float
        ``r``, ``alpha``, ``a``, ``b``; ``alpha`` in the time unit of the data.
    log_likelihood_ : float
        Total log-likelihood at the fit.
    standard_errors_ : dict of str to float
        Asymptotic standard errors (inverse observed information, delta method);
        ``inf`` where a parameter is not identified (at a bound of its range).
    n_customers_ : int
        Customers the model was fitted on.
    """

    def __init__(self, *, max_iter: int = 2000) -> None:
        self.max_iter = max_iter

    @classmethod
    def from_params(cls, *, r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
        """A model with given parameters, as if fitted (for published fits, tests)."""
        model = cls()
        model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
        model.log_likelihood_ = float("nan")
        model.standard_errors_ = dict.fromkeys(PARAM_NAMES, float("nan"))
        model.n_customers_ = 0
        return model

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> BetaGeoModel:
        """Fit the four parameters by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like, shape (n_customers,)
            Repeat purchases, time of the last one and time observed, from the
            customer's first purchase, in one time unit.

        Returns
        -------
        BetaGeoModel
            ``self``.

        Raises
        ------
        DataValidationError
            If the data break a rule, or no customer has a repeat purchase (the
            purchase rate and the drop-out are then not identified).
        """
        data = CustomerData.of(frequency, recency, T)
        if not (data.x > 0).any():
            raise DataValidationError(
                "no customer has a repeat purchase (a second purchase day) in the"
                f" data ({data.x.size} customers): a purchase model needs repeat buyers"
            )
        grouped, weights = _distinct_rows(data)

        def objective(theta: FloatArray) -> float:
            return -float(weights @ log_likelihood(np.exp(theta), grouped))

        best = min(
            (
                minimize(
                    objective,
                    start,
                    method="L-BFGS-B",
                    bounds=[(-LOG_BOUND, LOG_BOUND)] * 4,
                    options={"maxiter": self.max_iter, "ftol": 1e-13, "gtol": 1e-9},
                )
                for start in _starts(data)
            ),
            key=lambda result: float(result.fun),
        )
        self.params_ = dict(zip(PARAM_NAMES, np.exp(best.x).tolist(), strict=True))
        self.log_likelihood_ = -float(best.fun)
        self.standard_errors_ = _standard_errors(objective, best.x)
        self.n_customers_ = int(data.x.size)
        return self

    def p_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still alive at ``T`` (FHL 2005, eq. 11).

        A customer without repeat purchases is alive with probability 1 under
        BG/NBD (drop-out only follows a purchase).
        """
        data = CustomerData.of(frequency, recency, T)
        r, alpha, a, b = self._params()
        result: FloatArray = 1.0 / (1.0 + _odds_dead(r, alpha, a, b, data))
        return result

    def expected_purchases(
        self,
        t: float | ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> FloatArray:
        """Expected repeat purchases in ``(T, T + t]`` given each customer's history.

        Parameters
        ----------
        t : float or array-like
            Length of the period after ``T``, in the data's time unit; an array
            gives one horizon per customer.

        Returns
        -------
        numpy.ndarray
            Shape (n_customers,).
        """
        data = CustomerData.of(frequency, recency, T)
        r, alpha, a, b = self._params()
        horizon = np.broadcast_to(np.asarray(t, dtype=np.float64), data.x.shape)
        x, age = data.x, data.T
        a = _off_one(a)
        z = horizon / (alpha + age + horizon)
        decay = np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + horizon)))
        bracket = 1.0 - decay * hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        result: FloatArray = (
            (a + b + x - 1.0)
            / (a - 1.0)
            * bracket
            / (1.0 + _odds_dead(r, alpha, a, b, data))
        )
        return result

    def expected_purchases_new(self, t: ArrayLike) -> FloatArray:
        """Expected repeat purchases of a new customer in ``(0, t]`` (FHL 2005, eq. 9)."""
        r, alpha, a, b = self._params()
        horizon = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
        a = _off_one(a)
        decay = np.exp(r * (np.log(alpha) - np.log(alpha + horizon)))
        z = horizon / (alpha + horizon)
        result: FloatArray = (
            (a + b - 1.0) / (a - 1.0) * (1.0 - decay * hyp2f1(r, b, a + b - 1.0, z))
        )
        return result

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                "this BetaGeoModel is not fitted yet; call fit(frequency, recency, T)"
            )
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]


def sample_customers(
    rng: np.random.Generator,
    *,
    params: dict[str, float],
    T: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Draw repeat purchases of customers observed for ``T`` under BG/NBD ``params``.

    Returns
    -------
    frequency, recency : numpy.ndarray
        As :meth:`BetaGeoModel.fit` takes them, shape of ``T``.

    Examples
    --------
    >>> x, t_x = sample_customers(np.random.default_rng(0),
    ...     params={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, T=[39.0] * 3)
    >>> x.shape, bool((t_x <= 39).all())
    ((3,), True)
    """
    age = np.asarray(T, dtype=np.float64).ravel()
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], age.size)
    drop = rng.beta(params["a"], params["b"], age.size)
    x, t_x, clock = np.zeros(age.size), np.zeros(age.size), np.zeros(age.size)
    active = np.ones(age.size, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        clock[idx] += rng.exponential(1.0 / np.maximum(rate[idx], 1e-300))
        bought = clock[idx] <= age[idx]
        hit = idx[bought]
        x[hit] += 1
        t_x[hit] = clock[hit]
        active[idx[~bought]] = False
        active[hit[rng.random(hit.size) < drop[hit]]] = False
    return x, t_x


def _odds_dead(
    r: float, alpha: float, a: float, b: float, data: CustomerData
) -> FloatArray:
    """``P(dead) / P(alive)`` given the history: 0 without repeat purchases."""
    x = data.x
    odds = np.zeros_like(x)
    repeat = x > 0
    log_ratio = np.log(alpha + data.T[repeat]) - np.log(alpha + data.t_x[repeat])
    odds[repeat] = a / (b + x[repeat] - 1.0) * np.exp((r + x[repeat]) * log_ratio)
    return odds


def _off_one(a: float) -> float:
    return a + _NEAR_ONE if abs(a - 1.0) < _NEAR_ONE else a


def _distinct_rows(data: CustomerData) -> tuple[CustomerData, FloatArray]:
    """The distinct ``(x, t_x, T)`` rows and how many customers share each."""
    rows = np.column_stack([data.x, data.t_x, data.T])
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    grouped = CustomerData(unique[:, 0], unique[:, 1], unique[:, 2])
    return grouped, counts.astype(np.float64)


def _starts(data: CustomerData) -> list[FloatArray]:
    """Starting points (log scale): a neutral one and one from the data's scale."""
    scale = max(float(np.mean(data.T)), 1e-6)
    rate = max(float(np.mean(data.x)) / scale, 1e-6)
    return [np.zeros(4), np.log([0.5, 0.5 / rate, 1.0, 2.0])]


def _standard_errors(objective: Any, theta: FloatArray) -> dict[str, float]:
    """Delta-method standard errors from a finite-difference Hessian in logs."""
    step = 1e-4
    n = theta.size
    hessian = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            shifts = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
            values = []
            for si, sj in shifts:
                point = theta.copy()
                point[i] += si * step
                point[j] += sj * step
                values.append(objective(point))
            hessian[i, j] = (values[0] - values[1] - values[2] + values[3]) / (
                4 * step**2
            )
    at_bound = np.abs(theta) >= LOG_BOUND - 1e-3
    try:
        covariance = np.linalg.inv(hessian)
        variances = np.diag(covariance)
    except np.linalg.LinAlgError:
        variances = np.full(n, np.inf)
    variances = np.where((variances > 0) & ~at_bound, variances, np.inf)
    errors = np.exp(theta) * np.sqrt(variances)
    return dict(zip(PARAM_NAMES, errors.tolist(), strict=True))
