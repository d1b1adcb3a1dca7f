"""Purchases indexed as a customer x item matrix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from tests.recommend.baskets import AS_OF, frame, tea_shop

from tradepilot.domain.errors import DataValidationError
from tradepilot.recommend.data import interactions


def test_several_orders_of_a_customer_on_one_day_are_one_purchase() -> None:
    purchases = frame([("a", "x", 3), ("a", "x", 3), ("a", "x", 10), ("b", "y", 1)])
    purchases = purchases.with_columns(quantity=pl.Series([2, 5, 1, 4]))

    data = interactions(purchases, as_of=AS_OF)

    assert data.customers.tolist() == ["a", "b"]
    assert data.items.tolist() == ["x", "y"]
    assert data.matrix().toarray().tolist() == [[2.0, 0.0], [0.0, 1.0]]
    pairs = zip(data.age.tolist(), data.quantity.tolist(), strict=True)
    assert sorted(pairs) == [
        (1, 4.0), (3, 7.0), (10, 1.0),
    ]  # fmt: skip


def test_purchases_on_or_after_as_of_are_not_used() -> None:
    purchases = frame([("a", "x", 1)]).vstack(
        pl.DataFrame({"customer": ["b"], "sku": ["late"], "day": [AS_OF]})
    )

    data = interactions(purchases, as_of=AS_OF)

    assert data.customers.tolist() == ["a"]
    assert data.items.tolist() == ["x"]


def test_ages_spans_and_lookups() -> None:
    data = tea_shop()

    assert data.last_age().toarray()[0].tolist() == [0, 0, 200, 0, 28]  # ann
    assert data.first_age().toarray()[0].tolist() == [0, 0, 200, 0, 84]
    assert data.customer_span().tolist() == [200, 30, 12, 5, 3]
    assert data.customer_baskets().tolist() == [4, 1, 2, 1, 1]
    assert data.matrix(half_life=28).toarray()[0][4] == pytest.approx(0.875)
    assert data.customer_index(np.array(["cy", "zed"], dtype=object)).tolist() == [
        2,
        -1,
    ]
    assert data.item_index(np.array(["tea", "pot"], dtype=object)).tolist() == [4, 2]


def test_missing_columns_are_named() -> None:
    bad = pl.DataFrame({"customer": ["a"], "day": [dt.date(2024, 1, 1)]})

    with pytest.raises(DataValidationError, match="missing sku"):
        interactions(bad, as_of=AS_OF)
