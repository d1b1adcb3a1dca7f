"""Customers of the web store and the buyers behind each order.

Registered customers have an e-mail, a marketing consent and a true purchase
behaviour (rate, drop-out, taste for categories; see
:mod:`~tradepilot.simulate.buyers`, which decides which web orders they place). A
share of web orders are guest checkouts (a one-off name, no e-mail). Amazon buyers
are anonymous in the export; they only get a shipping address.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tradepilot.simulate.buyers import BuyerLog, assign_registered, draw_behaviour
from tradepilot.simulate.markets import MARKETS
from tradepilot.simulate.people import EMAIL_DOMAINS, draw_addresses, email_address

ACCEPTS_MARKETING = 0.4
BEHAVIOUR = ("rate_per_week", "dropout", "taste")

_PERSON_COLUMNS = ("first_name", "last_name", "city", "region", "postal_code")


def draw_customers(
    rng: np.random.Generator, n_customers: int, n_categories: int
) -> pl.DataFrame:
    """Draw the registered web-store customers.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_customers : int
        Number of customers.
    n_categories : int
        Categories of the catalogue (for the customers' taste).

    Returns
    -------
    polars.DataFrame
        ``customer_id, email, first_name, last_name, country_idx, country, city,
        region, postal_code, accepts_marketing`` and the true behaviour
        ``rate_per_week, dropout, taste``.
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
    ).select(
        "customer_id", "email", "first_name", "last_name", "country_idx", "country",
        "city", "region", "postal_code", "accepts_marketing",
    ).hstack(draw_behaviour(rng, n_customers, n_categories))  # fmt: skip


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
    *,
    categories: pl.DataFrame,
    n_days: int,
) -> tuple[pl.DataFrame, BuyerLog]:
    """Attach a buyer (customer, guest or anonymous Amazon buyer) to every order.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    orders : polars.DataFrame
        Needs ``order_key``, ``day``, ``country_idx``, ``channel`` (0 web, 1
        Amazon) and ``cancelled``.
    customers : polars.DataFrame
        Output of :func:`draw_customers`.
    guest_share : float
        Share of the web orders not placed by a returning customer that are guest
        checkouts.
    categories : polars.DataFrame
        ``order_key, categories``: the category indices of each order's lines.
    n_days : int
        Simulated days.

    Returns
    -------
    orders : polars.DataFrame
        ``orders`` plus ``customer_id`` (null for guests and Amazon), ``email``,
        ``accepts_marketing`` and the person columns.
    log : BuyerLog
        What each customer did (see :func:`~tradepilot.simulate.buyers.customer_truth`).
    """
    web = (
        orders.filter((pl.col("channel") == 0) & ~pl.col("cancelled"))
        .join(categories, on="order_key", how="left")
        .select("order_key", "day", "country_idx", "categories")
    )
    assignment, log = assign_registered(
        rng, web, customers, n_days=n_days, guest_share=guest_share
    )
    buyer = orders["order_key"].replace_strict(
        assignment, default=0, return_dtype=pl.Int64
    )
    country = orders["country_idx"].to_numpy()
    known = customers.drop("country_idx", "country", *BEHAVIOUR)
    strangers = _people(rng, country).drop("country_idx")
    with_ids = orders.with_columns(customer_id=buyer)
    joined = with_ids.join(known, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(
        [pl.coalesce(name, strangers[name]).alias(name) for name in _PERSON_COLUMNS]
        + [
            pl.when(pl.col("customer_id") > 0).then(pl.col("customer_id")),
            pl.col("accepts_marketing").fill_null(value=False),
        ]
    ), log
