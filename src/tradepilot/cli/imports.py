"""``tradepilot import``, ``fx import`` and ``quarantine``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
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
from tradepilot.domain.numbers import format_number

if TYPE_CHECKING:
    from tradepilot.ingest.report import ImportReport

fx_app = typer.Typer(help="Exchange rates.", no_args_is_help=True)
quarantine_app = typer.Typer(
    help="Rows that imports set aside, with reasons.", no_args_is_help=True
)

TOTALS = ("rows_read", "accepted", "quarantined", "duplicates", "orders", "orders_new")


def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="online-retail, shopify, amazon, generic, purchase-orders, inventory, products, fx",
        ),
    ],
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Files to import.")
    ],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML column mapping (generic).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency of files that carry none.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Channel name to record.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import order, purchase-order, inventory, product or FX files.

    Each file is imported in one transaction: interrupted, it leaves the store as it
    was, and running the command again completes it.
    """
    reports = _run_imports(
        fmt,
        files,
        workspace,
        as_json,
        mapping=mapping,
        currency=currency,
        channel=channel,
    )
    _render(reports, as_json)


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
    totals: dict[str, Any] = {k: sum(getattr(r, k) for r in reports) for k in TOTALS}
    reasons: dict[str, int] = {}
    for report in reports:
        for reason, n in report.quarantine_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    dates = [d for r in reports for d in (r.date_min, r.date_max) if d]
    summary = {
        **totals,
        "quarantine_reasons": reasons,
        "date_min": min(dates) if dates else None,
        "date_max": max(dates) if dates else None,
        "seconds": round(sum(r.seconds for r in reports), 3),
        "files": [r.to_dict() for r in reports],
    }
    if as_json:
        emit_json(summary)
        return
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
    for reason, n in reasons.items():
        stdout.print(f"  quarantined {n:,}: {reason}", highlight=False)
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
