"""``tradepilot monitors run``, ``alerts list|snooze|done``, ``risk orders|mark``.

The risk radar imports polars, scipy and scikit-learn; they are imported inside the
commands, so ``tradepilot --help`` does not pay for them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    rows_table,
    show_report,
    stdout,
)
from tradepilot.domain.numbers import format_money

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

monitors_app = typer.Typer(help="Monitors: watch the business, raise alerts.",
                           no_args_is_help=True)  # fmt: skip
alerts_app = typer.Typer(help="Alerts raised by the monitors, by money at stake.",
                         no_args_is_help=True)  # fmt: skip
risk_app = typer.Typer(help="Order risk: scores with reasons, fraud marks.",
                       no_args_is_help=True)  # fmt: skip
DateOption = Annotated[
    dt.datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"],
                 help="Today of the run (default: the newest order day)."),
]  # fmt: skip
AlertId = Annotated[int, typer.Argument(help="Alert id (see `alerts list`).")]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def run(
    date: DateOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run every monitor: new alerts, updated ones, closed ones."""
    from tradepilot.risk.service import run_monitors

    def render(report: dict[str, Any]) -> None:
        stdout.print(
            f"As of {report['today']}: {report['alerts_open']} open alerts "
            f"({report['new']} new, {report['updated']} updated, "
            f"{report['closed']} closed)"
        )
        for note in report["notes"]:
            stdout.print(f"  note: {note}", highlight=False)

    show_report(
        workspace,
        as_json,
        lambda engine, home: run_monitors(engine, home=home, today=_day(date)),
        render,
    )


def list_(
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    status: Annotated[
        str, typer.Option(help="open, snoozed, done, closed or all.")
    ] = "open",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alerts by money at stake (open ones by default)."""
    from tradepilot.risk.service import list_alerts

    def render(report: dict[str, Any]) -> None:
        rows = [
            {**a, "money": format_money(a["money_at_stake_base"], a["currency"])}
            for a in report["alerts"]
        ]
        columns = ["id", "kind", "severity", "subject", "money", "explanation"]
        stdout.print(rows_table("Alerts", rows, columns))

    wanted = None if status == "all" else status
    show_report(
        workspace,
        as_json,
        lambda engine, _home: list_alerts(engine, kind=kind, status=wanted),
        render,
    )


def _triage(
    alert_id: int, status: str, workspace: WorkspaceOption, as_json: bool
) -> None:
    from tradepilot.risk.service import triage_alert

    def render(alert: dict[str, Any]) -> None:
        stdout.print(
            f"alert {alert['id']} ({alert['subject']}) is now {alert['status']}"
        )

    show_report(
        workspace,
        as_json,
        lambda engine, _home: triage_alert(engine, alert_id=alert_id, status=status),
        render,
    )


def snooze(alert_id: AlertId, workspace: WorkspaceOption = None,
           as_json: JsonOption = False) -> None:  # fmt: skip
    """Snooze an alert while its condition lasts."""
    _triage(alert_id, "snoozed", workspace, as_json)


def done(alert_id: AlertId, workspace: WorkspaceOption = None,
         as_json: JsonOption = False) -> None:  # fmt: skip
    """Mark an alert done."""
    _triage(alert_id, "done", workspace, as_json)


def orders(
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Orders from this day."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show this many (0: all).")] = 50,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Orders by fraud-risk score, highest first, with their top signals."""
    from tradepilot.risk.config import load_risk_config
    from tradepilot.risk.order_service import risk_orders

    def compute(engine: Engine, home: Path) -> dict[str, Any]:
        risky = load_risk_config(home).reshipping_countries
        return risk_orders(engine, since=_day(since), limit=limit or None, risky=risky)

    def render(report: dict[str, Any]) -> None:
        rows = [
            {**o, "signals": ", ".join(str(s["signal"]) for s in o["signals"][:3])}
            for o in report["orders"]
        ]
        columns = ["order", "day", "country", "score", "signals", "mark"]
        stdout.print(rows_table("Order risk", rows, columns))

    show_report(workspace, as_json, compute, render)


def mark(
    order: Annotated[str, typer.Argument(help="Order number.")],
    label: Annotated[str, typer.Argument(help="fraud or legit.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark an order fraud or legit: kept, and used to re-weigh the signals."""
    from tradepilot.risk.order_service import mark_order

    show_report(
        workspace,
        as_json,
        lambda engine, _home: mark_order(engine, order=order, label=label),
        lambda r: stdout.print(f"order {r['order']} marked {r['mark']}"),
    )


def register(app: typer.Typer) -> None:
    """Add ``monitors``, ``alerts`` and ``risk`` to ``app``."""
    monitors_app.command()(run)
    alerts_app.command("list")(list_)
    alerts_app.command()(snooze)
    alerts_app.command()(done)
    risk_app.command()(orders)
    risk_app.command()(mark)
    app.add_typer(monitors_app, name="monitors")
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(risk_app, name="risk")
