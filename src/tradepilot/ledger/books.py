"""The rest of a small company's books (pure): opening balances, bank lines
categorised by rules, supplier payments and month-end FX revaluation.

* **Opening balances**: rows of (account, currency, amount, as-of date), amounts
  signed as the account's balance (an asset's or expense's positive, a
  liability's, equity's or income's positive too: :func:`opening_draft` turns them
  into debits and credits); one entry, balanced against 3000 Owner's equity and
  opening balances.
* **Bank rules**: a bank line's counterparty, description and reference matched
  by a regular expression, its sign and amount range -> an account. The first
  rule that matches wins; a debit to a known supplier is a supplier payment
  (Dr 2100 Payables, the supplier as channel) before any rule. Payout credits
  are booked from the providers' side, not here.
* **Unrealised FX**: on the last day of a month each asset or liability balance
  held in another currency than the base is revalued at the day's ECB rate, the
  difference to 7010 Unrealised FX gains and losses; the revaluation is reversed
  on the first day of the next month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger import accounts as acc
from tradepilot.ledger.journal import Draft, Line, reversal, to_base

OPENING_COLUMNS = ("account", "currency", "amount", "as_of")
SIGNS = ("credit", "debit", "any")


@dataclass(frozen=True)
class OpeningRow:
    """One opening balance: the account's balance on ``as_of``, in ``currency``."""

    account: str
    currency: str
    amount: Decimal
    as_of: dt.date


def opening_draft(
    rows: list[OpeningRow],
    rates: Mapping[tuple[str, dt.date], Decimal],
    *,
    base: str,
    digits: int,
    number: int,
) -> Draft:
    """The opening entry: each row as its account's natural side, the difference
    to 3000 (in base).

    Examples
    --------
    >>> day = dt.date(2024, 1, 1)
    >>> rows = [OpeningRow("1000", "EUR", Decimal("500"), day),
    ...         OpeningRow("2100", "EUR", Decimal("200"), day)]
    >>> d = opening_draft(rows, {("EUR", day): Decimal(1)}, base="EUR", digits=2,
    ...                   number=1)
    >>> [(ln.account, ln.base_amount) for ln in d.lines]
    [('1000', Decimal('500.00')), ('2100', Decimal('-200.00')), ('3000', Decimal('-300.00'))]
    """
    lines = []
    for row in rows:
        debit = acc.account(row.account).kind in (acc.ASSET, acc.EXPENSE)
        amount = row.amount if debit else -row.amount
        rate = rates[(row.currency, row.as_of)]
        lines.append(Line(row.account, "opening", amount, row.currency, rate,
                          to_base(amount, rate, digits)))  # fmt: skip
    rest = -sum((ln.base_amount for ln in lines), Decimal(0))
    if rest:
        lines.append(Line(acc.OPENING_EQUITY, "opening", rest, base, Decimal(1), rest))
    day = rows[0].as_of
    return Draft(
        entry_date=day,
        kind="opening",
        source_key=f"opening:balances:{number}",
        description=f"opening balances as of {day}: {len(rows)} accounts",
        lines=lines,
    )


def parse_opening(records: list[dict[str, str]], where: str) -> list[OpeningRow]:
    """Rows of an opening-balances file, checked.

    Raises
    ------
    DataValidationError
        Naming the row and what was expected: a known balance-sheet account, a
        three-letter currency, a number, a YYYY-MM-DD date (one for all rows).
    """
    if not records:
        raise DataValidationError(f"{where} has no rows")
    missing = [c for c in OPENING_COLUMNS if c not in records[0]]
    if missing:
        raise DataValidationError(
            f"{where}: column(s) {', '.join(missing)} missing; expected"
            f" {', '.join(OPENING_COLUMNS)}, found {', '.join(records[0])}"
        )
    rows = [_opening_row(r, f"{where} row {n}") for n, r in enumerate(records, 2)]
    days = sorted({r.as_of for r in rows})
    if len(days) > 1:
        raise DataValidationError(
            f"{where}: every row must have the same as_of date; found {days}"
        )
    return rows


