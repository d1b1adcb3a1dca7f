"""Monitors over other capabilities' findings: payment discrepancies and review
sentiment.

Each is a pure function from what the payments and reviews services returned to a
list of :class:`~tradepilot.risk.alert.Alert`; the money-at-stake formulas are in
``docs/risk.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tradepilot.risk.alert import Alert, Raised, rounded
from tradepilot.risk.config import RiskConfig

CLOSED_DISCREPANCY = frozenset({"resolved", "ignored"})
QUARTER_DAYS = 91


def payment_discrepancies(
    discrepancies: list[dict[str, Any]], *, base: str, config: RiskConfig
) -> list[Alert]:
    """The reconciliation's open discrepancies, one alert per provider and payout
    (or order): the money at stake is the discrepancies' amount in base currency.

    Parameters
    ----------
    discrepancies : list of dict
        ``kind, provider, order, payout, amount, currency, amount_base, evidence,
        action`` per finding (``payouts reconcile``); one with a ``status`` of
        ``resolved`` or ``ignored`` is skipped.
    base : str
        The base currency (an amount without a rate counts as its own value when
        it is in ``base``, else as nothing, and says so).
    config : RiskConfig
        ``discrepancy_min_money``.

    Examples
    --------
    >>> found = [{"kind": "duplicate_charge", "provider": "paypal", "order": "#7",
    ...           "payout": None, "amount": 20.0, "currency": "EUR",
    ...           "amount_base": 20.0, "evidence": [], "action": "Refund it."}]
    >>> [(a.subject, a.money_at_stake) for a in
    ...  payment_discrepancies(found, base="EUR", config=RiskConfig())]
    [('paypal order #7', 20.0)]
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for found in discrepancies:
        if str(found.get("status") or "open") in CLOSED_DISCREPANCY:
            continue
        grouped.setdefault(_payment_subject(found), []).append(found)
    raised = Raised("payment_discrepancy", config,
                    min_money=config.discrepancy_min_money)  # fmt: skip
    for subject, group in sorted(grouped.items()):
        money = sum(_amount_base(d, base) or 0.0 for d in group)
        raised.add(subject, money, _discrepancy_text(subject, group, base),
                   _discrepancy_evidence(group, base))  # fmt: skip
    return raised.alerts


def _payment_subject(found: dict[str, Any]) -> str:
    if found.get("payout"):
        return f"{found['provider']} payout {found['payout']}"
    if found.get("order"):
        return f"{found['provider']} order {found['order']}"
    return f"{found['provider']} {found['kind']}"


def _amount_base(found: dict[str, Any], base: str) -> float | None:
    if found.get("amount_base") is not None:
        return abs(float(found["amount_base"]))
    if found.get("currency") == base:
        return abs(float(found["amount"]))
    return None


def _discrepancy_text(subject: str, group: list[dict[str, Any]], base: str) -> str:
    parts = []
    for found in group:
        kind = str(found["kind"]).replace("_", " ")
        parts.append(
            f"{kind}: {found['amount']:,.2f} {found['currency']}. {found['action']}"
        )
    missing = [d for d in group if _amount_base(d, base) is None]
    tail = f" ({len(missing)} without an FX rate to {base}.)" if missing else ""
    return f"Payments reconciliation, {subject}: " + " ".join(parts) + tail


