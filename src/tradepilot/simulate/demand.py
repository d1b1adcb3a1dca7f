"""True customer demand per day, SKU and country, and how stock splits it.

The expected daily units of SKU ``s`` on day ``t`` (all countries) is::

    rate[t, s] = base[s] * exp(growth[s] * t / 365) * season[t, category[s]]
                 * weekly[weekday[t]] * uplift[t, s] * lifecycle[t, s]

Daily demand is a gamma-Poisson (negative binomial) draw: a gamma shock with shape
``dispersion[s]`` and mean 1 multiplies the rate, shared by all countries of the
day, and each country then draws Poisson units with its demand share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradepilot.simulate.catalog import CATEGORIES
from tradepilot.simulate.timeline import Timeline

DEMAND_CLASSES: tuple[str, str, str] = ("steady", "erratic", "intermittent")
CLASS_SHARES = np.array([0.15, 0.25, 0.60])
RATE_MEDIAN = np.array([1.0, 0.25, 0.03])
"""Median base rate by class, units per day over all countries."""
RATE_LOG_SPREAD = np.array([0.45, 0.5, 0.7])
DISPERSION = np.array([25.0, 0.7, 1.0])
"""Gamma shape of the daily shock by class (large: close to Poisson)."""
WEEKLY = np.array([1.08, 1.04, 1.0, 0.98, 0.92, 0.9, 1.08])
"""Relative demand Monday..Sunday (normalised to mean 1 where used)."""
LAUNCH_RAMP_DAYS = 14.0


@dataclass(frozen=True, slots=True)
class DemandProfiles:
    """How each SKU sells; arrays of shape (n_skus,).

    Attributes
    ----------
    demand_class : numpy.ndarray
        Index into :data:`DEMAND_CLASSES`.
    base_rate : numpy.ndarray
        Mean units per day over all countries at the start, before promotions.
    dispersion : numpy.ndarray
        Gamma shape of the daily demand shock.
    growth : numpy.ndarray
        Annual log growth of the rate.
    launch_day, end_day : numpy.ndarray
        First day on sale and first day no longer demanded (day indices;
        ``end_day == n_days`` when never discontinued).
    """

    demand_class: np.ndarray
    base_rate: np.ndarray
    dispersion: np.ndarray
    growth: np.ndarray
    launch_day: np.ndarray
    end_day: np.ndarray

    def active(self, n_days: int) -> np.ndarray:
        """Whether each SKU is on sale each day, shape (n_days, n_skus)."""
        day = np.arange(n_days)[:, None]
        return (day >= self.launch_day) & (day < self.end_day)


def draw_profiles(
    rng: np.random.Generator,
    *,
    n_skus: int,
    n_days: int,
    demand_scale: float,
    launch_share: float,
    discontinue_share: float,
) -> DemandProfiles:
    """Draw each SKU's demand class, rate, growth and life cycle.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_skus, n_days : int
        Catalogue size and simulated days.
    demand_scale : float
        Multiplier on all base rates.
    launch_share, discontinue_share : float
        Shares of SKUs launched and discontinued during the span.

    Returns
    -------
    DemandProfiles
        One entry per SKU.
    """
    demand_class = rng.choice(len(DEMAND_CLASSES), size=n_skus, p=CLASS_SHARES)
    log_rate = np.log(RATE_MEDIAN[demand_class])
    base_rate = demand_scale * np.exp(
        log_rate + RATE_LOG_SPREAD[demand_class] * rng.standard_normal(n_skus)
    )
    growth = rng.normal(0.08, 0.25, n_skus)
    order = rng.permutation(n_skus)
    n_launch = round(launch_share * n_skus)
    n_end = round(discontinue_share * n_skus)
    launch_day = np.zeros(n_skus, dtype=np.int64)
    end_day = np.full(n_skus, n_days, dtype=np.int64)
    launched, ended = order[:n_launch], order[n_launch : n_launch + n_end]
    launch_day[launched] = rng.integers(
        int(0.15 * n_days), int(0.75 * n_days), n_launch
    )
    end_day[ended] = rng.integers(int(0.3 * n_days), int(0.85 * n_days), n_end)
    return DemandProfiles(
        demand_class, base_rate, DISPERSION[demand_class], growth, launch_day, end_day
    )


def seasonality(timeline: Timeline) -> np.ndarray:
    """Yearly demand multiplier by day and category, shape (n_days, n_categories).

    Each category's curve averages 1 over a year: a gentle wave peaking in
    December plus bumps for the Q4 gift season, January and early summer.
    """
    doy = np.arange(365)
    q4 = np.array([c.q4 for c in CATEGORIES])
    january = np.array([c.january for c in CATEGORIES])
    summer = np.array([c.summer for c in CATEGORIES])
    curve = (
        1.0
        + 0.1 * np.cos(2 * np.pi * (doy - 340) / 365)[:, None]
        + q4 * _bump(doy, 340, 18)[:, None]
        + january * _bump(doy, 12, 12)[:, None]
        + summer * _bump(doy, 185, 25)[:, None]
    )
    curve /= curve.mean(axis=0)
    return np.asarray(curve[np.minimum(timeline.day_of_year, 364)], dtype=np.float64)


def _bump(doy: np.ndarray, centre: int, width: float) -> np.ndarray:
    """Circular Gaussian bump of height 1 around day-of-year ``centre``."""
    distance = (doy - centre + 182) % 365 - 182
    return np.exp(-0.5 * (distance / width) ** 2)


def expected_rates(
    profiles: DemandProfiles,
    category: np.ndarray,
    timeline: Timeline,
    uplift: np.ndarray,
) -> np.ndarray:
    """Expected units per day and SKU over all countries, shape (n_days, n_skus).

    Parameters
    ----------
    profiles : DemandProfiles
        SKU demand profiles.
    category : numpy.ndarray
        Category index of each SKU, shape (n_skus,).
    timeline : Timeline
        Simulated days.
    uplift : numpy.ndarray
        Promotion demand multiplier, shape (n_days, n_skus).
    """
    day = np.arange(timeline.n_days)[:, None]
    trend = np.exp(profiles.growth * day / 365)
    season = seasonality(timeline)[:, category]
    weekly = (WEEKLY / WEEKLY.mean())[timeline.weekday][:, None]
    since_launch = np.maximum(day - profiles.launch_day, 0)
    ramp = np.where(
        profiles.launch_day > 0, 1 - np.exp(-since_launch / LAUNCH_RAMP_DAYS), 1.0
    )
    active = profiles.active(timeline.n_days)
    rates = profiles.base_rate * trend * season * weekly * uplift * ramp * active
    return np.asarray(rates, dtype=np.float64)


def draw_demand(
    rng: np.random.Generator,
    rates: np.ndarray,
    dispersion: np.ndarray,
    shares: np.ndarray,
) -> np.ndarray:
    """Draw true demand in units, shape (n_days, n_skus, n_countries).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    rates : numpy.ndarray
        Expected units per day and SKU, shape (n_days, n_skus).
    dispersion : numpy.ndarray
        Gamma shape per SKU, shape (n_skus,).
    shares : numpy.ndarray
        Demand share per country, summing to 1, shape (n_countries,).
    """
    shock = rng.gamma(dispersion, 1 / dispersion, size=rates.shape)
    lam = (rates * shock)[:, :, None] * shares
    return np.asarray(rng.poisson(lam), dtype=np.int32)


def allocate_sales(
    rng: np.random.Generator, demand: np.ndarray, sold_total: np.ndarray
) -> np.ndarray:
    """Split each day's sold units over countries, first come first served.

    Where stock covered the whole day's demand every country gets its demand.
    Where it did not, the ``sold_total`` units go to a uniformly random subset of
    the day's demanded units (the buyers who came before the shelf emptied).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    demand : numpy.ndarray
        True demand, shape (n_days, n_skus, n_countries).
    sold_total : numpy.ndarray
        Units sold per day and SKU, shape (n_days, n_skus), at most the demand.

    Returns
    -------
    numpy.ndarray
        Units sold, same shape as ``demand`` and never above it.

    Examples
    --------
    >>> demand = np.array([[[2, 3]]])
    >>> sold = allocate_sales(np.random.default_rng(0), demand, np.array([[4]]))
    >>> int(sold.sum()), bool((sold <= demand).all())
    (4, True)
    """
    sold = demand.copy()
    short_t, short_s = np.nonzero(sold_total < demand.sum(axis=2))
    if short_t.size == 0:
        return sold
    n_countries = demand.shape[2]
    wanted = demand[short_t, short_s].ravel()
    unit_cell = np.repeat(np.arange(wanted.size), wanted)
    order = np.lexsort((rng.random(unit_cell.size), unit_cell // n_countries))
    shortage = unit_cell[order]
    first = np.searchsorted(shortage // n_countries, np.arange(short_t.size))
    rank = np.arange(shortage.size) - first[shortage // n_countries]
    kept = shortage[rank < sold_total[short_t, short_s][shortage // n_countries]]
    counts = np.bincount(kept, minlength=wanted.size).reshape(-1, n_countries)
    sold[short_t, short_s] = counts
    return sold
