"""The co-pilot's tools: read-only functions over the capabilities' services, each
with a JSON schema (the OpenAI ``tools`` format), and ``propose_action``, which
only records a proposal for the caller to put in the approval queue.

A tool never raises for a missing capability or empty data: its result holds a
``note`` saying what is missing and how to get it. Results are plain JSON with
numbers rounded as the services give them, so the grounding check can find every
figure an answer states.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradepilot.domain.errors import DataValidationError, TradePilotError

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

LIMIT = 10
COST_PARTS = ("product_cost", "inbound_freight", "shipping", "duty", "vat", "fees",
              "fx")  # fmt: skip
"""The per-unit parts of landed cost a margin change is explained by."""


class BadArguments(DataValidationError):
    """A tool was called with arguments outside its schema."""

    code = "bad_tool_arguments"


PROPOSAL_KINDS = ("price_change", "restock_plan")


@dataclass
class ToolContext:
    """What every tool reads: the store, the workspace, the day of the question,
    and the proposals made so far (filled by ``propose_action``)."""

    engine: Engine
    home: Path
    today: dt.date
    proposals: list[dict[str, Any]] = field(default_factory=list)


Runner = Callable[[ToolContext, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Tool:
    """A function the model (or the built-in questions) may call."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Runner

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry of this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def _params(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "additionalProperties": False}


_COUNTRY = {"type": "string", "description": "ISO 3166-1 alpha-2 code, e.g. DE"}
_SKU = {"type": "string", "description": "The SKU, as in the catalogue"}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 50}


