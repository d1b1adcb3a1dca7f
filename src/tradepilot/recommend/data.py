"""Purchases as a customer x item matrix, the input of every recommender.

A *purchase* is a customer buying an item on a day: several orders of one customer
on one day count once (the convention of the purchase-model literature), so a
customer's *baskets* are their purchase days. Ages are whole days before ``as_of``
(a purchase the day before is 1 day old).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tradepilot.domain.errors import DataValidationError

if TYPE_CHECKING:
    import scipy.sparse as sp

PURCHASE_COLUMNS = ("customer", "sku", "day")


@dataclass(frozen=True)
class Interactions:
    """Day-level purchases of customers, indexed for matrix work.

    Attributes
    ----------
    customers : numpy.ndarray
        Customer keys (str), shape (n_customers,), sorted; row ``u`` of every
        matrix is ``customers[u]``.
    items : numpy.ndarray
        SKUs (str), shape (n_items,), sorted; column ``i`` is ``items[i]``.
    user, item : numpy.ndarray
        Row and column of each purchase (int64), shape (n_purchases,); one
        purchase per customer, item and day.
    age : numpy.ndarray
        Days from the purchase to ``as_of`` (>= 1), shape (n_purchases,).
    quantity : numpy.ndarray
        Units bought that day, shape (n_purchases,).
    as_of : datetime.date
        The day the data ends before (exclusive).
    """

    customers: np.ndarray
    items: np.ndarray
    user: np.ndarray
    item: np.ndarray
    age: np.ndarray
    quantity: np.ndarray
    as_of: dt.date

    @property
    def n_customers(self) -> int:
        """Number of customers (matrix rows)."""
        return len(self.customers)

    @property
    def n_items(self) -> int:
        """Number of items (matrix columns)."""
        return len(self.items)

    def matrix(self, half_life: float | None = None) -> sp.csr_matrix:
        """Customer x item matrix of purchase days, each weighted by its age.

        Parameters
        ----------
        half_life : float or None
            Days after which a purchase counts half; None counts every purchase 1.

        Returns
        -------
        scipy.sparse.csr_matrix
            Shape (n_customers, n_items), float64: the (decayed) number of days
            the customer bought the item.
        """
        import scipy.sparse as sp

        weights = decay(self.age, half_life)
        shape = (self.n_customers, self.n_items)
        return sp.csr_matrix((weights, (self.user, self.item)), shape=shape)

    def bought(self) -> sp.csr_matrix:
        """Customer x item 0/1 matrix: 1 where the customer bought the item."""
        found = self.matrix()
        found.data[:] = 1.0
        return found

    def last_age(self) -> sp.csr_matrix:
        """Customer x item matrix of the age of the latest purchase (days)."""
        return _reduce(self, self.age.astype(np.float64), np.minimum)

    def first_age(self) -> sp.csr_matrix:
        """Customer x item matrix of the age of the first purchase (days)."""
        return _reduce(self, self.age.astype(np.float64), np.maximum)

    def customer_baskets(self) -> np.ndarray:
        """Purchase days per customer, shape (n_customers,)."""
        keys = np.unique(self.user * (int(self.age.max(initial=0)) + 1) + self.age)
        rows = keys // (int(self.age.max(initial=0)) + 1)
        return np.bincount(rows, minlength=self.n_customers).astype(np.float64)

    def customer_span(self) -> np.ndarray:
        """Days from each customer's first purchase to ``as_of``, shape (n_customers,)."""
        span = np.zeros(self.n_customers)
        np.maximum.at(span, self.user, self.age.astype(np.float64))
        return span

    def customer_index(self, keys: np.ndarray) -> np.ndarray:
        """Rows of ``keys`` (customers), -1 for customers not in the data."""
        return _lookup(self.customers, keys)

    def item_index(self, skus: np.ndarray) -> np.ndarray:
        """Columns of ``skus``, -1 for items not in the data."""
        return _lookup(self.items, skus)


def decay(age: np.ndarray, half_life: float | None) -> np.ndarray:
    """Weight of purchases ``age`` days old: ``0.5 ** (age / half_life)``.

    Examples
    --------
    >>> decay(np.array([0, 30, 60]), 30.0).tolist()
    [1.0, 0.5, 0.25]
    >>> decay(np.array([0, 30]), None).tolist()
    [1.0, 1.0]
    """
    if half_life is None:
        return np.ones(len(age))
    return np.power(0.5, np.asarray(age, dtype=np.float64) / half_life)


def interactions(purchases: pl.DataFrame, *, as_of: dt.date) -> Interactions:
    """Index purchases made before ``as_of``.

    Parameters
    ----------
    purchases : polars.DataFrame
        Columns ``customer`` (str), ``sku`` (str), ``day`` (date) and optionally
        ``quantity``; rows on or after ``as_of`` are ignored, and several rows of
        one customer, SKU and day are one purchase.
    as_of : datetime.date
        First day not used.

    Returns
    -------
    Interactions

    Raises
    ------
    DataValidationError
        If a required column is missing.

    Examples
    --------
    >>> frame = pl.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "x", "y"],
    ...     "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 5)]})
    >>> data = interactions(frame, as_of=dt.date(2024, 1, 11))
    >>> data.customers.tolist(), data.items.tolist(), data.age.tolist()
    (['a', 'b'], ['x', 'y'], [10, 6])
    """
    missing = [c for c in PURCHASE_COLUMNS if c not in purchases.columns]
    if missing:
        raise DataValidationError(
            f"purchases need columns {', '.join(PURCHASE_COLUMNS)}; missing "
            f"{', '.join(missing)} (found: {', '.join(purchases.columns)})"
        )
    if "quantity" not in purchases.columns:
        purchases = purchases.with_columns(quantity=pl.lit(1))
    daily = (
        purchases.filter(pl.col("day") < as_of)
        .group_by("customer", "sku", "day")
        .agg(pl.col("quantity").sum())
        .sort("customer", "sku", "day")
    )
    customers = np.array(daily["customer"].unique().sort().to_list(), dtype=object)
    items = np.array(daily["sku"].unique().sort().to_list(), dtype=object)
    ages = (pl.lit(as_of) - daily["day"]).dt.total_days() if daily.height else None
    return Interactions(
        customers=customers,
        items=items,
        user=_lookup(customers, daily["customer"].to_numpy()),
        item=_lookup(items, daily["sku"].to_numpy()),
        age=(
            daily.select(ages).to_series().to_numpy().astype(np.int64)
            if ages is not None
            else np.zeros(0, dtype=np.int64)
        ),
        quantity=daily["quantity"].to_numpy().astype(np.float64),
        as_of=as_of,
    )


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions of ``keys`` in ``sorted_keys`` (-1 where absent)."""
    keys = np.asarray(keys, dtype=object)
    if len(sorted_keys) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.clip(pos, 0, len(sorted_keys) - 1)
    found = sorted_keys[pos] == keys
    return np.where(found, pos, -1).astype(np.int64)


def _reduce(data: Interactions, values: np.ndarray, op: np.ufunc) -> sp.csr_matrix:
    """Customer x item matrix of ``op`` over each cell's purchases."""
    import scipy.sparse as sp

    cell = data.user * data.n_items + data.item
    order = np.argsort(cell, kind="stable")
    cells, starts = np.unique(cell[order], return_index=True)
    reduced = op.reduceat(values[order], starts) if len(cells) else values[:0]
    rows, cols = np.divmod(cells, data.n_items)
    shape = (data.n_customers, data.n_items)
    return sp.csr_matrix((reduced, (rows, cols)), shape=shape)
