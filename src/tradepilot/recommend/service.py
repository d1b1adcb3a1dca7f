"""Recommendation use cases: read purchases from the store, fit, list, explain.

:func:`fit_recommendations` fits every recommender on the purchases before a day
and chooses the blends on the period before it; :func:`recommend_for`,
:func:`export_recommendations` and :func:`frequently_bought_together` render its
lists; :func:`evaluate_recommendations` scores every method on held-out time.

Customers are named as in their source file (``17850``); a reference two sources
share is written ``source:id`` so it stays one person's. Purchases are product
lines (see :mod:`tradepilot.domain.catalog`) of sale orders with a positive
quantity; guests' orders count for what is sold and bought together, not for
per-customer lists.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.catalog import LineKind
from tradepilot.domain.errors import DataValidationError
from tradepilot.recommend.evaluation import evaluate
from tradepilot.recommend.pipeline import (
    Recommendations,
    RecommendConfig,
    fit_with_blends,
    sold_today,
)
from tradepilot.recommend.reasons import explain_rows
from tradepilot.recommend.together import bought_together
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame

EXPORT_COLUMNS = ("list", "customer", "rank", "sku", "score", "reason")
OUT_OF_STOCK = "out of stock"
EXPORT_BATCH = 256
MAX_TEST_WEEKS = 520
PURCHASES_SQL = (
    "SELECT o.id AS order_id, o.customer_id, o.ordered_at, l.sku, l.quantity"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
    " WHERE o.kind = 'sale' AND l.kind = 'product' AND l.quantity > 0"
)


class UnknownEntityError(DataValidationError):
    """A customer or SKU that the store does not hold (HTTP 404 in the API)."""

    code = "not_found"


@dataclass(frozen=True)
class StoreData:
    """What recommendations read from the store.

    Attributes
    ----------
    purchases : polars.DataFrame
        ``customer, sku, day, quantity`` of identified customers' product lines.
    baskets : polars.DataFrame
        ``order, sku, day`` of every sale order's product lines (guests too).
    products : polars.DataFrame
        ``sku, description, kind`` of the catalogue.
    """

    purchases: pl.DataFrame
    baskets: pl.DataFrame
    products: pl.DataFrame

    @property
    def sales(self) -> pl.DataFrame:
        """``sku, day`` of every product sale."""
        return self.baskets.select("sku", "day")

    def first_day(self) -> dt.date | None:
        """Day of the first purchase by a customer."""
        value = self.purchases["day"].min()
        return value if isinstance(value, dt.date) else None

    def last_day(self) -> dt.date | None:
        """Day of the last purchase by a customer."""
        value = self.purchases["day"].max()
        return value if isinstance(value, dt.date) else None


def read_store(engine: Engine) -> StoreData:
    """Purchases, order baskets and the catalogue of the store."""
    with engine.connect() as conn:
        lines = read_frame(
            conn,
            PURCHASES_SQL,
            schema={"order_id": pl.Int64, "customer_id": pl.Int64, "sku": pl.String,
                    "quantity": pl.Int64, "ordered_at": pl.Datetime("us", "UTC")},
        )  # fmt: skip
        refs = _customer_refs(conn)
        products = read_frame(
            conn,
            "SELECT sku, description, kind FROM products",
            schema={"sku": pl.String, "description": pl.String, "kind": pl.String},
        )
    lines = lines.with_columns(day=pl.col("ordered_at").dt.date())
    purchases = lines.join(refs, on="customer_id").select(
        "customer", "sku", "day", "quantity"
    )
    baskets = lines.select(pl.col("order_id").alias("order"), "sku", "day")
    return StoreData(purchases=purchases, baskets=baskets, products=products)


def _customer_refs(conn: Connection) -> pl.DataFrame:
    """``customer_id, customer``: the id as in the source, ``source:id`` where two
    sources use the same id."""
    rows = read_frame(
        conn,
        "SELECT id AS customer_id, source, external_id FROM customers",
        schema={"customer_id": pl.Int64, "source": pl.String, "external_id": pl.String},
    )
    shared = pl.col("external_id").count().over("external_id") > 1
    return rows.select(
        "customer_id",
        pl.when(shared)
        .then(pl.col("source") + ":" + pl.col("external_id"))
        .otherwise(pl.col("external_id"))
        .alias("customer"),
    )


@dataclass(frozen=True)
class RecommendationRun:
    """Recommenders fitted on a store's purchases before ``as_of``.

    Attributes
    ----------
    fitted : Recommendations
        Models, blends and the items sold today.
    store : StoreData
        What was read.
    as_of : datetime.date
        First day not used.
    on_hand : dict of str to int
        Units on hand of counted SKUs (absent: stock unknown).
    descriptions : dict of str to str
        Product descriptions by SKU.
    """

    fitted: Recommendations
    store: StoreData
    as_of: dt.date
    on_hand: dict[str, int]
    descriptions: dict[str, str | None]

    def in_stock(self, sku: str) -> bool | None:
        """False when counted at 0, True when counted above 0, None when unknown."""
        units = self.on_hand.get(sku)
        return None if units is None else units > 0


def fit_recommendations(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    config: RecommendConfig | None = None,
    store: StoreData | None = None,
) -> RecommendationRun:
    """Fit every recommender on purchases before ``as_of`` and choose the blends
    on the ``horizon_days`` before it.

    Parameters
    ----------
    engine : Engine
        The store.
    as_of : datetime.date, optional
        First day not used; default the day after the last purchase.
    config : RecommendConfig, optional
        Settings (list length, horizon, ...).
    store : StoreData, optional
        Data already read with :func:`read_store`.

    Raises
    ------
    DataValidationError
        If no customer bought anything before ``as_of``.
    """
    store = store or read_store(engine)
    last = store.last_day()
    if last is None:
        raise DataValidationError(
            "no sale orders with a customer and product lines in the workspace: "
            "import orders first (tradepilot import FORMAT FILE)"
        )
    day = as_of or last + dt.timedelta(days=1)
    first = store.first_day()
    assert first is not None
    if day <= first:
        raise DataValidationError(
            f"no purchases before {day}: customers' purchases run from {first} to "
            f"{last}; choose --as-of after {first}"
        )
    fitted = fit_with_blends(
        store.purchases, store.sales, as_of=day, config=config or RecommendConfig()
    )
    names = dict(store.products.select("sku", "description").iter_rows())
    return RecommendationRun(fitted, store, day, _on_hand(engine, day), names)


def _on_hand(engine: Engine, day: dt.date) -> dict[str, int]:
    """Units on hand per counted SKU; empty (and the replenishment capability
    not even loaded) when the store holds no stock counts."""
    with engine.connect() as conn:
        counted = conn.execute(
            sa.select(tables.inventory_snapshots.c.id).limit(1)
        ).first()
    if counted is None:
        return {}
    from tradepilot.replenishment.service import stock_on_hand

    stock = stock_on_hand(engine, as_of=day)
    return dict(stock.select("sku", "on_hand").iter_rows())


# --- lists ---------------------------------------------------------------------------


def recommend_for(
    engine: Engine,
    *,
    customer: str,
    as_of: dt.date | None = None,
    k: int = 10,
    run: RecommendationRun | None = None,
) -> dict[str, Any]:
    """A customer's ``next`` and ``new`` lists with a reason for every item.

    Parameters
    ----------
    engine : Engine
        The store.
    customer : str
        The customer's id as in the source file (``17850``), or ``source:id``.
    as_of : datetime.date, optional
        Use purchases before this day (default: all).
    k : int
        Items per list.
    run : RecommendationRun, optional
        An already fitted run (its ``as_of`` and ``k`` then apply).

    Returns
    -------
    dict
        ``customer, as_of, purchase_days, last_purchase, next, new, blends``; each
        list item has ``rank, sku, description, score, reason, bought_before,
        in_stock`` (None when stock is not counted).

    Raises
    ------
    UnknownEntityError
        If the store holds no such customer.
    DataValidationError
        If the customer bought nothing before ``as_of``.
    """
    run = run or fit_recommendations(engine, as_of=as_of, config=_config(k))
    row = _customer_row(run, customer)
    data = run.fitted.fitted()
    tops = run.fitted.top(np.array([row]), [("blend", "next"), ("blend", "new")])
    mine = data.age[data.user == row]
    return {
        "customer": customer,
        "as_of": run.as_of.isoformat(),
        "purchase_days": len(np.unique(mine)),
        "last_purchase": (run.as_of - dt.timedelta(days=int(mine.min()))).isoformat(),
        "next": _items(run, row, *tops["blend", "next"]),
        "new": _items(run, row, *tops["blend", "new"]),
        "blends": blend_summary(run.fitted),
    }


def blend_summary(fitted: Recommendations) -> dict[str, Any]:
    """Each list's blend weights and how they were chosen."""
    return {
        name: {
            "weights": choice.weights,
            "chosen_on": choice.chosen_on,
            "validation_recall": choice.validation_recall,
        }
        for name, choice in fitted.blends_.items()
    }


