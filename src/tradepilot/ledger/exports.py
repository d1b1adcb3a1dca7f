"""VAT returns and exports from the journal.

* :func:`vat_return`: the EU One-Stop Shop (union scheme) return of a quarter, per
  member state of consumption and rate; the IOSS return of a month or quarter; the
  UK VAT return's boxes 1-9. Taxable amounts and VAT come from the income and VAT
  lines the sales entries carry (jurisdiction, scheme, rate); sales whose VAT a
  marketplace collected as deemed supplier (scheme ``deemed:...``) are left out.
* :func:`journal_csv`: every line as a **Xero manual journal** import row
  (``*Narration, *Date, Description, *AccountCode, *TaxRate, *Amount,
  TrackingName1, TrackingOption1, TrackingName2, TrackingOption2``; dates
  dd/mm/yyyy, amounts in the base currency, debit positive, tax rate "No VAT"
  because VAT is journaled on its own lines). QuickBooks Online's journal import
  maps the same columns (Journal No, Date, Account, Debits/Credits, Description).
* :func:`audit_file`: every entry with its lines, previous hash and hash, one JSON
  object per line, in chain order (what ``tools/verify_proof.py --audit`` checks).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import minor_unit
from tradepilot.fx.service import load_rate_table
from tradepilot.ledger import accounts as acc
from tradepilot.ledger import store
from tradepilot.ledger.chain import ENTRY_COLUMNS, LINE_COLUMNS
from tradepilot.store.tables_ledger import ledger_entries, ledger_lines
from tradepilot.workspace import base_currency

SCHEMES = ("oss", "ioss", "uk")
OSS_THRESHOLD_EUR = Decimal(10000)
CENT = Decimal("0.01")


def parse_quarter(text: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``2025Q1`` (or of a month, ``2025-01``).

    Raises
    ------
    DataValidationError
    """
    quarter = re.fullmatch(r"(\d{4})Q([1-4])", text.strip().upper())
    month = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text.strip())
    if quarter:
        year, q = int(quarter[1]), int(quarter[2])
        start, months = dt.date(year, 3 * q - 2, 1), 3
    elif month:
        start, months = dt.date(int(month[1]), int(month[2]), 1), 1
    else:
        raise DataValidationError(
            f"period {text!r} is not a quarter (2025Q1) or a month (2025-01)"
        )
    following = start.month - 1 + months
    end = dt.date(start.year + following // 12, following % 12 + 1, 1)
    return start, end - dt.timedelta(days=1)


def _tax_lines(conn: Connection, start: dt.date, end: dt.date) -> list[tuple[Any, ...]]:
    """Income and VAT lines of the sales entries in the period."""
    e, ln = ledger_entries, ledger_lines
    return list(
        conn.execute(
            sa.select(
                e.c.entry_date,
                ln.c.role,
                ln.c.account,
                ln.c.jurisdiction,
                ln.c.scheme,
                ln.c.vat_rate,
                ln.c.currency,
                ln.c.amount,
                ln.c.base_amount,
            )  # fmt: skip
            .join(e, e.c.seq == ln.c.entry_seq)
            .where(
                e.c.entry_date >= start,
                e.c.entry_date <= end,
                ln.c.role.in_(["revenue", "vat"]),
            )
        ).all()
    )


def vat_return(engine: Engine, *, scheme: str, period: str) -> dict[str, Any]:
    """The VAT return of ``scheme`` (``oss``, ``ioss`` or ``uk``) for ``period``.

    Raises
    ------
    DataValidationError
        For an unknown scheme or a malformed period.
    """
    if scheme not in SCHEMES:
        raise DataValidationError(
            f"--scheme {scheme!r} is not one of {', '.join(SCHEMES)}"
        )
    start, end = parse_quarter(period)
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        lines = _tax_lines(conn, start, end)
        if scheme == "uk":
            result = _uk_return(conn, lines)
        else:
            result = _union_return(lines, "OSS" if scheme == "oss" else "IOSS", base)
            if scheme == "oss":
                result["threshold"] = _oss_threshold(conn, end, base)
    return {"scheme": scheme, "period": period, "from": start.isoformat(),
            "to": end.isoformat(), **result}  # fmt: skip


def _union_return(lines: list[tuple[Any, ...]], name: str, base: str) -> dict[str, Any]:
    rows: dict[tuple[str, str], dict[str, Decimal]] = {}
    for (
        _day,
        role,
        _account,
        jurisdiction,
        scheme,
        rate,
        _cur,
        _amount,
        base_amt,
    ) in lines:
        if scheme != name:
            continue
        row = rows.setdefault(
            (jurisdiction, rate), {"taxable": Decimal(0), "vat": Decimal(0)}
        )
        row["taxable" if role == "revenue" else "vat"] -= store.decimal(base_amt)
    states = [
        {"member_state": state, "vat_rate": float(rate),
         "taxable_amount": float(v["taxable"]), "vat": float(v["vat"])}
        for (state, rate), v in sorted(rows.items())
    ]  # fmt: skip
    notes = []
    if base != "EUR":
        notes.append(
            f"amounts are in the base currency {base}; the {name} return is filed in EUR"
        )
    return {
        "currency": base,
        "member_states": states,
        "total_taxable": float(sum((v["taxable"] for v in rows.values()), Decimal(0))),
        "total_vat": float(sum((v["vat"] for v in rows.values()), Decimal(0))),
        "notes": notes,
    }


def _oss_threshold(conn: Connection, end: dt.date, base: str) -> dict[str, Any]:
    """EU cross-border B2C sales of the calendar year to ``end`` against the EUR
    10,000 threshold (below it, the seller's own VAT may apply instead of OSS)."""
    lines = _tax_lines(conn, dt.date(end.year, 1, 1), end)
    total, crossed = Decimal(0), None
    for day, role, _acct, _j, scheme, _rate, _cur, _amount, base_amt in sorted(
        lines, key=lambda line: line[0]
    ):
        if role == "revenue" and scheme == "OSS":
            total -= store.decimal(base_amt)
            if crossed is None and total > OSS_THRESHOLD_EUR:
                crossed = day
    return {
        "year": end.year, "eu_distance_sales": float(total), "currency": base,
        "limit_eur": float(OSS_THRESHOLD_EUR),
        "exceeded_on": crossed.isoformat() if crossed else None,
    }  # fmt: skip


def _uk_return(conn: Connection, lines: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Boxes 1-9 of the UK VAT return, in GBP (non-GBP lines at the day's rate)."""
    uk = [ln for ln in lines if ln[3] == "GB" and ln[4] in ("UK VAT", "domestic")]
    currencies = {ln[6] for ln in uk} - {"GBP"}
    rates = load_rate_table(conn, [*currencies, "GBP"]) if currencies else None
    vat, sales = Decimal(0), Decimal(0)
    for day, role, _a, _j, _s, _r, currency, amount, _b in uk:
        value = store.decimal(amount)
        if currency != "GBP" and rates is not None:
            value *= Decimal(repr(rates.rate(currency, "GBP", day)))
        if role == "vat":
            vat -= value
        else:
            sales -= value
    box1 = vat.quantize(CENT)
    boxes = {
        "box1_vat_due_on_sales": float(box1),
        "box2_vat_due_on_eu_acquisitions": 0.0,
        "box3_total_vat_due": float(box1),
        "box4_vat_reclaimed_on_purchases": 0.0,
        "box5_net_vat_to_pay": float(box1),
        "box6_total_sales_ex_vat": float(sales.quantize(Decimal(1), ROUND_DOWN)),
        "box7_total_purchases_ex_vat": 0.0,
        "box8_supplies_to_eu": 0.0,
        "box9_acquisitions_from_eu": 0.0,
    }
    return {
        "currency": "GBP",
        "boxes": boxes,
        "notes": [
            "boxes 6 and 9 in whole pounds; boxes 2, 8 and 9 are Northern Ireland"
            " goods movements (none recorded)",
            "boxes 4 and 7 need purchase invoices with UK VAT, which the ledger"
            " does not hold yet: 0",
            "sales through marketplaces that collect UK VAT as deemed supplier are"
            " left out (the marketplace reports them)",
        ],
    }


# --- exports --------------------------------------------------------------------------

XERO_COLUMNS = (
    "*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount",
    "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2",
)  # fmt: skip


def journal_csv(engine: Engine, out: Path) -> dict[str, Any]:
    """Write every journal line as a Xero manual journal import row to ``out``;
    lines of an entry are summed per account, country and channel."""
    e, ln = ledger_entries, ledger_lines
    query = (
        sa.select(
            e.c.seq,
            e.c.entry_date,
            e.c.description,
            ln.c.account,
            ln.c.country,
            ln.c.channel,
            sa.func.sum(sa.cast(ln.c.base_amount, sa.Float)),
        )  # fmt: skip
        .join(e, e.c.seq == ln.c.entry_seq)
        .group_by(
            e.c.seq,
            e.c.entry_date,
            e.c.description,
            ln.c.account,
            ln.c.country,
            ln.c.channel,
        )  # fmt: skip
        .order_by(e.c.seq, ln.c.account, ln.c.country, ln.c.channel)
    )
    rows = 0
    with engine.connect() as conn:
        digits = minor_unit(base_currency(conn) or "EUR")
        result = conn.execute(query)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(XERO_COLUMNS)
            for seq, day, text, account, country, channel, amount in result:
                value = Decimal(repr(amount or 0.0)).quantize(
                    Decimal(1).scaleb(-digits)
                )
                if value == 0:
                    continue
                writer.writerow([
                    f"TradePilot entry {seq}", day.strftime("%d/%m/%Y"), text, account,
                    "No VAT", f"{value}", "Country" if country else "",
                    country or "", "Channel" if channel else "", channel or "",
                ])  # fmt: skip
                rows += 1
    return {"format": "xero-manual-journal", "path": str(out), "rows": rows,
            "accounts": {a.code: a.name for a in acc.CHART}}  # fmt: skip


def audit_file(engine: Engine, out: Path) -> dict[str, Any]:
    """Write every entry, its lines and hashes as JSON lines to ``out``."""
    entries = 0
    with engine.connect() as conn, out.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"columns": {"entry": list(ENTRY_COLUMNS),
                                             "line": list(LINE_COLUMNS)}}) + "\n")  # fmt: skip
        for entry, stored, lines in _rows(conn):
            handle.write(json.dumps({"entry": entry, "lines": lines, "hash": stored},
                                    separators=(",", ":")) + "\n")  # fmt: skip
            entries += 1
        head = store.head(conn)
    return {"path": str(out), "entries": entries, "head_hash": head[1]}


def _rows(conn: Connection) -> Iterator[tuple[list[Any], str, list[list[Any]]]]:
    return store.chain_rows(conn)
