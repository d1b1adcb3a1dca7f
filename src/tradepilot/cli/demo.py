"""``tradepilot demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tradepilot.cli.output import (
    JsonOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    stdout,
)
from tradepilot.cli.serve import run_server
from tradepilot.domain.numbers import format_money, format_number, format_percent

if TYPE_CHECKING:
    from tradepilot.demo import DemoResult

# The demo never uses $TRADEPILOT_HOME (see tradepilot.demo.DEFAULT_DEMO_HOME).
DemoWorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Demo workspace directory (default: ./tradepilot-demo; never your"
        " workspace or $TRADEPILOT_HOME).",
        show_default=False,
    ),
]


def demo(
    workspace: DemoWorkspaceOption = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Return after building the demo.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    as_json: JsonOption = False,
) -> None:
    """Build a fresh demo workspace from the simulated store, run everything, serve it.

    The demo always uses an embedded SQLite store in its own directory
    (default ./tradepilot-demo), never your workspace.
    """
    from tradepilot.config import Settings
    from tradepilot.demo import DEFAULT_DEMO_HOME, build_demo

    home = workspace or DEFAULT_DEMO_HOME
    with errors_as_messages(), progress_reporter(not as_json) as progress:
        result = build_demo(home, progress=progress)
    if as_json:
        emit_json(
            {
                "workspace": str(home.resolve()),
                "imports": [r.to_dict() for r in result.imports],
                "status": result.status,
                "forecast": result.forecast,
                "backtest": result.backtest,
                "margins": result.margins,
                "customers": result.customers,
                "payments": result.payments,
                "monitors": result.monitors,
                "brief": result.brief,
            }
        )
        return
    _summary(result)
    stdout.print(
        f"Log in as [bold]{result.owner_email}[/] with password"
        f" [bold]{result.owner_password}[/] (also in {home / 'demo-login.txt'})"
    )
    if not no_serve:
        with errors_as_messages():
            run_server(Settings(home=home, database_url=None), host=host, port=port)


def _summary(result: DemoResult) -> None:
    table = Table(title="Demo imports", title_justify="left")
    for column in (
        "file",
        "format",
        "rows read",
        "accepted",
        "quarantined",
        "duplicates",
    ):
        table.add_column(
            column, justify="left" if column in ("file", "format") else "right"
        )
    for r in result.imports:
        table.add_row(
            r.source_name,
            r.format,
            f"{r.rows_read:,}",
            f"{r.accepted:,}",
            f"{r.quarantined:,}",
            f"{r.duplicates:,}",
        )
    stdout.print(table)
    s = result.status
    stdout.print(
        f"[bold]{s['orders']:,}[/] orders, {s['order_lines']:,} lines, "
        f"{s['customers']:,} customers, {s['products']:,} products, "
        f"{len(s['countries'])} countries, currencies {', '.join(s['currencies'])}"
    )
    stdout.print(
        f"{s['date_min'][:10]} to {s['date_max'][:10]}; revenue "
        f"[bold]{format_money(s['revenue_base'], s['base_currency'])}"
        f" {s['base_currency']}[/] (at ECB-format daily rates)"
    )
    if result.forecast:
        f = result.forecast
        stdout.print(
            f"Forecast: {f['series']:,} series x {f['periods']} weeks from"
            f" {f['first_period']} in {f['seconds']} s; models chosen:"
            f" {', '.join(f'{m} {n}' for m, n in f['model_choices'].items())}"
        )
    if result.backtest:
        b, best = result.backtest, result.backtest["best_baseline"]
        stdout.print(
            f"Backtest from {b['cutoff']}: RMSSE {_score(b)} over {b['series']:,}"
            f" series; best single baseline {best} {_score(b['baselines'].get(best))}"
        )
    if result.margins:
        m = result.margins
        rate = format_percent(m["margin_rate"])
        stdout.print(
            f"Margins: {m['cells']:,} SKU x country cells,"
            f" {format_number(m['yearly_margin'])}"
            f" {m['currency']} a year ({rate} of net revenue); losing money in:"
            f" {', '.join(m['losing_countries']) or 'none'} (tradepilot margins)"
        )
    if result.customers:
        c = result.customers
        names = ", ".join(
            f"{s['name']} ({format_percent(s['share_margin'])} of margin)"
            for s in c["segments"][:3]
        )
        stdout.print(
            f"Customers: {c['customers']:,} in {len(c['segments'])} segments; largest"
            f" by margin: {names} (tradepilot customers segments)"
        )
    if result.support:
        stdout.print(
            f"Inbox: {result.support['added']:,} support messages in 8 languages"
            " imported and triaged (tradepilot inbox list; the Inbox page)"
        )
    if result.payments:
        found = result.payments["discrepancies"]
        kinds = sorted({d["kind"].replace("_", " ") for d in found})
        stdout.print(
            f"Payments: {result.payments['payouts']['count']:,} payouts reconciled;"
            f" {len(found):,} discrepancies ({', '.join(kinds) or 'none'})"
            " (tradepilot payouts reconcile; the Money page)"
        )
    if result.monitors:
        by_kind = result.monitors["by_kind"]
        counts = ", ".join(
            f"{k.replace('_', ' ')} {n}" for k, n in sorted(by_kind.items())
        )
        stdout.print(
            f"Risk radar: {result.monitors['alerts_open']:,} open alerts ({counts})"
            " (tradepilot alerts list; the Alerts page)"
        )
    if result.brief:
        stdout.print()
        stdout.print(
            result.brief["text"], highlight=False, markup=False, end="", soft_wrap=True
        )
        stdout.print("(tradepilot brief; the Today page)\n", highlight=False)
    stdout.print(
        f"Workspace: {result.home.resolve()}  (try: tradepilot status -w {result.home})"
    )


def _score(accuracy: dict[str, Any] | None) -> str:
    rmsse = (accuracy or {}).get("rmsse")
    return "–" if rmsse is None else f"{rmsse:.3f}"


def register(app: typer.Typer) -> None:
    """Add this command to ``app``."""
    app.command()(demo)
