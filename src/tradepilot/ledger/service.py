"""Ledger use cases: build, verify, close, prove, anchor.

``build`` posts what is new (orders of import runs not yet posted; reversals of
runs undone since) in one transaction: a missing FX rate, a draft that does not
balance or a date in a closed period writes nothing. Reports are in
:mod:`tradepilot.ledger.reports`, VAT returns and exports in
:mod:`tradepilot.ledger.exports`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.domain.errors import DataValidationError
from tradepilot.domain.money import minor_unit
from tradepilot.ledger import store
from tradepilot.ledger.chain import (
    ENTRY_COLUMNS,
    LINE_COLUMNS,
    check_chain,
    inclusion_path,
    merkle_root,
)
from tradepilot.ledger.cogs import (
    cogs_drafts,
    opening_inventory,
    read_costing,
    receipt_drafts,
)
from tradepilot.ledger.journal import Draft, Line, RunningRounding, reversal
from tradepilot.ledger.orders import order_drafts, rates_to_base
from tradepilot.ledger.payments import payment_drafts
from tradepilot.store import tables
from tradepilot.store.tables_ledger import (
    ledger_anchors,
    ledger_entries,
    ledger_lines,
    ledger_periods,
)
from tradepilot.workspace import base_currency

ORDER_KINDS = ("sales", "returns")
RUN_KINDS = (*ORDER_KINDS, "cogs", "receipt")
"""Entries that book one import run's rows: reversed when the run is undone."""
PERIOD_FORMAT = "YYYY-MM"


def build_ledger(engine: Engine, *, home: Path) -> dict[str, Any]:
    """Post every order line, undo and payment not yet in the ledger.

    Returns
    -------
    dict
        ``entries`` and ``lines`` written, ``by_kind``, ``head_hash``, ``notes``
        (what could not be booked and why).
    """
    notes: list[str] = []
    with engine.begin() as conn:
        base = base_currency(conn)
        if base is None:
            return _built([], conn, ["no orders imported yet: nothing to post"], None)
        posted = _posted_runs(conn)
        rounding = RunningRounding(minor_unit(base), _last_carry(conn))
        drafts, lines = order_drafts(
            conn, home=home, base=base, posted=posted, rounding=rounding
        )
        drafts += _inventory_drafts(conn, home, base, lines, notes)
        drafts += _undo_reversals(conn)
        paid, payment_notes = _payment_drafts(engine, conn, base)
        drafts += paid
        notes += payment_notes
        store.append(conn, drafts)
        return _built(drafts, conn, notes, base)


def _built(
    drafts: list[Draft], conn: Connection, notes: list[str], base: str | None
) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    for draft in drafts:
        by_kind[draft.kind] = by_kind.get(draft.kind, 0) + 1
    seq, head_hash = store.head(conn)
    return {
        "base_currency": base,
        "entries": len(drafts),
        "lines": sum(len(d.lines) for d in drafts),
        "by_kind": by_kind,
        "total_entries": seq,
        "head_hash": head_hash,
        "notes": notes,
    }


def _posted_runs(conn: Connection) -> set[int]:
    e = ledger_entries
    rows = conn.execute(
        sa.select(e.c.source_run).where(e.c.kind.in_(ORDER_KINDS)).distinct()
    )
    return {int(r[0]) for r in rows if r[0] is not None}


def _last_carry(conn: Connection) -> Decimal:
    e = ledger_entries
    found = conn.execute(
        sa.select(e.c.carry)
        .where(e.c.carry.is_not(None))
        .order_by(e.c.seq.desc())
        .limit(1)
    ).scalar()
    return Decimal(0) if found is None else Decimal(found)


def _undo_reversals(conn: Connection) -> list[Draft]:
    """Reversing entries for the posted entries of runs that were undone."""
    e, runs = ledger_entries, tables.import_runs
    reversed_ = sa.select(e.c.reverses_seq).where(e.c.reverses_seq.is_not(None))
    rows = conn.execute(
        sa.select(e.c.seq, e.c.source_key, e.c.source_run)
        .join(runs, runs.c.id == e.c.source_run)
        .where(
            runs.c.undone_at.is_not(None),
            e.c.kind.in_(RUN_KINDS),
            e.c.seq.not_in(reversed_),
        )
        .order_by(e.c.seq)
    ).all()
    today = dt.datetime.now(dt.UTC).date()
    return [
        Draft(
            entry_date=today,
            kind="reversal",
            source_key=f"reversal:{seq}",
            description=f"reverses entry {seq} ({key}): import run {run} was undone",
            lines=reversal(_lines_of(conn, seq)),
            source_run=run,
            reverses_seq=seq,
        )
        for seq, key, run in rows
    ]