def _config(k: int) -> RecommendConfig:
    if not 1 <= k <= 100:
        raise DataValidationError(f"--k must be between 1 and 100; received {k}")
    return RecommendConfig(k=k)


def _customer_row(run: RecommendationRun, customer: str) -> int:
    data = run.fitted.fitted()
    row = int(data.customer_index(np.array([customer], dtype=object))[0])
    if row >= 0:
        return row
    known = run.store.purchases.filter(pl.col("customer") == customer).height > 0
    if known:
        raise DataValidationError(
            f"customer {customer} has no purchases before {run.as_of}"
        )
    examples = ", ".join(str(c) for c in data.customers[:3])
    raise UnknownEntityError(
        f"no customer {customer!r} with purchases in the workspace "
        f"({data.n_customers:,} customers, e.g. {examples}); give the id as in the "
        "source file"
    )


def _items(
    run: RecommendationRun, row: int, columns: np.ndarray, scores: np.ndarray
) -> list[dict[str, Any]]:
    reasons = explain_rows(run.fitted, np.array([row]), columns)[0]
    return _listed(run, row, columns[0], scores[0], reasons)


def _listed(
    run: RecommendationRun,
    row: int,
    columns: np.ndarray,
    scores: np.ndarray,
    reasons: list[str],
) -> list[dict[str, Any]]:
    """One customer's list items (filled slots only) with their reasons."""
    data = run.fitted.fitted()
    assert run.fitted.bought_ is not None
    bought = run.fitted.bought_[row]
    own = set(bought.indices.tolist())
    items = []
    shown = columns[columns >= 0]
    for rank, (column, reason) in enumerate(zip(shown, reasons, strict=True), 1):
        sku = str(data.items[column])
        in_stock = run.in_stock(sku)
        items.append({
            "rank": rank,
            "sku": sku,
            "description": run.descriptions.get(sku),
            "score": round(float(scores[rank - 1]), 6),
            "reason": reason + (f"; {OUT_OF_STOCK}" if in_stock is False else ""),
            "bought_before": int(column) in own,
            "in_stock": in_stock,
        })  # fmt: skip
    return items


