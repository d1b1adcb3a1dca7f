"""``tradepilot landed-cost``, ``margins``, ``markets score``, ``lanes best`` and
``rules impact``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

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
from tradepilot.domain.money import parse_decimal
from tradepilot.domain.numbers import format_money

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.logistics.service import MarginReport

DateOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--date", formats=["%Y-%m-%d"], help="Rules and FX of this day (default today)."
    ),
]
# Prices are in the currency of the row's sales, the rest in the report's currency.
PRICE_CURRENCY = {
    "unit_price": "price_currency",
    "suggested_price": "suggested_currency",
}
markets_app = typer.Typer(help="Which countries to sell to next.", no_args_is_help=True)
lanes_app = typer.Typer(help="Shipping lanes and routes.", no_args_is_help=True)
rules_app = typer.Typer(
    help="Duty, VAT and de minimis rule changes.", no_args_is_help=True
)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def landed_cost(
    sku: Annotated[str | None, typer.Option(help="A SKU of the catalogue.")] = None,
    order: Annotated[
        str | None, typer.Option(help="A stored sale order, priced line by line.")
    ] = None,
    country: Annotated[str, typer.Option(help="Buyer's country (ISO 2).")] = "",
    qty: Annotated[int, typer.Option(help="Units of the SKU.")] = 1,
    value: Annotated[
        str | None, typer.Option(help="Parcel: goods value, excluding VAT.")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Parcel: its currency.")] = None,
    weight_kg: Annotated[float | None, typer.Option(help="Parcel: weight.")] = None,
    hs: Annotated[str | None, typer.Option(help="Parcel: HS code.")] = None,
    shipping: Annotated[
        str | None, typer.Option(help="Parcel: shipping cost (default: best lane).")
    ] = None,
    origin: Annotated[
        str | None, typer.Option(help="Parcel: country it ships from (trade.toml).")
    ] = None,
    incoterm: Annotated[
        str | None, typer.Option(help="DDP (seller pays duty/tax) or DAP (buyer).")
    ] = None,
    date: DateOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Landed cost of a SKU to a country, of a stored order (at its date), or of a
    hypothetical parcel, with every rule applied and its source."""
    from tradepilot.logistics.quotes import quote_order, quote_sku

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        term = _incoterm(incoterm)
        if order is not None:
            result = quote_order(engine, home=home, order_number=order, incoterm=term)
            if as_json:
                emit_json(result)
            else:
                _print_landed(result)
            return
        code = _country(country)
        if sku is not None:
            result = quote_sku(
                engine, home=home, sku=sku, country=code, quantity=qty,
                incoterm=term, day=_day(date),
            )  # fmt: skip
        else:
            result = _parcel(
                engine, home, code, value, currency, weight_kg, hs, shipping,
                term, _day(date), origin,
            )  # fmt: skip
    if as_json:
        emit_json(result)
        return
    _print_landed(result)


def _parcel(
    engine: Engine,
    home: Path,
    country: str,
    value: str | None,
    currency: str | None,
    weight_kg: float | None,
    hs: str | None,
    shipping: str | None,
    incoterm: str | None,
    day: dt.date | None,
    origin: str | None,
) -> dict[str, Any]:
    from tradepilot.logistics.quotes import quote_parcel

    if value is None or currency is None or weight_kg is None:
        raise DataValidationError(
            "give --order NUMBER, or --sku SKU --country CC, or a parcel: --value "
            "AMOUNT --currency CUR --weight-kg W --country CC"
        )
    return quote_parcel(
        engine,
        home=home,
        value=parse_decimal(value),
        currency=currency,
        country=country,
        weight_kg=weight_kg,
        hs_code=hs,
        incoterm=incoterm,
        day=day,
        shipping=parse_decimal(shipping) if shipping is not None else None,
        origin=_country(origin) if origin else None,
    )


def _country(code: str) -> str:
    if len(code) != 2 or not code.isalpha():
        raise DataValidationError(
            f"--country must be an ISO 3166 alpha-2 code such as DE; received {code!r}"
        )
    return code.upper()


