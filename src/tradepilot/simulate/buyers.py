"""Registered customers' purchase behaviour, with ground truth (BG/NBD-like).

Each registered customer has a purchase rate ``lambda`` (per week, drawn from
``Gamma(RATE_SHAPE, rate RATE_ALPHA)``, then scaled for its market so that returning
customers would place about :data:`RETURNING_SHARE` of the market's web orders if
half the market's customers were active), a drop-out probability ``p`` (from
``Beta(DROPOUT_A, DROPOUT_B)``) and a taste for the catalogue's categories (from a
``Dirichlet(TASTE_CONCENTRATION)``). The truth holds the scaled rate. Orders come
from demand (see :mod:`~tradepilot.simulate.orders`); this module decides who
placed them:

* day by day and market by market, every alive customer makes a purchase with
  probability ``1 - exp(-lambda / 7 * s)``, where ``s`` is the store's seasonal
  activity that day (the week's web orders against the average), so customers buy
  more in the busy season, as real ones do;
* each purchase takes one of the market's web orders of the coming week not yet
  taken, one holding a category drawn from the customer's taste where there is
  one, and happens on that order's day; when the week has no order left, the
  purchase is *missed* (not bought, no drop-out: the truth records it);
* after a repeat purchase the customer drops out for good with probability ``p``;
* the orders left go to guests (``guest_share`` of them) or are the first purchase
  of a customer not yet seen (customers join in a random order); once every
  customer has joined, they go to guests.

Cancelled orders and Amazon orders have no registered buyer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

RATE_SHAPE = 0.6
RATE_ALPHA = 6.0  # weeks: the mean rate is 0.1 purchases a week
DROPOUT_A = 1.0
DROPOUT_B = 3.0
TASTE_CONCENTRATION = 0.5
SEASON_WINDOW = 7  # days of web orders averaged for the seasonal activity
RETURNING_SHARE = 0.35
WINDOW_DAYS = 7  # a purchase takes an order of the coming week


def draw_behaviour(rng: np.random.Generator, n: int, n_categories: int) -> pl.DataFrame:
    """True ``rate_per_week``, ``dropout`` and ``taste`` of ``n`` customers.

    Examples
    --------
    >>> b = draw_behaviour(np.random.default_rng(0), 4, 3)
    >>> b.columns, b["taste"].list.sum().round(6).to_list()
    (['rate_per_week', 'dropout', 'taste'], [1.0, 1.0, 1.0, 1.0])
    """
    taste = rng.dirichlet(np.full(n_categories, TASTE_CONCENTRATION), n)
    return pl.DataFrame(
        {
            "rate_per_week": rng.gamma(RATE_SHAPE, 1.0 / RATE_ALPHA, n),
            "dropout": rng.beta(DROPOUT_A, DROPOUT_B, n),
            "taste": taste.tolist(),
        },
        schema={
            "rate_per_week": pl.Float64,
            "dropout": pl.Float64,
            "taste": pl.List(pl.Float64),
        },
    )


@dataclass
class _Market:
    """The state of one market's customers during the simulation."""

    ids: np.ndarray  # customer ids in joining order
    rate: np.ndarray  # per day
    dropout: np.ndarray
    taste: np.ndarray  # (n, n_categories)
    alive: np.ndarray
    busy_until: np.ndarray  # day of a purchase already decided for a coming day
    joined: int = 0

    @classmethod
    def of(
        cls, rng: np.random.Generator, customers: pl.DataFrame, orders_per_day: float
    ) -> _Market:
        order = rng.permutation(customers.height)
        taste = np.array(customers["taste"].to_list(), dtype=float).reshape(
            customers.height, -1
        )
        rate = customers["rate_per_week"].to_numpy()[order] / 7.0
        active = max(0.5 * rate.sum(), 1e-9)
        return cls(
            ids=customers["customer_id"].to_numpy()[order],
            rate=rate * RETURNING_SHARE * orders_per_day / active,
            dropout=customers["dropout"].to_numpy()[order],
            taste=taste[order],
            alive=np.zeros(customers.height, dtype=bool),
            busy_until=np.full(customers.height, -1, dtype=np.int64),
        )


@dataclass
class BuyerLog:
    """What happened to each customer (by customer id), and its true weekly rate."""

    rate: dict[int, float]
    first: dict[int, int]
    last: dict[int, int]
    dropped: dict[int, int]
    purchases: dict[int, int]
    missed: dict[int, int]


