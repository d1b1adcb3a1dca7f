"""What happens to orders after checkout: cancellation, shipping and refunds.

Cancelled orders come on top of the orders that consume stock: a buyer orders,
then cancels before anything ships, so the units never leave the warehouse and
are not part of ``sold`` in the truth. Refunds are whole lines of shipped web
orders, 7-40 days after shipping; refunded goods are written off, not restocked.
Nothing happens after ``as_of`` (the export instant): orders not shipped by then
are pending, later refunds have not happened yet.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

SECONDS_PER_DAY = 86_400
SHIP_DELAY_SECONDS = (0.3 * SECONDS_PER_DAY, 2.5 * SECONDS_PER_DAY)
CANCEL_DELAY_SECONDS = (300, 20 * 3600)
REFUND_DELAY_SECONDS = (7 * SECONDS_PER_DAY, 40 * SECONDS_PER_DAY)
PAYMENT_VOIDED = 0.5
"""Share of cancelled web orders whose payment was voided instead of refunded."""


def add_cancelled(
    rng: np.random.Generator, orders: pl.DataFrame, lines: pl.DataFrame, rate: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add cancelled orders: copies of random orders placed a little earlier.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    orders : polars.DataFrame
        Needs ``order_key`` and ``created_at``.
    lines : polars.DataFrame
        Needs ``order_key``.
    rate : float
        Cancelled orders per original order.

    Returns
    -------
    tuple of polars.DataFrame
        Orders with a ``cancelled`` flag, and lines, both extended by the copies.
    """
    n = orders.height
    picks = np.sort(rng.choice(n, size=rng.binomial(n, rate), replace=False))
    first_key = int(orders.select(pl.col("order_key").max().fill_null(-1)).item()) + 1
    mapping = pl.DataFrame(
        {
            "order_key": orders["order_key"].gather(picks),
            "new_key": np.arange(first_key, first_key + picks.size),
            "_earlier": rng.integers(600, 4 * 3600, picks.size),
        }
    )
    copies = (
        orders.join(mapping, on="order_key", maintain_order="right")
        .with_columns(
            order_key="new_key",
            created_at=pl.col("created_at") - pl.duration(seconds=pl.col("_earlier")),
        )
        .drop("new_key", "_earlier")
    )
    copied_lines = (
        lines.join(mapping, on="order_key", maintain_order="right")
        .with_columns(order_key="new_key")
        .drop("new_key", "_earlier")
    )
    all_orders = pl.concat(
        [
            orders.with_columns(cancelled=pl.lit(value=False)),
            copies.with_columns(cancelled=pl.lit(value=True)),
        ]
    )
    return all_orders, pl.concat([lines, copied_lines])


def fulfil(
    rng: np.random.Generator, orders: pl.DataFrame, as_of: dt.datetime
) -> pl.DataFrame:
    """Add payment, shipping and cancellation instants and the order status.

    Adds ``paid_at`` (null when a cancelled web payment was voided),
    ``shipped_at``, ``cancelled_at``, ``payment_voided`` and ``status``
    (``shipped``, ``pending`` or ``cancelled``).
    """
    n = orders.height
    cancelled = pl.col("cancelled")
    shipped = pl.col("created_at") + _seconds(rng, SHIP_DELAY_SECONDS, n)
    voided = cancelled & pl.Series(rng.random(n) < PAYMENT_VOIDED)
    cancel_at = pl.col("created_at") + _seconds(rng, CANCEL_DELAY_SECONDS, n)
    return orders.with_columns(
        paid_at=pl.when(~voided).then(pl.col("created_at") + _seconds(rng, (2, 90), n)),
        shipped_at=pl.when(~cancelled & (shipped <= as_of)).then(shipped),
        cancelled_at=pl.when(cancelled).then(
            pl.min_horizontal(cancel_at, pl.lit(as_of))
        ),
        payment_voided=voided,
    ).with_columns(
        status=pl.when(cancelled)
        .then(pl.lit("cancelled"))
        .when(pl.col("shipped_at").is_null())
        .then(pl.lit("pending"))
        .otherwise(pl.lit("shipped"))
    )