def _incoterm(value: str | None) -> str | None:
    if value is None:
        return None
    if value.upper() not in ("DDP", "DAP"):
        raise DataValidationError(f"--incoterm must be DDP or DAP; received {value!r}")
    return value.upper()


def _print_notices(notes: Any) -> None:
    """The assumptions a reader must see before the numbers."""
    for note in notes:
        stdout.print(f"[bold yellow]note:[/] {escape(note)}")


def _print_landed(result: dict[str, Any]) -> None:
    cur = result["currency"]
    _print_notices(result.get("assumptions", ()))
    stdout.print(
        f"[bold]{result.get('sku') or result.get('order') or 'parcel'} to "
        f"{result['country']}[/] on "
        f"{result['date']}, {result['incoterm']}: {result['reason']}"
    )
    parts = ["product_cost", "inbound_freight", "shipping", "duty", "vat", "fees", "fx"]
    totals = ["landed_cost", "revenue", "margin", "buyer_pays"]
    amount = {k: format_money(Decimal(result[k]), cur) for k in [*parts, *totals]}
    for name in parts:
        stdout.print(f"  {name.replace('_', ' '):<16} {cur} {amount[name]:>10}")
    stdout.print(f"  {'landed cost':<16} {cur} {amount['landed_cost']:>10}")
    if Decimal(result["revenue"]) > 0 and (result.get("sku") or result.get("order")):
        stdout.print(f"  {'revenue':<16} {cur} {amount['revenue']:>10}")
        stdout.print(f"  {'margin':<16} {cur} {amount['margin']:>10}")
    if Decimal(result["buyer_pays"]) > 0:
        stdout.print(f"  buyer pays at the door: {cur} {amount['buyer_pays']}")
    for rule in result["rules"]:
        where = rule.get("country") or rule.get("channel") or ""
        stdout.print(f"  rule: {rule['kind']} {where} — {rule['source']}")


