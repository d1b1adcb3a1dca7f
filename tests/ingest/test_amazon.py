from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.service import import_file

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = FIXTURES / "amazon_all_orders.txt"
PENDING = (
    "order-status is Pending and item-price is empty: import a later report once"
    " Amazon shows the price"
)

LINES = sa.text(
    "SELECT o.order_number, o.kind, l.sku, l.kind, l.quantity, l.unit_price"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id"
)
EXPECTED_LINES = [
    ("028-1111111-1111111", "sale", "DISCOUNT", "discount", -1, Decimal("2")),
    ("028-1111111-1111111", "sale", "SHIPPING", "shipping", 1, Decimal("3.99")),
    ("028-1111111-1111111", "sale", "TP-MUG-01", "product", 2, Decimal("12.5")),
    ("028-1111111-1111111", "sale", "TP-TEA-02", "product", 1, Decimal("8.9")),
    ("028-2222222-2222222", "cancellation", "TP-MUG-01", "product", 0, Decimal("0")),
    ("028-7777777-7777777", "sale", "TP-MUG-02", "product", 1, Decimal("12.5")),
    ("028-9999999-9999999", "sale", "TP-MUG-01", "product", 1, Decimal("12.5")),
    (
        "028-9999999-9999999/cancel",
        "cancellation",
        "TP-MUG-02",
        "product",
        0,
        Decimal("0"),
    ),
    ("202-4444444-4444444", "sale", "DISCOUNT", "discount", -1, Decimal("2.99")),
    ("202-4444444-4444444", "sale", "SHIPPING", "shipping", 1, Decimal("2.99")),
    ("202-4444444-4444444", "sale", "TP-TEA-02", "product", 1, Decimal("6.66")),
    ("202-4444444-4444444", "sale", "TP-TEA-02", "product", 2, Decimal("6.67")),
    ("503-1212121-1212121", "sale", "TP-TEA-02", "product", 2, Decimal("1500")),
]


