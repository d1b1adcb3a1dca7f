"""The scheduled jobs: each reads and writes through the other capabilities'
services and returns what it did (stored as the run's ``detail``).

A job raises :class:`Skipped` when it has nothing to do or a capability is absent
(the run is recorded as ``skipped`` with the note); any TradePilot error makes the
run ``failed`` with the message.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.automation.approvals import list_approvals, propose
from tradepilot.automation.config import AutomationConfig
from tradepilot.automation.inbox_folder import import_waiting
from tradepilot.automation.notify import deliver_due, queue_notification
from tradepilot.store import tables

# Test hook: the job named here blocks (sleeps) once started, so a test can kill the
# worker in the middle of a run. Never set outside tests.
BLOCK_HOOK = "TRADEPILOT_TEST_BLOCK_JOB"
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


class Skipped(Exception):  # noqa: N818 - an outcome, not an error
    """The job had nothing to do; the note says why."""


@dataclass(frozen=True)
class JobContext:
    """What a job runs against."""

    engine: Engine
    home: Path
    config: AutomationConfig


Job = Callable[[JobContext], dict[str, Any]]


def inbox(ctx: JobContext) -> dict[str, Any]:
    """Import new files of the watched folder (see :mod:`.inbox_folder`)."""
    folder = ctx.home / ctx.config.inbox.folder
    done = import_waiting(ctx.engine, folder,
                          settle_seconds=ctx.config.inbox.settle_seconds)  # fmt: skip
    if not done["imported"] and not done["failed"]:
        settling = done["settling"]
        raise Skipped(
            f"{settling} files in {folder} still being copied (changed in the last "
            f"{ctx.config.inbox.settle_seconds:g} s)"
            if settling
            else f"no new files in {folder}"
        )
    note = f"{len(done['imported'])} imported"
    if done["failed"]:
        note += f", {len(done['failed'])} refused (see {folder / 'failed'})"
    return {**done, "note": note}


def forecast(ctx: JobContext) -> dict[str, Any]:
    """Refresh the demand forecast."""
    from tradepilot.forecasting.service import ForecastSettings, forecast_demand

    _require_orders(ctx.engine)
    run = forecast_demand(ctx.engine, ForecastSettings(n_jobs=1))
    return {k: run[k] for k in ("run_id", "series", "seconds") if k in run}


def restock(ctx: JobContext) -> dict[str, Any]:
    """Plan a restock and queue it for approval (never a purchase by itself)."""
    from tradepilot.domain.numbers import format_money
    from tradepilot.replenishment.config import load_purchasing_config
    from tradepilot.replenishment.service import plan_restock

    _require_orders(ctx.engine)
    plan = plan_restock(ctx.engine, load_purchasing_config(ctx.home),
                        budget=ctx.config.restock.budget)  # fmt: skip
    lines = plan["lines"]
    if not lines:
        raise Skipped(f"restock plan {plan['id']}: nothing to order ({plan['status']})")
    money = format_money(plan["spent_base"], plan["base_currency"])
    approval = propose(
        ctx.engine,
        kind="restock_plan",
        title=f"Restock plan {plan['id']}: {len(lines)} lines, "
        f"{money} {plan['base_currency']}",
        payload={"plan_id": int(plan["id"])},
        money_base=float(plan["spent_base"]),
        source="restock",
    )
    return {"plan_id": plan["id"], "lines": len(lines), "approval_id": approval}


def monitors(ctx: JobContext) -> dict[str, Any]:
    """Run the monitors; notify new alerts at or above the configured severity."""
    from tradepilot.risk.service import list_alerts, run_monitors

    seen = {a["id"] for a in list_alerts(ctx.engine, status=None)["alerts"]}
    report = run_monitors(ctx.engine, home=ctx.home)
    floor = SEVERITY_RANK[ctx.config.notify.min_severity]
    new = [
        a
        for a in list_alerts(ctx.engine)["alerts"]
        if a["id"] not in seen and SEVERITY_RANK.get(a["severity"], 0) >= floor
    ]
    queued: list[int] = []
    if new:
        queued = queue_notification(ctx.engine, ctx.config.notify,
                                    subject=f"TradePilot: {len(new)} new alerts",
                                    text=_alert_lines(new))  # fmt: skip
        deliver_due(ctx.engine, ctx.config.notify, home=ctx.home)
    counts = {k: report[k] for k in ("alerts_open", "new", "updated", "closed")}
    return {**counts, "notified": len(new), "deliveries": queued}


def _alert_lines(alerts: list[dict[str, Any]]) -> str:
    from tradepilot.domain.numbers import format_money

    return "\n".join(
        f"- [{a['severity']}] {a['kind']} {a['subject']}: "
        f"{format_money(a['money_at_stake_base'], a['currency'])} {a['currency']}"
        f" at stake. {a['explanation']}"
        for a in alerts
    )


def brief(ctx: JobContext) -> dict[str, Any]:
    """Send the daily brief (the assistant's ``send_brief``, when installed)."""
    try:
        module = importlib.import_module("tradepilot.assistant.brief_service")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("tradepilot.assistant"):
            raise
        raise Skipped("the daily brief is not available (no assistant)") from None
    send_brief = getattr(module, "send_brief", None)
    if send_brief is None:
        raise Skipped("the assistant has no send_brief yet")
    waiting = list_approvals(ctx.engine)
    result: dict[str, Any] = send_brief(ctx.engine, home=ctx.home, waiting=waiting)
    return result


def notifications(ctx: JobContext) -> dict[str, Any]:
    """Retry the deliveries that are due."""
    counts = deliver_due(ctx.engine, ctx.config.notify, home=ctx.home)
    if not any(counts.values()):
        raise Skipped("no deliveries due")
    return counts


def _require_orders(engine: Engine) -> None:
    with engine.connect() as conn:
        found = conn.execute(sa.select(tables.orders.c.id).limit(1)).first()
    if found is None:
        raise Skipped("no orders imported yet")


JOBS: dict[str, Job] = {
    "inbox": inbox,
    "forecast": forecast,
    "restock": restock,
    "monitors": monitors,
    "brief": brief,
    "notifications": notifications,
}


def blocked_by_test_hook(job: str) -> None:
    """Sleep for ever when the test hook names ``job`` (see :data:`BLOCK_HOOK`)."""
    if os.environ.get(BLOCK_HOOK) == job:
        while True:
            time.sleep(0.1)