def export_recommendations(
    engine: Engine, *, out: Path, as_of: dt.date | None = None, k: int = 10
) -> dict[str, Any]:
    """Write both lists of every customer with a purchase before ``as_of``.

    The CSV has the columns ``list, customer, rank, sku, score, reason``
    (:data:`EXPORT_COLUMNS`): ``list`` is ``next`` (the k items most likely to be
    bought next, bought before or not) or ``new`` (the k best never bought);
    ``customer`` is the id as in the source file.

    Returns
    -------
    dict
        ``out, as_of, customers, rows, blends``.
    """
    run = fit_recommendations(engine, as_of=as_of, config=_config(k))
    data = run.fitted.fitted()
    rows = np.arange(data.n_customers)
    tops = run.fitted.top(rows, [("blend", "next"), ("blend", "new")])
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for start in range(0, len(rows), EXPORT_BATCH):
            batch = rows[start : start + EXPORT_BATCH]
            lists = {
                name: (tops["blend", name], explain_rows(
                    run.fitted, batch, tops["blend", name][0][batch]))
                for name in ("next", "new")
            }  # fmt: skip
            for at, row in enumerate(batch):
                for name, ((columns, scores), reasons) in lists.items():
                    items = _listed(
                        run, int(row), columns[row], scores[row], reasons[at]
                    )
                    for item in items:
                        writer.writerow([name, data.customers[row], item["rank"],
                                         item["sku"], item["score"], item["reason"]])  # fmt: skip
                    written += len(items)
    return {
        "out": str(out),
        "as_of": run.as_of.isoformat(),
        "customers": int(data.n_customers),
        "rows": written,
        "blends": blend_summary(run.fitted),
    }


