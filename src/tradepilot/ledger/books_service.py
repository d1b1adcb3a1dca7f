"""Use cases of the rest of the books: ``ledger opening``, ``ledger rules``,
``ledger revalue`` (see :mod:`tradepilot.ledger.books` for the rules).

Each writes its entries in one transaction through the hash chain; a closed
period, a missing FX rate or bad input writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import tomllib
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
import yaml
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import minor_unit
from tradepilot.ledger import accounts as acc
from tradepilot.ledger import store
from tradepilot.ledger.books import (
    BankRule,
    bank_draft,
    bank_line_key,
    categorise,
    line_text,
    month_end,
    opening_draft,
    parse_opening,
    parse_rules,
    revaluation_drafts,
)
from tradepilot.ledger.journal import Draft
from tradepilot.ledger.orders import rates_to_base
from tradepilot.store import tables
from tradepilot.store.tables_ledger import ledger_entries, ledger_lines
from tradepilot.workspace import base_currency

RULE_FILES = ("bank-rules.yaml", "bank-rules.yml", "bank-rules.toml")
"""Where ``ledger rules`` looks for the rules in the workspace."""
OPENING = ledger_entries.c.source_key.like("opening:balances:%")
"""Opening-balance entries (the opening inventory is an entry of its own)."""


def _base(conn: Connection) -> str:
    base = base_currency(conn)
    if base is None:
        raise DataValidationError(
            "the workspace has no base currency yet: import orders first"
        )
    return base


# --- opening balances -----------------------------------------------------------------


def post_opening_balances(engine: Engine, *, path: Path) -> dict[str, Any]:
    """Post the opening balances of ``path`` (CSV: account, currency, amount,
    as_of) as one entry balanced against 3000; refused when an opening entry
    is already posted and not reversed.

    Raises
    ------
    DataValidationError
        For a malformed file, an unknown account, a second opening entry or a
        closed period; MissingRateError for a currency without a rate.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"cannot read {path}: {exc}") from None
    return post_opening_records(engine, records=records, where=str(path))


def post_opening_records(
    engine: Engine, *, records: list[dict[str, str]], where: str
) -> dict[str, Any]:
    """Post opening balances given as records (see :func:`post_opening_balances`)."""
    rows = parse_opening(records, where)
    e = ledger_entries
    with engine.begin() as conn:
        base = _base(conn)
        reversed_ = sa.select(e.c.reverses_seq).where(e.c.reverses_seq.is_not(None))
        done = conn.execute(
            sa.select(e.c.seq).where(OPENING, e.c.seq.not_in(reversed_))
        ).scalar()
        if done is not None:
            raise DataValidationError(
                f"opening balances are posted already (entry {done}); to change"
                f" them, reverse it ('tradepilot ledger reverse {done}') and post"
                " the file again"
            )
        count = conn.execute(sa.select(sa.func.count()).where(OPENING)).scalar_one()
        keys = pl.DataFrame({"currency": [r.currency for r in rows],
                             "day": [r.as_of for r in rows]})  # fmt: skip
        rates = rates_to_base(conn, keys, base)
        draft = opening_draft(
            rows, rates, base=base, digits=minor_unit(base), number=count + 1
        )
        (seq,) = store.append(conn, [draft])
    equity = sum(
        (ln.base_amount for ln in draft.lines if ln.account == acc.OPENING_EQUITY),
        Decimal(0),
    )
    return {"entry": seq, "as_of": rows[0].as_of.isoformat(), "lines": len(draft.lines),
            "accounts": len(rows), "equity_base": float(-equity),
            "base_currency": base}  # fmt: skip


def opening_balances(engine: Engine) -> dict[str, Any] | None:
    """The posted (not reversed) opening entry's lines, or None."""
    e, ln = ledger_entries, ledger_lines
    with engine.connect() as conn:
        reversed_ = sa.select(e.c.reverses_seq).where(e.c.reverses_seq.is_not(None))
        row = conn.execute(
            sa.select(e.c.seq, e.c.entry_date).where(OPENING, e.c.seq.not_in(reversed_))
        ).first()
        if row is None:
            return None
        lines = conn.execute(
            sa.select(ln.c.account, ln.c.currency, ln.c.amount, ln.c.base_amount)
            .where(ln.c.entry_seq == row.seq)
            .order_by(ln.c.line_no)
        ).all()
    return {
        "entry": row.seq,
        "as_of": row.entry_date.isoformat(),
        "lines": [
            {
                "account": a,
                "name": acc.ACCOUNTS[a].name,
                "currency": c,
                "amount": float(store.decimal(m)),
                "amount_base": float(store.decimal(b)),
            }
            for a, c, m, b in lines
        ],  # fmt: skip
    }


