"""The daily brief from its figures: sales against forecast, alerts, what changed;
written as plain text and as HTML (pure: no store, no I/O).

The brief's ``date`` is the last day of data it reports on ("yesterday" for a seller
who imports every morning); the week is the seven days ending on it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tradepilot.domain.money import minor_unit
from tradepilot.domain.numbers import format_money, format_number, format_units

TOP_ALERTS = 8
TOP_COUNTRIES = 5
TOP_CHANNELS = 4
EXPLANATION_CHARS = 110


def sales_summary(
    rows: Sequence[Mapping[str, Any]],
    expected: Mapping[str, Mapping[dt.date, float]] | None,
    *,
    day: dt.date,
    currency: str,
) -> dict[str, Any]:
    """Yesterday's and the week's sales, by country and channel, against forecast.

    Parameters
    ----------
    rows : sequence of mapping
        ``day, country, channel, orders, revenue, units`` (revenue in ``currency``).
    expected : mapping or None
        Forecast units per country and day; None without a forecast.
    day : datetime.date
        The brief's date (the last day reported).

    Returns
    -------
    dict
        ``yesterday``, ``week``, ``previous_week`` (each ``from, to, orders, revenue,
        units, forecast_units, vs_forecast``), ``by_country`` and ``by_channel`` (the
        week's, largest revenue first).

    Examples
    --------
    >>> d = dt.date(2024, 3, 8)
    >>> rows = [{"day": d, "country": "DE", "channel": "web", "orders": 2,
    ...          "revenue": 80.0, "units": 4}]
    >>> s = sales_summary(rows, {"DE": {d: 5.0}}, day=d, currency="EUR")
    >>> s["yesterday"]["units"], s["yesterday"]["forecast_units"], s["yesterday"]["vs_forecast"]
    (4, 5.0, -0.2)
    """
    digits = minor_unit(currency)
    week_start = day - dt.timedelta(days=6)
    windows = {
        "yesterday": (day, day),
        "week": (week_start, day),
        "previous_week": (day - dt.timedelta(days=13), day - dt.timedelta(days=7)),
    }
    summary: dict[str, Any] = {
        name: _totals(_within(rows, lo, hi), expected, lo, hi, digits)
        | {"from": lo.isoformat(), "to": hi.isoformat()}
        for name, (lo, hi) in windows.items()
    }
    summary["week"]["vs_previous_week"] = _change(
        summary["week"]["revenue"], summary["previous_week"]["revenue"]
    )
    week = _within(rows, week_start, day)
    summary["by_country"] = _grouped(week, "country", expected, week_start, day, digits)
    summary["by_channel"] = _grouped(week, "channel", None, week_start, day, digits)
    return summary


def _within(
    rows: Iterable[Mapping[str, Any]], lo: dt.date, hi: dt.date
) -> list[Mapping[str, Any]]:
    return [r for r in rows if lo <= r["day"] <= hi]


def _totals(
    rows: Sequence[Mapping[str, Any]],
    expected: Mapping[str, Mapping[dt.date, float]] | None,
    lo: dt.date,
    hi: dt.date,
    digits: int,
    countries: Iterable[str] | None = None,
) -> dict[str, Any]:
    units = sum(int(r["units"]) for r in rows)
    forecast = None
    if expected is not None:
        wanted = (
            expected
            if countries is None
            else {c: expected.get(c, {}) for c in countries}
        )
        forecast = round(
            sum(
                u
                for per_day in wanted.values()
                for d, u in per_day.items()
                if lo <= d <= hi
            ),
            1,
        )
    return {
        "orders": sum(int(r["orders"]) for r in rows),
        "revenue": round(sum(float(r["revenue"]) for r in rows), digits) + 0.0,
        "units": units,
        "forecast_units": forecast,
        "vs_forecast": _change(units, forecast),
    }


def _grouped(
    rows: Sequence[Mapping[str, Any]],
    key: str,
    expected: Mapping[str, Mapping[dt.date, float]] | None,
    lo: dt.date,
    hi: dt.date,
    digits: int,
) -> list[dict[str, Any]]:
    names = sorted({str(r[key]) for r in rows})
    groups = [
        {key: name}
        | _totals([r for r in rows if r[key] == name], expected, lo, hi, digits, [name])
        for name in names
    ]
    if key != "country":
        for group in groups:
            del group["forecast_units"], group["vs_forecast"]
    return sorted(groups, key=lambda g: (-g["revenue"], g[key]))


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change, rounded to 0.1%; None when there is nothing to compare.

    >>> _change(110, 100), _change(5, 0), _change(5, None)
    (0.1, None, None)
    """
    if now is None or not before:
        return None
    return round(now / before - 1.0, 3) + 0.0


def top_alerts(
    alerts: Sequence[Mapping[str, Any]], n: int = TOP_ALERTS
) -> list[dict[str, Any]]:
    """The ``n`` open alerts with most money at stake (``alerts`` come sorted)."""
    ranked = sorted(alerts, key=lambda a: (-float(a["money_at_stake_base"]), a["id"]))
    return [
        {
            "id": a["id"],
            "kind": a["kind"],
            "severity": a["severity"],
            "subject": a["subject"],
            "money_at_stake_base": a["money_at_stake_base"],
            "explanation": a["explanation"],
            "link": (a.get("evidence") or {}).get("link"),
        }
        for a in ranked[:n]
    ]


def alert_index(alerts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every open alert in short, kept so the next brief can say what changed."""
    keep = ("id", "kind", "subject", "money_at_stake_base")
    return [{k: a[k] for k in keep} for a in alerts]


def changes_since(
    current: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What changed since the ``previous`` brief: alerts opened and closed, sales.

    Examples
    --------
    >>> before = {"date": "2024-03-07", "open_alerts": [{"id": 1, "kind": "fx_move",
    ...     "subject": "currency USD", "money_at_stake_base": 50.0}],
    ...     "sales": {"week": {"revenue": 100.0}, "yesterday": {"revenue": 10.0}}}
    >>> now = {"open_alerts": [], "sales": {"week": {"revenue": 90.0},
    ...     "yesterday": {"revenue": 12.0}}}
    >>> c = changes_since(now, before)
    >>> c["closed_alerts"][0]["subject"], c["week_revenue_change"], c["new_alerts"]
    ('currency USD', -0.1, [])
    """
    if previous is None:
        return {"previous_date": None, "new_alerts": [], "closed_alerts": [],
                "week_revenue_change": None, "yesterday_revenue_change": None}  # fmt: skip
    before = {a["id"]: a for a in previous.get("open_alerts") or []}
    now = {a["id"]: a for a in current.get("open_alerts") or []}
    sales_now, sales_before = current["sales"], previous["sales"]
    return {
        "previous_date": previous["date"],
        "new_alerts": [a for i, a in now.items() if i not in before],
        "closed_alerts": [a for i, a in before.items() if i not in now],
        "week_revenue_change": _change(
            sales_now["week"]["revenue"], sales_before["week"]["revenue"]
        ),
        "yesterday_revenue_change": _change(
            sales_now["yesterday"]["revenue"], sales_before["yesterday"]["revenue"]
        ),
    }


def subject_line(brief: Mapping[str, Any]) -> str:
    """The e-mail subject: the day, the open alerts and their money.

    >>> subject_line({"date": "2024-03-08", "currency": "EUR",
    ...               "alerts_open": 3, "alerts_money": 1234.5})
    'TradePilot brief for Fri 8 Mar 2024: 3 open alerts, 1,234.50 EUR at stake'
    """
    day = _long_day(brief["date"])
    if brief.get("alerts_open") is None:
        return f"TradePilot brief for {day}"
    money = format_money(brief["alerts_money"], brief["currency"])
    return (
        f"TradePilot brief for {day}: {brief['alerts_open']} open alerts,"
        f" {money} {brief['currency']} at stake"
    )


def render_text(brief: Mapping[str, Any]) -> str:
    """The brief as plain text: about 30 lines, one screen."""
    cur = brief["currency"]
    lines = [f"TradePilot brief for {_long_day(brief['date'])} (amounts in {cur})", ""]
    lines += ["Sales", *(f"  {line}" for line in _sales_lines(brief["sales"], cur)), ""]
    lines += ["Cash", f"  {_cash_line(brief['cash'])}", ""]
    lines += [_alerts_heading(brief)]
    for rank, a in enumerate(brief["alerts"] or [], 1):
        lines.append(
            f"  {rank}. {format_money(a['money_at_stake_base'], cur)} {cur}"
            f"  {a['kind']} {a['subject']}: {_short(a['explanation'])}"
        )
    lines += ["", _waiting_heading(brief["waiting"])]
    lines += [f"  - {_waiting_item(w, cur)}" for w in (brief["waiting"] or [])[:5]]
    lines += ["", _changes_line(brief["changes"], cur)]
    if brief["notes"]:
        lines += ["", "Notes", *(f"  - {note}" for note in brief["notes"])]
    return "\n".join(lines) + "\n"


def render_html(brief: Mapping[str, Any]) -> str:
    """The brief as an HTML fragment (``<article class="brief">``), every value
    escaped: the e-mail's HTML part and the Today page's body."""
    e = html.escape
    cur = brief["currency"]
    parts = [f'<article class="brief" id="brief">'
             f"<h2>Brief for {e(_long_day(brief['date']))}</h2>"]  # fmt: skip
    parts.append('<section id="brief-sales"><h3>Sales</h3><ul>')
    parts += [f"<li>{e(line)}</li>" for line in _sales_lines(brief["sales"], cur)]
    parts.append("</ul></section>")
    parts.append(f'<section id="brief-cash"><h3>Cash</h3><p>{e(_cash_line(brief["cash"]))}'
                 "</p></section>")  # fmt: skip
    parts.append(f'<section id="brief-alerts"><h3>{e(_alerts_heading(brief))}</h3>')
    if brief["alerts"]:
        parts.append('<table id="brief-alerts-table"><thead><tr><th class="num">'
                     f"Money at stake ({e(cur)})</th><th>Kind</th><th>Subject</th>"
                     "<th>Why</th></tr></thead><tbody>")  # fmt: skip
        for a in brief["alerts"]:
            link = f' <a href="{e(a["link"])}">evidence</a>' if a.get("link") else ""
            parts.append(
                f'<tr class="severity-{e(a["severity"])}"><td class="num">'
                f"{e(format_money(a['money_at_stake_base'], cur))}</td>"
                f"<td>{e(a['kind'])}</td><td>{e(a['subject'])}</td>"
                f"<td>{e(a['explanation'])}{link}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</section>")
    parts.append(f'<section id="brief-waiting"><h3>{e(_waiting_heading(brief["waiting"]))}'
                 "</h3><ul>")  # fmt: skip
    parts += [
        f"<li>{e(_waiting_item(w, cur))}</li>" for w in (brief["waiting"] or [])[:5]
    ]
    parts.append("</ul></section>")
    parts.append(f'<section id="brief-changes"><h3>Since the last brief</h3>'
                 f"<p>{e(_changes_line(brief['changes'], cur))}</p></section>")  # fmt: skip
    if brief["notes"]:
        parts.append('<section id="brief-notes"><h3>Notes</h3><ul>')
        parts += [f"<li>{e(note)}</li>" for note in brief["notes"]]
        parts.append("</ul></section>")
    parts.append("</article>")
    return "\n".join(parts)


def _sales_lines(sales: Mapping[str, Any], cur: str) -> list[str]:
    day, week = sales["yesterday"], sales["week"]
    lines = [
        f"Yesterday ({_short_day(day['from'])}): {_figures(day, cur)}",
        f"Last 7 days ({_short_day(week['from'])} to {_short_day(week['to'])}):"
        f" {_figures(week, cur)}",
    ]
    if week.get("vs_previous_week") is not None:
        lines[-1] += f"; {_signed(week['vs_previous_week'])} on the 7 days before"
    countries = sales["by_country"][:TOP_COUNTRIES]
    if countries:
        shown = "; ".join(
            f"{c['country']} {format_money(c['revenue'], cur)}"
            + _against(c["units"], c["forecast_units"], c["vs_forecast"])
            for c in countries
        )
        rest = len(sales["by_country"]) - len(countries)
        lines.append(f"By country: {shown}" + (f"; {rest} more" if rest > 0 else ""))
    channels = sales["by_channel"][:TOP_CHANNELS]
    if channels:
        shown = "; ".join(
            f"{c['channel']} {format_money(c['revenue'], cur)} ({_orders(c['orders'])})"
            for c in channels
        )
        rest = len(sales["by_channel"]) - len(channels)
        lines.append(f"By channel: {shown}" + (f"; {rest} more" if rest > 0 else ""))
    return lines


def _figures(window: Mapping[str, Any], cur: str) -> str:
    return (
        f"{_orders(window['orders'])}, {format_money(window['revenue'], cur)}"
        f" {cur}"
        + _against(window["units"], window["forecast_units"], window["vs_forecast"])
    )


def _orders(n: int) -> str:
    return f"{format_number(n)} order{'' if n == 1 else 's'}"


def _against(units: int, forecast: float | None, change: float | None) -> str:
    if forecast is None:
        return f", {format_units(units)} units"
    vs = f", {_signed(change)}" if change is not None else ""
    return f", {format_units(units)} units (forecast {format_units(forecast)}{vs})"


def _cash_line(cash: Sequence[Mapping[str, Any]]) -> str:
    if not cash:
        return "no payment or bank data: see the notes"
    held = [c for c in cash if c["amount"]]
    if not held:
        return "nothing held"
    return " · ".join(f"{c['currency']} {format_money(c['amount'], c['currency'])}"
                      for c in held)  # fmt: skip


def _alerts_heading(brief: Mapping[str, Any]) -> str:
    if brief["alerts_open"] is None:
        return "Alerts: monitors not run yet (tradepilot monitors run)"
    if not brief["alerts_open"]:
        return "Alerts: none open"
    shown = len(brief["alerts"])
    more = f", the {shown} largest below" if brief["alerts_open"] > shown else ""
    money = format_money(brief["alerts_money"], brief["currency"])
    return f"Alerts: {brief['alerts_open']} open, {money} {brief['currency']} at stake{more}"


def _waiting_heading(waiting: Sequence[Mapping[str, Any]] | None) -> str:
    if waiting is None:
        return "Waiting for approval: approvals not set up"
    if not waiting:
        return "Waiting for approval: nothing"
    return f"Waiting for approval: {len(waiting)}"


def _waiting_item(item: Mapping[str, Any], cur: str) -> str:
    money = item.get("money_base")
    amount = f" ({format_money(money, cur)} {cur})" if money is not None else ""
    return f"#{item.get('id')} {item.get('kind')}: {item.get('title')}{amount}"


def _changes_line(changes: Mapping[str, Any], cur: str) -> str:
    if changes["previous_date"] is None:
        return "Since the last brief: this is the first brief."
    new, closed = changes["new_alerts"], changes["closed_alerts"]
    parts = [f"{len(new)} new alerts", f"{len(closed)} closed"]
    if new:
        top = max(new, key=lambda a: a["money_at_stake_base"])
        parts[0] += (
            f" (largest: {top['kind']} {top['subject']},"
            f" {format_money(top['money_at_stake_base'], cur)} {cur})"
        )
    if changes["week_revenue_change"] is not None:
        parts.append(f"last 7 days' sales {_signed(changes['week_revenue_change'])}")
    return (
        f"Since the last brief ({_short_day(changes['previous_date'])}): "
        + "; ".join(parts)
    )


def _signed(change: float | None) -> str:
    """``+4.0%``, ``-12.5%``."""
    if change is None:
        return "–"
    return f"{format_number(change * 100, 1, signed=True)}%"


def _short(text: str) -> str:
    return (
        text if len(text) <= EXPLANATION_CHARS else text[: EXPLANATION_CHARS - 1] + "…"
    )


def _long_day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day:%a} {day.day} {day:%b %Y}"


def _short_day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day:%a} {day.day} {day:%b}"
