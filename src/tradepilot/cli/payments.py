"""``tradepilot payouts reconcile`` and ``tradepilot fx exposure``.

The imports (``tradepilot import stripe|paypal|amazon-settlement|shopify-payments|
bank FILE``) are formats of ``tradepilot import``. The payments service is imported
inside the commands, so that the CLI starts without it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    cell,
    emit_json,
    errors_as_messages,
    rows_table,
    stdout,
    workspace_store,
)

payouts_app = typer.Typer(
    help="Payouts: reconcile payments, orders, payouts and the bank.",
    no_args_is_help=True,
)
SHOWN = 25


@payouts_app.command("reconcile")
def reconcile(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Match every payment to its order and every payout to its bank credit.

    Reports orders never paid, payments without an order, amounts that differ,
    fees above the schedule in payments.toml, refunds not recorded, duplicate
    charges, payouts missing from the bank or paid twice, and the FX spread paid
    on each conversion against the ECB mid rate, each with its evidence and what
    to do. Exact ids match first, then amount/date/currency windows (stated in
    the report).
    """
    from tradepilot.payments.service import reconcile_payouts

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = reconcile_payouts(engine, home=home)
    if as_json:
        emit_json(result)
        return
    _print_reconciliation(result)


def _print_reconciliation(result: dict[str, Any]) -> None:
    payouts, matched = result["payouts"], result["matched"]
    stdout.print(
        f"[bold]Payouts[/]: {payouts['count']:,}, {payouts['matched_to_bank']:,}"
        f" found in the bank; fees {result['fees_base']:,.2f}, FX spread cost"
        f" {result['fx_spread_cost_base']:,.2f} (base currency)",
        highlight=False,
    )
    if "orders" in matched:
        o, p = matched["orders"], matched["payouts"]
        stdout.print(
            f"matched: {o['by_id']:,} payment rows by order id, {o['by_window']:,} by"
            f" amount/date window; payouts {p['by_reference']:,} by reference,"
            f" {p['by_window']:,} by window, converted"
            f" {p.get('by_fx_reference', 0) + p['by_fx_window']:,}",
            highlight=False,
        )
    shown = result["discrepancies"][:SHOWN]
    stdout.print(
        f"[bold]Discrepancies[/]: {len(result['discrepancies']):,}"
        + (
            f" (first {SHOWN} shown; --json for all)"
            if len(shown) < len(result["discrepancies"])
            else ""
        )
    )
    ids = matched.get("open_ids", [])
    for n, d in enumerate(shown):
        amount = cell(d["amount"], currency=d["currency"])
        key = f"[dim]{ids[n]}[/] " if n < len(ids) else ""
        stdout.print(
            f"  {key}[bold]{d['kind']}[/] {d['provider']}"
            f" {escape(d['order'] or d['payout'] or '')} {amount} {d['currency']}",
            highlight=False,
        )
        stdout.print(f"    -> {escape(d['action'])}", highlight=False, style="dim")
    if closed := matched.get("closed"):
        stdout.print(
            f"{len(closed):,} more resolved or ignored ('payouts discrepancies --all')"
        )
    for note in matched.get("notes", []):
        stdout.print(f"[bold yellow]note:[/] {escape(note)}", highlight=False)


@payouts_app.command("discrepancies")
def discrepancies(
    show_all: Annotated[
        bool, typer.Option("--all", help="Also those resolved or ignored.")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the discrepancies with their ids (for 'payouts resolve ID')."""
    from tradepilot.payments.service import list_discrepancies

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = list_discrepancies(engine, home=home, include_closed=show_all)
    if as_json:
        emit_json(result)
        return
    columns = ["id", "status", "kind", "provider", "order", "payout", "amount",
               "currency", "note"]  # fmt: skip
    title = f"Discrepancies: {result['open']:,} open, {result['closed']:,} closed"
    stdout.print(rows_table(title, result["data"], columns))


@payouts_app.command("resolve")
def resolve(
    key: Annotated[str, typer.Argument(metavar="ID", help="From 'discrepancies'.")],
    note: Annotated[str, typer.Option(help="Why: kept with the decision.")] = "",
    status: Annotated[
        str, typer.Option(help="resolved, ignored, or open (take it back).")
    ] = "resolved",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark a discrepancy resolved or ignored, with a note; it stays so when the
    reconciliation runs again and leaves the open ones."""
    from tradepilot.payments.service import decide_discrepancy

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = decide_discrepancy(
            engine, key=key, status=status, note=note, home=home
        )
    if as_json:
        emit_json(result)
        return
    d = result["discrepancy"]
    stdout.print(
        f"{result['id']} ({d['kind']} {escape(d['order'] or d['payout'] or '')}):"
        f" {result['status']}",
        highlight=False,
    )


def exposure(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Cash and receivables by currency, what a 5% move does, spreads per provider."""
    from tradepilot.payments.service import fx_exposure

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = fx_exposure(engine, home=home)
    if as_json:
        emit_json(result)
        return
    columns = [
        "currency", "cash", "receivables", "total_base", "move_5pct_cash_base",
        "sales_12m_base", "move_5pct_margin_base",
    ]  # fmt: skip
    title = f"FX exposure in {result['base_currency']} as of {result['as_of']}"
    stdout.print(rows_table(title, result["currencies"], columns))
    if result["providers"]:
        spread_columns = ["provider", "conversions", "converted_base", "cost_base"]
        stdout.print(
            rows_table("FX spread by provider", result["providers"], spread_columns)
        )
    if (cheapest := result["cheapest"]) is not None:
        stdout.print(
            f"at {cheapest['provider']}'s spread ({cheapest['average_spread']:.2%})"
            f" every conversion would have cost {cheapest['cost_base_at_cheapest']:,.2f}"
            f" instead of {cheapest['cost_base']:,.2f}",
            highlight=False,
        )
    for note in result["notes"]:
        stdout.print(f"[bold yellow]note:[/] {escape(note)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``payouts`` and ``fx exposure`` to ``app``."""
    from tradepilot.cli.imports import fx_app

    fx_app.command("exposure")(exposure)
    app.add_typer(payouts_app, name="payouts")
