"""Matching payouts to the bank credits that received them (pure).

A payout is a provider's ``payout`` row (a settlement's summary for Amazon), or,
for a file without payout rows (Stripe's itemized payout reconciliation, a Shopify
export without them), the rows that name one payout id: then its amount is their
net sum and its day their last day. Rules, in order:

1. **Reference.** A bank line of the payout's currency and sign whose text
   (counterparty, description, reference) contains the payout id.
2. **Amount, date and currency window.** A bank line of the same currency and
   amount (within ``tolerance``) booked 0 to ``payout_window_days`` days after the
   payout; the nearest wins.
3. **Converted.** A payout paid into an account of another currency: a line
   naming the payout id or the provider, booked within the window, whose amount
   is within ``bank_fx_tolerance`` of the payout at the ECB mid rate of the
   payout's day; the difference is the FX spread of that conversion. A line
   naming the payout id is taken first; the other payouts and lines are paired
   so that the sum of their relative gaps to the mid rate is least (a line that
   names another payout's id is left to that one).

``payout_missing_from_bank``: a payout left unmatched whose day the bank statement
covers (its first day to its last minus the window). ``payout_paid_twice``: a
bank line left unmatched that names a matched payout's id, or that names its
provider and has its amount within the window.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tradepilot.payments.config import PaymentsConfig
from tradepilot.payments.matching import Convert, provider_name
from tradepilot.payments.model import BankTxn, Discrepancy, PaymentTxn

PROVIDER_WORDS = {
    "stripe": ("stripe",),
    "paypal": ("paypal",),
    "amazon-settlement": ("amazon",),
    "shopify-payments": ("shopify",),
}
MIN_ID_LENGTH = 4  # shorter payout ids would match any text


@dataclass
class Payout:
    """One payout: provider, id, day, amount sent to the bank (> 0), currency."""

    provider: str
    payout_id: str
    day: dt.date
    amount: Decimal
    currency: str
    rows: list[PaymentTxn]
    implied: bool = False

    def evidence(self) -> dict[str, object]:
        """The payout, as evidence (its own row, or the rows it pays out)."""
        head = self.rows[0].evidence() if not self.implied else {}
        return {
            **head,
            "source": self.provider,
            "payout": self.payout_id,
            "date": self.day.isoformat(),
            "amount": float(self.amount),
            "currency": self.currency,
            **({"rows": len(self.rows)} if self.implied else {}),
        }

    def named_in(self, line: BankTxn) -> bool:
        """Whether the bank line's text names this payout's id."""
        return len(self.payout_id) >= MIN_ID_LENGTH and (
            self.payout_id.lower() in line.text
        )


@dataclass
class Spread:
    """The cost of one conversion against the ECB mid rate of its day.

    ``cost`` is in ``target`` currency: what the mid rate would have given minus
    what was received (positive: the provider's spread cost the seller).
    """

    provider: str
    day: dt.date
    source: str
    target: str
    amount: Decimal  # converted, in ``source`` (positive)
    received: Decimal  # in ``target`` (positive)
    mid_rate: float
    cost: Decimal
    what: str

    @property
    def spread(self) -> float:
        """The cost as a share of the mid-rate value."""
        mid = float(self.amount) * self.mid_rate
        return float(self.cost) / mid if mid else 0.0


@dataclass
class PayoutMatches:
    """Payouts with their bank lines, how each matched, and the findings."""

    payouts: list[Payout]
    bank_line: dict[int, BankTxn] = field(default_factory=dict)  # payout index ->
    how: dict[str, int] = field(
        default_factory=lambda: {
            "by_reference": 0,
            "by_window": 0,
            "by_fx_reference": 0,
            "by_fx_window": 0,
        }
    )
    spreads: list[Spread] = field(default_factory=list)
    findings: list[Discrepancy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def collect_payouts(txns: list[PaymentTxn]) -> list[Payout]:
    """Payouts from payout rows, else implied by the rows' payout ids."""
    explicit = [t for t in txns if t.kind == "payout"]
    known = {(t.provider, t.payout_id) for t in explicit}
    payouts = [
        Payout(t.provider, t.payout_id or str(t.id), t.day, -t.net, t.currency, [t])
        for t in explicit
    ]
    groups: dict[tuple[str, str, str], list[PaymentTxn]] = defaultdict(list)
    for t in txns:
        if t.payout_id and t.kind not in ("payout", "memo"):
            if (t.provider, t.payout_id) not in known:
                groups[(t.provider, t.payout_id, t.currency)].append(t)
    for (provider, payout_id, currency), rows in groups.items():
        amount = sum((t.net for t in rows), Decimal(0))
        day = max(t.day for t in rows)
        payouts.append(Payout(provider, payout_id, day, amount, currency, rows, True))
    return sorted(payouts, key=lambda p: (p.day, p.provider, p.payout_id))


def match_payouts(
    payouts: list[Payout], bank: list[BankTxn], config: PaymentsConfig, convert: Convert
) -> PayoutMatches:
    """Apply the module's rules and return the matches and findings."""
    result = PayoutMatches(payouts)
    if not bank:
        if payouts:
            result.notes.append(
                "no bank statement imported: payouts are not checked against the"
                " bank (tradepilot import bank FILE)"
            )
        return result
    used: set[int] = set()
    _by_reference(result, bank, used)
    _by_window(result, bank, used, config)
    _by_conversion(result, bank, used, config, convert)
    _missing(result, bank, config)
    _twice(result, bank, used, config)
    return result


def _same_sign(payout: Payout, line: BankTxn) -> bool:
    return (payout.amount > 0) == (line.amount > 0)


def _by_reference(result: PayoutMatches, bank: list[BankTxn], used: set[int]) -> None:
    for i, p in enumerate(result.payouts):
        for line in bank:
            if line.id in used or line.currency != p.currency:
                continue
            if _same_sign(p, line) and p.named_in(line):
                result.bank_line[i] = line
                used.add(line.id)
                result.how["by_reference"] += 1
                break


def _window(p: Payout, line: BankTxn, config: PaymentsConfig) -> bool:
    lag = (line.booked_on - p.day).days
    return 0 <= lag <= config.payout_window_days


def _by_window(
    result: PayoutMatches, bank: list[BankTxn], used: set[int], config: PaymentsConfig
) -> None:
    tol = Decimal(str(config.tolerance))
    for i, p in enumerate(result.payouts):
        if i in result.bank_line:
            continue
        fits = [
            line
            for line in bank
            if line.id not in used
            and line.currency == p.currency
            and abs(line.amount - p.amount) <= tol
            and _window(p, line, config)
        ]
        if fits:
            line = min(fits, key=lambda b: (b.booked_on - p.day).days)
            result.bank_line[i] = line
            used.add(line.id)
            result.how["by_window"] += 1


def _names_provider(provider: str, line: BankTxn) -> bool:
    return any(word in line.text for word in PROVIDER_WORDS.get(provider, (provider,)))


@dataclass(frozen=True)
class _Conversion:
    """A bank line in another currency that could have received payout ``index``."""

    index: int
    line: BankTxn
    mid: Decimal  # the payout at the ECB mid rate, in the line's currency
    gap: float  # |line - mid| as a share of mid
    named: bool  # the line's text names the payout id


def _conversions(
    result: PayoutMatches,
    bank: list[BankTxn],
    used: set[int],
    config: PaymentsConfig,
    convert: Convert,
) -> list[_Conversion]:
    share = Decimal(str(config.bank_fx_tolerance))
    found = []
    for i, p in enumerate(result.payouts):
        if i in result.bank_line:
            continue
        for line in bank:
            if line.id in used or line.currency == p.currency:
                continue
            if not (_same_sign(p, line) and _window(p, line, config)):
                continue
            named = p.named_in(line)
            if not (named or _names_provider(p.provider, line)):
                continue
            mid = convert(p.amount, p.currency, line.currency, p.day)
            if mid is None or not mid or abs(line.amount - mid) > share * abs(mid):
                continue
            gap = float(abs(line.amount - mid) / abs(mid))
            found.append(_Conversion(i, line, mid, gap, named))
    return found


def _by_conversion(
    result: PayoutMatches,
    bank: list[BankTxn],
    used: set[int],
    config: PaymentsConfig,
    convert: Convert,
) -> None:
    """Rule 3: a line naming the payout id first; the other payouts and lines
    paired so that the sum of their gaps to the mid rate is least.

    Pairing each payout in turn with its nearest line would let one payout take
    the line of another whose converted amount happens to be closer (several
    settlements in different currencies paid the same day for similar sums).
    """
    candidates = _conversions(result, bank, used, config, convert)
    for c in sorted((c for c in candidates if c.named), key=lambda c: c.gap):
        if c.index not in result.bank_line and c.line.id not in used:
            _convert(result, used, c)
    # a line naming another payout's id is that payout's, matched or not
    rest = [
        c
        for c in candidates
        if c.index not in result.bank_line
        and c.line.id not in used
        and not any(
            j != c.index and other.named_in(c.line)
            for j, other in enumerate(result.payouts)
        )
    ]
    for c in _least_total_gap(rest):
        _convert(result, used, c)


def _least_total_gap(candidates: list[_Conversion]) -> list[_Conversion]:
    """The pairs, one line per payout and one payout per line, of least total gap."""
    if not candidates:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    payouts = sorted({c.index for c in candidates})
    lines = sorted({c.line.id for c in candidates})
    row, col = (
        {p: k for k, p in enumerate(payouts)},
        {b: k for k, b in enumerate(lines)},
    )
    cost = np.full((len(payouts), len(lines)), np.inf)
    for c in candidates:
        cost[row[c.index], col[c.line.id]] = c.gap
    # an infeasible pair must cost more than any feasible assignment, not infinity
    cost[np.isinf(cost)] = 1.0 + cost[np.isfinite(cost)].sum()
    by_pair = {(row[c.index], col[c.line.id]): c for c in candidates}
    chosen = zip(*linear_sum_assignment(cost), strict=True)
    return [by_pair[(int(r), int(k))] for r, k in chosen if (int(r), int(k)) in by_pair]


def _convert(result: PayoutMatches, used: set[int], c: _Conversion) -> None:
    p, line, mid = result.payouts[c.index], c.line, c.mid
    result.bank_line[c.index] = line
    used.add(line.id)
    result.how["by_fx_reference" if c.named else "by_fx_window"] += 1
    rate = float(mid / p.amount) if p.amount else 0.0
    result.spreads.append(
        Spread(
            p.provider,
            p.day,
            p.currency,
            line.currency,
            abs(p.amount),
            abs(line.amount),
            rate,
            abs(mid) - abs(line.amount),
            f"payout {p.payout_id} to the bank",
        )  # fmt: skip
    )


def _missing(
    result: PayoutMatches, bank: list[BankTxn], config: PaymentsConfig
) -> None:
    first = min(b.booked_on for b in bank)
    last = max(b.booked_on for b in bank) - dt.timedelta(days=config.payout_window_days)
    for i, p in enumerate(result.payouts):
        if i in result.bank_line or not first <= p.day <= last or p.amount == 0:
            continue
        name = provider_name(p.provider)
        result.findings.append(
            Discrepancy(
                kind="payout_missing_from_bank",
                provider=p.provider,
                amount=p.amount,
                currency=p.currency,
                day=p.day,
                payout=p.payout_id,
                evidence=[p.evidence()],
                action=(
                    f"{name} payout {p.payout_id} of {p.amount} {p.currency} ({p.day})"
                    f" never reached the bank: ask {name} for the payout's trace"
                    " reference and check the bank account it was sent to"
                ),
            )
        )


def _twice(
    result: PayoutMatches, bank: list[BankTxn], used: set[int], config: PaymentsConfig
) -> None:
    tol = Decimal(str(config.tolerance))
    for i, line_one in sorted(result.bank_line.items()):
        p = result.payouts[i]
        for line in bank:
            if line.id in used or line.currency != line_one.currency:
                continue
            same = abs(line.amount - line_one.amount) <= tol
            named = p.named_in(line) or (
                _names_provider(p.provider, line) and _window(p, line, config)
            )
            if not (same and named and _same_sign(p, line)):
                continue
            used.add(line.id)
            name = provider_name(p.provider)
            result.findings.append(
                Discrepancy(
                    kind="payout_paid_twice",
                    provider=p.provider,
                    amount=line.amount,
                    currency=line.currency,
                    day=line.booked_on,
                    payout=p.payout_id,
                    evidence=[p.evidence(), line_one.evidence(), line.evidence()],
                    action=(
                        f"{name} payout {p.payout_id} ({p.amount} {p.currency}) was"
                        f" credited twice ({line_one.booked_on} and {line.booked_on}):"
                        f" expect {name} to take {line.amount} {line.currency} back;"
                        " do not spend it"
                    ),
                )
            )