# --- frequently bought together ----------------------------------------------------


def frequently_bought_together(
    engine: Engine,
    *,
    sku: str,
    as_of: dt.date | None = None,
    k: int = 10,
    store: StoreData | None = None,
) -> dict[str, Any]:
    """Products bought in the same orders as ``sku``, with support, confidence and
    lift (see :mod:`tradepilot.recommend.together`); only products sold in the
    ``active_days`` before ``as_of`` are suggested.

    Returns
    -------
    dict
        ``sku, description, as_of, orders, total_orders, together`` (rows of
        ``sku, description, orders_together, support, confidence, lift,
        in_stock``).

    Raises
    ------
    UnknownEntityError
        If the SKU is not in the catalogue.
    DataValidationError
        If it is not a product (postage, a fee, a voucher, ...).
    """
    _config(k)
    store = store or read_store(engine)
    product = store.products.filter(pl.col("sku") == sku)
    if product.height == 0:
        raise UnknownEntityError(f"no SKU {sku!r} in the catalogue")
    kind = product["kind"][0]
    if kind != LineKind.PRODUCT.value:
        raise DataValidationError(
            f"SKU {sku} is a {kind} line, not a product: nothing is bought with it"
        )
    first, last = store.baskets["day"].min(), store.baskets["day"].max()
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        raise DataValidationError(f"no sale orders with {sku} in the workspace")
    day = as_of or last + dt.timedelta(days=1)
    if day <= first:
        raise DataValidationError(
            f"no orders before {day}: orders run from {first} to {last}"
        )
    baskets = store.baskets.filter(pl.col("day") < day)
    sold = sold_today(store.sales, as_of=day, days=RecommendConfig().active_days)
    found = bought_together(baskets, sku, k=k, candidates=sold)
    names = dict(store.products.select("sku", "description").iter_rows())
    on_hand = _on_hand(engine, day)
    rows = [
        {**row, "description": names.get(row["sku"]),
         "in_stock": None if row["sku"] not in on_hand else on_hand[row["sku"]] > 0}
        for row in found.to_dicts()
    ]  # fmt: skip
    return {
        "sku": sku,
        "description": names.get(sku),
        "as_of": day.isoformat(),
        "orders": baskets.filter(pl.col("sku") == sku)["order"].n_unique(),
        "total_orders": baskets["order"].n_unique(),
        "together": rows,
    }


# --- evaluation -----------------------------------------------------------------------


def evaluate_recommendations(
    engine: Engine, *, cutoff: dt.date, test_weeks: int = 12, k: int = 10
) -> dict[str, Any]:
    """Every method's recall@k, NDCG@k and new-item recall on the ``test_weeks``
    from ``cutoff``, with the blends chosen on the same length of time before it
    (see :mod:`tradepilot.recommend.evaluation`).

    Raises
    ------
    DataValidationError
        If there are no purchases before ``cutoff`` or none from it on.
    """
    if not 1 <= test_weeks <= MAX_TEST_WEEKS:
        raise DataValidationError(
            f"--test-weeks must be between 1 and {MAX_TEST_WEEKS}; received {test_weeks}"
        )
    store = read_store(engine)
    first, last = store.first_day(), store.last_day()
    if first is None or last is None:
        raise DataValidationError(
            "no sale orders with a customer and product lines in the workspace: "
            "import orders first"
        )
    if not first < cutoff <= last:
        raise DataValidationError(
            f"cutoff {cutoff} is outside the data: customers' purchases run from "
            f"{first} to {last}; choose a cutoff after {first} and on or before {last}"
        )
    test_end = min(cutoff + dt.timedelta(weeks=test_weeks), last + dt.timedelta(days=1))
    report = evaluate(
        store.purchases, store.sales, cutoff=cutoff, test_end=test_end,
        config=_config(k),
    )  # fmt: skip
    return {"test_weeks": test_weeks, **report}