def _opening_row(r: dict[str, str], where: str) -> OpeningRow:
    code = (r["account"] or "").strip()
    if code not in acc.ACCOUNTS or acc.ACCOUNTS[code].is_profit_and_loss:
        choices = ", ".join(a.code for a in acc.CHART if not a.is_profit_and_loss)
        raise DataValidationError(
            f"{where}: account {code!r} is not a balance-sheet account of the chart;"
            f" expected one of {choices}"
        )
    currency = (r["currency"] or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise DataValidationError(
            f"{where}: currency {r['currency']!r} is not an ISO 4217 code"
        )
    try:
        amount = Decimal((r["amount"] or "").strip())
        day = dt.date.fromisoformat((r["as_of"] or "").strip())
    except (ArithmeticError, ValueError):
        raise DataValidationError(
            f"{where}: expected an amount like 1250.00 and a date YYYY-MM-DD; found"
            f" {r['amount']!r} and {r['as_of']!r}"
        ) from None
    return OpeningRow(code, currency, amount, day)


# --- bank rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class BankRule:
    """Bank lines whose text matches ``pattern`` (and sign, amount range) go to
    ``account``."""

    name: str
    account: str
    pattern: re.Pattern[str]
    sign: str = "any"
    min_amount: Decimal | None = None  # absolute amounts
    max_amount: Decimal | None = None

    def matches(self, line: Mapping[str, Any]) -> bool:
        """Whether the bank line (``amount``, text fields) fits the rule."""
        amount: Decimal = line["amount"]
        if self.sign == "credit" and amount <= 0:
            return False
        if self.sign == "debit" and amount >= 0:
            return False
        if self.min_amount is not None and abs(amount) < self.min_amount:
            return False
        if self.max_amount is not None and abs(amount) > self.max_amount:
            return False
        return bool(self.pattern.search(line_text(line)))


def line_text(line: Mapping[str, Any]) -> str:
    """Counterparty, description and reference of a bank line, joined."""
    parts = (line.get("counterparty"), line.get("description"), line.get("reference"))
    return " | ".join(str(p) for p in parts if p)


def parse_rules(data: Any, where: str) -> list[BankRule]:
    """Rules from a parsed YAML/TOML document ``{"rules": [{name, match, account,
    sign?, min?, max?}, ...]}``.

    Raises
    ------
    DataValidationError
        Naming the rule and the field that is wrong.
    """
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise DataValidationError(
            f"{where}: expected a list 'rules' of {{name, match, account, sign, min,"
            f" max}}; found {type(data).__name__}"
        )
    return [_rule(item, f"{where} rule {n}") for n, item in enumerate(items, 1)]


def _rule(item: Any, where: str) -> BankRule:
    if not isinstance(item, dict) or "match" not in item or "account" not in item:
        raise DataValidationError(f"{where}: needs 'match' (a regex) and 'account'")
    code = str(item["account"])
    if code not in acc.ACCOUNTS or code == acc.BANK:
        raise DataValidationError(
            f"{where}: account {code!r} is not in the chart (or is the bank itself);"
            f" expected one of {', '.join(a.code for a in acc.CHART[1:])}"
        )
    sign = str(item.get("sign", "any"))
    if sign not in SIGNS:
        raise DataValidationError(f"{where}: sign {sign!r} is not one of {SIGNS}")
    try:
        pattern = re.compile(str(item["match"]), re.IGNORECASE)
        low = None if item.get("min") is None else Decimal(str(item["min"]))
        high = None if item.get("max") is None else Decimal(str(item["max"]))
    except (re.error, ArithmeticError) as exc:
        raise DataValidationError(f"{where}: {exc}") from None
    name = str(item.get("name") or item["match"])
    return BankRule(name, code, pattern, sign, low, high)


@dataclass
class Categorised:
    """Bank lines with their account and rule, and those no rule matched."""

    booked: list[tuple[Mapping[str, Any], str, str, str | None]] = field(
        default_factory=list
    )  # line, account, rule name, channel
    uncategorised: list[Mapping[str, Any]] = field(default_factory=list)


def categorise(
    lines: Sequence[Mapping[str, Any]], rules: list[BankRule], suppliers: list[str]
) -> Categorised:
    """Each line's account: a supplier payment first, then the first rule."""
    found = Categorised()
    names = [(s, s.lower()) for s in suppliers if len(s) >= 4]
    for line in lines:
        text = line_text(line).lower()
        supplier = next((s for s, low in names if low in text), None)
        if supplier is not None and line["amount"] < 0:
            found.booked.append((line, acc.PAYABLE, "supplier payment", supplier))
            continue
        rule = next((r for r in rules if r.matches(line)), None)
        if rule is None:
            found.uncategorised.append(line)
        else:
            found.booked.append((line, rule.account, rule.name, None))
    return found


def bank_line_key(line: Mapping[str, Any], occurrence: int) -> str:
    """A bank line's source key: its account, values and occurrence, hashed (so
    that re-importing the statement does not post it twice)."""
    parts = [line["account"], str(line["date"]), str(line["amount"]),
             line["currency"], line_text(line), str(occurrence)]  # fmt: skip
    return "bank:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def bank_draft(
    line: Mapping[str, Any],
    account: str,
    rule: str,
    channel: str | None,
    *,
    key: str,
    rate: Decimal,
    digits: int,
) -> Draft:
    """Dr/Cr ``account`` against 1000 Bank for one bank line."""
    amount: Decimal = line["amount"]
    value = to_base(amount, rate, digits)
    return Draft(
        entry_date=line["date"],
        kind="bank",
        source_key=key,
        description=f"bank {line['date']}: {line_text(line)[:120]} ({rule})",
        lines=[
            Line(acc.BANK, "bank", amount, line["currency"], rate, value),
            Line(
                account,
                "bank",
                -amount,
                line["currency"],
                rate,
                -value,
                channel=channel,
            ),
        ],  # fmt: skip
    )


