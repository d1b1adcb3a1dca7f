"""Lines of another order under a known order number are never merged into it.

An order is identified by (source, order number). A line whose order already exists
(in the store, or on an earlier row of the file) with another currency, country,
customer or a date more than a day apart is a conflict: it is quarantined with a
reason naming both values, before duplicate detection, so it is neither merged nor
silently dropped as a duplicate.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import DataValidationError
from tradepilot.ingest.service import import_file

FIXTURES = Path(__file__).parent / "fixtures"
SHOP1 = FIXTURES / "shopify_orders.csv"
SHOP2 = FIXTURES / "shopify_orders_shop2.csv"
HINT = (
    "if it is another shop's order, import that shop's files with a distinct --source"
)
SHOP2_REASONS = {
    "order #1001 already exists with currency EUR, country DE, customer"
    " alice@example.com, ordered 2024-03-05; this row has currency INR, country IN,"
    f" customer priya@example.in, ordered 2025-01-04: {HINT}": 2,
    "order #1004 already exists with currency EUR, country GB, customer"
    " carol@example.co.uk, ordered 2024-03-07; this row has currency INR, country IN,"
    f" customer arjun@example.in, ordered 2025-01-06: {HINT}": 2,
    "order #1002 already exists with currency EUR, country FR, ordered 2024-03-05;"
    f" this row has currency INR, country IN, ordered 2025-01-05: {HINT}": 1,
}
ORDERS = sa.text(
    "SELECT o.source, o.order_number, o.currency, o.country, count(l.id),"
    " sum(l.quantity * l.unit_price)"
    " FROM orders o JOIN order_lines l ON l.order_id = o.id"
    " GROUP BY o.source, o.order_number, o.currency, o.country"
    " ORDER BY o.source, o.order_number"
)


def orders(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(ORDERS).all()
    return [(*r[:5], Decimal(str(r[5])).normalize()) for r in rows]


def counts(report) -> tuple[int, int, int, int, int]:
    return (
        report.rows_read,
        report.accepted,
        report.quarantined,
        report.duplicates,
        report.conflicts,
    )


def test_second_shop_is_quarantined_not_merged_nor_counted_as_duplicates(engine):
    import_file(engine, fmt="shopify", path=SHOP1)
    before = orders(engine)

    report = import_file(engine, fmt="shopify", path=SHOP2)

    assert counts(report) == (6, 1, 5, 0, 5)
    assert report.quarantine_reasons == SHOP2_REASONS
    assert report.notes == [
        f"5 rows belong to orders that already exist with another currency, country,"
        f" customer or date; they are quarantined. If this file is another shop's"
        f" export, undo this import (tradepilot import undo {report.import_run_id})"
        " and import the file again with a distinct --source, e.g. --source shopify-2"
    ]
    # the first shop's orders are exactly as they were; only #1007 is new
    assert orders(engine) == sorted(
        [*before, ("shopify", "#1007", "INR", "IN", 1, Decimal("10497"))]
    )


def test_second_shop_under_its_own_source_imports_completely(engine):
    import_file(engine, fmt="shopify", path=SHOP1)

    report = import_file(engine, fmt="shopify", path=SHOP2, source="shopify-in")

    assert counts(report) == (6, 6, 0, 0, 0)
    assert report.notes == []
    assert (report.source, report.orders_new) == ("shopify-in", 4)
    mine = [o for o in orders(engine) if o[0] == "shopify-in"]
    assert [o[:5] for o in mine] == [
        ("shopify-in", "#1001", "INR", "IN", 4),
        ("shopify-in", "#1002", "INR", "IN", 1),
        ("shopify-in", "#1004", "INR", "IN", 3),
        ("shopify-in", "#1007", "INR", "IN", 1),
    ]


def test_reimporting_the_second_shop_adds_nothing_and_still_names_the_conflicts(
    engine,
):
    import_file(engine, fmt="shopify", path=SHOP1)
    import_file(engine, fmt="shopify", path=SHOP2)
    before = orders(engine)

    again = import_file(engine, fmt="shopify", path=SHOP2)

    assert counts(again) == (6, 0, 0, 6, 5)
    assert orders(engine) == before


MAPPING = """\
source: multi
columns:
  order_number: order
  ordered_at: date
  sku: sku
  quantity: qty
  unit_price: price
  country: country
  currency: currency
  customer: customer
"""
HEADER = "order,date,sku,qty,price,country,currency,customer"


def write_generic(tmp_path: Path, rows: list[str], name: str = "orders.csv") -> Path:
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_order_number_reused_in_two_countries_in_one_file(engine, tmp_path):
    path = write_generic(
        tmp_path,
        [
            "A1,2024-01-05 10:00,S1,1,10.00,DE,EUR,c1",
            "A1,2024-01-05 10:00,S2,2,5.00,DE,EUR,c1",
            "A2,2024-01-06 11:00,S1,1,10.00,FR,EUR,c2",
            "A1,2024-06-10 09:00,S1,1,10.00,AT,EUR,c3",
            "A2,2024-06-11 09:00,S3,1,7.00,FR,EUR,c2",
        ],
    )

    report = import_file(
        engine, fmt="generic", path=path, mapping=tmp_path / "map.yaml"
    )

    assert counts(report) == (5, 3, 2, 0, 2)
    in_file = (
        "an order number names one order: give this order its own number, or import"
        " it with a distinct --source"
    )
    assert report.quarantine_reasons == {
        "order A1 is on row 2 with country DE, customer c1, ordered 2024-01-05;"
        f" this row has country AT, customer c3, ordered 2024-06-10: {in_file}": 1,
        "order A2 is on row 4 with ordered 2024-01-06;"
        f" this row has ordered 2024-06-11: {in_file}": 1,
    }
    assert orders(engine) == [
        ("multi", "A1", "EUR", "DE", 2, Decimal("20")),
        ("multi", "A2", "EUR", "FR", 1, Decimal("10")),
    ]


@pytest.mark.parametrize(
    ("later", "country", "accepted"),
    [
        pytest.param("2024-01-06 09:59", "DE", 1, id="23-hours-later-same-order"),
        pytest.param("2024-01-04 10:00", "DE", 1, id="a-day-earlier-same-order"),
        pytest.param("2024-01-06 10:01", "DE", 0, id="over-a-day-later-conflict"),
        pytest.param("2024-01-05 10:00", "ZZ", 1, id="unspecified-country-agrees"),
        pytest.param("2024-01-05 10:00", "AT", 0, id="another-country-conflict"),
    ],
)
def test_a_date_over_a_day_apart_or_another_country_is_a_conflict(
    engine, tmp_path, later, country, accepted
):
    first = write_generic(tmp_path, ["A1,2024-01-05 10:00,S1,1,10.00,DE,EUR,c1"])
    import_file(engine, fmt="generic", path=first, mapping=tmp_path / "map.yaml")
    second = write_generic(
        tmp_path, [f"A1,{later},S2,1,4.00,{country},EUR,c1"], name="later.csv"
    )

    report = import_file(
        engine, fmt="generic", path=second, mapping=tmp_path / "map.yaml"
    )

    assert (report.accepted, report.quarantined) == (accepted, 1 - accepted)
    assert report.conflicts == 1 - accepted


def test_source_is_checked(engine):
    with pytest.raises(DataValidationError, match="--source: expected lower-case"):
        import_file(engine, fmt="shopify", path=SHOP1, source="My Shop")
    with pytest.raises(DataValidationError, match="--source names the order numbers"):
        import_file(
            engine,
            fmt="purchase-orders",
            path=FIXTURES / "purchase_orders.csv",
            source="shop2",
        )