def _lines_of(conn: Connection, seq: int) -> list[Line]:
    ln = ledger_lines
    rows = conn.execute(
        sa.select(ln).where(ln.c.entry_seq == seq).order_by(ln.c.line_no)
    ).mappings()
    return [
        Line(
            account=r["account"],
            role=r["role"],
            amount=store.decimal(r["amount"]),
            currency=r["currency"],
            rate=Decimal(r["rate"]),
            base_amount=store.decimal(r["base_amount"]),
            country=r["country"],
            channel=r["channel"],
            sku=r["sku"],
            jurisdiction=r["jurisdiction"],
            scheme=r["scheme"],
            vat_rate=r["vat_rate"],
        )  # fmt: skip
        for r in rows
    ]


def _inventory_drafts(
    conn: Connection, home: Path, base: str, lines: pl.DataFrame, notes: list[str]
) -> list[Draft]:
    """Opening inventory, receipts at landed cost and COGS of the new lines."""
    e = ledger_entries
    costing, receipts = read_costing(conn, home=home, base=base)
    posted = {
        int(r)
        for r in conn.execute(
            sa.select(e.c.source_run).where(e.c.kind == "receipt").distinct()
        ).scalars()
    }
    drafts = []
    opened = conn.execute(
        sa.select(e.c.seq).where(e.c.source_key == "opening:inventory")
    ).first()
    if opened is None and not posted:
        opening = opening_inventory(conn, costing)
        drafts += [opening] if opening is not None else []
    drafts += receipt_drafts(receipts, posted, base)
    if lines.height and not costing.has_costs:
        notes.append(
            "no product costs and no PO receipts: cost of goods sold is not booked"
            " (import products with unit costs or purchase orders)"
        )
    elif lines.height:
        cogs, uncosted = cogs_drafts(lines, costing)
        drafts += cogs
        if uncosted:
            notes.append(
                f"{uncosted} SKU-day lines have no cost (no PO receipt, no product"
                " unit cost or no FX rate): their cost of goods sold is not booked"
            )
    return drafts


PAYMENT_KINDS = ("payments", "conversion")


def _payment_drafts(
    engine: Engine, conn: Connection, base: str
) -> tuple[list[Draft], list[str]]:
    """Entries of the provider transactions not yet posted, or why there are none.

    One entry per provider, day, currency and file: a group already posted
    (its source key) is not posted again; rows without an FX rate wait.
    """
    if importlib.util.find_spec("tradepilot.payments") is None:
        return [], [
            "payouts, provider fees and transfers are not booked: the payments"
            " capability is not installed"
        ]
    from tradepilot.payments.service import payment_transactions

    e = ledger_entries
    posted = set(
        conn.execute(sa.select(e.c.source_key).where(e.c.kind.in_(PAYMENT_KINDS)))
        .scalars()
        .all()
    )
    transactions = payment_transactions(engine)
    if not transactions:
        return [], [
            "no payout or settlement files imported: provider fees, payouts and"
            " transfers are not in the ledger ('tradepilot import stripe|paypal|"
            "amazon-settlement|shopify-payments FILE')"
        ]
    keys = pl.DataFrame(
        {"currency": [t["currency"] for t in transactions],
         "day": [t["date"] for t in transactions]},
        schema={"currency": pl.String, "day": pl.Date},
    )  # fmt: skip
    rates = rates_to_base(conn, keys, base, skip_missing=True)
    drafts, waiting = payment_drafts(
        transactions, rates=rates, base=base, posted=posted
    )
    notes = []
    if waiting:
        pairs = sorted({(t["currency"], t["date"]) for t in waiting})
        notes.append(
            f"{len(waiting)} provider rows wait for FX rates (first: {pairs[0][0]} on"
            f" {pairs[0][1]}); import newer rates and build again"
        )
    return drafts, notes


