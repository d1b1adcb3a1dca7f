"""Customers of the web store and the buyers behind each order.

Registered customers have an e-mail and a purchase propensity drawn from a
heavy-tailed gamma distribution, so a few come back often and most buy once.
A share of web orders are guest checkouts (a one-off name, no e-mail). Amazon
buyers are anonymous in the export; they only get a shipping address.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.people import EMAIL_DOMAINS, draw_addresses, email_address

PROPENSITY_SHAPE = 0.5
"""Gamma shape of purchase propensity (smaller: more loyal few, more one-timers)."""
ACCEPTS_MARKETING = 0.4

_PERSON_COLUMNS = ("first_name", "last_name", "city", "region", "postal_code")


def draw_customers(rng: np.random.Generator, n_customers: int) -> pl.DataFrame:
    """Draw the registered web-store customers.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_customers : int
        Number of customers.

    Returns
    -------
    polars.DataFrame
        ``customer_id, email, first_name, last_name, country_idx, country, city,
        region, postal_code, accepts_marketing, propensity``.
    """
    web_share = np.array([m.demand_share * (1 - m.amazon_share) for m in MARKETS])
    country = rng.choice(len(MARKETS), size=n_customers, p=web_share / web_share.sum())
    people = _people(rng, country)
    domain = rng.choice(len(EMAIL_DOMAINS), size=n_customers)
    emails = [
        email_address(first, last, i + 1, EMAIL_DOMAINS[d])
        for i, (first, last, d) in enumerate(
            zip(people["first_name"], people["last_name"], domain, strict=True)
        )
    ]
    return people.with_columns(
        customer_id=pl.int_range(1, n_customers + 1, dtype=pl.Int64),
        email=pl.Series(emails),
        country=pl.Series([MARKETS[c].country for c in country]),
        accepts_marketing=pl.Series(rng.random(n_customers) < ACCEPTS_MARKETING),
        propensity=pl.Series(rng.gamma(PROPENSITY_SHAPE, 1.0, n_customers)),
    ).select(
        "customer_id", "email", "first_name", "last_name", "country_idx", "country",
        "city", "region", "postal_code", "accepts_marketing", "propensity",
    )  # fmt: skip


def _people(rng: np.random.Generator, country: np.ndarray) -> pl.DataFrame:
    """Names and addresses for people living in the given market indices."""
    addresses = draw_addresses(
        rng,
        [MARKETS[c].country for c in country],
        [MARKETS[c].language for c in country],
    )
    columns = {name: getattr(addresses, name) for name in _PERSON_COLUMNS}
    return pl.DataFrame({"country_idx": country.astype(np.int64), **columns})


def assign_buyers(
    rng: np.random.Generator,
    orders: pl.DataFrame,
    customers: pl.DataFrame,
    guest_share: float,
) -> pl.DataFrame:
    """Attach a buyer (customer, guest or anonymous Amazon buyer) to every order.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    orders : polars.DataFrame
        Needs ``country_idx`` and ``channel`` (0 web, 1 Amazon).
    customers : polars.DataFrame
        Output of :func:`draw_customers`.
    guest_share : float
        Share of web orders checked out as guests.

    Returns
    -------
    polars.DataFrame
        ``orders`` plus ``customer_id`` (null for guests and Amazon), ``email``,
        ``accepts_marketing`` and the person columns.
    """
    country = orders["country_idx"].to_numpy()
    web = orders["channel"].to_numpy() == 0
    customer_id = _pick_customers(rng, country, customers)
    customer_id[~web | (rng.random(country.size) < guest_share)] = 0
    known = customers.drop("country_idx", "country", "propensity")
    strangers = _people(rng, country).drop("country_idx")
    with_ids = orders.with_columns(customer_id=pl.Series(customer_id))
    joined = with_ids.join(known, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(
        [pl.coalesce(name, strangers[name]).alias(name) for name in _PERSON_COLUMNS]
        + [
            pl.when(pl.col("customer_id") > 0).then(pl.col("customer_id")),
            pl.col("accepts_marketing").fill_null(value=False),
        ]
    )


def _pick_customers(
    rng: np.random.Generator, country: np.ndarray, customers: pl.DataFrame
) -> np.ndarray:
    """For every order, a customer of its country drawn by propensity (0: none)."""
    picked = np.zeros(country.size, dtype=np.int64)
    ids = customers["customer_id"].to_numpy()
    home = customers["country_idx"].to_numpy()
    weight = customers["propensity"].to_numpy()
    for market in range(len(MARKETS)):
        rows = np.flatnonzero(country == market)
        pool = np.flatnonzero(home == market)
        if rows.size == 0 or pool.size == 0:
            continue
        p = weight[pool] / weight[pool].sum()
        picked[rows] = ids[pool[rng.choice(pool.size, size=rows.size, p=p)]]
    return picked
