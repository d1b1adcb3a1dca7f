"""``tradepilot recommend for|together|export|evaluate``."""

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
    progress_reporter,
    rows_table,
    stdout,
    workspace_store,
)

recommend_app = typer.Typer(
    help="What each customer may buy next, new products to try, products bought "
    "together.",
    no_args_is_help=True,
)
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="Use purchases before this day only."
    ),
]
KOption = Annotated[int, typer.Option("--k", help="Items per list.")]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@recommend_app.command("for")
def for_customer(
    customer: Annotated[str, typer.Argument(help="Customer id as in the source file.")],
    as_of: AsOfOption = None,
    k: KOption = 10,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """A customer's next and new products, each with its reason."""
    from tradepilot.recommend.service import recommend_for  # numpy, polars

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("fitting the recommenders")
        with workspace_store(workspace) as (engine, _home):
            found = recommend_for(engine, customer=customer, as_of=_day(as_of), k=k)
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"[bold]customer {found['customer']}[/]: {found['purchase_days']} purchase "
        f"days, last {found['last_purchase']} (data before {found['as_of']})"
    )
    for name, title in (("next", "Next to buy"), ("new", "New to try")):
        stdout.print(rows_table(title, _shown(found[name]), LIST_COLUMNS))


LIST_COLUMNS = ["rank", "sku", "description", "reason"]


def _shown(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "rank": str(item["rank"])} for item in items]


@recommend_app.command()
def together(
    sku: Annotated[str, typer.Argument(help="A product's SKU.")],
    as_of: AsOfOption = None,
    k: KOption = 10,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Products frequently bought together with a SKU, with support and lift."""
    from tradepilot.recommend.service import frequently_bought_together  # numpy, polars

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        found = frequently_bought_together(engine, sku=sku, as_of=_day(as_of), k=k)
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"[bold]{found['sku']}[/] {found['description'] or ''}: in "
        f"{found['orders']:,} of {found['total_orders']:,} orders before {found['as_of']}"
    )
    rows = [{**r, "orders_together": r["orders_together"]} for r in found["together"]]
    columns = ["sku", "description", "orders_together", "support", "confidence", "lift"]
    stdout.print(
        rows_table("Frequently bought together", rows, columns,
                   percents=("support", "confidence"))
    )  # fmt: skip


@recommend_app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    as_of: AsOfOption = None,
    k: KOption = 10,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write every customer's next and new lists: list, customer, rank, sku,
    score, reason."""
    from tradepilot.recommend.service import export_recommendations  # numpy, polars

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("fitting the recommenders and writing every customer's lists")
        with workspace_store(workspace) as (engine, _home):
            found = export_recommendations(engine, out=out, as_of=_day(as_of), k=k)
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"wrote {found['rows']:,} rows for {found['customers']:,} customers to "
        f"{found['out']} (data before {found['as_of']})"
    )


@recommend_app.command()
def evaluate(
    cutoff: Annotated[
        dt.datetime,
        typer.Option("--cutoff", formats=["%Y-%m-%d"], help="First held-out day."),
    ],
    test_weeks: Annotated[
        int, typer.Option("--test-weeks", help="Weeks held out from the cutoff.")
    ] = 12,
    k: KOption = 10,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every method's recall@k, NDCG@k and new-item recall on held-out time,
    the blends chosen on the period before the cutoff."""
    from tradepilot.recommend.service import evaluate_recommendations  # numpy, polars

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("fitting and scoring every recommender")
        with workspace_store(workspace) as (engine, _home):
            found = evaluate_recommendations(
                engine, cutoff=cutoff.date(), test_weeks=test_weeks, k=k
            )
    if as_json:
        emit_json(found)
        return
    _print_evaluation(found)


def _print_evaluation(found: dict[str, Any]) -> None:
    k = found["k"]
    stdout.print(
        f"[bold]held out {found['cutoff']} to {found['test_end']}[/] (exclusive), "
        f"{found['customers']:,} customers who bought before and after; blends "
        f"chosen on {found['validation_start']} to {found['cutoff']}"
    )
    columns = ["method", "recall", "recall_capped", "ndcg", "new_recall", "new_ndcg"]
    rows = [{c: _metric(m[c]) for c in columns} for m in found["methods"]]
    stdout.print(rows_table(f"recall@{k}, NDCG@{k}", rows, columns))
    ratios = found["ratios"]
    stdout.print(
        f"next: blend / P-TopFreq recall = {ratios['next_vs_p_topfreq']}; new: "
        f"blend / popularity (unseen items) = {ratios['new_vs_popularity']}"
    )


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def register(app: typer.Typer) -> None:
    """Add ``recommend``."""
    app.add_typer(recommend_app, name="recommend")