# --- verify ---------------------------------------------------------------------------


def verify_ledger(engine: Engine, *, anchor_file: Path | None = None) -> dict[str, Any]:
    """Recompute the chain from the first entry; check closed periods and anchors.

    Returns
    -------
    dict
        ``ok``, ``entries`` (checked), ``head_hash``, ``first_bad`` (None or
        ``{"entry", "problem"}``), ``periods`` and ``anchors`` checked.
    """
    with engine.connect() as conn:
        check = check_chain(store.chain_rows(conn))
        problem = check.first_bad.as_dict() if check.first_bad else None
        if problem is None:
            orphan = store.orphan_lines(conn)
            if orphan is not None:
                problem = {"entry": orphan, "problem": "lines whose entry is missing"}
        periods = _check_periods(conn, check.hashes) if problem is None else []
        anchors = _anchors(conn, anchor_file)
    if problem is None:
        problem = next((p["first_bad"] for p in periods if p["first_bad"]), None)
    anchor_checks = [
        _check_anchor(a, check.hashes, conn_roots(periods)) for a in anchors
    ]
    if problem is None:
        problem = next((a["first_bad"] for a in anchor_checks if a["first_bad"]), None)
    return {
        "ok": problem is None,
        "entries": check.entries,
        "head_hash": check.head_hash,
        "first_bad": problem,
        "periods": [{k: v for k, v in p.items() if k != "first_bad"} for p in periods],
        "anchors": [
            {k: v for k, v in a.items() if k != "first_bad"} for a in anchor_checks
        ],
    }


def conn_roots(periods: list[dict[str, Any]]) -> dict[str, str]:
    """Recomputed roots of the checked periods."""
    return {p["period"]: p["root"] for p in periods}


def _period_hashes(conn: Connection, period: str) -> list[tuple[int, str]]:
    e = ledger_entries
    rows = conn.execute(
        sa.select(e.c.seq, e.c.hash)
        .where(e.c.period == period, e.c.kind != "close")
        .order_by(e.c.seq)
    ).all()
    return [(int(s), str(h)) for s, h in rows]


def _check_periods(conn: Connection, hashes: dict[int, str]) -> list[dict[str, Any]]:
    p, e = ledger_periods, ledger_entries
    checked = []
    for period, close_seq, count, stored in conn.execute(
        sa.select(p.c.period, p.c.close_seq, p.c.entries, p.c.merkle_root).order_by(
            p.c.period
        )
    ).all():
        leaves = _period_hashes(conn, period)
        root = merkle_root([h for _, h in leaves])
        closing = conn.execute(
            sa.select(e.c.description).where(e.c.seq == close_seq)
        ).scalar()
        bad = None
        if root != stored or len(leaves) != count:
            bad = {
                "entry": close_seq,
                "problem": f"period {period}'s entries no longer give the Merkle root"
                f" recorded when it was closed ({count} entries, root {stored})",
            }
        elif closing is None or stored not in closing:
            bad = {
                "entry": close_seq,
                "problem": f"the closing entry of {period} does not record its root",
            }
        checked.append({"period": period, "entries": len(leaves), "root": root,
                        "ok": bad is None, "first_bad": bad})  # fmt: skip
    return checked


def _anchors(conn: Connection, anchor_file: Path | None) -> list[dict[str, Any]]:
    a = ledger_anchors
    found = [
        {
            "source": f"anchor {r.id}",
            "head_seq": r.head_seq,
            "head_hash": r.head_hash,
            "roots": json.loads(r.roots),
        }  # fmt: skip
        for r in conn.execute(sa.select(a).order_by(a.c.id))
    ]
    if anchor_file is not None:
        published = _read_anchor_file(anchor_file)
        found.append({"source": str(anchor_file), **published})
    return found


def _read_anchor_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            "head_seq": int(data["head"]["entry"]),
            "head_hash": str(data["head"]["hash"]),
            "roots": {p["period"]: p["root"] for p in data["periods"]},
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataValidationError(
            f"{path} is not an anchor file written by 'tradepilot ledger anchor"
            f" --json': {exc}"
        ) from exc


