"""``tradepilot plan restock|allocate|export|approve|simulate|positions|config`` and
``tradepilot leadtimes``."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    rows_table,
    settings_for,
    stdout,
    workspace_store,
)
from tradepilot.domain.numbers import (
    MISSING,
    format_money,
    format_number,
    format_units,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.replenishment.config import PurchasingConfig

plan_app = typer.Typer(
    help="Restock plans: what to buy, from whom, by sea or air, with the cash you have.",
    no_args_is_help=True,
)


@contextmanager
def _store(
    workspace: Path | None,
) -> Iterator[tuple[Engine, PurchasingConfig, Path]]:
    from tradepilot.replenishment.config import load_purchasing_config

    with workspace_store(workspace) as (engine, home):
        yield engine, load_purchasing_config(home), home


def restock(
    budget: Annotated[
        float | None,
        typer.Option(
            help="Cash for goods and freight (base currency); none: no limit."
        ),
    ] = None,
    service_level: Annotated[
        float | None,
        typer.Option(help="Target service level: 0.95 or 95 (percent), 50-99.99 %."),
    ] = None,
    horizon_weeks: Annotated[
        int | None, typer.Option(help="Weeks of demand an order covers after arrival.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a restock plan from the latest forecast and save it."""
    from tradepilot.replenishment.service import plan_restock

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("optimising purchases")
        with _store(workspace) as (engine, config, _):
            plan = plan_restock(
                engine,
                config,
                budget=budget,
                service_level=service_level,
                horizon_weeks=horizon_weeks,
            )
    if as_json:
        emit_json(plan)
        return
    stdout.print(
        f"Plan {plan['id']} as of {plan['as_of']}: [bold]{plan['status']}[/] —"
        f" {plan['explanation']}"
    )
    stdout.print(
        rows_table(
            f"{len(plan['lines'])} lines,"
            f" {format_money(plan['spent_base'], plan['base_currency'])}"
            f" {plan['base_currency']}",
            plan["lines"][:60],
            [
                "id",
                "sku",
                "supplier",
                "mode",
                "qty",
                "order_by",
                "arrival",
                "cost_base",
                "reason",
            ],  # fmt: skip
            units=("qty",),
            currency=plan["base_currency"],
        )
    )


