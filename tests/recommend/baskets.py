"""Hand-made purchase histories shared by the recommender tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tradepilot.recommend.data import Interactions, interactions

AS_OF = dt.date(2024, 7, 1)


def days_ago(n: int) -> dt.date:
    """The day ``n`` days before :data:`AS_OF`."""
    return AS_OF - dt.timedelta(days=n)


def frame(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """Purchases from (customer, sku, days before AS_OF) triples."""
    return pl.DataFrame(
        {
            "customer": [r[0] for r in rows],
            "sku": [r[1] for r in rows],
            "day": [days_ago(r[2]) for r in rows],
        },
        schema={"customer": pl.String, "sku": pl.String, "day": pl.Date},
    )


# A tea shop: "ann" buys tea every 4 weeks and once bought a pot; "bob" and "cy"
# buy tea with cups, "dee" buys cups with saucers, "eve" only jam.
TEA_SHOP = [
    ("ann", "tea", 84), ("ann", "tea", 56), ("ann", "tea", 28), ("ann", "pot", 200),
    ("bob", "tea", 30), ("bob", "cups", 30),
    ("cy", "tea", 10), ("cy", "cups", 10), ("cy", "jam", 12),
    ("dee", "cups", 5), ("dee", "saucers", 5),
    ("eve", "jam", 3),
]  # fmt: skip


def tea_shop() -> Interactions:
    """:data:`TEA_SHOP` as interactions (items: cups, jam, pot, saucers, tea)."""
    return interactions(frame(TEA_SHOP), as_of=AS_OF)