def _check_anchor(
    anchor: dict[str, Any], hashes: dict[int, str], roots: dict[str, str]
) -> dict[str, Any]:
    bad = None
    seq = anchor["head_seq"]
    if seq and hashes.get(seq) != anchor["head_hash"]:
        bad = {
            "entry": seq,
            "problem": f"{anchor['source']} recorded entry {seq} with hash"
            f" {anchor['head_hash'][:16]}...: the chain up to it changed",
        }
    for period, root in anchor["roots"].items():
        if bad is None and roots.get(period) != root:
            bad = {
                "entry": seq,
                "problem": f"{anchor['source']} recorded root {root[:16]}... for"
                f" {period}; the ledger's is {str(roots.get(period))[:16]}...",
            }
    return {"source": anchor["source"], "head_seq": seq, "ok": bad is None,
            "first_bad": bad}  # fmt: skip


# --- close, proof, anchor --------------------------------------------------------------


def parse_period(text: str) -> str:
    """``YYYY-MM`` checked.

    Raises
    ------
    DataValidationError
    """
    try:
        day = dt.datetime.strptime(text, "%Y-%m").replace(tzinfo=dt.UTC)
    except ValueError:
        raise DataValidationError(
            f"period {text!r} is not a month written {PERIOD_FORMAT}, e.g. 2025-01"
        ) from None
    return day.strftime("%Y-%m")


def close_period(engine: Engine, period: str) -> dict[str, Any]:
    """Close ``period`` (``YYYY-MM``): record its Merkle root in a closing entry;
    nothing can be posted into it afterwards.

    Raises
    ------
    DataValidationError
        If the period is malformed or already closed.
    """
    period = parse_period(period)
    year, month = (int(x) for x in period.split("-"))
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    with engine.begin() as conn:
        closed = store.closed_periods(conn)
        if period in closed:
            raise store.ClosedPeriodError(
                f"period {period} is already closed (entry {closed[period]})"
            )
        leaves = _period_hashes(conn, period)
        root = merkle_root([h for _, h in leaves])
        draft = Draft(
            entry_date=last,
            kind="close",
            source_key=f"close:{period}",
            description=f"closing of {period}: {len(leaves)} entries, Merkle root {root}",
        )
        (seq,) = store.append(conn, [draft])
        conn.execute(
            sa.insert(ledger_periods).values(
                period=period,
                closed_at=dt.datetime.now(dt.UTC),
                close_seq=seq,
                entries=len(leaves),
                merkle_root=root,
            )  # fmt: skip
        )
    return {"period": period, "entries": len(leaves), "merkle_root": root,
            "close_entry": seq}  # fmt: skip


