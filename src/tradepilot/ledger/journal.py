"""Journal entries before they are written: lines, balancing, base amounts (pure).

Amounts are signed (debit positive). Every entry balances in the base currency
(its lines' base amounts add up to zero) and, when all its lines share one
currency, in that currency too: :func:`check_balanced` refuses any other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal

from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger.accounts import ACCOUNTS

ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an entry (see ``ledger_lines``)."""

    account: str
    role: str
    amount: Decimal
    currency: str
    rate: Decimal
    base_amount: Decimal
    country: str | None = None
    channel: str | None = None
    sku: str | None = None
    jurisdiction: str | None = None
    scheme: str | None = None
    vat_rate: str | None = None


@dataclass
class Draft:
    """An entry to write: its header and lines (hash and numbers come on writing)."""

    entry_date: dt.date
    kind: str
    source_key: str
    description: str
    lines: list[Line] = field(default_factory=list)
    source_run: int | None = None
    reverses_seq: int | None = None
    carry: Decimal | None = None

    @property
    def period(self) -> str:
        return self.entry_date.strftime("%Y-%m")


class RunningRounding:
    """Base amounts rounded to the minor unit, the rounding carried forward.

    Each amount's base is ``round(amount x rate + carry)`` and the carry is what
    that rounding left over, so the sum of any run of rounded amounts is the
    rounded exact sum: over the whole history, the ledger's base totals equal
    those computed from unrounded conversions (as ``tradepilot status`` computes
    them) to the cent.

    Examples
    --------
    >>> r = RunningRounding(2)
    >>> [r.base(Decimal("0.333"), ONE) for _ in range(3)]
    [Decimal('0.33'), Decimal('0.34'), Decimal('0.33')]
    """

    def __init__(self, digits: int, carry: Decimal = Decimal(0)) -> None:
        self.unit = ONE.scaleb(-digits)
        self.carry = carry

    def base(self, amount: Decimal, rate: Decimal) -> Decimal:
        exact = amount * rate + self.carry
        rounded = exact.quantize(self.unit, rounding=ROUND_HALF_EVEN)
        self.carry = exact - rounded
        return rounded


def to_base(amount: Decimal, rate: Decimal, digits: int) -> Decimal:
    """``amount x rate`` rounded half-even to ``digits`` decimals."""
    return (amount * rate).quantize(ONE.scaleb(-digits), rounding=ROUND_HALF_EVEN)


def balancing_line(lines: list[Line], template: Line) -> Line:
    """``template`` with the amount and base amount that make ``lines`` balance."""
    return replace(
        template,
        amount=-sum((line.amount for line in lines), Decimal(0)),
        base_amount=-sum((line.base_amount for line in lines), Decimal(0)),
    )


def check_balanced(draft: Draft) -> None:
    """Refuse an entry that does not balance or names an unknown account.

    Raises
    ------
    DataValidationError
        Naming the entry, the account or the difference.
    """
    if not draft.lines:
        if draft.kind == "close":
            return
        raise DataValidationError(f"entry {draft.source_key!r} has no lines")
    unknown = sorted({ln.account for ln in draft.lines} - set(ACCOUNTS))
    if unknown:
        raise DataValidationError(
            f"entry {draft.source_key!r} names unknown account(s) {unknown};"
            f" the chart has {sorted(ACCOUNTS)}"
        )
    base = sum((ln.base_amount for ln in draft.lines), Decimal(0))
    if base != 0:
        raise DataValidationError(
            f"entry {draft.source_key!r} does not balance: its base amounts add up"
            f" to {base}, not 0"
        )
    currencies = {ln.currency for ln in draft.lines}
    if len(currencies) == 1:
        total = sum((ln.amount for ln in draft.lines), Decimal(0))
        if total != 0:
            raise DataValidationError(
                f"entry {draft.source_key!r} does not balance: its amounts add up to"
                f" {total} {currencies.pop()}, not 0"
            )


def reversal(draft_lines: list[Line]) -> list[Line]:
    """The lines of a reversing entry: every amount with the opposite sign."""
    return [
        replace(ln, amount=-ln.amount, base_amount=-ln.base_amount)
        for ln in draft_lines
    ]
