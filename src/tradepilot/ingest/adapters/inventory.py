"""Inventory: end-of-day snapshots or stock movements (the ``inventory`` layouts).

The layout is recognised by its columns (``docs/import-layouts.md`` has examples):

* **snapshots** ``date, sku, warehouse, on_hand``: units on hand at the end of the
  day, never negative. Identity is (date, sku, warehouse): the same snapshot again is
  a duplicate; a *different* ``on_hand`` for a stored (or earlier) snapshot is a
  conflict, quarantined with a reason naming the value kept. Nothing is overwritten:
  a correction is a decision for the user, not for an import.
* **movements** ``date, sku, warehouse, change, reason``: signed unit changes
  (receipt, sale, return, write-off, transfer, count). Identity is
  ``date|sku|warehouse|change|reason|occurrence``, where *occurrence* numbers identical
  movements within the file, so two identical sales on one day are both kept and a
  re-import adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl
from sqlalchemy import Connection

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest import parse
from tradepilot.ingest.files import ROW, RawTable, optional_columns, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.ingest.loading import (
    existing_keys,
    quarantine_rows,
    upsert_named,
)
from tradepilot.ingest.parse import REASON
from tradepilot.ingest.report import ImportReport, iso_range
from tradepilot.store.bulk import insert_frame, read_frame

FORMAT = "inventory"
SNAPSHOTS = "snapshots"
MOVEMENTS = "movements"
LAYOUTS: dict[str, tuple[str, ...]] = {
    SNAPSHOTS: ("date", "sku", "warehouse", "on_hand"),
    MOVEMENTS: ("date", "sku", "warehouse", "change", "reason"),
}
MAX_LENGTH = {"sku": 64, "warehouse": 64, "reason": 64}
MAX_UNITS = 1_000_000
KEY_LENGTH = 200  # inventory_movements.movement_key
_SNAPSHOT: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "sku": pl.String(),
    "warehouse": pl.String(),
    "on_hand": pl.Int64(),
}


def detect_layout(table: RawTable) -> str:
    """Which inventory layout ``table`` is in, by its columns.

    Parameters
    ----------
    table : RawTable
        The file as read.

    Returns
    -------
    str
        ``snapshots`` or ``movements``.

    Raises
    ------
    ImportFormatError
        If neither layout's columns are all present (naming what each one misses),
        or both are (the file must say which it is).
    """
    present = optional_columns(table, {c for names in LAYOUTS.values() for c in names})
    missing = {
        layout: [c for c in columns if c not in present]
        for layout, columns in LAYOUTS.items()
    }
    complete = [layout for layout, absent in missing.items() if not absent]
    if len(complete) == 1:
        return complete[0]
    found = ", ".join(table.columns[:30])
    if complete:
        raise ImportFormatError(
            f"{table.name} has the columns of both inventory layouts; keep 'on_hand'"
            f" for snapshots or 'change' and 'reason' for movements; found: {found}"
        )
    layouts = "; ".join(
        f"{layout} need {', '.join(LAYOUTS[layout])} (missing {', '.join(absent)})"
        for layout, absent in missing.items()
    )
    raise ImportFormatError(
        f"{table.name} is not an inventory file: {layouts}; found: {found}"
    )


PARSERS: dict[str, tuple[Callable[[str], pl.Expr], str]] = {
    "date": (parse.date, "a date (expected YYYY-MM-DD)"),
    "on_hand": (parse.integer, "a whole number"),
    "change": (parse.integer, "a whole number"),
}
# every field of both layouts is required
CELLS = parse.CellRules(
    PARSERS, MAX_LENGTH, required={f for fields in LAYOUTS.values() for f in fields}
)


def parse_rows(table: RawTable, layout: str) -> pl.DataFrame:
    """Typed rows of an inventory file, with the row's ``_reason`` if it is bad.

    Parameters
    ----------
    table : RawTable
        The file as read.
    layout : str
        ``snapshots`` or ``movements`` (see :func:`detect_layout`).

    Returns
    -------
    polars.DataFrame
        ``_row``, the layout's columns (``date`` as ``pl.Date``, units as ``Int64``)
        and ``_reason`` (null for a valid row).
    """
    fields = LAYOUTS[layout]
    found = require_columns(
        table, {f: [f] for f in fields}, what=f"an inventory {layout} file"
    )
    typed = CELLS.check_and_type(parse.text_cells(table.frame, found, fields), fields)
    rules = [
        parse.reason(pl.col("on_hand") < 0, "on_hand must be >= 0")
        if layout == SNAPSHOTS
        else parse.reason(pl.col("change") == 0, "change must not be 0"),
        parse.reason(
            pl.col(fields[3]).abs() > MAX_UNITS, f"{fields[3]} is over {MAX_UNITS:,}"
        ),
    ]
    return typed.with_columns(pl.coalesce(REASON, parse.first_reason(rules)))


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Store the new snapshots or movements of ``table``; fill ``ctx.report``.

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
        If the file is in neither layout (see :func:`detect_layout`).
    """
    layout = detect_layout(table)
    rows = parse_rows(table, layout)
    if layout == SNAPSHOTS:
        rows = _check_snapshots(rows, _stored_snapshots(conn, rows))
    else:
        rows = _classify_movements(conn, rows)
    valid = rows.filter(pl.col(REASON).is_null())
    accepted = valid.filter("_new")
    report = ctx.report
    report.rows_read = rows.height
    report.accepted = accepted.height
    report.duplicates = valid.height - accepted.height
    bad = rows.filter(pl.col(REASON).is_not_null())
    quarantine_rows(
        conn, bad=bad, raw=table.frame, source=FORMAT, run_id=ctx.run_id, report=report
    )
    _describe(report, valid, layout)
    _write(conn, accepted, layout, run_id=ctx.run_id)


