"""Daily euro reference rates, simulated in the shape of the ECB's history file.

Each rate follows a gently mean-reverting random walk of its logarithm around a
realistic level (units per 1 EUR), with a drift for currencies that depreciate
steadily (TRY). Rates exist on ECB business days only.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tradepilot.simulate.markets import quoted_currencies
from tradepilot.simulate.timeline import ecb_business_days

TRADING_DAYS = 255
MEAN_REVERSION = 0.01
"""Daily pull of the log rate back towards its level (peg-like when vol is tiny)."""


def simulate_fx(
    rng: np.random.Generator, first: dt.date, last: dt.date
) -> pl.DataFrame:
    """Simulate reference rates for every ECB business day in ``[first, last]``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    first, last : datetime.date
        Inclusive date range.

    Returns
    -------
    polars.DataFrame
        Long format ``date, currency, rate`` (units of ``currency`` per 1 EUR,
        rounded to the decimals the ECB publishes), oldest first.

    Examples
    --------
    >>> rates = simulate_fx(np.random.default_rng(0), dt.date(2024, 1, 1),
    ...                     dt.date(2024, 1, 7))
    >>> sorted(set(rates["date"].dt.weekday().to_list()))
    [2, 3, 4, 5]
    """
    days = ecb_business_days(first, last)
    frames = [_walk(rng, code.code, days) for code in quoted_currencies()]
    return pl.concat(frames).sort("date", maintain_order=True)


def _walk(rng: np.random.Generator, code: str, days: list[dt.date]) -> pl.DataFrame:
    info = next(c for c in quoted_currencies() if c.code == code)
    n = len(days)
    step_vol = info.annual_vol / np.sqrt(TRADING_DAYS)
    shocks = step_vol * rng.standard_normal(n) + info.annual_drift / TRADING_DAYS
    target = np.log(info.eur_rate)
    log_rate = np.empty(n)
    level = target + 0.3 * info.annual_vol * rng.standard_normal()
    reversion = 0.0 if info.annual_drift else MEAN_REVERSION
    for i in range(n):
        level += reversion * (target - level) + shocks[i]
        log_rate[i] = level
    rates = np.round(np.exp(log_rate), info.rate_decimals)
    return pl.DataFrame(
        {"date": days, "currency": [code] * n, "rate": rates},
        schema={"date": pl.Date, "currency": pl.String, "rate": pl.Float64},
    )