def _seconds(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> pl.Expr:
    """A duration column of ``n`` uniform whole seconds in ``bounds``."""
    values = rng.integers(int(bounds[0]), int(bounds[1]), n)
    return pl.duration(seconds=pl.lit(pl.Series(values, dtype=pl.Int64)))


def refund_lines(
    rng: np.random.Generator,
    orders: pl.DataFrame,
    lines: pl.DataFrame,
    rate: float,
    as_of: dt.datetime,
) -> pl.DataFrame:
    """Mark refunded web lines with ``refunded_at`` (null when not refunded).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    orders : polars.DataFrame
        Needs ``order_key``, ``channel`` and ``shipped_at``.
    lines : polars.DataFrame
        Order lines.
    rate : float
        Probability that a shipped web line is refunded.
    as_of : datetime.datetime
        Export instant; later refunds have not happened.
    """
    shipped = orders.select("order_key", "channel", "shipped_at")
    joined = lines.join(shipped, on="order_key", how="left", maintain_order="left")
    n = joined.height
    refunded_at = pl.col("shipped_at") + _seconds(rng, REFUND_DELAY_SECONDS, n)
    chosen = pl.Series(rng.random(n) < rate)
    eligible = (pl.col("channel") == 0) & pl.col("shipped_at").is_not_null()
    return joined.with_columns(
        refunded_at=pl.when(eligible & chosen & (refunded_at <= as_of)).then(
            refunded_at
        )
    ).drop("channel", "shipped_at")


def settle_refunds(
    orders: pl.DataFrame, lines: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Compute refunded amounts and the web store's financial status.

    A refunded line returns what was paid for it (after discount, plus added
    sales tax where prices exclude it). An order whose every line is refunded,
    or a cancelled order whose payment was captured, refunds its full total.

    Returns
    -------
    tuple of polars.DataFrame
        Orders with ``refunded`` (minor units) and ``financial_status``
        (``paid``, ``partially_refunded``, ``refunded``, ``voided``; null on
        Amazon), and lines with ``refund_amount``.
    """
    taxed = orders.select("order_key", "tax_included")
    lines = (
        lines.join(taxed, on="order_key", how="left", maintain_order="left")
        .with_columns(
            refund_amount=pl.when(pl.col("refunded_at").is_not_null()).then(
                pl.col("unit_price") * pl.col("quantity")
                - pl.col("line_discount")
                + pl.when(pl.col("tax_included")).then(0).otherwise("line_tax")
            )
        )
        .drop("tax_included")
    )
    per_order = lines.group_by("order_key", maintain_order=True).agg(
        n_refunded=pl.col("refunded_at").is_not_null().sum(),
        n_lines=pl.len(),
        line_refunds=pl.col("refund_amount").sum(),
    )
    joined = orders.join(per_order, on="order_key", how="left", maintain_order="left")
    everything = pl.col("n_refunded") == pl.col("n_lines")
    captured_cancel = pl.col("cancelled") & ~pl.col("payment_voided")
    refunded = (
        pl.when(captured_cancel | everything)
        .then("total")
        .when(pl.col("n_refunded") > 0)
        .then("line_refunds")
        .otherwise(0)
    )
    status = (
        pl.when(pl.col("channel") == 1)
        .then(None)
        .when(pl.col("payment_voided"))
        .then(pl.lit("voided"))
        .when(captured_cancel | everything)
        .then(pl.lit("refunded"))
        .when(pl.col("n_refunded") > 0)
        .then(pl.lit("partially_refunded"))
        .otherwise(pl.lit("paid"))
    )
    settled = joined.with_columns(refunded=refunded, financial_status=status)
    return settled.drop("n_refunded", "n_lines", "line_refunds"), lines
