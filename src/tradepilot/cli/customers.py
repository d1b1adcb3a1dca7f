"""``tradepilot customers summary|show|segments|clv|propensity|merge|unmerge|forget|
export-person``.

The customers capability imports scipy and scikit-learn; they are imported inside
the commands, so ``tradepilot --help`` does not pay for them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    rows_table,
    stdout,
    workspace_store,
)
from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.numbers import format_money, format_number, format_percent

customers_app = typer.Typer(
    help="Customers: profiles, segments, lifetime value and churn, privacy.",
    no_args_is_help=True,
)
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Figures as of this day."),
]
CustomerArgument = Annotated[
    str,
    typer.Argument(
        help="Id as the source file writes it (17850), source:id or an e-mail."
    ),
]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def summary(
    as_of: AsOfOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Customers, repeat rate, revenue and margin, the best customers, segments."""
    from tradepilot.customers.service import customer_summary

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = customer_summary(engine, home=home, as_of=_day(as_of))
    if as_json:
        emit_json(report)
        return
    base = report["base_currency"]
    stdout.print(
        f"{format_number(report['customers'])} customers as of {report['as_of']}"
        f" ({format_percent(report['repeat_rate'])} bought more than once,"
        f" {format_number(report['active_90_days'])} in the last 90 days);"
        f" revenue {format_money(report['revenue'], base)} {base}, margin"
        f" {format_money(report['margin'], base)} {base}"
    )
    stdout.print(
        rows_table(
            "Best customers by revenue",
            report["top_customers"],
            ["customer", "orders", "revenue", "margin", "last_order"],
            currency=base,
        )
    )
    if report["segments"]:
        _print_segments(report["segments"]["segments"], base)


