"""Recommendations read from the store (SQLite and PostgreSQL), through the
ingest path of a small Online Retail file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.recommend.shop import import_shop

from tradepilot.domain.errors import DataValidationError
from tradepilot.recommend.service import (
    EXPORT_COLUMNS,
    UnknownEntityError,
    evaluate_recommendations,
    export_recommendations,
    fit_recommendations,
    frequently_bought_together,
    recommend_for,
)


@pytest.fixture
def shop(engine: Engine, tmp_path: Path) -> Engine:
    import_shop(engine, tmp_path)
    return engine


def test_lists_hold_only_products_sold_today_with_reasons(shop: Engine) -> None:
    found = recommend_for(shop, customer="17850")

    next_skus = [i["sku"] for i in found["next"]]
    new_skus = [i["sku"] for i in found["new"]]
    assert found["as_of"] == "2011-05-31"
    assert found["purchase_days"] == 4
    assert found["last_purchase"] == "2011-05-01"
    assert next_skus[0] == "TEA"  # bought on 3 days
    assert set(next_skus) == {"TEA", "CUPS", "JAM", "MUG"}  # bought or not
    assert set(new_skus) == {"JAM", "MUG"}  # never bought
    assert "POST" not in next_skus + new_skus  # postage is not a product
    assert "OLD" not in next_skus + new_skus  # not sold in the last 90 days
    tea = found["next"][0]
    assert tea["reason"] == "bought every 4 weeks, last 4 weeks ago"
    assert tea["bought_before"] is True
    assert tea["in_stock"] is True
    assert tea["description"] == "TEA TIN"
    jam = next(i for i in found["new"] if i["sku"] == "JAM")
    assert jam["in_stock"] is False
    assert jam["reason"].endswith("; out of stock")
    assert jam["reason"].startswith("customers who buy TEA also buy JAM")
    mug = next(i for i in found["new"] if i["sku"] == "MUG")
    assert mug["in_stock"] is None  # never counted


def test_as_of_uses_only_earlier_purchases(shop: Engine) -> None:
    found = recommend_for(shop, customer="17850", as_of=dt.date(2011, 4, 15))

    assert found["purchase_days"] == 3
    assert [i["sku"] for i in found["next"]] == ["TEA", "CUPS"]
    assert found["new"] == []  # nothing else sold; OLD not for 95 days


def test_a_day_long_after_the_data_still_recommends(shop: Engine) -> None:
    # every time-decayed weight underflows to 0; what was sold last is sold today
    found = recommend_for(shop, customer="17850", as_of=dt.date(2400, 1, 1))

    assert found["next"][0]["sku"] == "TEA"
    assert found["next"][0]["reason"].startswith("bought every 4 weeks, last ")


def test_small_store_keeps_the_default_blend(shop: Engine) -> None:
    run = fit_recommendations(shop)

    assert {c.chosen_on for c in run.fitted.blends_.values()} == {"default"}


def test_export_has_two_lists_for_every_customer_named_as_in_the_file(
    shop: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "recs.csv"

    summary = export_recommendations(shop, out=out, k=3)

    with out.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert tuple(header) == EXPORT_COLUMNS == (
        "list", "customer", "rank", "sku", "score", "reason",
    )  # fmt: skip
    assert {r[1] for r in rows} == {"17850", "13047", "12583", "14000", "15000"}
    assert {(r[0], r[1]) for r in rows} >= {("next", "17850"), ("new", "17850")}
    assert summary["customers"] == 5
    assert summary["rows"] == len(rows)
    first = [r for r in rows if r[1] == "17850" and r[0] == "next"]
    assert [r[2] for r in first] == ["1", "2", "3"]
    assert first[0][3] == "TEA"
    assert all(r[3] not in ("POST", "OLD") for r in rows)


def test_export_as_of_leaves_out_later_customers(shop: Engine, tmp_path: Path) -> None:
    out = tmp_path / "early.csv"

    export_recommendations(shop, out=out, as_of=dt.date(2011, 4, 20))

    with out.open(newline="") as handle:
        customers = {row["customer"] for row in csv.DictReader(handle)}
    assert customers == {"17850", "13047"}


def test_frequently_bought_together_with_lift_and_support(shop: Engine) -> None:
    found = frequently_bought_together(shop, sku="TEA")

    # 10 orders with products; TEA in 5, CUPS in 3, both in 2
    assert found["orders"] == 5
    assert found["total_orders"] == 10
    assert found["together"] == [{
        "sku": "CUPS", "orders_together": 2, "support": 0.2, "confidence": 0.4,
        "lift": 1.3333, "description": "TEA CUPS", "in_stock": None,
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda e: recommend_for(e, customer="99999"), UnknownEntityError,
         "no customer '99999' with purchases"),
        (lambda e: recommend_for(e, customer="12583", as_of=dt.date(2011, 4, 1)),
         DataValidationError, "customer 12583 has no purchases before 2011-04-01"),
        (lambda e: recommend_for(e, customer="17850", as_of=dt.date(2010, 1, 1)),
         DataValidationError, "no purchases before 2010-01-01"),
        (lambda e: recommend_for(e, customer="17850", k=0), DataValidationError,
         "--k must be between 1 and 100"),
        (lambda e: frequently_bought_together(e, sku="NOPE"), UnknownEntityError,
         "no SKU 'NOPE' in the catalogue"),
        (lambda e: frequently_bought_together(e, sku="POST"), DataValidationError,
         "POST is a shipping line, not a product"),
        (lambda e: evaluate_recommendations(e, cutoff=dt.date(2012, 1, 1)),
         DataValidationError, "cutoff 2012-01-01 is outside the data"),
        (lambda e: evaluate_recommendations(e, cutoff=dt.date(2011, 1, 10)),
         DataValidationError, "cutoff 2011-01-10 is outside the data"),
        (lambda e: evaluate_recommendations(e, cutoff=dt.date(2011, 5, 1),
                                            test_weeks=0),
         DataValidationError, "--test-weeks must be between 1 and 520"),
        (lambda e: frequently_bought_together(e, sku="TEA", as_of=dt.date(1, 1, 1)),
         DataValidationError, "no orders before 0001-01-01"),
    ],
    ids=["unknown-customer", "customer-later", "as-of-before-data", "bad-k",
         "unknown-sku", "postage", "cutoff-after", "cutoff-first-day", "no-weeks",
         "together-too-early"],
)  # fmt: skip
def test_bad_input_gets_a_clear_message(shop, call, error, message) -> None:
    with pytest.raises(error, match=message):
        call(shop)


def test_an_empty_store_says_what_to_do(engine: Engine) -> None:
    with pytest.raises(DataValidationError, match="import orders first"):
        recommend_for(engine, customer="17850")


def test_evaluation_on_the_small_store(shop: Engine) -> None:
    found = evaluate_recommendations(shop, cutoff=dt.date(2011, 5, 1), test_weeks=8)

    assert found["test_end"] == "2011-05-31"  # capped at the day after the data
    assert found["customers"] == 2  # 17850 and 13047 bought before and after
    assert [m["method"] for m in found["methods"]][-1] == "blend"