def seasonal_activity(days: np.ndarray, n_days: int) -> np.ndarray:
    """Web orders per day, smoothed over a week, relative to their mean.

    Examples
    --------
    >>> seasonal_activity(np.repeat(np.arange(10), 3), 10).round(2).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    counts = np.bincount(days, minlength=n_days).astype(float)
    kernel = np.ones(SEASON_WINDOW) / SEASON_WINDOW
    half = SEASON_WINDOW // 2
    padded = np.pad(counts, (half, SEASON_WINDOW - 1 - half), mode="edge")
    smooth = np.convolve(padded, kernel, mode="valid")
    mean = smooth.mean()
    return smooth / mean if mean > 0 else np.ones(n_days)


def assign_registered(
    rng: np.random.Generator,
    web: pl.DataFrame,
    customers: pl.DataFrame,
    *,
    n_days: int,
    guest_share: float,
) -> tuple[dict[int, int], BuyerLog]:
    """Who placed each web order (see the module docstring).

    Parameters
    ----------
    web : polars.DataFrame
        Non-cancelled web orders: ``order_key, day, country_idx, categories``
        (the category indices of the order's lines).
    customers : polars.DataFrame
        ``customer_id, country_idx, rate_per_week, dropout, taste``.

    Returns
    -------
    assignment : dict of int to int
        Order key -> customer id (orders of guests are absent).
    log : BuyerLog
        First and last purchase day, drop-out day, purchases and missed purchases.
    """
    season = seasonal_activity(web["day"].to_numpy(), n_days)
    log = BuyerLog({}, {}, {}, {}, {}, {})
    assignment: dict[int, int] = {}
    for market in sorted(customers["country_idx"].unique().to_list()):
        orders = web.filter(pl.col("country_idx") == market).sort("day", "order_key")
        state = _Market.of(
            rng,
            customers.filter(pl.col("country_idx") == market),
            orders.height / n_days,
        )
        log.rate |= dict(
            zip(state.ids.tolist(), (7.0 * state.rate).tolist(), strict=True)
        )
        free = _orders_by_day(orders, n_days)
        for day in range(n_days):
            for key, customer in _repeat_purchases(
                rng, state, free, day, season[day], log
            ).items():
                assignment[key] = customer
            for key, _ in free[day]:  # not taken by a returning customer
                if rng.random() >= guest_share and state.joined < state.ids.size:
                    assignment[key] = _join(state, day, log)
            free[day] = []
    return assignment, log


FreeOrders = list[list[tuple[int, list[int]]]]
"""Per day, the orders not taken yet: (order key, category indices)."""


def _orders_by_day(orders: pl.DataFrame, n_days: int) -> FreeOrders:
    by_day: FreeOrders = [[] for _ in range(n_days)]
    for key, day, categories in orders.select(
        "order_key", "day", "categories"
    ).iter_rows():
        by_day[day].append((key, categories or []))
    return by_day


def _repeat_purchases(
    rng: np.random.Generator,
    state: _Market,
    free: FreeOrders,
    day: int,
    activity: float,
    log: BuyerLog,
) -> dict[int, int]:
    """The purchases alive customers decide on ``day``; order key -> customer id.

    A purchase takes the first free order of the coming :data:`WINDOW_DAYS` days
    holding a category drawn from the customer's taste, else the first free one;
    the purchase happens on that order's day.
    """
    # a customer whose purchase falls on a coming day decides nothing before it
    alive = np.flatnonzero(state.alive & (state.busy_until < day))
    if alive.size == 0:
        return {}
    hazard = 1.0 - np.exp(-state.rate[alive] * activity)
    buying = rng.permutation(alive[rng.random(alive.size) < hazard])
    window = range(day, min(day + WINDOW_DAYS, len(free)))
    taken: dict[int, int] = {}
    for k in buying:
        customer = int(state.ids[k])
        wanted = int(rng.choice(state.taste.shape[1], p=state.taste[k]))
        found = _pick(free, window, wanted)
        if found is None:
            log.missed[customer] = log.missed.get(customer, 0) + 1
            continue
        when, key = found
        state.busy_until[k] = when
        taken[key] = customer
        log.purchases[customer] += 1
        log.last[customer] = max(log.last[customer], when)
        if rng.random() < state.dropout[k]:
            state.alive[k] = False
            log.dropped[customer] = when
    return taken


def _pick(free: FreeOrders, window: range, wanted: int) -> tuple[int, int] | None:
    """Take (day, order key) of the first free order holding ``wanted``, else of
    the first free order, in ``window``; None when there is none."""
    fallback: tuple[int, int] | None = None
    for when in window:
        for position, (key, categories) in enumerate(free[when]):
            if wanted in categories:
                del free[when][position]
                return when, key
            if fallback is None:
                fallback = (when, position)
    if fallback is None:
        return None
    when, position = fallback
    key, _ = free[when].pop(position)
    return when, key


def _join(state: _Market, day: int, log: BuyerLog) -> int:
    """The next customer's first purchase."""
    k = state.joined
    state.joined += 1
    state.alive[k] = True
    customer = int(state.ids[k])
    log.first[customer] = log.last[customer] = day
    log.purchases[customer] = 1
    return customer


def customer_truth(
    customers: pl.DataFrame, log: BuyerLog, start: dt.date, categories: list[str]
) -> pl.DataFrame:
    """Per customer: true rate, drop-out probability, taste and what happened.

    Columns: ``customer_id, email, country, rate_per_week, dropout, top_category,
    taste, joined, first_purchase, last_purchase, dropped_out, alive_at_end,
    purchases, missed_purchases`` (dates are simulation days as dates).
    """

    def date(mapping: dict[int, int], key: int) -> dt.date | None:
        return start + dt.timedelta(days=mapping[key]) if key in mapping else None

    ids = customers["customer_id"].to_list()
    taste = customers["taste"].to_list()
    rates = [log.rate.get(i, 0.0) for i in ids]
    return customers.select(
        "customer_id", "email", "country", "dropout", "taste"
    ).with_columns(
        pl.Series("rate_per_week", rates, dtype=pl.Float64),
        pl.Series("top_category", [categories[int(np.argmax(t))] for t in taste]),
        pl.Series("joined", [i in log.first for i in ids]),
        pl.Series("first_purchase", [date(log.first, i) for i in ids], dtype=pl.Date),
        pl.Series("last_purchase", [date(log.last, i) for i in ids], dtype=pl.Date),
        pl.Series("dropped_out", [date(log.dropped, i) for i in ids], dtype=pl.Date),
        pl.Series(
            "alive_at_end", [i in log.first and i not in log.dropped for i in ids]
        ),
        pl.Series("purchases", [log.purchases.get(i, 0) for i in ids], dtype=pl.Int64),
        pl.Series(
            "missed_purchases", [log.missed.get(i, 0) for i in ids], dtype=pl.Int64
        ),
    )
