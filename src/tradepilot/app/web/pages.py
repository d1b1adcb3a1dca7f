"""Rendering pages: the Jinja2 environment, navigation and chart payloads."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pycountry
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tradepilot.domain.countries import country_name
from tradepilot.domain.numbers import (
    format_money,
    format_number,
    format_percent,
    format_units,
)

HERE = Path(__file__).parent
STATIC = HERE / "static"

# (path, label) of the pages that exist; a capability's page is added here when it
# ships (Customers, Inbox, Risk and Ledger are not listed before they exist).
NAVIGATION = [
    ("/", "Overview"),
    ("/imports", "Imports"),
    ("/quality", "Data quality"),
    ("/forecasts", "Forecasts"),
    ("/restock", "Restock"),
    ("/markets", "Margins & Markets"),
    ("/customers", "Customers"),
    ("/money", "Money"),
    ("/reviews", "Reviews"),
    ("/alerts", "Alerts"),
    ("/inbox", "Inbox"),
    ("/automation", "Automation"),
    ("/today", "Today"),
]


@functools.cache
def templates() -> Jinja2Templates:
    """The template environment (autoescaping on)."""
    env = Jinja2Templates(directory=HERE / "templates")
    # one formatter for pages and CLI tables (tradepilot.domain.numbers)
    env.env.filters["money"] = format_money
    env.env.filters["number"] = format_number
    env.env.filters["units"] = format_units
    env.env.filters["percent"] = format_percent
    env.env.filters["country"] = country_name
    env.env.filters["tojson_attr"] = lambda v: json.dumps(v, separators=(",", ":"))
    return env


def compile_templates() -> int:
    """Compile every page template now (the server calls this before it listens),
    so that no visitor's first page waits for Jinja's compiler."""
    env = templates().env
    names = env.list_templates(extensions=["html"])
    for name in names:
        env.get_template(name)
    return len(names)


def render(
    request: Request, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` with the navigation and the session's CSRF token."""
    session = context.pop("session", None)
    context.update(
        request=request,
        navigation=NAVIGATION,
        session=session,
        csrf_token=session.csrf_token if session else context.get("csrf_token", ""),
    )
    return templates().TemplateResponse(request, template, context, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A plain error page (no data, so no login needed to render it)."""
    return render(
        request, "error.html", status=status, status_code=status, message=message
    )


def alpha3(code: str) -> str | None:
    """ISO alpha-3 code for the map, or None for pseudo-countries."""
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


def country_map_payload(
    rows: list[dict[str, Any]], currency: str | None
) -> dict[str, Any]:
    """Data for the revenue-by-country choropleth (pseudo-countries left out)."""
    located = [(alpha3(r["country"]), r) for r in rows]
    located = [(code, r) for code, r in located if code]
    return {
        "locations": [code for code, _ in located],
        "z": [r["revenue"] for _, r in located],
        "text": [country_name(r["country"]) for _, r in located],
        "currency": currency or "",
    }


def month_chart_payload(
    rows: list[dict[str, Any]], currency: str | None
) -> dict[str, Any]:
    """Data for the revenue-by-month bar chart."""
    return {
        "x": [r["month"] for r in rows],
        "revenue": [r["revenue"] for r in rows],
        "returns": [r["returns"] for r in rows],
        "currency": currency or "",
    }
