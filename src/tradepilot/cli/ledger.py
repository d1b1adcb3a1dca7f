"""``tradepilot ledger build|verify|proof|anchor|close|trial-balance|pnl|
balance-sheet|cash``: the double-entry ledger and its hash chain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

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

ledger_app = typer.Typer(
    help="Double-entry ledger: build from orders, verify the hash chain, reports.",
    no_args_is_help=True,
)
DayOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def build(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Post what is new (orders of new imports, undone imports) as chained entries."""
    from tradepilot.ledger.service import build_ledger

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = build_ledger(engine, home=home)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"posted {result['entries']} entries ({result['lines']} lines);"
        f" the ledger holds {result['total_entries']}, head {result['head_hash'][:16]}"
    )
    for note in result["notes"]:
        stderr.print(f"note: {note}", highlight=False)


def verify(
    anchor: Annotated[
        Path | None,
        typer.Option(help="Also check a published anchor file (ledger anchor --json)."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chain from the first entry; exit 1 if anything changed."""
    from tradepilot.ledger.service import verify_ledger

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = verify_ledger(engine, anchor_file=anchor)
    if as_json:
        emit_json(result)
    else:
        stdout.print(
            f"{'intact' if result['ok'] else 'BROKEN'}: {result['entries']} entries"
            f" checked, head {result['head_hash'][:16]}"
        )
    if not result["ok"]:
        bad = result["first_bad"]
        stderr.print(f"entry {bad['entry']}: {bad['problem']}", highlight=False)
        raise typer.Exit(1)


def proof(
    entry: Annotated[int, typer.Argument(help="Entry number (seq).")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Inclusion proof of an entry in its closed period's Merkle root
    (check it with tools/verify_proof.py)."""
    from tradepilot.ledger.service import entry_proof

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = entry_proof(engine, entry)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"entry {entry} is leaf {result['leaf_index']} of {result['leaves']} in"
        f" {result['period']} (root {result['root']}); path of"
        f" {len(result['path'])} hashes. Save with --json and check with"
        " tools/verify_proof.py PROOF --root ROOT"
    )


def anchor(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Record and print the closed periods' Merkle roots and the chain's head."""
    from tradepilot.ledger.service import anchor_ledger

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = anchor_ledger(engine)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        rows_table("Period roots", result["periods"], ["period", "entries", "root"])
    )
    stdout.print(f"head: entry {result['head']['entry']} {result['head']['hash']}")


def close(
    period: Annotated[str, typer.Argument(help="Month to close, YYYY-MM.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a month: record its Merkle root; nothing can be posted into it after."""
    from tradepilot.ledger.service import close_period

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = close_period(engine, period)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"closed {result['period']}: {result['entries']} entries, Merkle root"
        f" {result['merkle_root']}"
    )


def trial_balance(
    as_of: DayOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Balance of every account; debits equal credits."""
    from tradepilot.ledger.reports import trial_balance as compute

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = compute(engine, as_of=_day(as_of))
    if as_json:
        emit_json(result)
        return
    base = result["base_currency"]
    columns = ["account", "name", "debit", "credit"]
    stdout.print(
        rows_table("Trial balance", result["accounts"], columns, currency=base)
    )
    stdout.print(f"difference: {result['difference']}")


def pnl(
    by: Annotated[str, typer.Option(help="month, country, channel or sku.")] = "month",
    start: Annotated[
        dt.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])
    ] = None,
    end: Annotated[
        dt.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Profit and loss in the base currency, in total and per month/country/...."""
    from tradepilot.ledger.reports import profit_and_loss

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = profit_and_loss(engine, by=by, start=_day(start), end=_day(end))
    if as_json:
        emit_json(result)
        return
    columns = [by, "sales_incl_vat_base", "vat_base", "revenue_base", "cogs_base",
               "gross_margin_base"]  # fmt: skip
    totals: dict[str, Any] = {k: v for k, v in result.items() if k.endswith("_base")}
    stdout.print(
        rows_table(
            "Profit and loss",
            [*result["rows"], {by: "total", **totals}],
            columns,
            currency=result["base_currency"],
        )  # fmt: skip
    )


def balance_sheet(
    as_of: DayOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assets, liabilities and equity."""
    from tradepilot.ledger.reports import balance_sheet as compute

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = compute(engine, as_of=_day(as_of))
    if as_json:
        emit_json(result)
        return
    base = result["base_currency"]
    for section in ("assets", "liabilities", "equity"):
        stdout.print(
            rows_table(
                section.title(),
                result[section],
                ["account", "name", "amount"],
                currency=base,
            )  # fmt: skip
        )
    stdout.print(f"profit to date: {result['profit_to_date']}")


def cash(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Bank and channel receivable balances by currency."""
    from tradepilot.ledger.reports import cash_by_currency

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = cash_by_currency(engine)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        rows_table(
            "Cash and receivables",
            result["rows"],
            ["name", "currency", "channel", "amount", "amount_base"],
            currency_columns={"amount": "currency"},
        )  # fmt: skip
    )


def reverse(
    entry: Annotated[int, typer.Argument(help="Entry number to correct.")],
    reason: Annotated[
        str, typer.Option(help="Why (kept in the entry).")
    ] = "correction",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct an entry with a reversing entry (entries are never edited)."""
    from tradepilot.ledger.service import reverse_entry

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = reverse_entry(engine, entry, reason=reason)
    if as_json:
        emit_json(result)
        return
    stdout.print(f"entry {result['entry']} reverses entry {result['reverses']}")


def expense(
    account: Annotated[
        str,
        typer.Option(
            help="Expense account: 6100 ads, 6200 software, 6300 rent, 6400 samples, 6900 other."
        ),
    ],
    amount: Annotated[str, typer.Option(help="Amount paid, e.g. 49.90.")],
    currency: Annotated[str, typer.Option(help="ISO code of the amount.")],
    day: Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"])],
    memo: Annotated[str, typer.Option(help="What it was.")] = "expense",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Post a manual expense paid from the bank."""
    from decimal import Decimal, InvalidOperation

    from tradepilot.domain.errors import DataValidationError
    from tradepilot.ledger.service import post_expense

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise DataValidationError(f"--amount {amount!r} is not a number") from None
        result = post_expense(engine, day=day.date(), account=account, amount=value,
                              currency=currency.upper(), memo=memo)  # fmt: skip
    if as_json:
        emit_json(result)
        return
    stdout.print(f"entry {result['entry']}: {amount} {currency} to {account}")


OutOption = Annotated[Path, typer.Option("--out", help="File to write.")]


def export(
    out: OutOption,
    fmt: Annotated[
        str, typer.Option("--format", help="xero (manual journal CSV).")
    ] = "xero",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the journal as a Xero manual-journal import CSV."""
    from tradepilot.domain.errors import DataValidationError
    from tradepilot.ledger.exports import journal_csv

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        if fmt != "xero":
            raise DataValidationError(f"--format {fmt!r} is not supported; use xero")
        result = journal_csv(engine, out)
    if as_json:
        emit_json(result)
        return
    stdout.print(f"wrote {result['rows']} journal rows to {result['path']}")


def audit_file(
    out: OutOption, workspace: WorkspaceOption = None, as_json: JsonOption = False
) -> None:
    """Write every entry with its lines and hashes (JSON lines) for an auditor."""
    from tradepilot.ledger.exports import audit_file as write

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = write(engine, out)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"wrote {result['entries']} entries to {result['path']}; check it with"
        " tools/verify_proof.py --audit FILE"
    )


vat_app = typer.Typer(help="VAT returns from the ledger.", no_args_is_help=True)


def vat_return(
    scheme: Annotated[str, typer.Option(help="oss, ioss or uk.")],
    period: Annotated[str, typer.Option(help="Quarter (2025Q1) or month (2025-01).")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The EU OSS/IOSS return per member state and rate, or the UK boxes 1-9."""
    from tradepilot.ledger.exports import vat_return as compute

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        result = compute(engine, scheme=scheme, period=period)
    if as_json:
        emit_json(result)
        return
    if "boxes" in result:
        rows = [{"box": k, "amount": v} for k, v in result["boxes"].items()]
        stdout.print(
            rows_table(f"UK VAT return {period} (GBP)", rows, ["box", "amount"])
        )
    else:
        stdout.print(
            rows_table(
                f"{scheme.upper()} return {period}",
                result["member_states"],
                ["member_state", "vat_rate", "taxable_amount", "vat"],
                percents=("vat_rate",),
                currency=result["currency"],
            )  # fmt: skip
        )
    for note in result.get("notes", []):
        stderr.print(f"note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ledger`` to ``app``."""
    from tradepilot.cli.ledger_books import register as register_books

    for command in (build, verify, proof, anchor, close, pnl, cash):
        ledger_app.command()(command)
    ledger_app.command("trial-balance")(trial_balance)
    ledger_app.command("balance-sheet")(balance_sheet)
    ledger_app.command()(export)
    ledger_app.command()(reverse)
    ledger_app.command()(expense)
    ledger_app.command("audit-file")(audit_file)
    register_books(ledger_app)
    app.add_typer(ledger_app, name="ledger")
    vat_app.command("return")(vat_return)
    app.add_typer(vat_app, name="vat")
