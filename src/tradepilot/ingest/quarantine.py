"""Reading the quarantine: rows imports set aside, with reasons and raw values."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.store import tables


def list_quarantine(
    engine: Engine,
    *,
    limit: int | None = 50,
    offset: int = 0,
    reason: str | None = None,
    import_run_id: int | None = None,
) -> dict[str, Any]:
    """A page of quarantined rows, newest import first.

    Returns
    -------
    dict
        ``data`` (rows with ``id``, ``import_run_id``, ``format``, ``source_name``,
        ``row_number``, ``reason``, ``raw`` as a dict) and ``count`` (all matching).
    """
    q = tables.quarantine
    where = []
    if reason:
        where.append(q.c.reason.contains(reason, autoescape=True))
    if import_run_id is not None:
        where.append(q.c.import_run_id == import_run_id)
    query = (
        sa.select(
            q.c.id,
            q.c.import_run_id,
            q.c.format,
            q.c.source_name,
            q.c.row_number,
            q.c.reason,
            q.c.raw,
        )
        .where(*where)
        .order_by(q.c.import_run_id.desc(), q.c.row_number)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(q).where(*where)
        ).scalar_one()
        rows = conn.execute(query).mappings().all()
    data = [{**row, "raw": json.loads(row["raw"])} for row in rows]
    return {"data": data, "count": int(count)}
