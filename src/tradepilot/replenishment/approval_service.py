"""Approving restock plan lines: one draft purchase order per supplier and mode."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.store import tables
from tradepilot.store.bulk import read_frame


def approve_lines(
    engine: Engine, line_ids: Sequence[int], *, approved_by: str
) -> dict[str, Any]:
    """Approve plan lines and draft one purchase order per supplier and mode.

    The drafts are stored as purchase orders (numbers ``TP-<plan>-<n>``, recorded
    under an import run of format ``restock-plan`` naming who approved), so they
    count as on order in the next plan.

    Raises
    ------
    DataValidationError
        If a line does not exist or is already approved (nothing is changed).
    """
    ids = sorted({int(i) for i in line_ids})
    if not ids:
        raise DataValidationError("name at least one plan line id to approve")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        lines = _lines_to_approve(conn, ids)
        run_id = _approval_run(conn, lines, approved_by=approved_by, now=now)
        orders = []
        for (supplier, mode, plan_id), group in lines.group_by(
            "supplier", "mode", "plan_id", maintain_order=True
        ):
            number = f"TP-{plan_id}-{_next_po_seq(conn, int(plan_id)) + 1:03d}"
            _insert_po(conn, number, str(supplier), str(mode), group, run_id)
            conn.execute(
                sa.update(tables.restock_lines)
                .where(tables.restock_lines.c.id.in_(group["id"].to_list()))
                .values(
                    status="approved",
                    approved_by=approved_by,
                    approved_at=now,
                    po_number=number,
                )
            )
            orders.append(
                {
                    "po_number": number,
                    "supplier": supplier,
                    "mode": mode,
                    "lines": group.height,
                    "units": int(group["qty"].sum()),
                    "cost_base": round(float(group["cost_base"].sum()), 2),
                }
            )
    return {"approved": ids, "approved_by": approved_by, "purchase_orders": orders}


def _lines_to_approve(conn: Connection, ids: list[int]) -> pl.DataFrame:
    lines = read_frame(
        conn,
        "SELECT id, plan_id, sku, supplier, mode, qty, order_by, arrival, unit_cost,"
        " currency, cost_base, status FROM restock_lines WHERE id IN ("
        + ", ".join(str(i) for i in ids)
        + ") ORDER BY id",
        schema={"order_by": pl.Date, "arrival": pl.Date, "status": pl.String},
    )
    missing = sorted(set(ids) - set(lines["id"].to_list()))
    if missing:
        raise DataValidationError(f"no plan line with id {missing}; nothing approved")
    done = lines.filter(pl.col("status") == "approved")["id"].to_list()
    if done:
        raise DataValidationError(
            f"lines {done} are already approved; nothing approved"
        )
    return lines


def _approval_run(
    conn: Connection, lines: pl.DataFrame, *, approved_by: str, now: dt.datetime
) -> int:
    digest = hashlib.sha256(lines.write_csv().encode()).hexdigest()
    report = {"approved_by": approved_by, "line_ids": lines["id"].to_list()}
    return int(
        conn.execute(
            sa.insert(tables.import_runs).values(
                format="restock-plan",
                source_name=f"restock plan lines approved by {approved_by}",
                file_sha256=digest,
                started_at=now,
                finished_at=now,
                rows_read=lines.height,
                accepted=lines.height,
                quarantined=0,
                duplicates=0,
                report=json.dumps(report),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def _next_po_seq(conn: Connection, plan_id: int) -> int:
    count = conn.execute(
        sa.select(sa.func.count())
        .select_from(tables.purchase_orders)
        .where(tables.purchase_orders.c.po_number.like(f"TP-{plan_id}-%"))
    ).scalar_one()
    return int(count)


def _insert_po(
    conn: Connection,
    number: str,
    supplier: str,
    mode: str,
    group: pl.DataFrame,
    run_id: int,
) -> None:
    s = tables.suppliers
    supplier_id = conn.execute(sa.select(s.c.id).where(s.c.name == supplier)).scalar()
    if supplier_id is None:
        supplier_id = conn.execute(
            sa.insert(s).values(name=supplier)
        ).inserted_primary_key[0]  # type: ignore[index]
    warehouses = conn.execute(sa.select(tables.warehouses.c.code)).scalars().all()
    po_id = conn.execute(
        sa.insert(tables.purchase_orders).values(
            po_number=number,
            supplier_id=supplier_id,
            ordered_date=group["order_by"].min(),
            mode=mode,
            warehouse=warehouses[0] if len(warehouses) == 1 else None,
            import_run_id=run_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(
        sa.insert(tables.purchase_order_lines),
        [
            {
                "po_id": po_id,
                "sku": row["sku"],
                "quantity_ordered": row["qty"],
                "unit_cost": _decimal(row["unit_cost"]),
                "currency": row["currency"],
                "promised_date": row["arrival"],
            }
            for row in group.to_dicts()
        ],
    )


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))
