"""Undoing an import: remove everything one import run added, in one transaction.

``tradepilot import undo RUN`` is the way out of a bad import (a second shop imported
without its own ``--source``, a file of the wrong year). Every row an import writes
carries its run (``store/tables.py``), so an undo removes:

* the run's order lines, and the orders left without a line (an order that another
  run added lines to keeps them, and stays);
* customers and channels no order refers to any more, among those the removed
  orders referred to;
* products the run created that no order line refers to (a product an order import
  created and a catalogue import filled in stays: the catalogue is not the run's);
* the run's quarantine rows, FX rates, inventory snapshots and movements;
* the contact rows a customers import wrote (new or updated: the values they
  replaced are not kept), and the customer records left with no order, contact,
  merge, erasure or saved segment;
* the run's PO receipts and PO lines (a line another run received goods against
  stays), the POs left without a line, and the suppliers and warehouses nothing
  refers to any more.

What it cannot undo is said in ``notes``: a catalogue import updates products in
place and keeps no record of the values it replaced. The undo is recorded as an
import run of format ``undo`` (so reports computed from the store are refreshed) and
the run is marked ``undone_at``; an unknown run, a run already undone and a run that
is not an import (an undo, a restock approval) are refused. Importing the file again
after an undo adds its rows again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.ingest.registry import formats
from tradepilot.store import tables

UNDO_FORMAT = "undo"
_WAREHOUSE_USERS = ("purchase_orders", "inventory_snapshots", "inventory_movements")
# Catalogue attributes only a products import sets; a product holding one stays.
_CATALOGUE = (
    "category",
    "supplier",
    "unit_cost",
    "cost_currency",
    "weight_kg",
    "hs_code",
    "case_pack",
    "moq",
    "list_price",
    "price_currency",
)


class UnknownImportRunError(DataValidationError):
    """No import run has the id given."""

    code = "unknown_import_run"


class ImportRunNotUndoableError(DataValidationError):
    """The run is already undone, or is not an import."""

    code = "import_run_not_undoable"


def undo_import(engine: Engine, *, run_id: int) -> dict[str, Any]:
    """Remove everything import run ``run_id`` added, atomically (see the module
    docstring), and mark the run undone.

    Parameters
    ----------
    engine : Engine
        The workspace's store.
    run_id : int
        Id of the import run (``tradepilot import --json`` reports it as
        ``import_run_id``; ``GET /api/v1/imports`` lists them).

    Returns
    -------
    dict
        ``run_id``, ``undo_run_id`` (the run recording the undo), ``format``,
        ``source_name``, ``undone_at``, ``removed`` (table -> rows removed),
        ``kept`` (what of the run stays because other runs use it) and ``notes``.

    Raises
    ------
    UnknownImportRunError
        If there is no run ``run_id``.
    ImportRunNotUndoableError
        If the run is already undone, or is not an import.
    """
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        run = _undoable_run(conn, run_id)
        removed = _remove_orders(conn, run_id)
        removed |= _remove_products(conn, run_id, catalogue=run["format"] == "products")
        removed |= _remove_purchase_orders(conn, run_id)
        removed |= _remove_run_rows(conn, run_id)
        removed |= _remove_contacts(conn, run_id)
        kept = _hand_over(conn, run_id)
        result: dict[str, Any] = {
            "run_id": run_id,
            "format": run["format"],
            "source_name": run["source_name"],
            "undone_at": now.isoformat(),
            "removed": removed,
            "kept": kept,
            "notes": _notes(run, kept),
        }
        result["undo_run_id"] = _record(conn, run, result, now)
    return result


def _undoable_run(conn: Connection, run_id: int) -> dict[str, Any]:
    runs = tables.import_runs
    # FOR UPDATE (PostgreSQL): a second undo of the run waits, then sees it undone.
    query = sa.select(runs).where(runs.c.id == run_id).with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise UnknownImportRunError(
            f"no import run {run_id}; see them with GET /api/v1/imports or on the"
            " Imports page"
        )
    if row["undone_at"] is not None:
        raise ImportRunNotUndoableError(
            f"import run {run_id} ({row['source_name']}) was already undone on"
            f" {row['undone_at']:%Y-%m-%d %H:%M} UTC; nothing to do"
        )
    if row["format"] not in formats():
        raise ImportRunNotUndoableError(
            f"run {run_id} is not an import (its format is {row['format']!r});"
            " only imports can be undone"
        )
    return dict(row)


def _deleted(conn: Connection, sql: str, run_id: int) -> int:
    return int(conn.execute(sa.text(sql), {"r": run_id}).rowcount)


def _remove_orders(conn: Connection, run_id: int) -> dict[str, int]:
    """Lines, emptied orders, and the customers and channels they alone used."""
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tp_undo_orders (id INTEGER PRIMARY KEY,"
        " customer_id INTEGER, channel_id INTEGER)"
    )
    try:
        conn.execute(
            sa.text(
                "INSERT INTO tp_undo_orders (id, customer_id, channel_id)"
                " SELECT o.id, o.customer_id, o.channel_id FROM orders o"
                " WHERE o.import_run_id = :r OR o.id IN"
                " (SELECT l.order_id FROM order_lines l WHERE l.import_run_id = :r)"
            ),
            {"r": run_id},
        )
        # Another run's cancellation may point at a line of this run.
        conn.execute(
            sa.text(
                "UPDATE order_lines SET reverses_line_id = NULL"
                " WHERE import_run_id <> :r AND reverses_line_id IN"
                " (SELECT id FROM order_lines WHERE import_run_id = :r)"
            ),
            {"r": run_id},
        )
        return {
            "order_lines": _deleted(
                conn, "DELETE FROM order_lines WHERE import_run_id = :r", run_id
            ),
            "orders": _deleted(
                conn,
                "DELETE FROM orders WHERE id IN (SELECT id FROM tp_undo_orders)"
                " AND NOT EXISTS"
                " (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id)",
                run_id,
            ),
            "customers": _unreferenced(conn, "customers", "customer_id"),
            "channels": _unreferenced(conn, "channels", "channel_id"),
        }
    finally:
        conn.exec_driver_sql("DROP TABLE tp_undo_orders")


def _unreferenced(conn: Connection, table: str, column: str) -> int:
    """Delete the rows of ``table`` the removed orders used and nothing uses now."""
    result = conn.exec_driver_sql(
        f"DELETE FROM {table} WHERE id IN (SELECT {column} FROM tp_undo_orders)"
        f" AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.{column} = {table}.id)"
        + (_CUSTOMER_KEPT if table == "customers" else "")
    )
    return int(result.rowcount)


# What else keeps a customer record: contact data, the owner's merges, an erasure
# (its fingerprints stop a re-import bringing the person back), saved segments.
_CUSTOMER_USERS = (
    ("customer_contacts", "customer_id"),
    ("customer_merges", "customer_id"),
    ("customer_merges", "other_id"),
    ("customer_erasures", "customer_id"),
    ("customer_segment_members", "customer_id"),
)
_CUSTOMER_KEPT = "".join(
    f" AND NOT EXISTS (SELECT 1 FROM {t} u WHERE u.{c} = customers.id)"
    for t, c in _CUSTOMER_USERS
)


def _remove_contacts(conn: Connection, run_id: int) -> dict[str, int]:
    """The contact rows the run wrote (a customers import), and the customer records
    it leaves with no order, contact or other use."""
    conn.exec_driver_sql("CREATE TEMP TABLE tp_undo_orders (customer_id INTEGER)")
    try:
        conn.execute(
            sa.text(
                "INSERT INTO tp_undo_orders (customer_id) SELECT customer_id"
                " FROM customer_contacts WHERE import_run_id = :r"
            ),
            {"r": run_id},
        )
        contacts = _deleted(
            conn, "DELETE FROM customer_contacts WHERE import_run_id = :r", run_id
        )
        customers = _unreferenced(conn, "customers", "customer_id")
    finally:
        conn.exec_driver_sql("DROP TABLE tp_undo_orders")
    return {"customer_contacts": contacts, "customers": customers} if contacts else {}


def _remove_products(
    conn: Connection, run_id: int, *, catalogue: bool
) -> dict[str, int]:
    """Products the run created that no order line uses (and, unless the run is a
    catalogue import, that no catalogue import filled in)."""
    filled = "" if catalogue else "".join(f" AND {c} IS NULL" for c in _CATALOGUE)
    sql = (
        "DELETE FROM products WHERE import_run_id = :r"
        " AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.sku = products.sku)"
        + filled
    )
    return {"products": _deleted(conn, sql, run_id)}


def _remove_purchase_orders(conn: Connection, run_id: int) -> dict[str, int]:
    """Receipts, lines and POs of the run, the suppliers they alone used, and its
    inventory rows; then the warehouses nothing uses any more."""
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tp_undo_pos (id INTEGER PRIMARY KEY, supplier_id INTEGER)"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE tp_undo_warehouses (code VARCHAR(64) PRIMARY KEY)"
    )
    try:
        _collect_pos_and_warehouses(conn, run_id)
        removed = {
            "po_receipts": _deleted(
                conn, "DELETE FROM po_receipts WHERE import_run_id = :r", run_id
            ),
            "purchase_order_lines": _deleted(
                conn,
                "DELETE FROM purchase_order_lines WHERE import_run_id = :r"
                " AND NOT EXISTS (SELECT 1 FROM po_receipts r"
                " WHERE r.po_line_id = purchase_order_lines.id)",
                run_id,
            ),
            "purchase_orders": _deleted(
                conn,
                "DELETE FROM purchase_orders WHERE id IN (SELECT id FROM tp_undo_pos)"
                " AND NOT EXISTS (SELECT 1 FROM purchase_order_lines l"
                " WHERE l.po_id = purchase_orders.id)",
                run_id,
            ),
        }
        removed["suppliers"] = int(
            conn.exec_driver_sql(
                "DELETE FROM suppliers WHERE id IN (SELECT supplier_id FROM"
                " tp_undo_pos) AND NOT EXISTS (SELECT 1 FROM purchase_orders p"
                " WHERE p.supplier_id = suppliers.id)"
            ).rowcount
        )
        for table in ("inventory_snapshots", "inventory_movements"):
            removed[table] = _deleted(
                conn, f"DELETE FROM {table} WHERE import_run_id = :r", run_id
            )
        removed["warehouses"] = int(
            conn.exec_driver_sql(
                "DELETE FROM warehouses WHERE code IN"
                " (SELECT code FROM tp_undo_warehouses)"
                + "".join(
                    f" AND NOT EXISTS (SELECT 1 FROM {t} x"
                    " WHERE x.warehouse = warehouses.code)"
                    for t in _WAREHOUSE_USERS
                )
            ).rowcount
        )
        return removed
    finally:
        conn.exec_driver_sql("DROP TABLE tp_undo_pos")
        conn.exec_driver_sql("DROP TABLE tp_undo_warehouses")


def _collect_pos_and_warehouses(conn: Connection, run_id: int) -> None:
    """Fill ``tp_undo_pos`` (POs the run created or added lines to) and
    ``tp_undo_warehouses`` (warehouses the run's rows use)."""
    conn.execute(
        sa.text(
            "INSERT INTO tp_undo_pos (id, supplier_id)"
            " SELECT p.id, p.supplier_id FROM purchase_orders p"
            " WHERE p.import_run_id = :r OR p.id IN (SELECT l.po_id"
            " FROM purchase_order_lines l WHERE l.import_run_id = :r)"
        ),
        {"r": run_id},
    )
    used = " UNION ".join(
        f"SELECT warehouse FROM {t} WHERE import_run_id = :r" for t in _WAREHOUSE_USERS
    )
    conn.execute(
        sa.text(
            f"INSERT INTO tp_undo_warehouses (code) SELECT w.warehouse"
            f" FROM ({used}) w WHERE w.warehouse IS NOT NULL"
        ),
        {"r": run_id},
    )


def _remove_run_rows(conn: Connection, run_id: int) -> dict[str, int]:
    """Rows that belong to the run alone: its quarantine, FX rates, payments."""
    return {
        table: _deleted(conn, f"DELETE FROM {table} WHERE import_run_id = :r", run_id)
        for table in (
            "quarantine",
            "fx_rates",
            "payment_transactions",
            "bank_transactions",
        )
    }


# What a run created and others use: table, the run's rows, the run to hand them to
# (the earliest run that uses them), so that undoing that run later removes them.
_HANDED_OVER = {
    "orders": (
        "orders",
        "(SELECT min(l.import_run_id) FROM order_lines l WHERE l.order_id = orders.id)",
    ),
    "products": (
        "products",
        "(SELECT min(l.import_run_id) FROM order_lines l WHERE l.sku = products.sku)",
    ),
    "purchase_orders": (
        "purchase_orders",
        "(SELECT min(l.import_run_id) FROM purchase_order_lines l"
        " WHERE l.po_id = purchase_orders.id)",
    ),
    "purchase_order_lines": (
        "purchase_order_lines",
        "(SELECT min(r.import_run_id) FROM po_receipts r"
        " WHERE r.po_line_id = purchase_order_lines.id)",
    ),
}


def _hand_over(conn: Connection, run_id: int) -> dict[str, int]:
    """Count what the run created that stays because other runs use it, and hand
    it to the earliest of those runs; table -> rows kept."""
    kept = {}
    for name, (table, user) in _HANDED_OVER.items():
        where = {"r": run_id}
        kept[name] = int(
            conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE import_run_id = :r"), where
            ).scalar_one()
        )
        conn.execute(
            sa.text(
                f"UPDATE {table} SET import_run_id = {user}"
                f" WHERE import_run_id = :r AND {user} IS NOT NULL"
            ),
            where,
        )
    return {name: n for name, n in kept.items() if n}


