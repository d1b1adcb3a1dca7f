"""Use-case verbs of the risk radar: run the monitors, list and triage alerts.

``run_monitors`` reads the store's state through the other capabilities' services
(:mod:`tradepilot.risk.inputs`), evaluates every monitor
(:mod:`tradepilot.risk.monitors`) and saves the alerts
(:mod:`tradepilot.risk.alert_store`): updated, not duplicated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.risk import alert_store
from tradepilot.risk.alert import KINDS
from tradepilot.risk.config import load_risk_config
from tradepilot.risk.inputs import read_risk_inputs
from tradepilot.risk.monitors import evaluate


def run_monitors(
    engine: Engine, *, home: Path, today: dt.date | None = None
) -> dict[str, Any]:
    """Run every monitor as of ``today`` (default: the newest order day).

    Returns
    -------
    dict
        ``alerts_open, new, updated, closed`` and ``today``, ``notes`` (monitors
        skipped and why), ``by_kind`` (open alerts per kind).
    """
    from tradepilot.risk.order_service import order_risk_alerts

    config = load_risk_config(home)
    inputs = read_risk_inputs(
        engine, home=home, today=today, horizon_days=config.rule_horizon_days
    )
    alerts, notes = evaluate(inputs, config)
    alerts += order_risk_alerts(engine, today=inputs.today, config=config)
    with engine.begin() as conn:
        counts = alert_store.save_run(
            conn, alerts, today=inputs.today, currency=inputs.base
        )
        open_alerts = alert_store.read_alerts(conn)
    by_kind: dict[str, int] = {}
    for alert in open_alerts:
        by_kind[alert["kind"]] = by_kind.get(alert["kind"], 0) + 1
    return {
        "alerts_open": len(open_alerts),
        **counts,
        "today": inputs.today.isoformat(),
        "by_kind": by_kind,
        "notes": notes,
    }


def list_alerts(
    engine: Engine,
    *,
    kind: str | None = None,
    status: str | None = "open",
    limit: int | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """``{"alerts": [...]}`` by money at stake, largest first; ``limit`` of them
    (default: all) from ``offset``.

    Raises
    ------
    DataValidationError
        If ``kind`` or ``status`` is not a known one, or ``limit`` is below 1 or
        ``offset`` below 0.
    """
    _check_filters(kind=kind, status=status)
    if limit is not None and limit < 1:
        raise DataValidationError(f"limit must be at least 1; got {limit}")
    if offset < 0:
        raise DataValidationError(f"offset must be at least 0; got {offset}")
    with engine.connect() as conn:
        found = alert_store.read_alerts(
            conn, kind=kind, status=status, limit=limit, offset=offset
        )
    return {"alerts": found}


def _check_filters(*, kind: str | None, status: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise DataValidationError(
            f"--kind must be one of {', '.join(KINDS)}; got {kind!r}"
        )
    if status not in (None, *alert_store.LIVE, "closed"):
        raise DataValidationError(
            f"--status must be open, snoozed, done, closed or all; got {status!r}"
        )


def page_alerts(
    engine: Engine,
    *,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
    group_from: int | None = 20,
) -> dict[str, Any]:
    """One page of the open alerts for the Alerts page, by money at stake.

    Without ``kind``, a kind with more than ``group_from`` open alerts (``None``:
    never) is not listed alert by alert but summed up in ``grouped``.

    Returns
    -------
    dict
        ``alerts`` (this page's), ``total`` (alerts listed over all pages),
        ``page`` (clamped to 1..``pages``), ``pages``, ``per_page``,
        ``by_kind`` (``kind, currency, count, money, largest`` of every open kind,
        the kind of the largest alert first) and ``grouped`` (the ``by_kind`` rows
        not listed).

    Raises
    ------
    DataValidationError
        If ``kind`` is not a known one or ``page``/``per_page`` are below 1.
    """
    _check_filters(kind=kind, status="open")
    if page < 1 or per_page < 1:
        raise DataValidationError(
            f"page and per_page must be at least 1; got {page} and {per_page}"
        )
    with engine.connect() as conn:
        by_kind = alert_store.sum_by_kind(conn)
        grouped = [
            row for row in by_kind
            if kind is None and group_from is not None and row["count"] > group_from
        ]  # fmt: skip
        left_out = sorted({row["kind"] for row in grouped})
        listed = [r for r in by_kind if r["kind"] not in left_out]
        total = sum(r["count"] for r in listed if kind is None or r["kind"] == kind)
        pages = max(1, -(-total // per_page))
        page = min(page, pages)
        found = alert_store.read_alerts(
            conn, kind=kind, leave_out=left_out, limit=per_page,
            offset=(page - 1) * per_page,
        )  # fmt: skip
    return {"alerts": found, "total": total, "page": page, "pages": pages,
            "per_page": per_page, "by_kind": by_kind, "grouped": grouped}  # fmt: skip


def triage_alert(engine: Engine, *, alert_id: int, status: str) -> dict[str, Any]:
    """Snooze an alert or mark it done (the next run keeps that status while the
    condition lasts, and closes it when the condition is gone)."""
    if status not in ("snoozed", "done", "open"):
        raise DataValidationError(
            f"status must be snoozed, done or open; got {status!r}"
        )
    with engine.begin() as conn:
        return alert_store.set_status(conn, alert_id, status)
