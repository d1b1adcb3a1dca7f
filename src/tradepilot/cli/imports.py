"""``tradepilot import`` (and ``import undo``), ``fx import`` and ``quarantine``.

The ingest services (polars) are imported inside the commands, so that the CLI
starts without them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    settings_for,
    stdout,
)
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.numbers import format_number

if TYPE_CHECKING:
    from tradepilot.ingest.report import ImportReport

fx_app = typer.Typer(help="Exchange rates.", no_args_is_help=True)
quarantine_app = typer.Typer(
    help="Rows that imports set aside, with reasons.", no_args_is_help=True
)

TOTALS = (
    "rows_read",
    "accepted",
    "quarantined",
    "duplicates",
    "orders",
    "orders_new",
    "conflicts",
)
UNDO = "undo"
TRUNCATED_EXIT = 3  # a file was cut off mid-row: imported up to the cut
REASONS_SHOWN = 10


def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="online-retail, shopify, amazon, generic, purchase-orders,"
            " inventory, products, fx; payments: stripe, paypal, amazon-settlement,"
            " shopify-payments, bank; or 'undo' followed by an import run id",
        ),
    ],
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="Files to import (undo: the run id)."),
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML column mapping (generic, bank, payments).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency of files that carry none.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Channel name to record.")] = None,
    source: Annotated[
        str | None,
        typer.Option(
            help="Namespace of the order numbers (order formats; default: the"
            " format's name, generic: the mapping's source). Give a second shop"
            " its own, e.g. --source shopify-2."
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read and check every row even of an order file imported before,"
            " unchanged (by default such a file is recognised by its hash).",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import order, purchase-order, inventory, product or FX files; or undo an import.

    Each file is imported in one transaction: interrupted, it leaves the store as it
    was, and running the command again completes it. A file cut off mid-row is
    imported up to the cut, its partial row quarantined, and the command exits 3.

    tradepilot import undo RUN removes everything import run RUN added (its id is
    import_run_id in --json, and in the Imports page's list).
    """
    if fmt == UNDO:
        extra: list[tuple[str, object]] = [("--mapping", mapping)]
        extra += [("--currency", currency)]
        extra += [("--channel", channel), ("--source", source), ("--full", full)]
        _undo(files, [name for name, value in extra if value], workspace, as_json)
        return
    reports = _run_imports(
        fmt,
        files,
        workspace,
        as_json,
        mapping=mapping,
        currency=currency,
        channel=channel,
        source=source,
        full=full,
    )
    _render(reports, as_json)


def _undo(
    args: list[Path], options: list[str], workspace: Path | None, as_json: bool
) -> None:
    """``tradepilot import undo RUN``."""
    with errors_as_messages():
        run_id = _run_id(args, options)
        from tradepilot.ingest.undo import undo_import
        from tradepilot.workspace import open_store

        engine = open_store(settings_for(workspace))
        try:
            result = undo_import(engine, run_id=run_id)
        finally:
            engine.dispose()
    if as_json:
        emit_json(result)
        return
    labels = {"quarantine": "quarantined rows", "fx_rates": "FX rates"}
    removed = ", ".join(
        f"{n:,} {labels.get(table, table.replace('_', ' '))}"
        for table, n in result["removed"].items()
        if n
    )
    stdout.print(
        f"Undid import run {run_id} ({result['source_name']}): removed"
        f" {removed or 'nothing'}.",
        highlight=False,
    )
    for note in result["notes"]:
        stdout.print(f"  {note}", highlight=False)


def _run_id(args: list[Path], options: list[str]) -> int:
    usage = "usage: tradepilot import undo RUN, with RUN an import run id, e.g. 7"
    if options:
        raise DataValidationError(f"{', '.join(options)} do not apply to undo; {usage}")
    if len(args) != 1 or not str(args[0]).isdigit():
        given = " ".join(str(a) for a in args)
        raise DataValidationError(f"{usage}; got {given!r}")
    return int(str(args[0]))


