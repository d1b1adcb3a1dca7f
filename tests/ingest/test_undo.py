"""``import undo``: everything one import run added is removed, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tradepilot.ingest.service import import_file, list_import_runs
from tradepilot.ingest.undo import (
    ImportRunNotUndoableError,
    UnknownImportRunError,
    undo_import,
)
from tradepilot.store import tables

FIXTURES = Path(__file__).parent / "fixtures"
SHOP1 = FIXTURES / "shopify_orders.csv"
SHOP2 = FIXTURES / "shopify_orders_shop2.csv"
PO_HEADER = (
    "po_number,supplier,ordered_date,sku,quantity_ordered,unit_cost,currency,"
    "promised_date,received_date,quantity_received,mode,warehouse,supplier_country"
)
ECB = "Date,USD,GBP,\n2024-01-05,1.0921,0.86,\n2024-01-04,1.0953,0.8635,\n"
# Every table an import writes (import_runs itself keeps the history).
TABLES = [
    t.name
    for t in tables.metadata.sorted_tables
    if t.name not in {"import_runs", "settings", "users", "sessions", "api_tokens"}
    and not t.name.startswith(("forecast_", "restock_", "policy_"))
]


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in TABLES
        }


def stored_lines(engine) -> list[tuple]:
    query = sa.text(
        "SELECT o.source, o.order_number, l.sku, l.quantity, l.import_run_id"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " ORDER BY o.source, o.order_number, l.sku, l.quantity"
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def later_export(tmp_path: Path) -> Path:
    """The first shop's export a week later: #1001 again with one more item, a new
    order of a new customer on a new channel, and a row to quarantine."""
    text = SHOP1.read_text(encoding="utf-8").rstrip("\n").split("\n")
    header, first = text[0], text[1]
    extra = first.replace("TP-MUG-01", "TP-NEW-09").replace(",2,Stoneware", ",1,Bowl")
    extra = extra.replace("WELCOME10,3.39", ",0.00").replace(",4.90,6.11,", ",0.00,0,")
    new_order = (
        first.replace("#1001", "#1008")
        .replace("Alice@Example.com", "zoe@example.com")
        .replace("TP-MUG-01", "TP-NEW-10")
    )
    bad = first.replace("#1001", "#1009").replace(",12.50,", ",lots,")
    path = tmp_path / "later.csv"
    path.write_text("\n".join([header, first, extra, new_order, bad]) + "\n")
    return path


def test_undo_restores_every_count_and_a_reimport_adds_the_rows_again(engine, tmp_path):
    first = import_file(engine, fmt="shopify", path=SHOP1)
    before, lines_before = table_counts(engine), stored_lines(engine)
    later = import_file(
        engine, fmt="shopify", path=later_export(tmp_path), channel="shopify-pos"
    )
    assert (later.accepted, later.quarantined, later.duplicates) == (2, 1, 1)

    result = undo_import(engine, run_id=later.import_run_id)

    assert table_counts(engine) == before
    assert stored_lines(engine) == lines_before
    assert result["removed"] == {
        "order_lines": 4,
        "orders": 1,
        "customers": 1,
        "channels": 1,
        "products": 2,
        "po_receipts": 0,
        "purchase_order_lines": 0,
        "purchase_orders": 0,
        "suppliers": 0,
        "inventory_snapshots": 0,
        "inventory_movements": 0,
        "warehouses": 0,
        "quarantine": 1,
        "fx_rates": 0,
        "payment_transactions": 0,
        "bank_transactions": 0,
    }
    assert (result["kept"], result["notes"]) == ({}, [])
    runs = {r["id"]: r for r in list_import_runs(engine)["data"]}
    assert runs[later.import_run_id]["undone_at"] is not None
    assert runs[first.import_run_id]["undone_at"] is None
    undo_run = runs[result["undo_run_id"]]
    assert (undo_run["format"], undo_run["source_name"]) == (
        "undo",
        f"undo of import run {later.import_run_id} (later.csv)",
    )
    again = import_file(engine, fmt="shopify", path=later_export(tmp_path))
    assert (again.accepted, again.quarantined, again.duplicates) == (2, 1, 1)


def test_undoing_the_first_import_keeps_the_orders_a_later_one_added_to(
    engine, tmp_path
):
    first = import_file(engine, fmt="shopify", path=SHOP1)
    later = import_file(engine, fmt="shopify", path=later_export(tmp_path))

    result = undo_import(engine, run_id=first.import_run_id)

    assert result["kept"] == {"orders": 1, "products": 2}
    assert result["notes"] == [
        "kept 1 orders, 2 products that this run created: later imports added lines,"
        " receipts or catalogue data to them"
    ]
    assert [line[:3] for line in stored_lines(engine)] == [
        ("shopify", "#1001", "TP-NEW-09"),
        ("shopify", "#1008", "DISCOUNT"),
        ("shopify", "#1008", "SHIPPING"),
        ("shopify", "#1008", "TP-NEW-10"),
    ]
    undo_import(engine, run_id=later.import_run_id)
    assert set(table_counts(engine).values()) == {0}


def test_undo_of_a_second_shop_lets_it_be_imported_under_its_own_source(engine):
    import_file(engine, fmt="shopify", path=SHOP1)
    before = table_counts(engine)
    merged = import_file(engine, fmt="shopify", path=SHOP2)

    undo_import(engine, run_id=merged.import_run_id)
    assert table_counts(engine) == before
    again = import_file(engine, fmt="shopify", path=SHOP2, source="shopify-in")

    assert (again.accepted, again.conflicts) == (6, 0)


def test_undo_of_purchase_orders_inventory_and_rates(engine, tmp_path):
    pos = import_file(
        engine, fmt="purchase-orders", path=FIXTURES / "purchase_orders.csv"
    )
    after_pos = table_counts(engine)
    more = tmp_path / "more_pos.csv"
    more.write_text(
        "\n".join(
            [
                PO_HEADER,
                "PO-1,Shenzhen Homeware,2024-01-08,TP-0002,50,3.40,USD,2024-02-20,"
                "2024-03-01,50,sea,WH-MAIN,CN",
                "PO-1,Shenzhen Homeware,2024-01-08,TP-0009,5,1.00,USD,,,,sea,WH-MAIN,CN",
                "PO-9,Hanoi Greenleaf,2024-02-01,TP-0001,30,2.00,USD,,,,sea,WH-HN,VN",
            ]
        )
        + "\n"
    )
    later_pos = import_file(engine, fmt="purchase-orders", path=more)
    stock = import_file(
        engine, fmt="inventory", path=FIXTURES / "inventory_snapshots.csv"
    )
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text(ECB)
    fx = import_file(engine, fmt="fx", path=rates)

    removed = undo_import(engine, run_id=later_pos.import_run_id)["removed"]

    assert {k: v for k, v in removed.items() if v} == {
        "po_receipts": 1,
        "purchase_order_lines": 2,
        "purchase_orders": 1,
        "suppliers": 1,
        "warehouses": 1,
    }
    for run in (fx, stock):
        undo_import(engine, run_id=run.import_run_id)
    assert table_counts(engine) == after_pos
    undo_import(engine, run_id=pos.import_run_id)
    assert set(table_counts(engine).values()) == {0}


def test_undo_of_a_catalogue_keeps_the_products_orders_use(engine, tmp_path):
    catalogue = tmp_path / "products.csv"
    catalogue.write_text(
        "sku,description,unit_cost,cost_currency\n"
        "TP-MUG-01,Mug,2.10,EUR\nTP-NEW-77,Vase,5.00,EUR\n"
    )
    products = import_file(engine, fmt="products", path=catalogue)
    import_file(engine, fmt="shopify", path=SHOP1)

    result = undo_import(engine, run_id=products.import_run_id)

    assert result["removed"]["products"] == 1
    assert result["kept"] == {"products": 1}
    with engine.connect() as conn:
        skus = conn.execute(sa.text("SELECT sku FROM products")).scalars().all()
    assert "TP-NEW-77" not in skus
    assert "TP-MUG-01" in skus


def test_unknown_undone_and_non_import_runs_are_refused(engine):
    report = import_file(engine, fmt="shopify", path=SHOP1)
    result = undo_import(engine, run_id=report.import_run_id)

    with pytest.raises(UnknownImportRunError, match="no import run 99"):
        undo_import(engine, run_id=99)
    with pytest.raises(
        ImportRunNotUndoableError,
        match=f"import run {report.import_run_id} \\(shopify_orders.csv\\) was already"
        " undone on",
    ):
        undo_import(engine, run_id=report.import_run_id)
    with pytest.raises(ImportRunNotUndoableError, match="its format is 'undo'"):
        undo_import(engine, run_id=result["undo_run_id"])
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(tables.import_runs.c.report).where(
                tables.import_runs.c.id == result["undo_run_id"]
            )
        ).scalar_one()
    assert json.loads(stored)["removed"]["order_lines"] == 17


CUSTOMERS = Path(__file__).parents[1] / "customers" / "data"


@pytest.mark.parametrize("first_undone", ["orders", "contacts"])
def test_undo_of_orders_and_of_a_customers_export_in_either_order(engine, first_undone):
    # given web orders and the shop's customers export (contact data and consent)
    empty = table_counts(engine)
    orders = import_file(
        engine,
        fmt="generic",
        path=CUSTOMERS / "web_orders.csv",
        mapping=CUSTOMERS / "web_mapping.yaml",
    )
    contacts = import_file(
        engine, fmt="customers", path=CUSTOMERS / "customers_export.csv", channel="web"
    )
    assert table_counts(engine)["customer_contacts"] == contacts.accepted > 0
    runs = {"orders": orders.import_run_id, "contacts": contacts.import_run_id}
    second_undone = "contacts" if first_undone == "orders" else "orders"

    # when one run is undone, then the other
    undo_import(engine, run_id=runs[first_undone])
    middle = table_counts(engine)
    undo_import(engine, run_id=runs[second_undone])

    # then the first undo removed only its own rows, and the second left nothing
    if first_undone == "contacts":
        assert middle["customer_contacts"] == 0
        assert middle["order_lines"] > 0
    else:
        assert middle["order_lines"] == 0
        assert middle["customer_contacts"] == contacts.accepted
    assert table_counts(engine) == empty
