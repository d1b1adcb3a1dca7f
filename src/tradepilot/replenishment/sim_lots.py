"""Does a lot pay? Margin it saves against the excess it leaves (pure, no I/O).

A slow seller's MOQ lot can cover years of demand. Stock held beyond a stated
cover (``excess_weeks``) risks obsolescence: the seller writes off
``excess_share`` of its cost. :func:`lot_pays` compares, over the horizon ``H``
= lead time + ``excess_weeks``, with demand ``D`` over ``H`` gamma-distributed
(mean ``mu H``, variance ``sd^2 H``)::

    saved  = margin * (E[min(D, p + q)] - E[min(D, p)])        extra units sold
    excess = E[max(p + q - D, 0)] - E[max(p - D, 0)]           extra units left
    cost   = (excess_share * unit_cost + freight) * excess
             + unit_cost * holding_rate * H / 365 * (q - sold / 2)

and orders the lot only where ``saved > cost``: units sold leave on average half
way through the horizon, units left stay all of it. :func:`lot_cap` is the
quantity that maximises ``saved - cost`` before rounding (a newsvendor over
``H``): the position is raised to where the chance that demand exceeds it falls
to ``(a + b) / (margin + a + b / 2)``, with ``a = excess_share * unit_cost +
freight`` and ``b = unit_cost * holding_rate * H / 365``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_TINY = 1e-12


def expected_sales(
    stock: npt.ArrayLike, mean: npt.ArrayLike, var: npt.ArrayLike
) -> FloatArray:
    """``E[min(D, stock)]`` for gamma demand ``D`` with ``mean`` and ``var``.

    With shape ``k = mean^2 / var`` and scale ``theta = var / mean``:
    ``E[min(D, x)] = mean P(k + 1, x / theta) + x (1 - P(k, x / theta))``,
    ``P`` the regularised lower incomplete gamma function. Zero mean sells 0.

    Examples
    --------
    >>> expected_sales([0.0, 1e9], mean=[4.0, 4.0], var=[4.0, 4.0]).tolist()
    [0.0, 4.0]
    >>> round(float(expected_sales(2.0, mean=2.0, var=4.0)), 4)  # exponential
    1.2642
    """
    x = np.maximum(np.asarray(stock, dtype=np.float64), 0.0)
    mu = np.asarray(mean, dtype=np.float64)
    v = np.maximum(np.asarray(var, dtype=np.float64), _TINY)
    shape = np.maximum(mu**2 / v, _TINY)
    scale = v / np.maximum(mu, _TINY)
    z = x / scale
    out = mu * special.gammainc(shape + 1.0, z) + x * special.gammaincc(shape, z)
    return np.asarray(np.where(mu > 0, out, 0.0), dtype=np.float64)


def lot_pays(
    qty: npt.ArrayLike,
    position: npt.ArrayLike,
    *,
    mean: npt.ArrayLike,
    std: npt.ArrayLike,
    horizon_days: npt.ArrayLike,
    margin: npt.ArrayLike,
    unit_cost: npt.ArrayLike,
    freight: npt.ArrayLike,
    holding_rate: float,
    excess_share: float,
) -> BoolArray:
    """Where the lot ``qty`` saves more margin than its excess and holding cost.

    Parameters
    ----------
    qty, position : array_like
        Units of the lot and the position before it (on hand + on order), (n_skus,).
    mean, std : array_like
        Daily demand forecast, units/day, (n_skus,).
    horizon_days : array_like
        Lead time + the cover kept at full value, days, (n_skus,).
    margin, unit_cost, freight : array_like
        Per unit, base currency, (n_skus,).
    holding_rate, excess_share : float
        Yearly holding cost and the share of cost written off beyond the cover.

    Returns
    -------
    numpy.ndarray of bool
        Shape (n_skus,); ``False`` where ``qty`` is 0.

    Examples
    --------
    >>> lot_pays([12, 12], [0, 0], mean=[1.0, 0.01], std=[1.0, 0.1],
    ...          horizon_days=[120, 120], margin=[5.0, 5.0], unit_cost=[3.0, 3.0],
    ...          freight=[0.5, 0.5], holding_rate=0.25, excess_share=0.5).tolist()
    [True, False]
    """
    q = np.asarray(qty, dtype=np.float64)
    p = np.maximum(np.asarray(position, dtype=np.float64), 0.0)
    h = np.asarray(horizon_days, dtype=np.float64)
    mu = np.asarray(mean, dtype=np.float64) * h
    var = np.maximum(np.asarray(std, dtype=np.float64) ** 2 * h, mu)
    sold = expected_sales(p + q, mu, var) - expected_sales(p, mu, var)
    excess = q - sold  # E[max(p + q - D, 0)] - E[max(p - D, 0)]
    cost = np.asarray(unit_cost, dtype=np.float64)
    charge = (excess_share * cost + np.asarray(freight)) * excess
    charge += cost * holding_rate * h / 365.0 * (q - sold / 2.0)
    return np.asarray((q > 0) & (np.asarray(margin) * sold > charge), dtype=bool)