def stored_lines(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(LINES).all()
    return sorted((*r[:5], Decimal(str(r[5]))) for r in rows)


def test_report_is_accounted_for_row_by_row(engine):
    report = import_file(engine, fmt="amazon", path=REPORT)

    assert (report.rows_read, report.accepted, report.quarantined) == (12, 8, 4)
    assert report.duplicates == 0
    assert report.quarantine_reasons == {
        "sales-channel is Non-Amazon: a multi-channel fulfilment order of another"
        " channel; import it from that channel's export": 1,
        "purchase-date is missing or not a time like 2024-03-05T14:07:33+00:00": 1,
        PENDING: 1,
        "item-price is missing or not a number like 24.99": 1,
    }


def test_lines_and_exact_unit_prices_are_stored(engine):
    import_file(engine, fmt="amazon", path=REPORT)

    assert stored_lines(engine) == EXPECTED_LINES


def test_unit_prices_add_up_to_the_reported_item_price(engine):
    import_file(engine, fmt="amazon", path=REPORT)

    totals: dict[str, Decimal] = {}
    for number, _, _, kind, quantity, price in stored_lines(engine):
        if kind == "product":
            totals[number] = totals.get(number, Decimal(0)) + quantity * price
    assert totals == {
        "028-1111111-1111111": Decimal("33.90"),
        "028-2222222-2222222": Decimal("0"),
        "028-7777777-7777777": Decimal("12.50"),
        "028-9999999-9999999": Decimal("12.50"),
        "028-9999999-9999999/cancel": Decimal("0"),
        "202-4444444-4444444": Decimal("20.00"),
        "503-1212121-1212121": Decimal("3000"),
    }


def test_orders_get_channel_country_and_currency(engine):
    import_file(engine, fmt="amazon", path=REPORT)

    with engine.connect() as conn:
        orders = conn.execute(
            sa.text(
                "SELECT o.order_number, ch.name, o.country, o.currency, o.customer_id"
                " FROM orders o JOIN channels ch ON ch.id = o.channel_id"
                " ORDER BY o.order_number"
            )
        ).all()
    assert [tuple(o) for o in orders] == [
        ("028-1111111-1111111", "amazon.de", "DE", "EUR", None),
        ("028-2222222-2222222", "amazon.de", "ZZ", "EUR", None),
        ("028-7777777-7777777", "amazon.de", "DE", "EUR", None),
        ("028-9999999-9999999", "amazon.de", "DE", "EUR", None),
        ("028-9999999-9999999/cancel", "amazon.de", "DE", "EUR", None),
        ("202-4444444-4444444", "amazon.co.uk", "GB", "GBP", None),
        ("503-1212121-1212121", "amazon.co.jp", "JP", "JPY", None),
    ]


def test_cancelled_orders_are_kept_without_demand(engine):
    import_file(engine, fmt="amazon", path=REPORT)

    with engine.connect() as conn:
        kinds = conn.execute(
            sa.text(
                "SELECT o.kind, sum(l.quantity) FROM order_lines l"
                " JOIN orders o ON o.id = l.order_id WHERE l.kind = 'product'"
                " GROUP BY o.kind ORDER BY o.kind"
            )
        ).all()
    assert [tuple(k) for k in kinds] == [("cancellation", 0), ("sale", 10)]


def test_reimport_adds_nothing(engine):
    import_file(engine, fmt="amazon", path=REPORT)

    again = import_file(engine, fmt="amazon", path=REPORT)

    assert (again.rows_read, again.accepted, again.quarantined, again.duplicates) == (
        12,
        0,
        0,
        12,
    )
    assert stored_lines(engine) == EXPECTED_LINES


def test_a_shopify_export_is_refused_naming_the_missing_columns(engine):
    with pytest.raises(ImportFormatError) as caught:
        import_file(engine, fmt="amazon", path=FIXTURES / "shopify_orders.csv")

    message = str(caught.value)
    assert message.startswith(
        "shopify_orders.csv is not an Amazon All Orders report: missing column(s)"
        " 'amazon-order-id', 'purchase-date', 'order-status', 'sales-channel',"
    )
    assert "found: Name,Email,Financial Status" in message


def test_channel_and_currency_options_override_the_report(engine, tmp_path):
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    cancelled = tmp_path / "cancelled.txt"
    cancelled.write_text("\n".join([lines[0], lines[3]]) + "\n", encoding="utf-8")

    import_file(engine, fmt="amazon", path=cancelled, currency="CHF", channel="fba")

    with engine.connect() as conn:
        order = conn.execute(
            sa.text(
                "SELECT ch.name, o.currency FROM orders o"
                " JOIN channels ch ON ch.id = o.channel_id"
            )
        ).one()
    assert tuple(order) == ("fba", "CHF")


def test_simulated_exports_reproduce_the_true_units_sold(engine, tmp_path):
    try:
        from tradepilot.simulate import SimulationConfig, simulate_store, write_store
    except ImportError as exc:
        pytest.skip(f"tradepilot.simulate is not importable yet: {exc}")
    config = SimulationConfig(seed=3, n_days=120, n_skus=20, n_customers=200)
    write_store(simulate_store(config), tmp_path)

    web = import_file(engine, fmt="shopify", path=tmp_path / "shopify_orders.csv")
    amazon = import_file(engine, fmt="amazon", path=tmp_path / "amazon_all_orders.txt")

    assert web.quarantine_reasons == {}
    assert set(amazon.quarantine_reasons) <= {PENDING}
    stored = _stored_units(engine)
    pending = _pending_units(engine)
    truth = (
        pl.read_parquet(tmp_path / "truth" / "demand.parquet")
        .group_by("sku", "country")
        .agg(pl.col("sold").sum().cast(pl.Int64))
        .filter(pl.col("sold") != 0)
    )
    imported = (
        pl.concat([stored, pending])
        .group_by("sku", "country")
        .agg(pl.col("sold").sum())
        .filter(pl.col("sold") != 0)
    )
    assert imported.sort("sku", "country").rows() == truth.sort("sku", "country").rows()


def _stored_units(engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT l.sku, o.country, l.quantity FROM order_lines l"
                " JOIN orders o ON o.id = l.order_id WHERE l.kind = 'product'"
            )
        ).all()
    return pl.DataFrame(
        rows,
        schema={"sku": pl.String, "country": pl.String, "sold": pl.Int64},
        orient="row",
    )


def _pending_units(engine) -> pl.DataFrame:
    """Units of the pending rows set aside until Amazon shows their price."""
    with engine.connect() as conn:
        raws = conn.execute(
            sa.text("SELECT raw FROM quarantine WHERE reason = :r"), {"r": PENDING}
        ).scalars()
        cells = [json.loads(raw) for raw in raws]
    return pl.DataFrame(
        [(c["sku"], c["ship-country"], int(c["quantity"])) for c in cells],
        schema={"sku": pl.String, "country": pl.String, "sold": pl.Int64},
        orient="row",
    )
