"""Data-quality findings on imported orders, per import and per workspace."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.catalog import LineKind, line_kinds
from tradepilot.domain.countries import PSEUDO_COUNTRIES
from tradepilot.domain.orders import OrderKind
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame
from tradepilot.store.dialect import as_number
from tradepilot.workspace import base_currency, revenue_in_base


def order_quality(lines: pl.DataFrame) -> dict[str, Any]:
    """Findings on one file's canonical order lines (before quarantine).

    Returns
    -------
    dict
        ``lines``, ``lines_without_customer``, ``zero_price_lines``,
        ``negative_price_lines``, ``cancellation_lines``, ``cancellation_share``,
        ``non_product_lines`` (kind -> count), ``unmapped_countries`` (text -> count),
        ``pseudo_countries`` (code -> count), ``currencies`` (code -> count),
        ``countries`` (code -> count).
    """
    price = pl.col("unit_price").cast(pl.Float64, strict=False)
    kinds = line_kinds(lines["sku"].drop_nulls())
    counts = lines.select(
        pl.len().alias("lines"),
        pl.col("customer_ref").is_null().sum().alias("lines_without_customer"),
        (price == 0).sum().alias("zero_price_lines"),
        (price < 0).sum().alias("negative_price_lines"),
        (pl.col("order_kind") == OrderKind.CANCELLATION.value)
        .sum()
        .alias("cancellation_lines"),
    ).row(0, named=True)
    counts["cancellation_share"] = round(
        counts["cancellation_lines"] / max(counts["lines"], 1), 4
    )
    counts["non_product_lines"] = _value_counts(kinds.filter(kinds != LineKind.PRODUCT))
    counts["unmapped_countries"] = _unmapped(lines)
    counts["pseudo_countries"] = _value_counts(
        lines["country"].filter(lines["country"].is_in(list(PSEUDO_COUNTRIES)))
    )
    counts["currencies"] = _value_counts(lines["currency"].drop_nulls())
    counts["countries"] = _value_counts(lines["country"].drop_nulls())
    return counts


def _value_counts(series: pl.Series) -> dict[str, int]:
    if series.len() == 0:
        return {}
    counted = series.value_counts(sort=True)
    return dict(zip(counted[:, 0].to_list(), counted["count"].to_list(), strict=True))


def _unmapped(lines: pl.DataFrame) -> dict[str, int]:
    """Country texts that resolved to nothing, as the file wrote them."""
    texts = lines.filter(pl.col("country").is_null())["country_text"]
    return _value_counts(texts.fill_null("(empty)"))


def workspace_quality(conn: Connection) -> dict[str, Any]:
    """Findings over everything stored in the workspace.

    Returns
    -------
    dict
        ``order_lines``, ``lines_without_customer``, ``zero_price_lines``,
        ``cancellation_lines``, ``cancellation_share``, ``non_product_lines`` (kind ->
        count), ``pseudo_countries`` (code -> lines), ``quarantine_reasons`` (reason ->
        rows), ``unmapped_country_rows``, ``fx_gaps`` (see
        :func:`tradepilot.workspace.revenue_in_base`), ``merged_orders`` and
        ``merged_orders_repair`` (see :func:`merged_orders`).
    """
    o, lines, q = tables.orders, tables.order_lines, tables.quarantine
    joined = lines.join(o, lines.c.order_id == o.c.id)

    def count(*where: Any) -> int:
        query = sa.select(sa.func.count()).select_from(joined).where(*where)
        return int(conn.execute(query).scalar_one())

    total = count()
    cancellations = count(o.c.kind == OrderKind.CANCELLATION.value)
    base = base_currency(conn)
    _, gaps = revenue_in_base(conn, base) if base else (None, [])
    return {
        "order_lines": total,
        "lines_without_customer": count(o.c.customer_id.is_(None)),
        "zero_price_lines": count(as_number(lines.c.unit_price) == 0),
        "cancellation_lines": cancellations,
        "cancellation_share": round(cancellations / max(total, 1), 4),
        "non_product_lines": _grouped(
            conn, joined, lines.c.kind, lines.c.kind != LineKind.PRODUCT.value
        ),
        "pseudo_countries": _grouped(
            conn, joined, o.c.country, o.c.country.in_(list(PSEUDO_COUNTRIES))
        ),
        "quarantine_reasons": _grouped(conn, q, q.c.reason, sa.true()),
        "unmapped_country_rows": int(
            conn.execute(
                sa.select(sa.func.count()).where(q.c.reason.like("country is not%"))
            ).scalar_one()
        ),
        "fx_gaps": gaps,
        **merged_orders(conn),
    }


def _grouped(conn: Connection, source: Any, column: Any, where: Any) -> dict[str, int]:
    rows = conn.execute(
        sa.select(column, sa.func.count())
        .select_from(source)
        .where(where)
        .group_by(column)
        .order_by(sa.func.count().desc())
    ).all()
    return {str(k): int(n) for k, n in rows}


_FOREIGN_LINES: dict[str, pl.DataType] = {
    "order_id": pl.Int64(),
    "source": pl.String(),
    "currency": pl.String(),
    "country": pl.String(),
    "ordered_at": pl.Datetime("us", "UTC"),
    "run": pl.Int64(),
    "lines": pl.Int64(),
}


def merged_orders(conn: Connection) -> dict[str, Any]:
    """Orders holding lines of another order, merged by an import before conflicts
    were checked (see ``ingest/conflicts.py``), and how to repair them.

    A line does not record its own currency, country or date, but its import run's
    report records those of the file it came from. A line that a later run added to
    an order came from another order when that file held no line in the order's
    currency, none in its country, or none within a day of its date: a second
    shop's export imported under the first shop's source. (Order numbers that one
    file reused for two orders left no such trace.)

    Returns
    -------
    dict
        ``merged_orders``: ``orders`` and ``lines`` affected; and
        ``merged_orders_repair``: one sentence per import run to undo and import
        again with a distinct ``--source``.
    """
    foreign = read_frame(
        conn,
        """SELECT o.id AS order_id, o.source, o.currency, o.country, o.ordered_at,
                  l.import_run_id AS run, count(*) AS lines
           FROM order_lines l JOIN orders o ON o.id = l.order_id
           WHERE l.import_run_id <> o.import_run_id
           GROUP BY o.id, o.source, o.currency, o.country, o.ordered_at,
                    l.import_run_id""",
        schema=_FOREIGN_LINES,
    )
    runs = _run_files(conn, foreign["run"].unique().to_list())
    flags = [_is_foreign(row, runs) for row in foreign.iter_rows(named=True)]
    merged = foreign.filter(pl.Series(flags, dtype=pl.Boolean))
    repair = []
    for (run, source), group in merged.group_by("run", "source", maintain_order=True):
        name = runs[int(str(run))]["source_name"]
        repair.append(
            f"import run {run} ({name}) added {int(group['lines'].sum()):,} lines to"
            f" {group.height:,} orders of another currency, country or date: undo it"
            f" (tradepilot import undo {run}) and import {name} again with a"
            f" distinct --source, e.g. --source {str(source)[:30]}-2"
        )
    return {
        "merged_orders": {
            "orders": merged["order_id"].n_unique(),
            "lines": int(merged["lines"].sum()),
        },
        "merged_orders_repair": repair,
    }


def _run_files(conn: Connection, run_ids: list[int]) -> dict[int, dict[str, Any]]:
    """File name, currencies, countries and date range of each run's file."""
    runs = tables.import_runs
    rows = conn.execute(
        sa.select(runs.c.id, runs.c.source_name, runs.c.report).where(
            runs.c.id.in_(run_ids)
        )
    ).all()
    found = {}
    for run_id, name, text in rows:
        report = json.loads(text or "{}")
        quality = report.get("data_quality") or {}
        found[int(run_id)] = {
            "source_name": name,
            "currencies": set(quality.get("currencies") or ()),
            "countries": set(quality.get("countries") or ()),
            "dates": (report.get("date_min"), report.get("date_max")),
        }
    return found


def _is_foreign(row: dict[str, Any], runs: dict[int, dict[str, Any]]) -> bool:
    """True if the lines ``row["run"]`` added cannot be of the order in ``row``."""
    run = runs.get(row["run"])
    if run is None:
        return False
    if run["currencies"] and row["currency"] not in run["currencies"]:
        return True
    if run["countries"] and row["country"] not in run["countries"]:
        return True
    first, last = run["dates"]
    if not (first and last):
        return False
    day = dt.timedelta(days=1)
    earliest = dt.datetime.fromisoformat(first) - day
    latest = dt.datetime.fromisoformat(last) + day
    return not earliest <= row["ordered_at"] <= latest
