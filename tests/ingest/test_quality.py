"""``quality`` finds orders an older import merged another order's lines into."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from tradepilot.ingest.quality import workspace_quality
from tradepilot.ingest.service import import_file
from tradepilot.store import tables

FIXTURES = Path(__file__).parent / "fixtures"
SHOP1 = FIXTURES / "shopify_orders.csv"
SECOND_SHOP = {
    "format": "shopify",
    "source_name": "shop2.csv",
    "date_min": "2025-01-04T04:30:00+00:00",
    "date_max": "2025-01-06T03:45:00+00:00",
    "data_quality": {"currencies": {"INR": 3}, "countries": {"IN": 3}},
}


def damage(engine, report: dict, skus: list[str]) -> int:
    """What the old importer did: a run whose lines went into the stored #1001."""
    now = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        run = conn.execute(
            sa.insert(tables.import_runs).values(
                format=report["format"],
                source_name=report["source_name"],
                file_sha256="0" * 64,
                started_at=now,
                finished_at=now,
                rows_read=len(skus),
                accepted=len(skus),
                quarantined=0,
                duplicates=0,
                report=json.dumps(report),
            )
        ).inserted_primary_key[0]
        order = conn.execute(
            sa.select(tables.orders.c.id).where(tables.orders.c.order_number == "#1001")
        ).scalar_one()
        conn.execute(
            sa.insert(tables.order_lines),
            [
                {
                    "order_id": order,
                    "line_key": f"shopify|#1001|{sku}|1|3499|{run}",
                    "sku": sku,
                    "quantity": 1,
                    "unit_price": 3499,
                    "kind": "product",
                    "import_run_id": run,
                }
                for sku in skus
            ],
        )
    return int(run)


def test_lines_from_another_shops_file_are_found_with_the_repair(engine):
    import_file(engine, fmt="shopify", path=SHOP1)
    run = damage(engine, SECOND_SHOP, ["TP-MUG-01", "TP-TEA-02"])

    with engine.connect() as conn:
        found = workspace_quality(conn)

    assert found["merged_orders"] == {"orders": 1, "lines": 2}
    assert found["merged_orders_repair"] == [
        f"import run {run} (shop2.csv) added 2 lines to 1 orders of another currency,"
        f" country or date: undo it (tradepilot import undo {run}) and import"
        " shop2.csv again with a distinct --source, e.g. --source shopify-2"
    ]


def test_a_later_export_of_the_same_shop_is_not_a_merge(engine):
    import_file(engine, fmt="shopify", path=SHOP1)
    same_shop = {
        **SECOND_SHOP,
        "source_name": "week2.csv",
        "date_min": "2024-03-05T13:07:33+00:00",
        "date_max": "2024-03-12T10:00:00+00:00",
        "data_quality": {"currencies": {"EUR": 5}, "countries": {"DE": 5}},
    }
    damage(engine, same_shop, ["TP-MUG-01"])

    with engine.connect() as conn:
        found = workspace_quality(conn)

    assert found["merged_orders"] == {"orders": 0, "lines": 0}
    assert found["merged_orders_repair"] == []
