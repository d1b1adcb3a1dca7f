"""Bank statements as CSV, with a column mapping (``--mapping``) where needed.

Banks export statements in their own layouts. Without a mapping, the usual
English and German headers are recognised (``Booking Date``/``Buchungstag``,
``Amount``/``Betrag``, ``Currency``/``Währung``, ``Description``/
``Verwendungszweck``, ``Reference``, ``Counterparty``, ``Balance``); otherwise a
YAML mapping names them::

    account: DE-main          # name of the account (default: bank)
    date: Buchungstag
    date_format: "%d.%m.%Y"   # default: ISO, DD.MM.YYYY, DD/MM/YYYY tried in turn
    amount: Betrag            # signed; or two columns:
    # credit: Haben
    # debit: Soll
    currency: Waehrung        # or a fixed code for the whole file:
    # currency_code: EUR
    description: Verwendungszweck
    reference: Referenz
    counterparty: Auftraggeber
    balance: Saldo

A credit (money in) is positive, a debit negative. ``--currency`` gives the
currency of a file without one. An ISO 20022 CAMT.053 XML statement is read too
(:mod:`tradepilot.payments.adapters.camt`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tradepilot.domain.errors import ImportFormatError
from tradepilot.ingest.files import RawTable
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.payments.adapters.base import (
    BankLine,
    Parsed,
    Row,
    bank_loader,
    currency_reason,
    rows_of,
)
from tradepilot.payments.adapters.layouts import WHAT, identify, read_mapping
from tradepilot.payments.records import parse_amount, parse_instant

FORMAT = "bank"
GUESSES = {
    "date": ["Booking Date", "Booking date", "Date", "Buchungstag", "Booked",
             "Transaction Date", "Value Date", "Valuta"],
    "amount": ["Amount", "Betrag", "Amount (EUR)"],
    "credit": ["Credit", "Haben", "Money In"],
    "debit": ["Debit", "Soll", "Money Out"],
    "currency": ["Currency", "Währung", "Waehrung"],
    "description": ["Description", "Verwendungszweck", "Details", "Narrative",
                    "Purpose"],
    "reference": ["Reference", "Referenz", "End-to-End-Referenz"],
    "counterparty": ["Counterparty", "Payee", "Auftraggeber / Empfänger",
                     "Beguenstigter/Zahlungspflichtiger", "Name"],
    "balance": ["Balance", "Saldo"],
}  # fmt: skip
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y"]
FIELDS = tuple(GUESSES)
EXAMPLE = "date: Buchungstag\\namount: Betrag\\ncurrency_code: EUR"


def _columns(table: RawTable, mapping: dict[str, Any]) -> dict[str, str]:
    """Field -> header, from the mapping or the usual headers."""
    lowered = {c.lower(): c for c in table.columns}
    columns: dict[str, str] = {}
    for field in FIELDS:
        named = mapping.get(field)
        if isinstance(named, str):
            if named.lower() not in lowered:
                raise ImportFormatError(
                    f"mapping names column {named!r} for {field}, but {table.name}"
                    f" has no such column; found: {', '.join(table.columns[:30])}"
                )
            columns[field] = lowered[named.lower()]
            continue
        match = next(
            (lowered[g.lower()] for g in GUESSES[field] if g.lower() in lowered), None
        )
        if match is not None and not mapping:
            columns[field] = match
    has_amount = "amount" in columns or ("credit" in columns or "debit" in columns)
    if "date" not in columns or not has_amount:
        other = identify(table.columns)
        hint = (
            f" It looks like {WHAT[other]}: import it with 'tradepilot import {other}'."
            if other
            else ""
        )
        raise ImportFormatError(
            f"{table.name} is not a bank statement TradePilot can read without a"
            f" mapping: it needs a date and an amount (or credit and debit) column.{hint}"
            f" Give --mapping with a YAML file such as '{EXAMPLE}'; found:"
            f" {', '.join(table.columns[:30])}"
        )
    return columns


def parse(table: RawTable, ctx: ImportContext) -> Parsed:
    """Bank lines (see the module docstring); of a CAMT.053 file, its booked
    entries (:mod:`tradepilot.payments.adapters.camt`)."""
    parsed = Parsed()
    if table.encoding == "xml":
        from tradepilot.payments.adapters.camt import split_booked

        table, parsed.bad = split_booked(table)
    mapping = read_mapping(ctx.mapping)
    columns = _columns(table, mapping)
    fixed = mapping.get("currency_code") or ctx.currency
    account = str(mapping.get("account") or "bank")
    formats = [mapping["date_format"]] if mapping.get("date_format") else DATE_FORMATS
    for row in rows_of(table, columns):
        reason, line = _line(row, account, fixed, formats)
        if line is None:
            parsed.bad.append((row.number, reason))
        else:
            parsed.rows.append(line)
    return parsed


def _amount(row: Row) -> Decimal | None:
    if row.get("amount") is not None:
        return parse_amount(row.get("amount"))
    credit = parse_amount(row.get("credit") or "0")
    debit = parse_amount(row.get("debit") or "0")
    if credit is None or debit is None:
        return None
    return abs(credit) - abs(debit)


def _line(
    row: Row, account: str, fixed: str | None, formats: list[str]
) -> tuple[str, BankLine | None]:
    when = parse_instant(row.get("date"), formats)
    if when is None:
        return (
            f"date is not a date ({', '.join(formats)}), got {row.get('date')!r}",
            None,
        )
    amount = _amount(row)
    if amount is None:
        return f"amount is not a number, got {row.get('amount')!r}", None
    currency = (row.get("currency") or fixed or "").upper()
    if (why := currency_reason(currency, "currency")) is not None:
        return why + " (a file without a currency column needs --currency)", None
    balance = parse_amount(row.get("balance")) if row.get("balance") else None
    return "", BankLine(
        row=row.number,
        account=account,
        booked_on=when.date(),
        amount=amount,
        currency=currency,
        counterparty=row.get("counterparty"),
        description=row.get("description"),
        reference=row.get("reference"),
        balance=balance,
    )


def read(path: Path) -> RawTable:
    """The statement as a table: CAMT.053 XML or CSV/TSV/XLSX."""
    from tradepilot.payments.adapters.camt import read_statement

    return read_statement(path)


IMPORT_FORMAT = ImportFormat(
    FORMAT,
    "bank statement CSV (with --mapping for other layouts) or CAMT.053 XML",
    bank_loader(parse),
    read=read,
)
