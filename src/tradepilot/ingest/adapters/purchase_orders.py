"""Purchase orders and their receipts (the ``purchase-orders`` layout).

One row per PO line per receipt: a line received in two shipments is on two rows with
the same ``po_number`` and ``sku`` (``quantity_ordered`` repeated); a line not yet
received has empty ``received_date`` and ``quantity_received``. The layout, with an
example, is in ``docs/import-layouts.md``. Rows are read and checked in
:mod:`~tradepilot.ingest.adapters.purchase_order_rows`, and stored in
:mod:`~tradepilot.ingest.adapters.purchase_order_store`.

What a row adds, and how it is counted
--------------------------------------
A row carries a supplier, a warehouse, a purchase order, a line and perhaps a receipt.
It is *accepted* if it adds a line or a receipt not stored yet (the first valid row of
a new line adds the line), a *duplicate* if everything it carries is stored already,
and quarantined with a reason otherwise. A receipt's identity is
``po_number|sku|received_date|quantity|occurrence``, where *occurrence* numbers
identical receipts of one line within the file (as for order lines), so re-importing
a file, or a later export that repeats it, adds only the new receipts.

Rules
-----
* Fields repeated on several rows must agree: a PO's supplier, ordered date, mode and
  warehouse; a line's quantity ordered, unit cost, currency and promised date. The
  stored values are the reference, else the first valid row of the PO (line) in the
  file; a row that disagrees is quarantined with a reason naming both values. Stored
  values are never overwritten.
* Suppliers over-ship a little, so a line may receive up to
  :func:`~tradepilot.ingest.adapters.purchase_order_rows.receipt_limit` units in
  total (10% over, at least one unit). A receipt that would take the total beyond
  that is quarantined; receipts count in date order, after the stored ones.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from tradepilot.ingest.adapters.purchase_order_rows import (
    LINE_FIELDS,
    PO_FIELDS,
    check_over_receipt,
    check_repeated,
    parse_rows,
    with_receipt_keys,
)
from tradepilot.ingest.adapters.purchase_order_store import (
    stored_lines,
    stored_orders,
    write_accepted,
)
from tradepilot.ingest.files import ROW, RawTable
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.ingest.loading import existing_keys, quarantine_rows
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.report import ImportReport, iso_range

FORMAT = "purchase-orders"


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Store the new POs, lines and receipts of ``table``; fill ``ctx.report``.

    Parameters
    ----------
    conn : Connection
        Open connection inside the import's transaction.
    table : RawTable
        The file as read.
    ctx : ImportContext
        The run and the report to fill.

    Raises
    ------
    ImportFormatError
        If a required column is missing.
    """
    rows = parse_rows(table)
    orders, lines = stored_orders(conn), stored_lines(conn)
    rows = check_repeated(rows, orders, keys=["po_number"], fields=PO_FIELDS, what="PO")
    rows = check_repeated(
        rows, lines, keys=["po_number", "sku"], fields=LINE_FIELDS, what="line"
    )
    rows = with_receipt_keys(rows)
    known = existing_keys(
        conn, "po_receipts", "receipt_key", rows["receipt_key"].drop_nulls()
    )
    rows = check_over_receipt(rows, lines, known)
    valid = _classify(rows.filter(pl.col(REASON).is_null()), lines, known)
    report = ctx.report
    report.rows_read = rows.height
    report.accepted = int(valid["_accepted"].sum())
    report.duplicates = valid.height - report.accepted
    bad = rows.filter(pl.col(REASON).is_not_null())
    quarantine_rows(
        conn, bad=bad, raw=table.frame, source=FORMAT, run_id=ctx.run_id, report=report
    )
    _describe(report, valid)
    report.orders_new = write_accepted(
        conn, valid.filter("_accepted"), orders, run_id=ctx.run_id
    )


def _classify(
    valid: pl.DataFrame, lines: pl.DataFrame, known: pl.Series
) -> pl.DataFrame:
    """Flag what each valid row adds: ``_new_line``, ``_new_receipt``, ``_accepted``."""
    stored = lines.select("po_number", "sku", _line_stored=pl.lit(True))
    line = ["po_number", "sku"]
    flagged = valid.join(stored, on=line, how="left").sort(ROW)
    new_line = ~pl.col("_line_stored").fill_null(False) & (
        pl.col(ROW) == pl.col(ROW).min().over(line)
    )
    new_receipt = pl.col("receipt_key").is_not_null() & ~pl.col("receipt_key").is_in(
        known.implode()
    )
    flagged = flagged.with_columns(
        new_line.alias("_new_line"), new_receipt.alias("_new_receipt")
    )
    return flagged.with_columns(
        (pl.col("_new_line") | pl.col("_new_receipt")).alias("_accepted")
    )


def _describe(report: ImportReport, valid: pl.DataFrame) -> None:
    report.orders = valid["po_number"].n_unique()
    report.date_min, report.date_max = iso_range(valid["ordered_date"].to_list())
    report.data_quality = {
        "lines_new": int(valid["_new_line"].sum()),
        "receipts_new": int(valid["_new_receipt"].sum()),
    }


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Purchase orders with receipts: one row per PO line per receipt (CSV or XLSX)",
    load,
)