def _stored_snapshots(conn: Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """Stored snapshots within the dates of ``rows``."""
    dates = rows["date"].drop_nulls()
    if dates.len() == 0:
        return pl.DataFrame(schema=_SNAPSHOT).rename({"on_hand": "_stored"})
    stored = read_frame(
        conn,
        "SELECT date, sku, warehouse, on_hand FROM inventory_snapshots"
        " WHERE date >= :first AND date <= :last",
        {"first": str(dates.min()), "last": str(dates.max())},
        schema=_SNAPSHOT,
    )
    return stored.rename({"on_hand": "_stored"})


def _check_snapshots(rows: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """Quarantine conflicting snapshots; flag the new ones as ``_new``.

    The value kept for a (date, sku, warehouse) is the stored one, else the first
    valid row's; a row repeating it is a duplicate, a row contradicting it a conflict.
    """
    key = ["date", "sku", "warehouse"]
    valid = rows.filter(pl.col(REASON).is_null())
    first = (
        valid.sort(ROW)
        .group_by(key, maintain_order=True)
        .agg(pl.col(ROW).first().alias("_first_row"), pl.col("on_hand").first())
        .rename({"on_hand": "_first"})
    )
    joined = rows.join(first, on=key, how="left").join(stored, on=key, how="left")
    stored_conflict = pl.format(
        "on_hand {} conflicts with the stored on_hand {} for this date, sku and"
        " warehouse (stored values are not overwritten)",
        "on_hand",
        "_stored",
    )
    file_conflict = pl.format(
        "on_hand {} conflicts with on_hand {} on row {} for the same date, sku and"
        " warehouse",
        "on_hand",
        "_first",
        "_first_row",
    )
    conflict = (
        pl.when(pl.col(REASON).is_not_null())
        .then(pl.lit(None, pl.String))
        .when(pl.col("_stored").is_not_null())
        .then(pl.when(pl.col("on_hand") != pl.col("_stored")).then(stored_conflict))
        .when(pl.col("on_hand") != pl.col("_first"))
        .then(file_conflict)
    )
    new = pl.col("_stored").is_null() & (pl.col(ROW) == pl.col("_first_row"))
    return (
        joined.sort(ROW)
        .with_columns(pl.coalesce(REASON, conflict))
        .with_columns(new.fill_null(False).alias("_new"))
        .select(*rows.columns, "_new")
    )


def _classify_movements(conn: Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``movement_key`` to valid rows and flag those not stored yet as ``_new``."""
    identity = ["date", "sku", "warehouse", "change", "reason"]
    valid = rows.filter(pl.col(REASON).is_null()).sort(ROW)
    occurrence = pl.int_range(1, pl.len() + 1).over(identity)
    key = pl.concat_str(
        [*[pl.col(c).cast(pl.String) for c in identity], occurrence], separator="|"
    )
    keys = valid.select(
        ROW, key.map_elements(fit_key, return_dtype=pl.String).alias("movement_key")
    )
    known = existing_keys(
        conn, "inventory_movements", "movement_key", keys["movement_key"]
    )
    keys = keys.with_columns(
        (~pl.col("movement_key").is_in(known.implode())).alias("_new")
    )
    joined = rows.join(keys, on=ROW, how="left").sort(ROW)
    return joined.with_columns(pl.col("_new").fill_null(False))


def fit_key(key: str) -> str:
    """``key`` itself, or a digest of it if it is longer than the key column.

    Examples
    --------
    >>> fit_key("2024-03-01|TP-0001|WH-MAIN|-2|sale|1")
    '2024-03-01|TP-0001|WH-MAIN|-2|sale|1'
    >>> len(fit_key("x" * 300))
    49
    """
    if len(key) <= KEY_LENGTH:
        return key
    return "#" + hashlib.blake2b(key.encode(), digest_size=24).hexdigest()


def _describe(report: ImportReport, valid: pl.DataFrame, layout: str) -> None:
    report.date_min, report.date_max = iso_range(valid["date"].to_list())
    report.data_quality = {
        "layout": layout,
        "skus": valid["sku"].n_unique(),
        "warehouses": sorted(valid["warehouse"].unique().to_list()),
    }


def _write(
    conn: Connection, accepted: pl.DataFrame, layout: str, *, run_id: int
) -> None:
    """Insert the new rows, and the warehouses they name."""
    if accepted.height == 0:
        return
    warehouses = accepted.select(pl.col("warehouse").unique().alias("code"))
    upsert_named(
        conn, table="warehouses", rows=warehouses, key="code", id_column="code"
    )
    run = pl.lit(run_id).alias("import_run_id")
    if layout == SNAPSHOTS:
        columns = ["date", "sku", "warehouse", "on_hand"]
        insert_frame(conn, "inventory_snapshots", accepted.select(*columns, run))
    else:
        columns = ["date", "sku", "warehouse", "change", "reason", "movement_key"]
        insert_frame(conn, "inventory_movements", accepted.select(*columns, run))


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "Inventory snapshots (date, sku, warehouse, on_hand) or movements"
    " (date, sku, warehouse, change, reason)",
    load,
)
