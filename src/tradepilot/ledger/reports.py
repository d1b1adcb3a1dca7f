"""Reports from the journal: trial balance, profit and loss, balance sheet, cash.

Sums are taken per account (and dimension) in SQL, rounded to the base currency's
minor unit and added as decimals, so totals are exact.

P&L figures (base currency, for entries dated in the range):

* ``sales_incl_vat_base``: income and VAT lines of the order entries: sales net of
  returns and cancellations, VAT included where the prices include it (the figure
  ``tradepilot status`` calls ``revenue_base``);
* ``vat_base``: the VAT in them (the seller's and marketplaces');
* ``revenue_base``: income accounts (4xxx), net of VAT;
* ``cogs_base``: cost of goods sold (5000); ``fees_base``: fees (6000);
* ``gross_margin_base``: ``revenue_base - cogs_base``;
* ``net_profit_base``: every income account less every expense account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import minor_unit
from tradepilot.ledger import accounts as acc
from tradepilot.store.tables_ledger import ledger_entries, ledger_lines
from tradepilot.workspace import base_currency

DIMENSIONS = ("month", "country", "channel", "sku")
INCOME_CODES = [a.code for a in acc.CHART if a.kind == acc.INCOME]
EXPENSE_CODES = [a.code for a in acc.CHART if a.kind == acc.EXPENSE]


def _money(value: Any, digits: int) -> Decimal:
    return Decimal(repr(float(value or 0.0))).quantize(Decimal(1).scaleb(-digits))


def _number(value: Decimal) -> float:
    return float(value) + 0.0  # no -0.0


def _date_filter(
    query: sa.Select[Any], start: dt.date | None, end: dt.date | None
) -> sa.Select[Any]:
    e = ledger_entries
    if start is not None:
        query = query.where(e.c.entry_date >= start)
    if end is not None:
        query = query.where(e.c.entry_date <= end)
    return query


def trial_balance(engine: Engine, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """Debit and credit balance of every account with entries up to ``as_of``.

    Returns
    -------
    dict
        ``base_currency``, ``as_of``, ``accounts`` (``account``, ``name``,
        ``kind``, ``debit``, ``credit``, ``balance``), ``total_debit``,
        ``total_credit``, ``difference`` (zero when the books balance).
    """
    e, ln = ledger_entries, ledger_lines
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        query = (
            sa.select(ln.c.account, sa.func.sum(sa.cast(ln.c.base_amount, sa.Float)))
            .join(e, e.c.seq == ln.c.entry_seq)
            .group_by(ln.c.account)
            .order_by(ln.c.account)
        )
        rows = conn.execute(_date_filter(query, None, as_of)).all()
    digits = minor_unit(base)
    accounts, debit, credit = [], Decimal(0), Decimal(0)
    for code, total in rows:
        balance = _money(total, digits)
        account = acc.ACCOUNTS.get(code)
        debit += max(balance, Decimal(0))
        credit += max(-balance, Decimal(0))
        accounts.append({
            "account": code,
            "name": account.name if account else "unknown account",
            "kind": account.kind if account else None,
            "debit": _number(max(balance, Decimal(0))),
            "credit": _number(max(-balance, Decimal(0))),
            "balance": _number(balance),
        })  # fmt: skip
    return {
        "base_currency": base,
        "as_of": as_of.isoformat() if as_of else None,
        "accounts": accounts,
        "total_debit": _number(debit),
        "total_credit": _number(credit),
        "difference": _number(debit - credit),
    }


def profit_and_loss(
    engine: Engine,
    *,
    by: str = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """The P&L of the entries dated from ``start`` to ``end`` (inclusive), in
    total and per ``by`` (see the module docstring for the figures).

    Raises
    ------
    DataValidationError
        If ``by`` is not one of :data:`DIMENSIONS`.
    """
    if by not in DIMENSIONS:
        raise DataValidationError(f"--by {by!r} is not one of {', '.join(DIMENSIONS)}")
    e, ln = ledger_entries, ledger_lines
    dimension = e.c.period if by == "month" else ln.c[by]
    query = (
        sa.select(
            dimension.label("key"),
            ln.c.account,
            ln.c.role,
            sa.func.sum(sa.cast(ln.c.base_amount, sa.Float)),
        )
        .join(e, e.c.seq == ln.c.entry_seq)
        .where(ln.c.account.in_([*INCOME_CODES, *EXPENSE_CODES]) | (ln.c.role == "vat"))
        .group_by(dimension, ln.c.account, ln.c.role)
    )
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        rows = conn.execute(_date_filter(query, start, end)).all()
    digits = minor_unit(base)
    per_key: dict[Any, dict[str, Decimal]] = {}
    total: dict[str, Decimal] = {}
    for key, account, role, amount in rows:
        value = _money(amount, digits)
        for bucket in (per_key.setdefault(key, {}), total):
            _add(bucket, account, role, value)
    figures = _figures(total)
    rows_out = [
        {by: key, **_figures(bucket)}
        for key, bucket in sorted(per_key.items(), key=lambda kv: str(kv[0]))
    ]
    return {
        "base_currency": base,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "by": by,
        **figures,
        "rows": rows_out,
    }


FIGURES = ("sales", "vat", "revenue", "cogs", "fees", "expenses")


def _add(bucket: dict[str, Decimal], account: str, role: str, value: Decimal) -> None:
    def plus(name: str, amount: Decimal) -> None:
        bucket[name] = bucket.get(name, Decimal(0)) + amount

    if role == "vat":
        plus("vat", -value)
        plus("sales", -value)
        return
    kind = acc.ACCOUNTS[account].kind if account in acc.ACCOUNTS else None
    if kind == acc.INCOME:
        plus("revenue", -value)
        if role == "revenue":
            plus("sales", -value)
    elif account == acc.COGS:
        plus("cogs", value)
    elif account == acc.FEES:
        plus("fees", value)
    elif kind == acc.EXPENSE:
        plus("expenses", value)


def _figures(bucket: dict[str, Decimal]) -> dict[str, float]:
    def get(name: str) -> Decimal:
        return bucket.get(name, Decimal(0))

    return {
        "sales_incl_vat_base": _number(get("sales")),
        "vat_base": _number(get("vat")),
        "revenue_base": _number(get("revenue")),
        "cogs_base": _number(get("cogs")),
        "fees_base": _number(get("fees")),
        "gross_margin_base": _number(get("revenue") - get("cogs")),
        "other_expenses_base": _number(get("expenses")),
        "net_profit_base": _number(
            get("revenue") - get("cogs") - get("fees") - get("expenses")
        ),
    }


def balance_sheet(engine: Engine, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """Assets, liabilities and equity (with the profit to date) as of a day."""
    tb = trial_balance(engine, as_of=as_of)
    sections: dict[str, list[dict[str, Any]]] = {
        acc.ASSET: [],
        acc.LIABILITY: [],
        acc.EQUITY: [],
    }
    profit = Decimal(0)
    for row in tb["accounts"]:
        balance = Decimal(repr(row["balance"]))
        if row["kind"] in (acc.INCOME, acc.EXPENSE):
            profit -= balance
            continue
        sign = 1 if row["kind"] == acc.ASSET else -1
        sections.setdefault(row["kind"] or "unknown", []).append(
            {
                "account": row["account"],
                "name": row["name"],
                "amount": _number(balance * sign),
            }  # fmt: skip
        )

    def total(kind: str) -> Decimal:
        return sum((Decimal(repr(r["amount"])) for r in sections[kind]), Decimal(0))

    return {
        "base_currency": tb["base_currency"],
        "as_of": tb["as_of"],
        "assets": sections[acc.ASSET],
        "liabilities": sections[acc.LIABILITY],
        "equity": sections[acc.EQUITY],
        "profit_to_date": _number(profit),
        "total_assets": _number(total(acc.ASSET)),
        "total_liabilities_and_equity": _number(
            total(acc.LIABILITY) + total(acc.EQUITY) + profit
        ),
    }


def cash_by_currency(engine: Engine) -> dict[str, Any]:
    """Bank and receivable balances per currency (and channel, for receivables)."""
    ln = ledger_lines
    query = (
        sa.select(
            ln.c.account,
            ln.c.currency,
            ln.c.channel,
            sa.func.sum(sa.cast(ln.c.amount, sa.Float)),
            sa.func.sum(sa.cast(ln.c.base_amount, sa.Float)),
        )  # fmt: skip
        .where(ln.c.account.in_([acc.BANK, acc.RECEIVABLE]))
        .group_by(ln.c.account, ln.c.currency, ln.c.channel)
        .order_by(ln.c.account, ln.c.currency, ln.c.channel)
    )
    with engine.connect() as conn:
        base = base_currency(conn) or "EUR"
        rows = conn.execute(query).all()
    return {
        "base_currency": base,
        "rows": [
            {
                "account": a,
                "name": acc.ACCOUNTS[a].name,
                "currency": c,
                "channel": ch,
                "amount": _number(_money(amount, minor_unit(c))),
                "amount_base": _number(_money(base_amount, minor_unit(base))),
            }
            for a, c, ch, amount, base_amount in rows
        ],  # fmt: skip
    }


def vat_due(engine: Engine) -> list[dict[str, Any]]:
    """What each tax authority is owed (the VAT payable balance per jurisdiction
    and scheme, base currency), and what marketplaces collected as deemed
    supplier (not the seller's liability)."""
    ln = ledger_lines
    query = (
        sa.select(
            ln.c.account,
            ln.c.jurisdiction,
            ln.c.scheme,
            sa.func.sum(sa.cast(ln.c.base_amount, sa.Float)),
        )  # fmt: skip
        .where(ln.c.role == "vat")
        .group_by(ln.c.account, ln.c.jurisdiction, ln.c.scheme)
        .order_by(ln.c.jurisdiction, ln.c.scheme)
    )
    with engine.connect() as conn:
        digits = minor_unit(base_currency(conn) or "EUR")
        rows = conn.execute(query).all()
    return [
        {"jurisdiction": j, "scheme": s, "amount_base": _number(-_money(total, digits)),
         "sellers_liability": account == acc.VAT_PAYABLE}
        for account, j, s, total in rows
    ]  # fmt: skip