def allocate(
    cash: Annotated[float, typer.Option(help="Cash to place (base currency).")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where the next CASH earns most: SKU x market, by expected return per cash."""
    from tradepilot.replenishment.service import allocate_cash

    with errors_as_messages(), _store(workspace) as (engine, config, _):
        result = allocate_cash(engine, config, cash=cash)
    if as_json:
        emit_json(result)
        return
    stdout.print(
        f"{format_money(result['allocated_base'], result['base_currency'])} of"
        f" {format_money(result['cash'], result['base_currency'])}"
        f" {result['base_currency']} placed"
    )
    stdout.print(
        rows_table(
            "Best first",
            result["allocations"][:40],
            ["sku", "market", "qty", "cash_base", "expected_return_base"],
            units=("qty",),
            currency=result["base_currency"],
        )
    )


def export(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the latest plan's lines to a CSV file."""
    from tradepilot.replenishment.plan_store import export_plan

    with errors_as_messages(), _store(workspace) as (engine, _, _home):
        rows = export_plan(engine, out)
    if as_json:
        emit_json({"rows": rows, "out": str(out)})
    else:
        stdout.print(f"Wrote {rows:,} plan lines to {out}")


def approve(
    line_ids: Annotated[list[int], typer.Argument(help="Plan line ids to approve.")],
    by: Annotated[
        str | None, typer.Option(help="Who approves (default: your user name).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve plan lines: draft purchase orders, counted as on order from now on."""
    from tradepilot.replenishment.approval_service import approve_lines

    with errors_as_messages(), _store(workspace) as (engine, _, _home):
        result = approve_lines(engine, line_ids, approved_by=by or getpass.getuser())
    if as_json:
        emit_json(result)
        return
    for po in result["purchase_orders"]:
        stdout.print(
            f"Draft {po['po_number']}: {po['supplier']} by {po['mode']},"
            f" {po['lines']} lines, {format_units(po['units'])} units,"
            f" {format_money(po['cost_base'])}"
        )


def simulate(
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replay history with TradePilot's policy and four baselines, several seeds."""
    from tradepilot.replenishment.simulate_service import simulate_policies_of

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("replaying history day by day")
        with _store(workspace) as (engine, config, home):
            report = simulate_policies_of(engine, config, home=home, progress=progress)
    if as_json:
        emit_json(report)
        return
    from tradepilot.replenishment.sim_policies import ORACLE_NOTE

    stdout.print(
        rows_table(
            f"{report['days']} days scored ({report.get('demand_source', '')}),"
            f" means over seeds {report.get('seeds', [])}",
            _simulation_rows(report),
            [
                "policy",
                "fill_rate",
                "stockout_days",
                "lost_units",
                "avg_inventory_value",
                "orders",
                "total_cost",
                "cost_vs_best_baseline",
            ],  # fmt: skip
            units=("lost_units",),
            percents=("fill_rate",),
            currency=report.get("base_currency"),
        )
    )
    if report.get("protocol"):
        stdout.print(report["protocol"])
    if "oracle" in report["policies"]:
        stdout.print(ORACLE_NOTE)


def _simulation_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One table row per policy: counts as whole numbers, the cost ratio to the
    best baseline with its 95 % interval."""
    from tradepilot.replenishment.sim_policies import POLICY_LABELS

    rows = []
    for name, values in report["policies"].items():
        ratio = values.get("cost_ratio")
        low, high = values.get("ci95", {}).get("cost_ratio", (None, None))
        rows.append(
            {
                **values,
                "policy": POLICY_LABELS.get(name, name),
                "stockout_days": round(values["stockout_days"]),
                "orders": round(values.get("orders", 0)),
                "cost_vs_best_baseline": (
                    f"{format_number(ratio, 2)}x (95%: {format_number(low, 2)}"
                    f" to {format_number(high, 2)})"
                    if ratio is not None
                    else MISSING
                ),
            }
        )
    return rows


def positions(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Stock position, days of cover and projected stockout date per SKU."""
    from tradepilot.replenishment.position_service import stock_positions

    with errors_as_messages(), _store(workspace) as (engine, config, _):
        result = stock_positions(engine, config)
    if as_json:
        emit_json(result)
        return
    soonest = sorted(
        result["positions"],
        key=lambda r: (r["stockout_date"] is None, str(r["stockout_date"])),
    )
    stdout.print(
        rows_table(
            f"Positions as of {result['as_of']} (soonest stockout first)",
            soonest[:50],
            [
                "sku",
                "on_hand",
                "on_order",
                "position",
                "demand_per_day",
                "days_of_cover",
                "stockout_date",
            ],  # fmt: skip
            units=("on_hand", "on_order", "position"),
        )
    )


def show_config(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """The purchasing settings in effect (purchasing.toml in the workspace)."""
    from tradepilot.replenishment.config import load_purchasing_config

    settings = settings_for(workspace)
    with errors_as_messages():
        config = load_purchasing_config(settings.home)
    data = config.model_dump(mode="json")
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            stdout.print(f"{key} = {value}")


def leadtimes(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Lead time per supplier and mode, learned from purchase-order history."""
    from tradepilot.replenishment.leadtime_service import learn_lead_times

    with errors_as_messages(), _store(workspace) as (engine, config, home):
        result = learn_lead_times(engine, config, home=home)
    if as_json:
        emit_json(result)
        return
    columns = ["supplier", "mode", "n_pos", "mean_days", "std_days", "p50_days",
               "p90_days", "source"]  # fmt: skip
    if any("true_mean_days" in r for r in result["suppliers"]):
        columns.append("true_mean_days")
    stdout.print(
        rows_table(f"Lead times as of {result['as_of']}", result["suppliers"], columns)
    )


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``leadtimes`` to ``app``."""
    plan_app.command()(restock)
    plan_app.command()(allocate)
    plan_app.command()(export)
    plan_app.command()(approve)
    plan_app.command()(simulate)
    plan_app.command()(positions)
    plan_app.command("config")(show_config)
    app.add_typer(plan_app, name="plan")
    app.command()(leadtimes)