def _discrepancy_evidence(group: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {
        "discrepancies": [
            {
                "kind": d["kind"],
                "amount": d["amount"],
                "currency": d["currency"],
                "amount_base": _amount_base(d, base),
                "action": d["action"],
                "rows": d.get("evidence") or [],
            }
            for d in group
        ],
        "link": "/money",
    }


def review_sentiments(
    reviews: pl.DataFrame,
    sold: pl.DataFrame,
    unit_price: dict[str, float],
    *,
    today: dt.date,
    config: RiskConfig,
) -> list[Alert]:
    """SKUs whose share of negative reviews in the last ``review_weeks`` rose above
    their own history (the year before the window), by a one-sided Fisher exact test
    of the 2x2 table recent/history x negative/other.

    A SKU with fewer than ``review_min_count`` reviews of history is compared with
    the store's pooled history instead. The recent window needs at least
    ``review_min_count`` reviews, a rise of ``review_min_rise`` in the negative
    share and a p-value below ``review_p_value``.

    Parameters
    ----------
    reviews : polars.DataFrame
        ``sku, day, negative`` (``day`` a date, ``negative`` a boolean).
    sold : polars.DataFrame
        ``sku, day, units`` of the sales (units positive).
    unit_price : dict
        Net price per unit of each SKU, base currency: the money at stake is the
        rise in the negative share times the SKU's sales of the last quarter (13
        weeks), the sales whose buyers the extra complaints stand for (refunds
        asked for, buyers put off), as for return spikes.
    """
    from scipy import stats

    start = today - dt.timedelta(weeks=config.review_weeks)
    year = start - dt.timedelta(days=365)
    counts = _review_counts(reviews, start, year, today)
    pooled = counts.select(pl.col("n_base").sum(), pl.col("neg_base").sum()).row(0)
    quarter = _units_since(sold, today - dt.timedelta(days=QUARTER_DAYS), today)
    raised = Raised("review_sentiment", config)
    for row in counts.filter(pl.col("n_recent") >= config.review_min_count).iter_rows(
        named=True
    ):
        own = row["n_base"] >= config.review_min_count
        n_base, neg_base = (row["n_base"], row["neg_base"]) if own else pooled
        if n_base == 0:
            continue
        rate, base_rate = row["neg_recent"] / row["n_recent"], neg_base / n_base
        if rate - base_rate < config.review_min_rise:
            continue
        table = [[row["neg_recent"], row["n_recent"] - row["neg_recent"]],
                 [neg_base, n_base - neg_base]]  # fmt: skip
        p_value = float(stats.fisher_exact(table, alternative="greater").pvalue)
        if p_value >= config.review_p_value:
            continue
        units = quarter.get(row["sku"], 0.0)
        price = unit_price.get(row["sku"], 0.0)
        money = (rate - base_rate) * units * price
        raised.add(f"sku {row['sku']}", money,
                   *_sentiment_text(row, rate, base_rate, own, p_value, units, price,
                                    config))  # fmt: skip
    return raised.alerts


def _review_counts(
    reviews: pl.DataFrame, start: dt.date, year: dt.date, today: dt.date
) -> pl.DataFrame:
    """Per SKU: reviews and negative ones in the window and in the year before."""
    recent = (pl.col("day") > start) & (pl.col("day") <= today)
    history = (pl.col("day") > year) & (pl.col("day") <= start)
    negative = pl.col("negative").cast(pl.Int64)
    return (
        reviews.group_by("sku")
        .agg(
            n_recent=recent.sum(),
            neg_recent=(negative * recent).sum(),
            n_base=history.sum(),
            neg_base=(negative * history).sum(),
        )
        .sort("sku")
    )


def _units_since(sold: pl.DataFrame, lo: dt.date, hi: dt.date) -> dict[str, float]:
    inside = sold.filter((pl.col("day") > lo) & (pl.col("day") <= hi))
    return dict(inside.group_by("sku").agg(pl.col("units").sum()).iter_rows())


def _sentiment_text(
    row: dict[str, Any],
    rate: float,
    base_rate: float,
    own: bool,
    p_value: float,
    units: float,
    price: float,
    config: RiskConfig,
) -> tuple[str, dict[str, Any]]:
    against = "its own history" if own else "the store's history (too few of its own)"
    explanation = (
        f"SKU {row['sku']}: {row['neg_recent']} of {row['n_recent']} reviews in the "
        f"last {config.review_weeks} weeks are negative ({rate:.0%}), against "
        f"{base_rate:.0%} in {against}; read them and check the latest batch."
    )
    evidence = {
        "recent_negative_share": rounded(rate, 4),
        "baseline_negative_share": rounded(base_rate, 4),
        "reviews_recent": int(row["n_recent"]),
        "negative_recent": int(row["neg_recent"]),
        "reviews_history": int(row["n_base"]),
        "baseline": "sku" if own else "store",
        "p_value": rounded(p_value, 6),
        "units_last_quarter": rounded(units, 1),
        "unit_price": rounded(price),
        "link": f"/reviews?sku={row['sku']}",
    }
    return explanation, evidence