def show(
    customer: CustomerArgument,
    as_of: AsOfOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """One customer: records and why they are one person, figures, value, orders."""
    from tradepilot.customers.overview import show_customer

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = show_customer(engine, home=home, ref=customer, as_of=_day(as_of))
    if as_json:
        emit_json(report)
        return
    base = report["base_currency"]
    figures = report["figures"]
    stdout.print(
        f"[bold]{report['customer']}[/] — {report.get('segment') or 'no segment yet'}"
    )
    for record in report["records"]:
        stdout.print(
            f"  {record['source']}:{record['external_id']} ({record['reason']})"
        )
    if figures:
        stdout.print(
            f"{figures['orders']} orders from {figures['first_order']} to"
            f" {figures['last_order']}, revenue {format_money(figures['revenue'], base)}"
            f" {base}, margin {format_money(figures['margin'], base)} {base},"
            f" returns {format_percent(figures['return_rate'])}"
        )
    value = report.get("value")
    if value:
        stdout.print(
            f"P(alive) {format_percent(value['p_alive'])}, expected"
            f" {value['expected_purchases']:.1f} purchases and"
            f" {format_money(value['expected_value'], base)} {base} in the next"
            f" {value['horizon']:g} weeks{' — churn risk' if value['churn_risk'] else ''}"
        )
    stdout.print(
        rows_table(
            "Recent orders",
            report["recent_orders"],
            ["order_number", "day", "kind", "channel", "amount"],
            currency=base,
        )
    )


def segments(
    as_of: AsOfOption = None,
    export: Annotated[
        str | None, typer.Option(help="Export this segment's saved list.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="CSV file of the export.")] = None,
    marketing: Annotated[
        bool,
        typer.Option(
            "--marketing",
            help="Export contact data, only of customers who accept marketing.",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Segment the customers (RFM and a Gaussian mixture), save the lists; with
    --export NAME --out F.csv also write one list."""
    from tradepilot.customers.overview import export_segment
    from tradepilot.customers.service import customer_segments

    if export is not None and out is None:
        raise typer.BadParameter("--export needs --out FILE.csv")
    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = customer_segments(engine, home=home, as_of=_day(as_of))
        if export is not None and out is not None:
            report["export"] = export_segment(
                engine, name=export, out=out, marketing=marketing
            )
    if as_json:
        emit_json(report)
        return
    stdout.print(
        f"{format_number(report['customers'])} customers as of {report['as_of']};"
        f" {report['method']}"
    )
    _print_segments(report["segments"], report["base_currency"])
    if "export" in report:
        written = report["export"]
        stdout.print(
            f"{written['rows']} rows of {written['segment']!r} written to {written['path']}"
        )


def _print_segments(rows: list[dict[str, Any]], base: str) -> None:
    stdout.print(
        rows_table(
            "Segments",
            rows,
            ["name", "customers", "share_customers", "share_margin", "description"],
            percents=("share_customers", "share_margin"),
            currency=base,
        )
    )


def clv(
    calibration_end: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Fit on purchases up to and including this day (default: all).",
        ),
    ] = None,
    time_unit: Annotated[str, typer.Option(help="W (weeks) or D (days).")] = "W",
    horizon: Annotated[
        float | None,
        typer.Option(help="Periods to predict after the calibration end (e.g. 14.14)."),
    ] = None,
    discount_rate: Annotated[
        float, typer.Option(help="Yearly discount rate of the expected value.")
    ] = 0.10,
    export: Annotated[
        Path | None, typer.Option(help="Write the per-customer predictions (CSV).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lifetime value and churn: BG/NBD + Gamma-Gamma on repeat purchase days, with
    a holdout check where data exist after the calibration end."""
    from tradepilot.customers.clv import ClvSettings
    from tradepilot.customers.service import customer_clv

    settings = ClvSettings(
        calibration_end=_day(calibration_end),
        time_unit=time_unit,
        horizon=horizon,
        discount_rate=discount_rate,
    )
    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("fitting purchase and spend models")
        with workspace_store(workspace) as (engine, home):
            report = customer_clv(engine, home=home, settings=settings)
        result = report.as_dict()
        if export is not None:
            result["export"] = {"path": str(export), "rows": report.export(export)}
    if as_json:
        emit_json(result)
        return
    _print_clv(result, report.rows.head(15).to_dicts())


def _print_clv(result: dict[str, Any], top: list[dict[str, Any]]) -> None:
    p = result["params"]
    base = result["base_currency"]
    stdout.print(
        f"{result['model']} on {format_number(result['customers'])} customers to"
        f" {result['calibration_end']}: r {p['r']:.3f}, alpha {p['alpha']:.3f},"
        f" a {p['a']:.3f}, b {p['b']:.3f} (log-likelihood {result['log_likelihood']:.1f})"
    )
    stdout.print(f"Season: {result['season']['note']}")
    for note in result["notes"]:
        stdout.print(f"Note: {note}")
    holdout = result["holdout"]
    if holdout:
        stdout.print(
            f"Holdout {holdout['start']} to {holdout['end']}: predicted"
            f" {holdout['predicted_total']:,.0f} purchase days, actual"
            f" {holdout['actual_total']:,} ({format_percent(holdout['predicted_vs_actual'])});"
            f" per-customer RMSE {holdout['rmse']:.3f} vs naive {holdout['naive_rmse']:.3f}"
            f" ({holdout['rmse_vs_naive']:.2f}x) and plain BG/NBD {holdout['plain_rmse']:.3f}"
        )
    stdout.print(
        rows_table(
            f"Most valuable over {result['horizon']:g} {'weeks' if result['time_unit'] == 'W' else 'days'}",
            top,
            [
                "customer",
                "frequency",
                "p_alive",
                "expected_purchases",
                "expected_value",
                "segment",
            ],
            percents=("p_alive",),
            currency=base,
        )
    )
    if "export" in result:
        stdout.print(
            f"{result['export']['rows']} customers written to {result['export']['path']}"
        )


def propensity(
    cutoff: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Score buyers of the 90 days after this day."
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who buys in the next 90 days: gradient boosting vs the RFM score, AUC on
    held-out time."""
    from tradepilot.customers.overview import buyer_propensity

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        report = buyer_propensity(engine, home=home, cutoff=_day(cutoff))
    if as_json:
        emit_json(report)
        return
    stdout.print(
        f"Next-90-days buyers after {report['cutoff']}: AUC {report['auc']:.3f}"
        f" (gradient boosting) vs {report['rfm_auc']:.3f} (RFM score), on"
        f" {format_number(report['customers'])} customers, trained on windows before"
        f" {report['train_until']}"
    )


def merge(
    first: CustomerArgument,
    second: CustomerArgument,
    reason: Annotated[
        str | None, typer.Option(help="Why (kept with the merge).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Join two customers into one profile."""
    from tradepilot.customers.privacy import merge_customers

    with errors_as_messages(), workspace_store(workspace) as (engine, _):
        result = merge_customers(engine, left=first, right=second, reason=reason)
    _print_profile(result, as_json)


def unmerge(
    customer: CustomerArgument,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a customer record out of its profile (undoes merges, stops matching)."""
    from tradepilot.customers.privacy import unmerge_customer

    with errors_as_messages(), workspace_store(workspace) as (engine, _):
        result = unmerge_customer(engine, ref=customer)
    if as_json:
        emit_json(result)
        return
    stdout.print(f"{customer} separated; it is now {result['now']['customer']}")


def _print_profile(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(result)
        return
    stdout.print(f"Customer {result['customer']}:")
    for record in result["records"]:
        stdout.print(
            f"  {record['source']}:{record['external_id']} ({record['reason']})"
        )


def forget(
    customer: CustomerArgument,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a person's personal data everywhere (GDPR); orders stay, anonymous."""
    from tradepilot.customers.privacy import forget_customer

    with errors_as_messages(), workspace_store(workspace) as (engine, _):
        result = forget_customer(engine, ref=customer)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"Erased {result['records']} record(s); {result['orders_kept']} orders kept"
        f" anonymous; {result['quarantine_rows_scrubbed']} quarantined row(s) scrubbed"
    )


def export_person(
    customer: CustomerArgument,
    out: Annotated[
        Path | None, typer.Option(help="JSON file (default: stdout).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Everything stored about one person, as JSON (GDPR access request)."""
    from tradepilot.customers.privacy import export_person as export

    with errors_as_messages(), workspace_store(workspace) as (engine, _):
        document = export(engine, ref=customer)
        if out is None:
            emit_json(document)
            return
        if out.exists() and out.is_dir():
            raise DataValidationError(f"--out {out} is a directory; give a file name")
        out.write_text(
            json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
        )
    stdout.print(f"written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``customers`` to ``app``."""
    for command in (summary, show, segments, clv, propensity, merge, unmerge, forget):
        customers_app.command()(command)
    customers_app.command("export-person")(export_person)
    app.add_typer(customers_app, name="customers")