def fx_import(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="ECB eurofxref-hist.csv (or .gz)."),
    ],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import ECB reference rates (eurofxref-hist.csv)."""
    _render(_run_imports("fx", files, workspace, as_json), as_json)


def _run_imports(
    fmt: str, files: list[Path], workspace: Path | None, as_json: bool, **options: Any
) -> list[ImportReport]:
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import open_store

    reports = []
    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        try:
            with progress_reporter(not as_json) as progress:
                for path in files:
                    reports.append(
                        import_file(
                            engine, fmt=fmt, path=path, progress=progress, **options
                        )
                    )
        finally:
            engine.dispose()
    return reports


def _render(reports: list[ImportReport], as_json: bool) -> None:
    """Print the reports; exit 3 if a file was cut off (after printing them)."""
    summary = _summary(reports)
    if as_json:
        emit_json(summary)
    else:
        _print_table(reports)
        _print_reasons(summary["quarantine_reasons"])
        for note in summary["notes"]:
            stdout.print(f"[bold yellow]note:[/] {escape(note)}", highlight=False)
    if summary["truncated"]:
        raise typer.Exit(TRUNCATED_EXIT)


def _summary(reports: list[ImportReport]) -> dict[str, Any]:
    totals: dict[str, Any] = {k: sum(getattr(r, k) for r in reports) for k in TOTALS}
    reasons: dict[str, int] = {}
    for report in reports:
        for reason, n in report.quarantine_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    dates = [d for r in reports for d in (r.date_min, r.date_max) if d]
    return {
        **totals,
        "truncated": any(r.truncated for r in reports),
        "notes": [note for r in reports for note in r.notes],
        "quarantine_reasons": reasons,
        "date_min": min(dates) if dates else None,
        "date_max": max(dates) if dates else None,
        "seconds": round(sum(r.seconds for r in reports), 3),
        "files": [r.to_dict() for r in reports],
    }


def _print_table(reports: list[ImportReport]) -> None:
    table = Table(title="Import", title_justify="left")
    for column in (
        "file",
        "rows read",
        "accepted",
        "quarantined",
        "duplicates",
        "orders",
        "seconds",
    ):
        table.add_column(column, justify="left" if column == "file" else "right")
    for r in reports:
        table.add_row(
            r.source_name,
            f"{r.rows_read:,}",
            f"{r.accepted:,}",
            f"{r.quarantined:,}",
            f"{r.duplicates:,}",
            f"{r.orders:,}",
            format_number(r.seconds, 1),
        )
    stdout.print(table)


def _print_reasons(reasons: dict[str, int]) -> None:
    """The most frequent reasons (a file of conflicts has one per order)."""
    ranked = sorted(reasons.items(), key=lambda item: -item[1])
    for reason, n in ranked[:REASONS_SHOWN]:
        stdout.print(f"  quarantined {n:,}: {reason}", highlight=False)
    if len(ranked) > REASONS_SHOWN:
        more = sum(n for _, n in ranked[REASONS_SHOWN:])
        stdout.print(
            f"  quarantined {more:,} more for {len(ranked) - REASONS_SHOWN:,} other"
            " reasons",
            highlight=False,
        )
    if reasons:
        stdout.print("  see them with: tradepilot quarantine list", style="dim")


def quarantine_list(
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0,
    reason: Annotated[
        str | None, typer.Option(help="Only reasons containing this text.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List quarantined rows with their reason and raw values."""
    from tradepilot.ingest.quarantine import list_quarantine
    from tradepilot.workspace import open_store

    with errors_as_messages():
        from tradepilot.ingest.quarantine import list_quarantine

        engine = open_store(settings_for(workspace))
        page = list_quarantine(engine, limit=limit, offset=offset, reason=reason)
        engine.dispose()
    if as_json:
        emit_json(page)
        return
    table = Table(title=f"Quarantine ({page['count']:,} rows)", title_justify="left")
    for column in ("file", "row", "reason", "raw"):
        table.add_column(column, overflow="fold")
    for row in page["data"]:
        table.add_row(
            row["source_name"], str(row["row_number"]), row["reason"], str(row["raw"])
        )
    stdout.print(table)


def quarantine_export(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every quarantined row to a CSV file (file, row, reason, raw JSON)."""
    from tradepilot.ingest.quarantine import list_quarantine
    from tradepilot.workspace import open_store

    with errors_as_messages():
        from tradepilot.ingest.quarantine import list_quarantine

        engine = open_store(settings_for(workspace))
        page = list_quarantine(engine, limit=None)
        engine.dispose()
    fields = ["id", "format", "source_name", "row_number", "reason", "raw"]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in page["data"]:
            writer.writerow({**row, "raw": _json(row["raw"])})
    result = {"rows": page["count"], "out": str(out)}
    if as_json:
        emit_json(result)
    else:
        stdout.print(f"Wrote {page['count']:,} quarantined rows to {out}")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command("import")(import_)
    fx_app.command("import")(fx_import)
    quarantine_app.command("list")(quarantine_list)
    quarantine_app.command("export")(quarantine_export)
    app.add_typer(fx_app, name="fx")
    app.add_typer(quarantine_app, name="quarantine")
