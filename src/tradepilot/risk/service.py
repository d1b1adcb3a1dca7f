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
    engine: Engine, *, kind: str | None = None, status: str | None = "open"
) -> dict[str, Any]:
    """``{"alerts": [...]}`` by money at stake, largest first.

    Raises
    ------
    DataValidationError
        If ``kind`` or ``status`` is not a known one.
    """
    if kind is not None and kind not in KINDS:
        raise DataValidationError(
            f"--kind must be one of {', '.join(KINDS)}; got {kind!r}"
        )
    if status not in (None, *alert_store.LIVE, "closed"):
        raise DataValidationError(
            f"--status must be open, snoozed, done, closed or all; got {status!r}"
        )
    with engine.connect() as conn:
        return {"alerts": alert_store.read_alerts(conn, kind=kind, status=status)}


def triage_alert(engine: Engine, *, alert_id: int, status: str) -> dict[str, Any]:
    """Snooze an alert or mark it done (the next run keeps that status while the
    condition lasts, and closes it when the condition is gone)."""
    if status not in ("snoozed", "done", "open"):
        raise DataValidationError(
            f"status must be snoozed, done or open; got {status!r}"
        )
    with engine.begin() as conn:
        return alert_store.set_status(conn, alert_id, status)
