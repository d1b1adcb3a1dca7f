import datetime as dt

import polars as pl

from tradepilot.customers.overview import TABLE_COLUMNS, CustomerTable


def _table() -> CustomerTable:
    rows = pl.DataFrame(
        {
            "customer": ["a", "b", "c", "d"],
            "profile_id": [1, 2, 3, 4],
            "orders": [5, 3, 1, 8],
            "revenue": [50.0, 30.0, 10.0, 80.0],
            "margin": [20.0, 12.0, 4.0, 30.0],
            "last_order": [dt.date(2024, 1, d) for d in (5, 9, 2, 7)],
            "p_alive": [0.9, 0.4, 1.0, 0.99],
            "expected_purchases": [2.0, 0.5, 0.3, 4.0],
            "expected_value": [40.0, 5.0, 3.0, 90.0],
            "buy_90_days": [0.6, 0.1, 0.2, 0.9],
            "churn_risk": [False, True, False, False],
            "country": ["DE"] * 4,
            "segment": ["s"] * 4,
            "_risk": [0.6, 0.1, None, 0.9],  # one-off buyers have no churn order
        }
    )
    return CustomerTable(rows, "EUR", 52.0, None)


def test_churn_order_puts_repeat_buyers_least_likely_to_buy_first():
    page = _table().page(sort="churn", limit=10, offset=0)

    assert [r["customer"] for r in page["data"]] == ["b", "a", "d", "c"]
    assert tuple(page["data"][0]) == TABLE_COLUMNS


def test_value_order_and_paging():
    page = _table().page(sort="value", limit=2, offset=1)

    assert [r["customer"] for r in page["data"]] == ["a", "b"]
    assert page["count"] == 4


def test_search_filters_on_the_customer_id():
    assert _table().page(sort="recent", limit=10, offset=0, search="d")["count"] == 1
