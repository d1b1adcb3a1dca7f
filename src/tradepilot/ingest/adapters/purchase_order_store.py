"""The store side of the purchase-orders import.

:func:`stored_orders` and :func:`stored_lines` read what rows are checked against;
:func:`write_accepted` writes what the accepted rows add: suppliers, warehouses, POs,
lines and receipts.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from tradepilot.ingest import parse
from tradepilot.ingest.adapters.purchase_order_rows import LINE_FIELDS
from tradepilot.ingest.loading import upsert_named
from tradepilot.store.bulk import insert_frame, read_frame


def stored_orders(conn: Connection) -> pl.DataFrame:
    """Stored POs with the fields rows must repeat.

    Returns
    -------
    polars.DataFrame
        ``po_number`` and the ``PO_FIELDS`` of
        :mod:`~tradepilot.ingest.adapters.purchase_order_rows`, typed as its
        ``parse_rows`` types them.
    """
    return read_frame(
        conn,
        "SELECT p.po_number, s.name AS supplier, p.ordered_date, p.mode, p.warehouse"
        " FROM purchase_orders p JOIN suppliers s ON s.id = p.supplier_id",
        schema={
            "po_number": pl.String(),
            "supplier": pl.String(),
            "ordered_date": pl.Date(),
            "mode": pl.String(),
            "warehouse": pl.String(),
        },
    )


def stored_lines(conn: Connection) -> pl.DataFrame:
    """Stored lines with the fields rows must repeat and the units received so far.

    Returns
    -------
    polars.DataFrame
        ``po_number``, ``sku``, the ``LINE_FIELDS`` of
        :mod:`~tradepilot.ingest.adapters.purchase_order_rows` (typed as the file's
        rows) and ``received`` (units, Int64).
    """
    lines = read_frame(
        conn,
        "SELECT p.po_number, l.sku, l.quantity_ordered, l.unit_cost, l.currency,"
        " l.promised_date, (SELECT COALESCE(SUM(r.quantity), 0) FROM po_receipts r"
        " WHERE r.po_line_id = l.id) AS received"
        " FROM purchase_order_lines l JOIN purchase_orders p ON p.id = l.po_id",
        schema={
            "po_number": pl.String(),
            "sku": pl.String(),
            "quantity_ordered": pl.Int64(),
            "unit_cost": pl.String(),
            "currency": pl.String(),
            "promised_date": pl.Date(),
            "received": pl.Int64(),
        },
    )
    # PostgreSQL returns NUMERIC(18, 6) as 2.500000; compare as the file writes it.
    return lines.with_columns(parse.decimal_text("unit_cost"))


def write_accepted(
    conn: Connection, accepted: pl.DataFrame, orders: pl.DataFrame, *, run_id: int
) -> int:
    """Write the suppliers, warehouses, POs, lines and receipts ``accepted`` adds.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    accepted : polars.DataFrame
        Accepted rows flagged ``_new_line`` and ``_new_receipt``, with
        ``receipt_key``.
    orders : polars.DataFrame
        Stored POs (see :func:`stored_orders`); a PO among them is not inserted again.
    run_id : int
        The import run that writes them.

    Returns
    -------
    int
        Number of POs inserted.
    """
    if accepted.height == 0:
        return 0
    new_lines = accepted.filter("_new_line")
    heads = new_lines.filter(
        ~pl.col("po_number").is_in(orders["po_number"].implode())
    ).unique("po_number", keep="first", maintain_order=True)
    _insert_orders(conn, heads, accepted, run_id=run_id)
    po_ids = read_frame(
        conn,
        "SELECT id AS po_id, po_number FROM purchase_orders",
        schema={"po_id": pl.Int64(), "po_number": pl.String()},
    )
    insert_frame(
        conn,
        "purchase_order_lines",
        new_lines.join(po_ids, on="po_number").select(
            "po_id", "sku", *LINE_FIELDS, pl.lit(run_id).alias("import_run_id")
        ),
    )
    line_ids = read_frame(
        conn,
        "SELECT l.id AS po_line_id, p.po_number, l.sku"
        " FROM purchase_order_lines l JOIN purchase_orders p ON p.id = l.po_id",
        schema={"po_line_id": pl.Int64(), "po_number": pl.String(), "sku": pl.String()},
    )
    receipts = accepted.filter("_new_receipt").join(line_ids, on=["po_number", "sku"])
    insert_frame(
        conn,
        "po_receipts",
        receipts.select(
            "po_line_id",
            "received_date",
            pl.col("quantity_received").alias("quantity"),
            "receipt_key",
            pl.lit(run_id).alias("import_run_id"),
        ),
    )
    return heads.height


def _insert_orders(
    conn: Connection, heads: pl.DataFrame, accepted: pl.DataFrame, *, run_id: int
) -> None:
    """Insert the new POs ``heads``, with the suppliers and warehouses they name.

    A new supplier's country is the first one given on an ``accepted`` row.
    """
    suppliers = (
        accepted.filter(pl.col("supplier").is_in(heads["supplier"].implode()))
        .group_by("supplier", maintain_order=True)
        .agg(pl.col("supplier_country").drop_nulls().first().alias("country"))
    )
    supplier_ids = upsert_named(
        conn, table="suppliers", rows=suppliers.rename({"supplier": "name"}), key="name"
    )
    warehouses = heads.select(pl.col("warehouse").drop_nulls().unique().alias("code"))
    upsert_named(
        conn, table="warehouses", rows=warehouses, key="code", id_column="code"
    )
    insert_frame(
        conn,
        "purchase_orders",
        heads.join(
            supplier_ids.rename({"name": "supplier", "id": "supplier_id"}),
            on="supplier",
        ).select(
            "po_number",
            "supplier_id",
            "ordered_date",
            "mode",
            "warehouse",
            pl.lit(run_id).alias("import_run_id"),
        ),
    )
