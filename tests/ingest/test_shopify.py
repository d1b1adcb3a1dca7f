from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.adapters import shopify
from tradepilot.ingest.files import read_table
from tradepilot.ingest.service import import_file

FIXTURES = Path(__file__).parent / "fixtures"
ORDERS = FIXTURES / "shopify_orders.csv"

LINES = sa.text(
    "SELECT o.order_number, o.kind, l.sku, l.kind, l.quantity, l.unit_price"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
)
EXPECTED_LINES = [
    ("#1001", "sale", "DISCOUNT", "discount", -1, Decimal("3.39")),
    ("#1001", "sale", "SHIPPING", "shipping", 1, Decimal("4.9")),
    ("#1001", "sale", "TP-MUG-01", "product", 2, Decimal("12.5")),
    ("#1001", "sale", "TP-TEA-02", "product", 1, Decimal("8.9")),
    ("#1002", "sale", "TP-MUG-01", "product", 1, Decimal("12.5")),
    ("#1003", "sale", "Gift wrapping", "product", 1, Decimal("3")),
    ("#1003", "sale", "SHIPPING", "shipping", 1, Decimal("4.9")),
    ("#1003", "sale", "TP-TEA-02", "product", 2, Decimal("8.9")),
    ("#1003/cancel", "cancellation", "Gift wrapping", "product", -1, Decimal("3")),
    ("#1003/cancel", "cancellation", "SHIPPING", "shipping", -1, Decimal("4.9")),
    ("#1003/cancel", "cancellation", "TP-TEA-02", "product", -2, Decimal("8.9")),
    ("#1004", "sale", "REFUND", "refund", -1, Decimal("8.9")),
    ("#1004", "sale", "SHIPPING", "shipping", 1, Decimal("4.9")),
    ("#1004", "sale", "TP-MUG-01", "product", 1, Decimal("12.5")),
    ("#1004", "sale", "TP-TEA-02", "product", 1, Decimal("8.9")),
    ("#1006", "sale", "SHIPPING", "shipping", 1, Decimal("4.9")),
    ("#1006", "sale", "TP-MUG-01", "product", 1, Decimal("12.5")),
]


def stored_lines(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(LINES).all()
    return sorted((*r[:5], Decimal(str(r[5]))) for r in rows)


def test_export_is_accounted_for_row_by_row(engine):
    report = import_file(engine, fmt="shopify", path=ORDERS)

    assert (report.rows_read, report.accepted, report.quarantined) == (10, 8, 2)
    assert report.duplicates == 0
    assert report.quarantine_reasons == {
        "Created at is missing or not a time like 2024-03-05 14:07:33 +0100": 1,
        "Lineitem price is missing or not a number like 12.50": 1,
    }
    assert (report.orders, report.orders_new) == (6, 6)


def test_lines_prices_and_synthetic_lines_are_stored_exactly(engine):
    import_file(engine, fmt="shopify", path=ORDERS)

    assert stored_lines(engine) == EXPECTED_LINES


def test_orders_carry_order_level_fields_to_every_line(engine):
    import_file(engine, fmt="shopify", path=ORDERS)

    with engine.connect() as conn:
        orders = conn.execute(
            sa.text(
                "SELECT o.order_number, c.external_id, o.country, o.currency, ch.name"
                " FROM orders o JOIN channels ch ON ch.id = o.channel_id"
                " LEFT JOIN customers c ON c.id = o.customer_id"
                " ORDER BY o.order_number"
            )
        ).all()
    assert [tuple(o) for o in orders] == [
        ("#1001", "alice@example.com", "DE", "EUR", "shopify"),
        ("#1002", None, "FR", "EUR", "shopify"),
        ("#1003", "bob@example.com", "AT", "EUR", "shopify"),
        ("#1003/cancel", "bob@example.com", "AT", "EUR", "shopify"),
        ("#1004", "carol@example.co.uk", "GB", "EUR", "shopify"),
        ("#1006", "erin@example.nl", "NL", "EUR", "shopify"),
    ]


def test_cancelled_order_nets_to_no_demand_and_no_revenue(engine):
    import_file(engine, fmt="shopify", path=ORDERS)

    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT l.kind, l.quantity, l.unit_price"
                " FROM order_lines l JOIN orders o ON o.id = l.order_id"
                " WHERE o.order_number IN ('#1003', '#1003/cancel')"
            )
        ).all()
        linked = conn.execute(
            sa.text(
                "SELECT count(*) FROM order_lines WHERE reverses_line_id IS NOT NULL"
            )
        ).scalar_one()
    demand = sum(q for kind, q, _ in rows if kind == "product")
    revenue = sum(q * Decimal(str(p)) for _, q, p in rows)
    assert (demand, revenue) == (0, Decimal(0))
    assert linked == 3  # each reversal points at the sale line it cancels


def test_reimport_adds_nothing(engine):
    import_file(engine, fmt="shopify", path=ORDERS)

    again = import_file(engine, fmt="shopify", path=ORDERS)

    assert (again.rows_read, again.accepted, again.quarantined, again.duplicates) == (
        10,
        0,
        0,
        10,
    )
    assert len(stored_lines(engine)) == len(EXPECTED_LINES)