def _notes(run: dict[str, Any], kept: dict[str, int]) -> list[str]:
    """What the user should know about what the undo could not remove."""
    notes = []
    if kept:
        listed = ", ".join(
            f"{n:,} {name.replace('_', ' ')}" for name, n in kept.items()
        )
        notes.append(
            f"kept {listed} that this run created: later imports added lines,"
            " receipts or catalogue data to them"
        )
    updated = json.loads(run["report"] or "{}").get("data_quality", {})
    if run["format"] == "products" and updated.get("products_updated"):
        notes.append(
            f"{updated['products_updated']:,} products this import updated keep their"
            " new values: an import does not record the values it replaced; import"
            " the earlier catalogue again to restore them"
        )
    if run["format"] == "customers" and updated.get("contacts_updated"):
        notes.append(
            f"{updated['contacts_updated']:,} contacts this import updated are removed,"
            " not restored: an import does not record the values it replaced; import"
            " the earlier customers export again to restore them"
        )
    return notes


def _record(
    conn: Connection, run: dict[str, Any], result: dict[str, Any], now: dt.datetime
) -> int:
    """Record the undo as a run of its own and mark ``run`` undone; the undo run's
    id."""
    runs = tables.import_runs
    undo_id = conn.execute(
        sa.insert(runs).values(
            format=UNDO_FORMAT,
            source_name=f"undo of import run {run['id']} ({run['source_name']})",
            file_sha256=run["file_sha256"],
            started_at=now,
            finished_at=now,
            rows_read=0,
            accepted=0,
            quarantined=0,
            duplicates=0,
            report=json.dumps(result, default=str),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(sa.update(runs).where(runs.c.id == run["id"]).values(undone_at=now))
    return int(undo_id)