def entry_proof(engine: Engine, seq: int) -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` in its closed period's Merkle root, for
    ``tools/verify_proof.py``.

    Raises
    ------
    DataValidationError
        If the entry does not exist or its period is not closed yet.
    """
    with engine.connect() as conn:
        rows = list(store.chain_rows(conn, only=seq))
        if not rows:
            raise DataValidationError(
                f"no ledger entry {seq}; see 'tradepilot ledger verify'"
            )
        entry, stored, lines = rows[0]
        period = entry[ENTRY_COLUMNS.index("period")]
        p = ledger_periods
        root = conn.execute(
            sa.select(p.c.merkle_root).where(p.c.period == period)
        ).scalar()
        if root is None:
            raise DataValidationError(
                f"entry {seq} is in period {period}, which is not closed: close it"
                f" first ('tradepilot ledger close {period}') to have a root to prove"
                " against"
            )
        leaves = [h for _, h in _period_hashes(conn, period)]
    if stored not in leaves:
        raise DataValidationError(f"entry {seq} is a closing entry: it is not a leaf")
    index = leaves.index(stored)
    return {
        "entry": seq,
        "period": period,
        "root": root,
        "entry_hash": stored,
        "prev_hash": entry[-1],
        "columns": {"entry": list(ENTRY_COLUMNS), "line": list(LINE_COLUMNS)},
        "entry_values": entry,
        "line_values": lines,
        "leaf_index": index,
        "leaves": len(leaves),
        "path": inclusion_path(leaves, index),
    }


def anchor_ledger(engine: Engine) -> dict[str, Any]:
    """Record and return the roots of the closed periods and the chain's head, for
    the seller to publish."""
    with engine.begin() as conn:
        p = ledger_periods
        periods = [
            {
                "period": r.period,
                "root": r.merkle_root,
                "entries": r.entries,
                "close_entry": r.close_seq,
            }  # fmt: skip
            for r in conn.execute(sa.select(p).order_by(p.c.period))
        ]
        seq, head_hash = store.head(conn)
        now = dt.datetime.now(dt.UTC)
        conn.execute(
            sa.insert(ledger_anchors).values(
                created_at=now,
                head_seq=seq,
                head_hash=head_hash,
                roots=json.dumps({x["period"]: x["root"] for x in periods}),
            )  # fmt: skip
        )
    return {
        "created_at": now.isoformat(),
        "head": {"entry": seq, "hash": head_hash},
        "periods": periods,
    }


def latest_anchor(engine: Engine) -> dict[str, Any] | None:
    """The last anchor recorded (``created_at``, ``head``, ``periods``), or None."""
    a = ledger_anchors
    with engine.connect() as conn:
        row = conn.execute(sa.select(a).order_by(a.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {
        "created_at": row.created_at.isoformat(),
        "head": {"entry": row.head_seq, "hash": row.head_hash},
        "periods": json.loads(row.roots),
    }


def reverse_entry(engine: Engine, seq: int, *, reason: str) -> dict[str, Any]:
    """Correct entry ``seq`` with a reversing entry dated today (never an edit).

    Raises
    ------
    DataValidationError
        If the entry does not exist, is a closing entry or was reversed already.
    """
    e = ledger_entries
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(e.c.kind, e.c.source_key).where(e.c.seq == seq)
        ).first()
        if row is None or row.kind == "close":
            raise DataValidationError(f"no entry {seq} to reverse (closings cannot be)")
        done = conn.execute(sa.select(e.c.seq).where(e.c.reverses_seq == seq)).first()
        if done is not None:
            raise DataValidationError(
                f"entry {seq} was reversed already by entry {done[0]}"
            )
        draft = Draft(
            entry_date=dt.datetime.now(dt.UTC).date(),
            kind="reversal",
            source_key=f"reversal:{seq}",
            description=f"reverses entry {seq} ({row.source_key}): {reason}",
            lines=reversal(_lines_of(conn, seq)),
            reverses_seq=seq,
        )
        (number,) = store.append(conn, [draft])
    return {"entry": number, "reverses": seq, "lines": len(draft.lines)}


def post_expense(
    engine: Engine,
    *,
    day: dt.date,
    account: str,
    amount: Decimal,
    currency: str,
    memo: str,
    paid_from: str = "1000",
) -> dict[str, Any]:
    """A manual entry: an expense (ads, software, rent, samples...) paid from the
    bank, at the day's ECB rate.

    Raises
    ------
    DataValidationError
        For an account that is not an expense, a non-positive amount or a closed
        period. MissingRateError for a currency without a rate that day.
    """
    from tradepilot.ledger.accounts import ACCOUNTS, EXPENSE
    from tradepilot.ledger.journal import to_base

    if account not in ACCOUNTS or ACCOUNTS[account].kind != EXPENSE:
        choices = ", ".join(
            f"{a.code} {a.name}" for a in ACCOUNTS.values() if a.kind == EXPENSE
        )
        raise DataValidationError(
            f"account {account!r} is not an expense account; use one of: {choices}"
        )
    if amount <= 0:
        raise DataValidationError(f"amount must be positive, got {amount}")
    with engine.begin() as conn:
        base = base_currency(conn) or currency
        keys = pl.DataFrame({"currency": [currency], "day": [day]})
        rate = rates_to_base(conn, keys, base)[(currency, day)]
        value = to_base(amount, rate, minor_unit(base))
        count = conn.execute(
            sa.select(sa.func.count()).select_from(ledger_entries)
        ).scalar_one()
        draft = Draft(
            entry_date=day,
            kind="manual",
            source_key=f"manual:{count + 1}:{day}:{account}",
            description=memo,
            lines=[
                Line(account, "manual", amount, currency, rate, value),
                Line(paid_from, "manual", -amount, currency, rate, -value),
            ],
        )
        (number,) = store.append(conn, [draft])
    return {"entry": number, "account": account, "amount": float(amount),
            "currency": currency, "amount_base": float(value)}  # fmt: skip
