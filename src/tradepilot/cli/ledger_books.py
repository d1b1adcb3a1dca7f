"""``tradepilot ledger opening|rules|revalue``: the rest of a small company's
books (opening balances, bank lines categorised by rules, supplier payments,
unrealised FX at month end)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    rows_table,
    stderr,
    stdout,
    workspace_store,
)


def opening(
    file: Annotated[
        Path, typer.Option("--file", help="CSV: account, currency, amount, as_of.")
    ],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Post the opening balances once, balanced against 3000 (owner's equity)."""
    from tradepilot.ledger.books_service import post_opening_balances

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = post_opening_balances(engine, path=file)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"entry {result['entry']}: opening balances of {result['accounts']} accounts"
        f" as of {result['as_of']}; equity {result['equity_base']:,.2f}"
        f" {result['base_currency']}",
        highlight=False,
    )


def rules(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Rules (default: bank-rules.yaml|toml in the workspace)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show, post nothing.")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Categorise bank lines into accounts by rules and post them (idempotent);
    list the lines no rule matched."""
    from tradepilot.ledger.books_service import categorise_bank

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = categorise_bank(engine, home=home, rules_file=file, post=not dry_run)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"{result['lines']:,} bank lines: {result['payouts']:,} payouts (booked from"
        f" the providers), {result['categorised']:,} categorised,"
        f" {len(result['uncategorised']):,} uncategorised; {result['posted']:,}"
        " entries posted now",
        highlight=False,
    )
    accounts = [{"account": a, **v} for a, v in result["by_account"].items()]
    if accounts:
        stdout.print(
            rows_table("By account", accounts, ["account", "name", "lines", "amount"])
        )
    if result["uncategorised"]:
        stdout.print(
            rows_table(
                "Uncategorised",
                result["uncategorised"][:25],
                ["date", "amount", "currency", "text"],
            )  # fmt: skip
        )
    for note in result["notes"]:
        stderr.print(f"note: {escape(note)}", highlight=False)


def revalue(
    through: Annotated[
        str | None, typer.Option(help="Last month to revalue, YYYY-MM.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Unrealised FX: revalue foreign-currency balances at each month end (ECB
    rate), reversed on the 1st of the next month."""
    from tradepilot.ledger.books_service import revalue_fx

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = revalue_fx(engine, through=through)
    if as_json:
        emit_json(result)
        return
    if result["months"]:
        stdout.print(
            rows_table("Unrealised FX", result["months"], ["period", "fx_base"])
        )
    stdout.print(f"{result['posted']} entries posted")
    for note in result["notes"]:
        stderr.print(f"note: {escape(note)}", highlight=False)


def register(ledger_app: typer.Typer) -> None:
    """Add the commands to ``ledger``."""
    for command in (opening, rules, revalue):
        ledger_app.command()(command)
