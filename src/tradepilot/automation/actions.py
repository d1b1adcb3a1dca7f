"""What approving does: files the owner (or the shop) picks up from ``outbox/``.

TradePilot never writes to a shop or a supplier itself: an approved restock plan
becomes a purchase-order CSV (and draft purchase orders in the store, so the next
plan counts them as on order); an approved price change becomes a file the shop
imports, in the Shopify product CSV layout or a generic ``sku,price,currency`` CSV.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any, TypeGuard

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.store import tables

PO_COLUMNS = ["po_number", "supplier", "mode", "sku", "qty", "unit_cost", "currency",
              "cost", "order_by", "arrival"]  # fmt: skip
SHOPIFY_COLUMNS = ["Handle", "Title", "Variant SKU", "Variant Price"]
PRICE_FORMATS = ("generic", "shopify")


def outbox(home: Path) -> Path:
    """The workspace's ``outbox/`` folder (created when missing)."""
    folder = home / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_restock_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """``{"plan_id": N}`` or ``{"lines": [{"sku", "qty", ...}, ...]}``, checked.

    Raises
    ------
    DataValidationError
        If neither a plan id nor a non-empty list of lines with sku and qty is given.
    """
    if "plan_id" in payload:
        plan_id = payload["plan_id"]
        if isinstance(plan_id, bool) or not isinstance(plan_id, int) or plan_id < 1:
            raise DataValidationError(
                f"restock_plan payload: plan_id must be a plan id; got {plan_id!r}"
            )
        return {"plan_id": plan_id}
    lines = payload.get("lines")
    if not isinstance(lines, list) or not lines:
        raise DataValidationError(
            "restock_plan payload needs 'plan_id' or a non-empty list 'lines'; "
            f"found keys: {', '.join(payload) or 'none'}"
        )
    for n, line in enumerate(lines, 1):
        qty = line.get("qty") if isinstance(line, dict) else None
        if not isinstance(line, dict) or not line.get("sku") or not _positive(qty):
            raise DataValidationError(
                f"restock_plan line {n} needs 'sku' and a positive 'qty'; got {line!r}"
            )
    return {"lines": lines}


def check_price_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """``{"sku", "price", "currency"}`` with optional ``format`` and ``handle``.

    Raises
    ------
    DataValidationError
        If the SKU is missing, the price is not a positive number, the currency is
        not an ISO-4217 code or the format is not ``generic`` or ``shopify``.
    """
    sku, price = payload.get("sku"), payload.get("price")
    currency = str(payload.get("currency", ""))
    fmt = payload.get("format", "generic")
    if not isinstance(sku, str) or not sku.strip():
        raise DataValidationError(f"price_change payload needs a 'sku'; got {sku!r}")
    if not _positive(price):
        raise DataValidationError(
            f"price_change 'price' must be a positive number; got {price!r}"
        )
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise DataValidationError(
            f"price_change 'currency' must be an ISO-4217 code (EUR); got {currency!r}"
        )
    if fmt not in PRICE_FORMATS:
        raise DataValidationError(
            f"price_change 'format' must be generic or shopify; got {fmt!r}"
        )
    checked = {"sku": sku.strip(), "price": round(float(price), 2),
               "currency": currency, "format": fmt}  # fmt: skip
    if payload.get("handle"):
        checked["handle"] = str(payload["handle"])
    return checked


def write_purchase_order(
    engine: Engine, payload: dict[str, Any], home: Path, approval_id: int, by: str
) -> dict[str, Any]:
    """Write ``outbox/purchase-order-<approval>.csv``; for a stored plan, draft its
    proposed lines as purchase orders first (one per supplier and mode)."""
    orders: list[dict[str, Any]] = []
    if "plan_id" in payload:
        rows, orders = _plan_rows(engine, int(payload["plan_id"]), by)
    else:
        rows = [{c: line.get(c) for c in PO_COLUMNS} for line in payload["lines"]]
    path = outbox(home) / f"purchase-order-{approval_id}.csv"
    _write_atomic(path, _csv(rows, PO_COLUMNS))
    return {"file": str(path), "lines": len(rows), "purchase_orders": orders}


def _plan_rows(
    engine: Engine, plan_id: int, by: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from tradepilot.replenishment.approval_service import approve_lines
    from tradepilot.replenishment.plan_store import read_lines

    with engine.connect() as conn:
        lines = read_lines(conn, plan_id)
    if lines.height == 0:
        raise DataValidationError(
            f"restock plan {plan_id} does not exist or has no lines; nothing ordered"
        )
    proposed = lines.filter(lines["status"] == "proposed")["id"].to_list()
    orders: list[dict[str, Any]] = []
    if proposed:
        orders = approve_lines(engine, proposed, approved_by=by)["purchase_orders"]
        with engine.connect() as conn:
            lines = read_lines(conn, plan_id)
    return lines.select(PO_COLUMNS).to_dicts(), orders


def write_price_file(
    engine: Engine, payload: dict[str, Any], home: Path, approval_id: int, by: str
) -> dict[str, Any]:
    """Write ``outbox/price-change-<approval>-<sku>.csv`` for the shop to import."""
    sku = payload["sku"]
    if payload["format"] == "shopify":
        row = {
            "Handle": payload.get("handle") or _handle(sku),
            "Title": _title(engine, sku),
            "Variant SKU": sku,
            "Variant Price": f"{payload['price']:.2f}",
        }
        text = _csv([row], SHOPIFY_COLUMNS)
    else:
        row = {"sku": sku, "price": f"{payload['price']:.2f}",
               "currency": payload["currency"]}  # fmt: skip
        text = _csv([row], ["sku", "price", "currency"])
    safe = re.sub(r"[^\w.-]+", "_", sku)[:60]
    path = outbox(home) / f"price-change-{approval_id}-{safe}.csv"
    _write_atomic(path, text)
    return {"file": str(path), "format": payload["format"], "sku": sku,
            "price": payload["price"], "currency": payload["currency"]}  # fmt: skip


def _title(engine: Engine, sku: str) -> str:
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(tables.products.c.description).where(tables.products.c.sku == sku)
        ).scalar()
    return str(found or sku)


def _handle(sku: str) -> str:
    """A Shopify handle from a SKU: lower case, words joined by hyphens.

    >>> _handle("MUG 01/Blue")
    'mug-01-blue'
    """
    return re.sub(r"[^a-z0-9]+", "-", sku.lower()).strip("-") or "product"


def _positive(value: Any) -> TypeGuard[int | float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file so a half-written file is never picked up."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
