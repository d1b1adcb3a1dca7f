"""Journal entries of the payment providers' transactions (pure).

Read through :func:`tradepilot.payments.service.payment_transactions`. One entry per
provider, day and currency (a daily settlement summary); each provider's balance is
a clearing account (1110 with the provider as channel):

* charge / refund: the buyer's money settles the channel receivable
  (Dr provider, Cr receivables; a refund the other way round);
* the fee of every row: Dr marketplace and payment fees, Cr provider;
* payout / transfer: Dr bank, Cr provider;
* chargeback, adjustment: other expenses; tax withheld: VAT collected by
  marketplaces; conversion: the provider balance in each currency, the difference
  in base to realised FX gains and losses (the spread actually paid);
* reserve, memo: not money movements, not booked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import groupby
from typing import Any

from tradepilot.domain.money import minor_unit
from tradepilot.ledger import accounts as acc
from tradepilot.ledger.journal import Draft, Line, balancing_line, to_base

COUNTER_ACCOUNT = {
    "charge": acc.RECEIVABLE,
    "refund": acc.RECEIVABLE,
    "payout": acc.BANK,
    "transfer": acc.BANK,
    "chargeback": acc.EXPENSES,
    "adjustment": acc.EXPENSES,
    "tax": acc.MARKETPLACE_VAT,
}
SKIPPED = frozenset({"reserve", "memo"})


def payment_drafts(
    transactions: Iterable[Mapping[str, Any]],
    *,
    rates: Mapping[tuple[str, dt.date], Decimal],
    base: str,
    posted: set[str],
) -> tuple[list[Draft], list[Mapping[str, Any]]]:
    """Entries of the ``transactions`` not in ``posted`` (source keys), and the
    rows left for later because their currency has no rate on their day."""
    drafts: list[Draft] = []
    waiting: list[Mapping[str, Any]] = []
    rows = [t for t in transactions if t["kind"] not in SKIPPED]
    plain = [t for t in rows if t["kind"] != "conversion"]
    key = lambda t: (t["provider"], t["date"], t["currency"], t["file"])  # noqa: E731
    for (provider, day, currency, file), group in groupby(
        sorted(plain, key=key), key=key
    ):
        members = list(group)
        source = _source_key("payments", provider, day, currency, file)
        if source in posted:
            continue
        if (currency, day) not in rates:
            waiting += members
            continue
        lines = _lines(members, provider, currency, rates[(currency, day)], base)
        if lines:
            drafts.append(_draft("payments", source, provider, day, members, lines))
    by_day = lambda t: (t["provider"], t["date"], t["file"])  # noqa: E731
    conversions = sorted((t for t in rows if t["kind"] == "conversion"), key=by_day)
    for (provider, day, file), group in groupby(conversions, key=by_day):
        members = list(group)
        source = _source_key("conversion", provider, day, "FX", file)
        if source in posted:
            continue
        if any((t["currency"], day) not in rates for t in members):
            waiting += members
            continue
        lines = [
            Line(acc.PROVIDERS, "provider", t["net"], t["currency"],
                 rates[(t["currency"], day)],
                 to_base(t["net"], rates[(t["currency"], day)], minor_unit(base)),
                 channel=provider)
            for t in members
        ]  # fmt: skip
        fx = Line(acc.FX_REALISED, "fx", Decimal(0), base, Decimal(1), Decimal(0))
        lines.append(balancing_line(lines, fx))
        lines[-1] = Line(acc.FX_REALISED, "fx", lines[-1].base_amount, base,
                         Decimal(1), lines[-1].base_amount)  # fmt: skip
        drafts.append(_draft("conversion", source, provider, day, members, lines))
    return drafts, waiting


def _source_key(
    kind: str, provider: str, day: dt.date, currency: str, file: str
) -> str:
    """One entry per provider, day, currency and imported file."""
    return f"{kind}:{provider}:{day}:{currency}:{file[-80:]}"


def _draft(
    kind: str,
    source: str,
    provider: str,
    day: dt.date,
    members: list[Mapping[str, Any]],
    lines: list[Line],
) -> Draft:
    return Draft(
        entry_date=day,
        kind=kind,
        source_key=source,
        description=f"{provider} {kind} of {day}: {len(members)} rows of"
        f" {members[0]['file']}",
        lines=lines,
    )


def _lines(
    members: list[Mapping[str, Any]],
    provider: str,
    currency: str,
    rate: Decimal,
    base: str,
) -> list[Line]:
    digits = minor_unit(base)
    totals: dict[str, Decimal] = {}
    for t in members:
        counter = COUNTER_ACCOUNT.get(t["kind"])
        if counter is not None and t["gross"]:
            totals[counter] = totals.get(counter, Decimal(0)) - t["gross"]
        if t["fee"]:
            totals[acc.FEES] = totals.get(acc.FEES, Decimal(0)) + t["fee"]
    lines = [
        Line(account, "payment", amount, currency, rate, to_base(amount, rate, digits),
             channel=provider if account == acc.FEES else None)
        for account, amount in sorted(totals.items())
        if amount
    ]  # fmt: skip
    if not lines:
        return []
    holder = Line(acc.PROVIDERS, "provider", Decimal(0), currency, rate, Decimal(0),
                  channel=provider)  # fmt: skip
    lines.append(balancing_line(lines, holder))
    return lines
