"""Journal entries of the orders: revenue, VAT, receivables (pure).

One entry per import run, UTC day, channel, currency and order kind (a daily
sales summary, as A2X-style marketplace accounting posts them): a credit per
country, SKU and line kind to the income account of the line (sales, shipping,
discounts, returns), a credit per jurisdiction and scheme to VAT payable (or to
VAT collected by a marketplace, which a matching pair of lines then takes off the
receivable: not the seller's liability), and the debit to the channel's
receivable. Income lines name the VAT jurisdiction, scheme and rate of their
sales (the taxable amounts of a VAT return). Cancellation and return documents carry negative quantities and are
posted to sales returns.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from tradepilot.domain.money import minor_unit
from tradepilot.ledger import accounts as acc
from tradepilot.ledger.journal import Draft, Line, RunningRounding, balancing_line
from tradepilot.ledger.vat import MARKETPLACE, vat_in_gross

DEEMED = "deemed:"
"""Scheme prefix of sales whose VAT a marketplace collects as deemed supplier."""
ENTRY_KEY = ("run", "day", "channel", "currency", "order_kind")


@dataclass(frozen=True)
class SaleGroup:
    """Order lines of one entry, country, SKU, line kind and VAT treatment."""

    run: int
    day: dt.date
    channel: str
    currency: str
    order_kind: str
    country: str
    sku: str | None
    line_kind: str
    jurisdiction: str | None
    scheme: str | None
    vat_rate: str | None
    collector: str | None
    gross: Decimal


def sales_drafts(
    groups: Iterable[SaleGroup],
    *,
    rates: Mapping[tuple[str, dt.date], Decimal],
    rounding: RunningRounding,
    orders: Mapping[tuple[Any, ...], int],
) -> list[Draft]:
    """Entries of ``groups`` (sorted by :data:`ENTRY_KEY`).

    Parameters
    ----------
    rates : mapping
        Base currency per unit of (currency, day).
    rounding : RunningRounding
        Converts income and VAT lines to base, carrying the rounding on.
    orders : mapping
        Orders per entry key, for the description.
    """
    drafts = []
    for key, members in groupby(groups, key=_entry_key):
        run, day, channel, currency, kind = key
        draft = Draft(
            entry_date=day,
            kind="sales" if kind == "sale" else "returns",
            source_key=f"orders:{run}:{day}:{channel}:{currency}:{kind}",
            description=(
                f"{channel} {kind} documents of {day} in {currency}:"
                f" {orders.get(key, 0)} (import run {run})"
            ),
            source_run=run,
        )
        draft.lines = _lines(list(members), rates[(currency, day)], rounding)
        draft.carry = rounding.carry
        drafts.append(draft)
    return drafts


def _entry_key(group: SaleGroup) -> tuple[Any, ...]:
    return (group.run, group.day, group.channel, group.currency, group.order_kind)


def _lines(
    members: list[SaleGroup], rate: Decimal, rounding: RunningRounding
) -> list[Line]:
    first = members[0]
    currency, channel = first.currency, first.channel
    digits = minor_unit(currency)
    returns = first.order_kind != "sale"
    lines: list[Line] = []
    vat: dict[tuple[Any, ...], Decimal] = {}
    for group in members:
        tax = Decimal(0)
        if group.collector and group.vat_rate:
            tax = vat_in_gross(group.gross, _rate(group.vat_rate), digits)
            key = (group.country, group.jurisdiction, _scheme(group),
                   group.vat_rate, group.collector)  # fmt: skip
            vat[key] = vat.get(key, Decimal(0)) + tax
        account = acc.INCOME_BY_LINE_KIND.get(group.line_kind, acc.OTHER_INCOME)
        if returns and account in (acc.SALES, acc.SHIPPING_INCOME):
            account = acc.RETURNS
        net = -(group.gross - tax)
        lines.append(
            Line(account, "revenue", net, currency, rate, rounding.base(net, rate),
                 country=group.country, channel=channel, sku=group.sku,
                 jurisdiction=group.jurisdiction, scheme=_scheme(group),
                 vat_rate=group.vat_rate if group.collector else None)
        )  # fmt: skip
    marketplace = Decimal(0)
    for (country, jurisdiction, scheme, vat_rate, collector), tax in sorted(
        vat.items(), key=lambda item: tuple(str(v) for v in item[0])
    ):
        account = acc.MARKETPLACE_VAT if collector == MARKETPLACE else acc.VAT_PAYABLE
        lines.append(
            Line(account, "vat", -tax, currency, rate, rounding.base(-tax, rate),
                 country=country, channel=channel, jurisdiction=jurisdiction,
                 scheme=scheme, vat_rate=vat_rate)
        )  # fmt: skip
        if collector == MARKETPLACE:
            marketplace += tax
    receivable = Line(acc.RECEIVABLE, "receivable", Decimal(0), currency, rate,
                      Decimal(0), channel=channel)  # fmt: skip
    lines.append(balancing_line(lines, receivable))
    if marketplace:
        offset = _base_of(lines, acc.MARKETPLACE_VAT)  # a credit: negative
        lines.append(
            Line(acc.MARKETPLACE_VAT, "marketplace", marketplace, currency, rate,
                 -offset, channel=channel)
        )  # fmt: skip
        lines.append(
            Line(acc.RECEIVABLE, "marketplace", -marketplace, currency, rate,
                 offset, channel=channel)
        )  # fmt: skip
    return lines


def _scheme(group: SaleGroup) -> str | None:
    """The scheme; ``deemed:<scheme>`` where a marketplace collects the VAT."""
    if group.collector == MARKETPLACE:
        return f"{DEEMED}{group.scheme}"
    return group.scheme


@functools.cache
def _rate(text: str) -> Decimal:
    return Decimal(text)


def _base_of(lines: list[Line], account: str) -> Decimal:
    return sum((ln.base_amount for ln in lines if ln.account == account), Decimal(0))