# --- unrealised FX ----------------------------------------------------------------------


def month_end(period: str) -> dt.date:
    """The last day of ``YYYY-MM``."""
    year, month = (int(x) for x in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def revaluation_drafts(
    balances: list[tuple[str, str, str | None, Decimal, Decimal]],
    rates: Mapping[str, Decimal],
    *,
    period: str,
    base: str,
    digits: int,
) -> list[Draft]:
    """The revaluation of ``period``'s month-end balances and its reversal.

    Parameters
    ----------
    balances : list of (account, currency, channel, amount, base amount)
        Asset and liability balances in currencies other than ``base``.
    rates : mapping currency -> base per unit on the month's last day
    """
    day = month_end(period)
    lines: list[Line] = []
    for account, currency, channel, amount, booked in balances:
        if currency not in rates or not amount:
            continue
        diff = to_base(amount, rates[currency], digits) - booked
        if diff:
            lines.append(Line(account, "revaluation", Decimal(0), currency,
                              rates[currency], diff, channel=channel))  # fmt: skip
    if not lines:
        return []
    total = sum((ln.base_amount for ln in lines), Decimal(0))
    lines.append(
        Line(acc.FX_UNREALISED, "revaluation", -total, base, Decimal(1), -total)
    )
    first = day + dt.timedelta(days=1)
    return [
        Draft(entry_date=day, kind="revaluation", source_key=f"revaluation:{period}",
              description=f"unrealised FX on {day}: {len(lines) - 1} foreign-currency"
              " balances at the ECB rate of the day", lines=lines),
        Draft(entry_date=first, kind="revaluation",
              source_key=f"revaluation:{period}:reversal",
              description=f"reverses the revaluation of {day}",
              lines=reversal(lines)),
    ]  # fmt: skip