# --- bank rules -----------------------------------------------------------------------


def find_rules_file(home: Path, path: Path | None = None) -> Path | None:
    """``path``, or the first of :data:`RULE_FILES` in the workspace."""
    if path is not None:
        return path
    return next((home / n for n in RULE_FILES if (home / n).exists()), None)


def load_rules(path: Path) -> list[BankRule]:
    """The rules of a YAML or TOML file.

    Raises
    ------
    DataValidationError
        For an unreadable file or a malformed rule.
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise DataValidationError(f"cannot read the bank rules {path}: {e}") from None
    return parse_rules(data, str(path))


def categorise_bank(
    engine: Engine, *, home: Path, rules_file: Path | None = None, post: bool = True
) -> dict[str, Any]:
    """Book the bank lines that no provider payout explains, by the rules.

    Lines already posted are not posted again; payout credits are left to the
    providers' entries; a debit naming a known supplier is a supplier payment.

    Returns
    -------
    dict
        ``rules_file``, ``rules``, ``lines`` (bank lines considered),
        ``payouts`` (left to the providers), ``categorised``, ``posted``
        (entries written now), ``by_account`` (account -> lines, amount in
        base), ``uncategorised`` (lines no rule matched) and ``notes``.
    """
    if importlib.util.find_spec("tradepilot.payments") is None:
        return _rules_result(None, [], notes=["the payments capability is absent"])
    from tradepilot.payments.service import bank_transactions, payout_bank_lines

    path = find_rules_file(home, rules_file)
    rules = load_rules(path) if path is not None else []
    lines = bank_transactions(engine)
    payouts = payout_bank_lines(engine, home=home)
    own = [b for b in lines if b["id"] not in payouts]
    e = ledger_entries
    with engine.begin() as conn:
        base = _base(conn) if lines else "EUR"
        suppliers = list(conn.execute(sa.select(tables.suppliers.c.name)).scalars())
        found = categorise(own, rules, suppliers)
        posted = set(
            conn.execute(sa.select(e.c.source_key).where(e.c.kind == "bank")).scalars()
        )
        drafts = _bank_drafts(conn, found.booked, posted, base) if post else []
        store.append(conn, drafts)
    notes = []
    if path is None:
        notes.append(
            f"no bank rules file in the workspace ({' or '.join(RULE_FILES)}): every"
            " bank line other than payouts is uncategorised"
        )
    if not lines:
        notes.append("no bank statement imported ('tradepilot import bank FILE')")
    result = _rules_result(path, rules, notes=notes)
    by_account: dict[str, dict[str, Any]] = defaultdict(lambda: {"lines": 0,
                                                                 "amount": 0.0})  # fmt: skip
    for line, account, _rule, _channel in found.booked:
        by_account[account]["lines"] += 1
        by_account[account]["amount"] += float(-line["amount"])
    return {
        **result,
        "lines": len(lines),
        "payouts": len(lines) - len(own),
        "categorised": len(found.booked),
        "posted": len(drafts),
        "by_account": {
            a: {
                "name": acc.ACCOUNTS[a].name,
                "lines": v["lines"],
                "amount": round(v["amount"], 2),
            }
            for a, v in sorted(by_account.items())
        },  # fmt: skip
        "uncategorised": [_public(b) for b in found.uncategorised],
    }


def _rules_result(
    path: Path | None, rules: list[BankRule], *, notes: list[str]
) -> dict[str, Any]:
    return {
        "rules_file": None if path is None else str(path),
        "rules": [{"name": r.name, "account": r.account, "match": r.pattern.pattern,
                   "sign": r.sign} for r in rules],  # fmt: skip
        "lines": 0, "payouts": 0, "categorised": 0, "posted": 0,
        "by_account": {}, "uncategorised": [], "notes": notes,
    }  # fmt: skip


def _public(line: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": line["id"], "date": line["date"].isoformat(),
            "amount": float(line["amount"]), "currency": line["currency"],
            "text": line_text(line), "file": line["file"], "row": line["row"]}  # fmt: skip


def _bank_drafts(
    conn: Connection,
    booked: list[tuple[Any, str, str, str | None]],
    posted: set[str],
    base: str,
) -> list[Draft]:
    seen: dict[tuple[Any, ...], int] = defaultdict(int)
    todo = []
    for line, account, rule, channel in booked:
        ident = (line["account"], line["date"], line["amount"], line_text(line))
        seen[ident] += 1
        key = bank_line_key(line, seen[ident])
        if key not in posted:
            todo.append((line, account, rule, channel, key))
    if not todo:
        return []
    keys = pl.DataFrame({"currency": [t[0]["currency"] for t in todo],
                         "day": [t[0]["date"] for t in todo]})  # fmt: skip
    rates = rates_to_base(conn, keys, base)
    digits = minor_unit(base)
    return [
        bank_draft(line, account, rule, channel, key=key,
                   rate=rates[(line["currency"], line["date"])], digits=digits)
        for line, account, rule, channel, key in todo
    ]  # fmt: skip


# --- unrealised FX --------------------------------------------------------------------


def revalue_fx(engine: Engine, *, through: str | None = None) -> dict[str, Any]:
    """Revalue the foreign-currency asset and liability balances at each month
    end not revalued yet, up to ``through`` (``YYYY-MM``; default: the last
    month that has ended before the ledger's latest entry), each reversed on the
    1st of the next month.

    Returns
    -------
    dict
        ``months`` (period, entries, ``fx_base``: the unrealised gain (+) or
        loss (-) booked), ``posted`` and ``notes`` (months skipped and why).
    """
    from tradepilot.ledger.service import parse_period

    e = ledger_entries
    with engine.begin() as conn:
        base = _base(conn)
        first, last = conn.execute(
            sa.select(sa.func.min(e.c.entry_date), sa.func.max(e.c.entry_date)).where(
                e.c.kind != "revaluation"
            )
        ).one()
        if first is None:
            return {"months": [], "posted": 0, "notes": ["the ledger is empty"]}
        latest = _month_before(last)  # a month ends before it is revalued
        end = min(parse_period(through), latest) if through else latest
        done = set(
            conn.execute(
                sa.select(e.c.source_key).where(e.c.kind == "revaluation")
            ).scalars()
        )
        closed = store.closed_periods(conn)
        foreign = _foreign_lines(conn, base)
        months, notes, drafts = [], [], []
        for period in _months(first.strftime("%Y-%m"), end):
            if f"revaluation:{period}" in done:
                continue
            following = (month_end(period) + dt.timedelta(days=1)).strftime("%Y-%m")
            if period in closed or following in closed:
                notes.append(f"{period} not revalued: it or the next month is closed")
                continue
            found = _revalue(conn, foreign, period, base)
            if found:
                store.append(conn, found)
                drafts += found
                foreign += _foreign_of(found, base)
                gain = -sum(
                    (ln.base_amount for ln in found[0].lines
                     if ln.account == acc.FX_UNREALISED), Decimal(0),
                )  # fmt: skip
                months.append({"period": period, "entries": len(found),
                               "fx_base": float(gain)})  # fmt: skip
    return {"months": months, "posted": len(drafts), "notes": notes}


Foreign = tuple[dt.date, str, str, str | None, Decimal, Decimal]
"""A line of an asset or liability in a foreign currency: date, account,
currency, channel, amount, base amount."""


def _foreign_lines(conn: Connection, base: str) -> list[Foreign]:
    ln, e = ledger_lines, ledger_entries
    codes = [a.code for a in acc.CHART if a.kind in (acc.ASSET, acc.LIABILITY)]
    rows = conn.execute(
        sa.select(e.c.entry_date, ln.c.account, ln.c.currency, ln.c.channel,
                  ln.c.amount, ln.c.base_amount)
        .join(e, e.c.seq == ln.c.entry_seq)
        .where(ln.c.currency != base, ln.c.account.in_(codes))
    ).all()  # fmt: skip
    return [(d, a, c, ch, store.decimal(m), store.decimal(b))
            for d, a, c, ch, m, b in rows]  # fmt: skip


def _foreign_of(drafts: list[Draft], base: str) -> list[Foreign]:
    return [
        (d.entry_date, ln.account, ln.currency, ln.channel, ln.amount, ln.base_amount)
        for d in drafts
        for ln in d.lines
        if ln.currency != base
    ]


def _revalue(
    conn: Connection, foreign: list[Foreign], period: str, base: str
) -> list[Draft]:
    day = month_end(period)
    totals: dict[tuple[str, str, str | None], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for when, account, currency, channel, amount, value in foreign:
        if when <= day:
            total = totals[(account, currency, channel)]
            total[0] += amount
            total[1] += value
    balances = [(a, c, ch, m, b) for (a, c, ch), (m, b) in totals.items() if m]
    if not balances:
        return []
    codes = sorted({b[1] for b in balances})
    keys = pl.DataFrame({"currency": codes, "day": [day] * len(codes)})
    found = rates_to_base(conn, keys, base, skip_missing=True)
    rates = {c: r for (c, _), r in found.items()}
    return revaluation_drafts(
        balances, rates, period=period, base=base, digits=minor_unit(base)
    )


def _month_before(day: dt.date) -> str:
    return (day.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _months(start: str, end: str) -> list[str]:
    months = []
    day = dt.date.fromisoformat(f"{start}-01")
    while day.strftime("%Y-%m") <= end:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months