def _status(ctx: ToolContext, _args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.workspace import workspace_status

    status = workspace_status(ctx.engine)
    keys = ("orders", "customers", "products", "countries", "currencies",
            "date_min", "date_max", "base_currency", "revenue_base")  # fmt: skip
    return {"today": ctx.today.isoformat(), **{k: status[k] for k in keys}}


def _kpis(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.reporting.service import compute_kpis

    by = str(args.get("by") or "country")
    if by not in ("month", "country", "channel"):
        raise BadArguments(f"by must be month, country or channel; got {by!r}")
    report = compute_kpis(ctx.engine)
    if not report.totals:
        return {"note": "no sales in the workspace yet: import orders first"}
    rows = sorted(report.by.get(by, []), key=lambda r: -(r.get("revenue") or 0))
    return {"currency": report.base_currency, "totals": report.totals,
            f"by_{by}": rows[: _limit(args, 20)]}  # fmt: skip


def _limit(args: dict[str, Any], default: int = LIMIT) -> int:
    value = args.get("limit") or default
    if not isinstance(value, int) or not 1 <= value <= 50:
        raise BadArguments(f"limit must be an integer 1 to 50; got {value!r}")
    return value


def _days(args: dict[str, Any], default: int) -> int:
    value = args.get("days") or default
    if not isinstance(value, int) or not 7 <= value <= 365:
        raise BadArguments(f"days must be an integer 7 to 365; got {value!r}")
    return value


def _sale_units(ctx: ToolContext, since: dt.date, until: dt.date) -> pl.DataFrame:
    import polars as pl

    from tradepilot.logistics.service import read_sale_lines

    with ctx.engine.connect() as conn:
        lines = read_sale_lines(conn, since=since, until=until)
    return lines.group_by("sku").agg(pl.col("quantity").sum().alias("units"))


def _top_movers(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    days = _days(args, 28)
    end = ctx.today + dt.timedelta(days=1)
    mid, start = end - dt.timedelta(days=days), end - dt.timedelta(days=2 * days)
    now = _sale_units(ctx, mid, end).rename({"units": "units_now"})
    before = _sale_units(ctx, start, mid).rename({"units": "units_before"})
    both = now.join(before, on="sku", how="full", coalesce=True).fill_null(0)
    if both.height == 0:
        return {"note": f"no sales between {start} and {ctx.today}"}
    both = both.with_columns(change=pl.col("units_now") - pl.col("units_before"))
    both = both.sort(pl.col("change").abs(), "sku", descending=[True, False])
    return {
        "period_now": f"{mid} to {ctx.today}",
        "period_before": f"{start} to {mid - dt.timedelta(days=1)}",
        "movers": both.head(_limit(args, 5)).to_dicts(),
    }


_MARGIN_COLUMNS = ("sku", "country", "units", "unit_price", "price_currency",
                   "net_revenue", "margin", "margin_rate", "yearly_units",
                   "yearly_margin")  # fmt: skip


def _margin_rows(ctx: ToolContext, day: dt.date, args: dict[str, Any]) -> Any:
    import polars as pl

    from tradepilot.logistics.service import margins

    report = margins(ctx.engine, home=ctx.home, day=day,
                     until=day + dt.timedelta(days=1), suggest_prices=False)  # fmt: skip
    rows = report.rows
    for key in ("country", "sku"):
        if args.get(key):
            rows = rows.filter(pl.col(key) == str(args[key]).strip().upper())
    return report, rows


def _margins(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    report, rows = _margin_rows(ctx, ctx.today, args)
    rows = rows.sort("yearly_margin", descending=True, nulls_last=True)
    cols = [c for c in _MARGIN_COLUMNS if c in rows.columns]
    return {
        "currency": report.currency,
        "sales_from": report.since.isoformat(),
        "sales_to": report.until.isoformat(),
        "cells": rows.height,
        "yearly_margin": round(float(rows["yearly_margin"].sum()), 2),
        "rows": rows.select(cols)
        .head(_limit(args))
        .with_columns(pl.col(pl.Float64).round(4))
        .to_dicts(),
    }


def _margin_change(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.logistics.economics import BREAKDOWN

    days = _days(args, 30)
    before_day = ctx.today - dt.timedelta(days=days)
    _, now = _margin_rows(ctx, ctx.today, args)
    _, before = _margin_rows(ctx, before_day, args)
    if now.height == 0 or before.height == 0:
        what = ", ".join(f"{k} {args[k]}" for k in ("country", "sku") if args.get(k))
        return {"note": f"no priced sales for {what or 'the workspace'} in both years"}
    parts = [c for c in BREAKDOWN if c in now.columns and c in before.columns]
    per_unit_now, per_unit_before = _per_unit(now, parts), _per_unit(before, parts)
    changes = {c: round(per_unit_now[c] - per_unit_before[c], 2) for c in parts}
    costs = [c for c in COST_PARTS if c in changes]
    drivers = sorted(costs, key=lambda c: -abs(changes[c]))
    return {
        "as_of_now": ctx.today.isoformat(),
        "as_of_before": before_day.isoformat(),
        "basis": "per unit, base currency, trailing year of sales up to each day",
        "margin_per_unit_now": round(per_unit_now["margin"], 2),
        "margin_per_unit_before": round(per_unit_before["margin"], 2),
        "margin_rate_now": _rate(now),
        "margin_rate_before": _rate(before),
        "change_per_unit": changes,
        "biggest_drivers": drivers[:3],
    }


def _per_unit(rows: pl.DataFrame, parts: list[str]) -> dict[str, float]:
    units = float(rows["units"].sum()) or 1.0
    return {c: float((rows[c] * rows["units"]).sum()) / units for c in parts}


def _rate(rows: pl.DataFrame) -> float | None:
    net = float((rows["net_revenue"] * rows["units"]).sum())
    return (
        round(float((rows["margin"] * rows["units"]).sum()) / net, 4) if net else None
    )


def _forecast(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    from tradepilot.forecasting.service import export_frame

    frame = export_frame(ctx.engine)
    if args.get("sku"):
        frame = frame.filter(pl.col("sku") == str(args["sku"]))
    if args.get("country"):
        frame = frame.filter(pl.col("country") == str(args["country"]).upper())
    totals = (
        frame.group_by("sku")
        .agg(
            pl.col("forecast").sum().round(1).alias("units_forecast"),
            pl.col("period_start").min().alias("from"),
            pl.col("period_start").max().alias("to"),
        )  # fmt: skip
        .sort("units_forecast", descending=True)
    )
    return {"series": frame.height, "by_sku": totals.head(_limit(args)).to_dicts()}


def _restock_plan(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.replenishment.plan_store import latest_plan

    plan = latest_plan(ctx.engine)
    if plan is None:
        return {"note": "no restock plan yet: run `tradepilot plan restock`"}
    keys = ("id", "status", "as_of", "base_currency", "spent_base", "budget",
            "explanation", "skus_due")  # fmt: skip
    lines = [
        {
            k: line.get(k)
            for k in (
                "sku",
                "supplier",
                "mode",
                "qty",
                "order_by",
                "arrival",
                "cost_base",
                "reason",
            )
        }  # fmt: skip
        for line in plan["lines"][: _limit(args, 20)]
    ]
    return {**{k: plan.get(k) for k in keys}, "lines": lines}


def _alerts(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.risk.service import list_alerts

    found = list_alerts(ctx.engine, kind=args.get("kind") or None)["alerts"]
    if not found:
        return {"note": "no open alerts (run `tradepilot monitors run`)", "alerts": []}
    keep = ("id", "kind", "severity", "subject", "money_at_stake_base", "currency",
            "explanation")  # fmt: skip
    return {
        "open": len(found),
        "alerts": [{k: a[k] for k in keep} for a in found[: _limit(args)]],
    }


def _customers(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    from tradepilot.customers.service import customer_summary

    summary = customer_summary(ctx.engine, home=ctx.home, as_of=ctx.today)
    keys = ("as_of", "base_currency", "customers", "repeat_customers",
            "repeat_rate", "active_90_days", "orders", "revenue", "margin",
            "average_order_value")  # fmt: skip
    top = [
        {k: c.get(k) for k in ("customer", "orders", "revenue", "last_order")}
        for c in summary["top_customers"][: _limit(args, 5)]
    ]
    return {**{k: summary[k] for k in keys}, "top_customers": top,
            "by_country": summary["by_country"][:10]}  # fmt: skip


def _propose(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    kind, title = args.get("kind"), str(args.get("title") or "").strip()
    payload = args.get("payload") or {}
    if kind not in PROPOSAL_KINDS:
        raise BadArguments(
            f"kind must be one of {', '.join(PROPOSAL_KINDS)}; got {kind!r}"
        )
    if not title or not isinstance(payload, dict):
        raise BadArguments("a proposal needs a title and a payload object")
    if kind == "price_change":
        missing = [k for k in ("sku", "price", "currency") if k not in payload]
        if missing:
            raise BadArguments(
                f"a price_change payload needs sku, price, currency; missing"
                f" {', '.join(missing)}"
            )
    proposal = {"kind": kind, "title": title, "payload": payload}
    ctx.proposals.append(proposal)
    return {
        "proposal": len(ctx.proposals),
        "proposed": proposal,
        "status": "recorded: it goes to the approval queue, nothing is done"
        " before the owner approves it",
    }


TOOLS: tuple[Tool, ...] = (
    Tool("status", "Workspace overview: orders, customers, products, countries,"
         " dates covered, base currency, net revenue.", _params(), _status),
    Tool("kpis", "Sales KPIs (orders, gross sales, returns, net revenue, average"
         " order value) in total and by month, country or channel.",
         _params(by={"type": "string", "enum": ["month", "country", "channel"]},
                 limit=_LIMIT), _kpis),
    Tool("top_movers", "SKUs whose units sold changed most: the last `days` days"
         " against the `days` days before.",
         _params(days={"type": "integer", "minimum": 7, "maximum": 365},
                 limit=_LIMIT), _top_movers),
    Tool("margins", "Contribution margin per SKU x country (after product cost,"
         " freight, duty, VAT, fees, FX), base currency, trailing year.",
         _params(country=_COUNTRY, sku=_SKU, limit=_LIMIT), _margins),
    Tool("margin_change", "Why a margin changed: per-unit margin and its parts"
         " (cost, freight, duty, VAT, fees, FX) now against `days` days ago, for a"
         " country and/or SKU.",
         _params(country=_COUNTRY, sku=_SKU,
                 days={"type": "integer", "minimum": 7, "maximum": 365}),
         _margin_change),
    Tool("forecast", "Demand forecast of the latest run: units per SKU over the"
         " horizon.", _params(sku=_SKU, country=_COUNTRY, limit=_LIMIT), _forecast),
    Tool("restock_plan", "The latest restock plan: what to reorder, from whom, by"
         " which mode, when, at what cost.", _params(limit=_LIMIT), _restock_plan),
    Tool("alerts", "Open alerts by money at stake (stockout, overstock, margin"
         " erosion, FX moves, order risk, ...).",
         _params(kind={"type": "string"}, limit=_LIMIT), _alerts),
    Tool("customers", "Customer base: counts, repeat rate, revenue, margin, top"
         " customers, by country.", _params(limit=_LIMIT), _customers),
    Tool("propose_action", "Propose an action for the owner to approve: a"
         " price_change (payload {sku, price, currency}) or a restock_plan"
         " (payload {plan_id} or {lines}). Nothing happens until approved.",
         _params(kind={"type": "string", "enum": list(PROPOSAL_KINDS)},
                 title={"type": "string"}, payload={"type": "object"}),
         _propose),
)  # fmt: skip
BY_NAME = {tool.name: tool for tool in TOOLS}


def tool_schemas() -> list[dict[str, Any]]:
    """Every tool in the OpenAI ``tools`` format."""
    return [tool.schema() for tool in TOOLS]


def call_tool(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run tool ``name``; a bad call or missing data is a result with ``error`` or
    ``note`` (the model reads it and may try again), never an exception."""
    tool = BY_NAME.get(name)
    if tool is None:
        return {"error": f"no tool {name!r}; the tools are {', '.join(BY_NAME)}"}
    unknown = set(arguments) - set(tool.parameters["properties"])
    if unknown:
        allowed = ", ".join(tool.parameters["properties"]) or "no arguments"
        return {"error": f"{name} takes {allowed}; got {', '.join(sorted(unknown))}"}
    try:
        return tool.run(ctx, arguments)
    except BadArguments as exc:
        return {"error": str(exc)}
    except TradePilotError as exc:  # no data yet, capability not set up
        return {"note": str(exc)}
