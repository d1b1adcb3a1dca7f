"""One readable sentence per scored market: what drives its score, what holds it back.

Used by :func:`tradepilot.markets.scoring.score_markets`; the wording scales with
each component's normalised value (below 1/3 "thin margin", above 2/3 "high
margin"), and unknown signals are named as such.
"""

from __future__ import annotations

from typing import Any

from tradepilot.markets.components import COMPONENTS, SIGNAL_OF

# (low, middle, high) wording by norm below 1/3, up to 2/3, above.
_WORDING = {
    "demand": ("small own sales", "own sales", "strong own sales"),
    "growth": ("shrinking sales", "growth", "fast growth"),
    "peers": (
        "little sales in peer markets",
        "sales in peer markets",
        "strong sales in peer markets",
    ),
    "margin": ("thin margin", "margin", "high margin"),
    "delivery": ("slow delivery", "delivery", "fast delivery"),
    "burden": (
        "heavy tax/registration burden",
        "tax/registration burden",
        "light tax/registration burden",
    ),
    "returns": ("high returns", "returns", "low returns"),
}
_UNKNOWN = {
    "growth": "growth unknown",
    "margin": "margin unknown",
    "delivery": "delivery time unknown",
    "returns": "return rate unknown",
}
_NOTHING = {"demand": "no own sales yet", "peers": "no sales in peer markets"}


def _money(amount: float, currency: str | None) -> str:
    size = abs(amount)
    if size >= 999_500:
        text = f"{size / 1e6:.1f}M"
    elif size >= 9_950:
        text = f"{size / 1e3:.0f}k"
    elif size >= 1_000:
        text = f"{size / 1e3:.1f}k"
    else:
        text = f"{size:.0f}"
    text = f"-{text}" if amount < 0 else text
    return f"{currency} {text}" if currency else text


def _detail(
    component: str, value: float, note: str, currency: str | None
) -> str | None:
    if component in ("demand", "peers"):
        return _money(value, currency)
    if component == "growth":
        return f"{value:+.0%}"
    if component == "delivery":
        return f"{value:.0f} days"
    if component == "burden":
        return note or None
    return f"{value:.0%}"


def _phrase(
    component: str, row: dict[str, Any], currency: str | None
) -> tuple[str, str | None]:
    """Wording and detail of one component, e.g. ("high margin", "38%")."""
    value = row[SIGNAL_OF[component]]
    if value is None:
        return _UNKNOWN[component], "scored neutral"
    if component in _NOTHING and value <= 0:
        return _NOTHING[component], None
    norm = row[f"{component}_norm"]
    wording = _WORDING[component][0 if norm < 1 / 3 else 1 if norm <= 2 / 3 else 2]
    return wording, _detail(component, value, row["burden_note"], currency)


def _points(points: float) -> str:
    return f"{points:.0f} pts" if points >= 1 else f"{points:.1f} pts"


def _describe(
    component: str, row: dict[str, Any], currency: str | None, *, points: bool
) -> str:
    wording, detail = _phrase(component, row, currency)
    inside = [detail] if detail else []
    if points:
        inside.append(_points(row[f"{component}_points"]))
    return f"{wording} ({', '.join(inside)})" if inside else wording


def explain(row: dict[str, Any], shares: dict[str, float], currency: str | None) -> str:
    """One sentence: the two biggest contributors, the biggest drag, the unknowns."""
    weighted = [c for c in COMPONENTS if shares[c] > 0]
    by_points = sorted(weighted, key=lambda c: -row[f"{c}_points"])
    named = [c for c in by_points[:2] if row[f"{c}_points"] > 0]
    tops = [_describe(c, row, currency, points=True) for c in named]
    sentence = " and ".join(tops) or "no component scores points"
    lost = {
        c: shares[c] * 100.0 - row[f"{c}_points"] for c in weighted if c not in named
    }
    drag = max(lost, key=lambda c: lost[c], default=None)
    if drag is not None and lost[drag] > 1e-9:
        sentence += f"; {_describe(drag, row, currency, points=False)} costs the most"
        named.append(drag)
    unknown = [
        _UNKNOWN[c]
        for c in weighted
        if c in _UNKNOWN and c not in named and row[SIGNAL_OF[c]] is None
    ]
    if unknown:
        sentence += f"; {', '.join(unknown)} (scored neutral)"
    return sentence[0].upper() + sentence[1:] + "."