def margins(
    date: DateOption = None,
    limit: Annotated[int, typer.Option(help="Rows to show (best and worst).")] = 10,
    incoterm: Annotated[str | None, typer.Option(help="DDP or DAP.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contribution margin per SKU x country, with a per-unit breakdown and yearly
    volume, ranked by yearly margin; a price rise where the margin is below target."""
    from tradepilot.logistics.service import margins as margin_report

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("pricing every SKU x country")
        with workspace_store(workspace) as (engine, home):
            report = margin_report(
                engine, home=home, day=_day(date), incoterm=_incoterm(incoterm)
            )
    if as_json:
        emit_json(report.as_dict())
        return
    _print_margins(report, limit)


def _print_margins(report: MarginReport, limit: int) -> None:
    _print_notices(report.notices)
    ranked, unranked = (frame.to_dicts() for frame in report.ranked_rows())
    columns = ["sku", "country", "yearly_units", "unit_price", "price_currency",
               "landed_cost", "margin", "margin_rate", "yearly_margin",
               "suggested_price", "suggested_channel"]  # fmt: skip
    title = f"margins per year ({report.currency}), rules of {report.day}"
    best = ranked[:limit]
    worst = ranked[len(best) :][-limit:][::-1]
    for name, shown in (("Best", best), ("Worst", worst)):
        stdout.print(
            rows_table(
                f"{name} {title}",
                shown,
                columns,
                units=("yearly_units",),
                percents=("margin_rate",),
                currency=report.currency,
                currency_columns=PRICE_CURRENCY,
            )
        )
    if unranked:
        stdout.print(
            f"  {len(unranked)} SKU x country cells sell fewer than"
            f" {report.min_yearly_units or 0:g} units"
            " a year and are not ranked (min_yearly_units in trade.toml; --json"
            " lists them)"
        )
    stdout.print(
        "  suggested price: the lowest price keeping the target margin in the"
        " channel selling most below it (floor_price in --json for every cell)"
    )
    for note in report.assumptions[len(report.notices) :]:
        stdout.print(f"  assumed: {escape(note)}")


def score(
    weight: Annotated[
        list[str] | None,
        typer.Option(help="A weight override NAME=VALUE, e.g. margin=0.5 (repeat)."),
    ] = None,
    date: DateOption = None,
    limit: Annotated[int, typer.Option(help="Countries to show.")] = 25,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank every country for market entry, component by component."""
    from tradepilot.logistics.service import margins as margin_report
    from tradepilot.markets.service import score_workspace

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        weights = _weights(weight or [])
        progress("scoring markets")
        with workspace_store(workspace) as (engine, home):
            report = margin_report(
                engine, home=home, day=_day(date), suggest_prices=False
            )
            ranked = score_workspace(engine, home=home, weights=weights, report=report)
    notes = list(report.notices)
    if as_json:
        emit_json({"count": ranked.height, "data": ranked.to_dicts(),
                   "assumptions": notes})  # fmt: skip
        return
    _print_notices(notes)
    columns = ["rank", "country", "name", "score", "explanation"]
    stdout.print(
        rows_table("Market-entry score", ranked.head(limit).to_dicts(), columns)
    )


def _weights(pairs: list[str]) -> dict[str, float]:
    found = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise DataValidationError(f"--weight must be NAME=VALUE; received {pair!r}")
        found[name.strip()] = float(parse_decimal(text.strip()))
    return found


def best(
    origin: Annotated[str, typer.Option("--from", help="Origin country or node id.")],
    destination: Annotated[str, typer.Option("--to", help="Buyer's country.")],
    max_days: Annotated[
        float | None, typer.Option(help="Deliver within this many days.")
    ] = None,
    weight_kg: Annotated[float, typer.Option(help="Parcel weight.")] = 1.0,
    probability: Annotated[
        float | None, typer.Option(help="Chance of meeting max-days (default 0.9).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The cheapest route that meets a delivery time, multi-leg routes included."""
    from tradepilot.logistics.quotes import best_lane

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        result = best_lane(
            engine, home=home, origin=origin, destination=_country(destination),
            weight_kg=weight_kg, max_days=max_days, probability=probability,
        )  # fmt: skip
    if as_json:
        emit_json(result)
        return
    for i, route in enumerate([result["best"], *result["alternatives"]]):
        stdout.print(("best: " if i == 0 else "  or: ") + route["description"])


def impact(
    what_if: Annotated[
        Path, typer.Option(help="YAML of new rule rows (see reference/examples).")
    ],
    date: DateOption = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Which SKUs and countries gain or lose how much margin per year under a
    rule change, largest loss first."""
    from tradepilot.logistics.impact import rule_impact

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("pricing before and after the change")
        with workspace_store(workspace) as (engine, home):
            result = rule_impact(engine, home=home, what_if=what_if, day=_day(date))
    if as_json:
        emit_json(result)
        return
    _print_notices(result["assumptions"])
    stdout.print(
        f"[bold]{result['name']}[/] from {result['day']}: "
        f"{format_money(result['total_yearly_change'], result['currency'])}"
        f" {result['currency']} a year over "
        f"{result['count']} SKU x country cells"
    )
    columns = ["sku", "country", "margin", "margin_after", "change_per_unit",
               "yearly_units", "yearly_change"]  # fmt: skip
    stdout.print(
        rows_table(
            "Largest changes",
            result["data"][:limit],
            columns,
            units=("yearly_units",),
            currency=result["currency"],
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``landed-cost``, ``margins``, ``markets``, ``lanes`` and ``rules``."""
    app.command("landed-cost")(landed_cost)
    app.command()(margins)
    markets_app.command()(score)
    lanes_app.command()(best)
    rules_app.command()(impact)
    app.add_typer(markets_app, name="markets")
    app.add_typer(lanes_app, name="lanes")
    app.add_typer(rules_app, name="rules")
