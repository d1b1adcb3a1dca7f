"""Data-quality findings on imported orders, per import and per workspace."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.catalog import LineKind, line_kinds
from tradepilot.domain.countries import PSEUDO_COUNTRIES
from tradepilot.domain.orders import OrderKind
from tradepilot.store import tables
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
        ``pseudo_countries`` (code -> count), ``currencies`` (code -> count).
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
        :func:`tradepilot.workspace.revenue_in_base`).
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
