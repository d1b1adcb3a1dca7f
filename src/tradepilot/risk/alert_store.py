"""Alerts in the store: a run's alerts update the live ones instead of duplicating.

A live alert (open, snoozed or done) is matched by its key (kind and subject). A run
inserts the keys it has not seen, updates the ones whose figures changed and closes
the live ones it no longer raises. On unchanged data nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.errors import DataValidationError
from tradepilot.risk.alert import Alert
from tradepilot.store.tables_risk import risk_alerts

LIVE = ("open", "snoozed", "done")


def save_run(
    conn: Connection,
    alerts: Sequence[Alert],
    *,
    today: dt.date,
    currency: str,
    kinds: Sequence[str] | None = None,
) -> dict[str, int]:
    """Store one run's ``alerts``; ``kinds`` limits the closing to the kinds that
    ran (default: every kind). Returns ``{"new", "updated", "closed"}``."""
    t = risk_alerts
    live = {
        row.key: row
        for row in conn.execute(sa.select(t).where(t.c.status.in_(LIVE))).all()
    }
    counts = {"new": 0, "updated": 0, "closed": 0}
    now = dt.datetime.now(dt.UTC)
    seen = set()
    for alert in alerts:
        if alert.key in seen:
            continue
        seen.add(alert.key)
        values = _values(alert, currency)
        row = live.get(alert.key)
        if row is None:
            conn.execute(
                t.insert().values(
                    key=alert.key, kind=alert.kind, subject=alert.subject,
                    first_seen=today, last_seen=today, status="open",
                    updated_at=now, **values,
                )
            )  # fmt: skip
            counts["new"] += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if row.last_seen != today:
            changed["last_seen"] = today
        if changed:
            conn.execute(
                t.update().where(t.c.id == row.id).values(updated_at=now, **changed)
            )
            counts["updated"] += 1
    for key, row in live.items():
        if key in seen or (kinds is not None and row.kind not in kinds):
            continue
        conn.execute(
            t.update()
            .where(t.c.id == row.id)
            .values(status="closed", closed_at=today, updated_at=now)
        )
        counts["closed"] += 1
    return counts


def _values(alert: Alert, currency: str) -> dict[str, Any]:
    return {
        "severity": alert.severity,
        "money_at_stake_base": alert.money_at_stake,
        "currency": currency,
        "explanation": alert.explanation,
        "evidence": json.dumps(alert.evidence, sort_keys=True, default=str),
    }


def count_open(conn: Connection) -> int:
    """Open alerts (snoozed and done ones not counted)."""
    query = sa.select(sa.func.count()).where(risk_alerts.c.status == "open")
    return int(conn.execute(query).scalar_one())


def read_alerts(
    conn: Connection,
    *,
    kind: str | None = None,
    status: str | None = "open",
    leave_out: Sequence[str] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Alerts by money at stake (largest first), of one kind and status if given,
    without the kinds in ``leave_out``; ``limit`` of them from ``offset``."""
    t = risk_alerts
    query = sa.select(t).order_by(t.c.money_at_stake_base.desc(), t.c.id)
    if kind is not None:
        query = query.where(t.c.kind == kind)
    if status is not None:
        query = query.where(t.c.status == status)
    if leave_out:
        query = query.where(t.c.kind.not_in(list(leave_out)))
    query = query.limit(limit).offset(offset or None)
    return [public(row._mapping) for row in conn.execute(query).all()]


def sum_by_kind(conn: Connection, *, status: str = "open") -> list[dict[str, Any]]:
    """Per kind and currency: ``kind, currency, count, money, largest`` (money at
    stake summed and largest), the kind of the largest alert first."""
    t = risk_alerts
    money = t.c.money_at_stake_base
    largest = sa.func.max(money).label("largest")
    query = (
        sa.select(t.c.kind, t.c.currency, sa.func.count().label("count"),
                  sa.func.sum(money).label("money"), largest)
        .where(t.c.status == status)
        .group_by(t.c.kind, t.c.currency)
        .order_by(largest.desc(), t.c.kind)
    )  # fmt: skip
    return [dict(row._mapping) for row in conn.execute(query).all()]


def public(row: Any) -> dict[str, Any]:
    """The JSON contract of one alert."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "severity": row["severity"],
        "subject": row["subject"],
        "money_at_stake_base": row["money_at_stake_base"],
        "currency": row["currency"],
        "explanation": row["explanation"],
        "evidence": json.loads(row["evidence"]),
        "first_seen": row["first_seen"].isoformat(),
        "last_seen": row["last_seen"].isoformat(),
        "status": row["status"],
    }


def set_status(conn: Connection, alert_id: int, status: str) -> dict[str, Any]:
    """Snooze an alert or mark it done; a closed one cannot change.

    Raises
    ------
    DataValidationError
        If there is no alert ``alert_id`` or it is closed.
    """
    t = risk_alerts
    row = conn.execute(sa.select(t).where(t.c.id == alert_id)).first()
    if row is None:
        raise DataValidationError(f"no alert {alert_id}; see `tradepilot alerts list`")
    if row.status == "closed":
        raise DataValidationError(
            f"alert {alert_id} is closed (its condition is gone); it cannot be {status}"
        )
    now = dt.datetime.now(dt.UTC)
    conn.execute(t.update().where(t.c.id == alert_id).values(status=status,
                                                              updated_at=now))  # fmt: skip
    found = conn.execute(sa.select(t).where(t.c.id == alert_id)).one()
    return public(found._mapping)