def test_order_cancelled_after_its_first_import_gets_its_reversal(engine, tmp_path):
    text = ORDERS.read_text(encoding="utf-8")
    still_open = text.replace("2024-03-06 09:02:11 +0100", "").replace(
        "refunded,2024-03-06 08:15:20 +0100", "paid,2024-03-06 08:15:20 +0100"
    )
    still_open = still_open.replace(",25.70,,", ",0.00,,")
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(still_open, encoding="utf-8")
    import_file(engine, fmt="shopify", path=earlier)

    later = import_file(engine, fmt="shopify", path=ORDERS)

    assert (later.accepted, later.quarantined, later.duplicates) == (2, 0, 8)
    assert later.orders_new == 1
    assert stored_lines(engine) == EXPECTED_LINES


def test_an_amazon_report_is_refused_naming_the_missing_columns(engine):
    with pytest.raises(ImportFormatError) as caught:
        import_file(engine, fmt="shopify", path=FIXTURES / "amazon_all_orders.txt")

    message = str(caught.value)
    assert message.startswith(
        "amazon_all_orders.txt is not a Shopify orders export: missing column(s)"
        " 'Name', 'Email', 'Created at', 'Cancelled at', 'Shipping',"
    )
    assert "'Currency'" not in message  # Amazon's ``currency`` column matches
    assert "found: amazon-order-id, merchant-order-id, purchase-date" in message


MINIMAL_HEADER = (
    "Name,Email,Created at,Cancelled at,Currency,Shipping,Discount Amount,"
    "Refunded Amount,Shipping Country,Billing Country,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem sku\n"
)


@pytest.mark.parametrize(
    ("currency", "price", "expected_price", "expected_reason"),
    [
        ("JPY", "1500.00", "1500", None),
        ("JPY", "1500", "1500", None),
        ("EUR", "12.50", "12.5", None),
        (
            "JPY",
            "1500.5",
            "1500.5",
            "Lineitem price has more decimals than its currency allows",
        ),
        ("KWD", "1.125", "1.125", None),
    ],
    ids=["jpy-zero-decimals", "jpy-integer", "eur", "jpy-fraction", "kwd-three"],
)
def test_money_is_exact_to_the_currency(
    tmp_path, currency, price, expected_price, expected_reason
):
    path = tmp_path / "orders.csv"
    path.write_text(
        MINIMAL_HEADER
        + f"#1,,2024-03-05 14:07:33 +0900,,{currency},0,0,0,JP,,1,Tea,{price},T-1\n",
        encoding="utf-8",
    )

    lines = shopify.to_order_lines(read_table(path))

    assert lines.select("unit_price", "_reason").rows() == [
        (expected_price, expected_reason)
    ]


def test_order_level_fields_are_not_carried_across_orders(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        MINIMAL_HEADER
        + "#1,a@example.com,2024-03-05 14:07:33 +0100,,EUR,4.90,0,0,DE,,"
        + "1,Tea,8.90,T-1\n"
        + "#1,,,,,,,,,,1,Mug,12.50,M-1\n"
        + "#2,,,,,,,,,,1,Mug,12.50,M-1\n",
        encoding="utf-8",
    )

    lines = shopify.to_order_lines(read_table(path))

    rows = lines.select("_row", "order_number", "sku", "customer_ref", "currency")
    assert rows.rows() == [
        (2, "#1", "T-1", "a@example.com", "EUR"),
        (3, "#1", "M-1", "a@example.com", "EUR"),
        (4, "#2", "M-1", None, None),
        (2, "#1", "SHIPPING", "a@example.com", "EUR"),
    ]
    assert lines.filter(order_number="#2")["_reason"].to_list() == [
        "Created at is missing or not a time like 2024-03-05 14:07:33 +0100"
    ]


def test_simulated_shopify_export_imports_cleanly(engine, tmp_path):
    try:
        from tradepilot.simulate import SimulationConfig, simulate_store, write_store
    except ImportError as exc:
        pytest.skip(f"tradepilot.simulate is not importable yet: {exc}")
    config = SimulationConfig(seed=3, n_days=120, n_skus=20, n_customers=200)
    write_store(simulate_store(config), tmp_path)

    report = import_file(engine, fmt="shopify", path=tmp_path / "shopify_orders.csv")

    assert report.rows_read > 0
    assert report.quarantine_reasons == {}
    assert report.accepted == report.rows_read
    with engine.connect() as conn:
        net = conn.execute(
            sa.text(
                "SELECT o.order_number, l.sku, l.quantity"
                " FROM order_lines l JOIN orders o ON o.id = l.order_id"
                " WHERE l.kind = 'product'"
            )
        ).all()
    per_cancelled: dict[tuple[str, str], int] = {}
    cancelled = {n.removesuffix("/cancel") for n, _, _ in net if n.endswith("/cancel")}
    for number, sku, quantity in net:
        base = number.removesuffix("/cancel")
        if base in cancelled:
            key = (base, sku)
            per_cancelled[key] = per_cancelled.get(key, 0) + quantity
    assert set(per_cancelled.values()) <= {0}
