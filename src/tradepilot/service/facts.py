"""The facts a reply may state, read from the store for one message.

Only what the store knows or the settings say: the order (number, date, items,
status), the dispatch day (order day plus ``handling_days``), the delivery
estimate at the lanes' delivery probability (90% by default, from the landed-cost
lanes through :func:`tradepilot.logistics.service.trade_context`), the refund
under the return policy of ``service.toml``, the tracking link, the seller's name
and signature. What is estimated rather than recorded is said in ``notes``.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.errors import TradePilotError
from tradepilot.service.config import ServiceConfig
from tradepilot.store import tables

DEFAULT_WEIGHT_KG = 0.5
CENT = Decimal("0.01")


def message_facts(
    conn: Connection,
    message: Any,
    *,
    config: ServiceConfig,
    home: Path,
    today: dt.date,
) -> dict[str, Any]:
    """Facts for the reply to ``message`` (a stored support message row)."""
    facts: dict[str, Any] = {
        "seller_name": config.seller_name,
        "signature": config.signature or config.seller_name,
        "subject": message.subject,
        "first_name": _first_name(message.sender_name),
        "handling_days": config.handling_days,
        "return_days": config.return_policy.days,
    }
    notes: list[str] = []
    entities = _json(message.entities)
    tracking = [t["number"] for t in entities.get("tracking_numbers", [])]
    if tracking:
        facts["tracking_number"] = tracking[0]
        if config.tracking_url:
            facts["tracking_link"] = config.tracking_url.format(tracking=tracking[0])
    if message.order_id is not None:
        facts.update(_order_facts(conn, message.order_id, config, home, today, notes))
    if "tracking_link" not in facts:
        notes.append("no tracking number on file for this order")
    facts["notes"] = notes
    return facts


def _json(text: str | None) -> dict[str, Any]:
    import json

    found = json.loads(text) if text else {}
    return found if isinstance(found, dict) else {}


def _first_name(name: str | None) -> str | None:
    if not name:
        return None
    first = name.replace('"', "").split()[0]
    return first if first.isalpha() else None


def _order_facts(
    conn: Connection,
    order_id: int,
    config: ServiceConfig,
    home: Path,
    today: dt.date,
    notes: list[str],
) -> dict[str, Any]:
    orders, lines = tables.orders, tables.order_lines
    order = conn.execute(sa.select(orders).where(orders.c.id == order_id)).one()
    rows = conn.execute(
        sa.select(
            lines.c.id,
            lines.c.sku,
            lines.c.description,
            lines.c.quantity,
            lines.c.unit_price,
            lines.c.kind,
            tables.products.c.weight_kg,
        )  # fmt: skip
        .select_from(
            lines.outerjoin(tables.products, lines.c.sku == tables.products.c.sku)
        )
        .where(lines.c.order_id == order_id)
        .order_by(lines.c.id)
    ).all()
    ordered = order.ordered_at.date()
    ship = ordered + dt.timedelta(days=config.handling_days)
    status, reversed_value = _status(conn, [r.id for r in rows], shipped=ship <= today)
    products = [r for r in rows if r.kind == "product"]
    goods = sum((r.unit_price * r.quantity for r in products), Decimal(0))
    goods -= reversed_value  # what a return or cancellation already refunded
    shipping = sum(
        (r.unit_price * r.quantity for r in rows if r.kind == "shipping"), Decimal(0)
    )
    weight = sum((r.weight_kg or DEFAULT_WEIGHT_KG) * r.quantity for r in products)
    facts: dict[str, Any] = {
        "order_number": order.order_number,
        "order_date": ordered.isoformat(),
        "country": order.country,
        "currency": order.currency,
        "order_status_code": status,
        "items": [
            {"sku": r.sku, "description": r.description, "quantity": r.quantity}
            for r in products
        ],
        "items_text": ", ".join(
            f"{r.quantity} x {r.description or r.sku}" for r in products
        ),
        "order_total": f"{(goods + shipping).quantize(CENT)} {order.currency}",
    }
    if status != "cancelled":
        facts["ship_date"] = ship.isoformat()
        notes.append(
            f"ship date estimated: order day plus handling_days ({config.handling_days})"
        )
    days = _delivery_days(conn, home, order.country, max(weight, 0.1), notes)
    if days is not None:
        facts["delivery_days"] = days
        facts["delivery_estimate"] = (ship + dt.timedelta(days=days)).isoformat()
    facts.update(
        _refund(goods, shipping, order.currency, config, ordered, today, notes)
    )
    return facts


def _status(
    conn: Connection, line_ids: list[int], *, shipped: bool
) -> tuple[str, Decimal]:
    """The order's status and the value of its lines later reversed: cancelled
    or returned when a later order reverses its lines; else shipped once the
    dispatch day has passed, placed before."""
    reversals: list[Any] = []
    if line_ids:
        lines, orders = tables.order_lines, tables.orders
        reversals = list(
            conn.execute(
                sa.select(orders.c.kind, lines.c.quantity, lines.c.unit_price)
                .select_from(lines.join(orders, lines.c.order_id == orders.c.id))
                .where(lines.c.reverses_line_id.in_(line_ids))
            ).all()
        )
    value = sum((abs(r.quantity) * r.unit_price for r in reversals), Decimal(0))
    kinds = {r.kind for r in reversals}
    if "return" in kinds:
        return "returned", value
    if "cancellation" in kinds:
        return "cancelled", value
    return ("shipped" if shipped else "placed"), value


def _delivery_days(
    conn: Connection, home: Path, country: str, weight: float, notes: list[str]
) -> int | None:
    """Days from dispatch to delivery at the lanes' delivery probability."""
    from tradepilot.logistics.service import trade_context

    try:
        context = trade_context(conn, home)
        config = context.config
        route = context.lanes.best(
            config.origin_node or config.origin,
            country,
            weight_kg=weight,
            probability=config.delivery_probability,
            currency=context.base,
        )
    except TradePilotError as exc:
        notes.append(f"no delivery estimate: {exc}")
        return None
    notes.append(
        f"delivery estimate: {route.describe()} (lanes.yaml; at"
        f" {config.delivery_probability:.0%} probability)"
    )
    return math.ceil(round(route.days_at_probability, 6))


def _refund(
    goods: Decimal,
    shipping: Decimal,
    currency: str,
    config: ServiceConfig,
    ordered: dt.date,
    today: dt.date,
    notes: list[str],
) -> dict[str, Any]:
    policy = config.return_policy
    amount = goods * (1 - Decimal(repr(policy.restocking_fee)))
    if policy.refund_shipping:
        amount += shipping
    facts: dict[str, Any] = {"refund_amount": f"{amount.quantize(CENT)} {currency}"}
    notes.append(
        f"refund under service.toml's return policy: goods"
        f"{' and shipping' if policy.refund_shipping else ''}, restocking fee"
        f" {policy.restocking_fee:.0%}"
    )
    if (today - ordered).days > policy.days + 30:
        notes.append(
            f"the order is {(today - ordered).days} days old: probably outside the"
            f" {policy.days}-day return window"
        )
        facts["outside_return_window"] = True
    return facts
