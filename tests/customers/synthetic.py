"""Purchase days drawn from BG/NBD customers on a seasonal calendar (for tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl


def seasonal_purchases(
    seed: int,
    *,
    n: int,
    start: dt.date,
    days: int,
    factors: list[float],
    r: float = 1.0,
    alpha: float = 40.0,
    a: float = 1.0,
    b: float = 6.0,
) -> pl.DataFrame:
    """``customer, day, amount``: customers born uniformly over the first half of the
    span, buying at daily rate ``lambda * factors[month - 1]`` while alive (alpha in
    days), dropping out after a purchase with probability ``p``."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    birth = rng.integers(0, days // 2, n)
    calendar = [start + dt.timedelta(days=k) for k in range(days)]
    factor = np.array([factors[d.month - 1] for d in calendar])
    rows = []
    for i in range(n):
        rows.append((f"c{i}", calendar[birth[i]], float(rng.gamma(4.0, 10.0))))
        for k in range(birth[i] + 1, days):
            if rng.random() < 1.0 - np.exp(-rate[i] * factor[k]):
                rows.append((f"c{i}", calendar[k], float(rng.gamma(4.0, 10.0))))
                if rng.random() < drop[i]:
                    break
    return pl.DataFrame(rows, schema=["customer", "day", "amount"], orient="row")
