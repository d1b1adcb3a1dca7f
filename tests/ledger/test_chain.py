"""The hash chain: edits, deletions, insertions and swaps made directly in SQL are
found and the entry named, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tradepilot.domain.errors import DataValidationError
from tradepilot.ledger import store
from tradepilot.ledger.chain import (
    ENTRY_COLUMNS,
    LINE_COLUMNS,
    canonical_row,
    entry_hash,
    inclusion_path,
    merkle_root,
    root_from_path,
)
from tradepilot.ledger.journal import Draft, Line
from tradepilot.ledger.service import anchor_ledger, close_period, verify_ledger
from tradepilot.store.tables_ledger import ledger_entries, ledger_lines

RATE = Decimal("0.8571428571")


def draft(day: int, amount: str, currency: str = "USD") -> Draft:
    value = Decimal(amount)
    base = (value * RATE).quantize(Decimal("0.01"))
    lines = [
        Line("1100", "receivable", value, currency, RATE, base, channel="web"),
        Line("4000", "revenue", -value, currency, RATE, -base, country="US",
             channel="web", sku="MUG"),
    ]  # fmt: skip
    return Draft(dt.date(2025, 1, day), "sales", f"test:{day}", f"day {day}", lines)


@pytest.fixture
def chained(engine):
    with engine.begin() as conn:
        store.append(conn, [draft(d, f"{10 + d}.50") for d in range(1, 7)])
    return engine


def run(engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def test_an_intact_chain_verifies(chained):
    result = verify_ledger(chained)

    assert result["ok"] is True
    assert result["entries"] == 6
    assert result["first_bad"] is None
    assert len(result["head_hash"]) == 64


def test_an_edited_amount_is_found(chained):
    run(
        chained,
        "UPDATE ledger_lines SET amount = '99.99' WHERE entry_seq = 3 AND line_no = 1",
    )

    result = verify_ledger(chained)

    assert result["ok"] is False
    assert result["first_bad"]["entry"] == 3
    assert "edited" in result["first_bad"]["problem"]


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE ledger_lines SET rate = '0.9' WHERE id = 9", id="rate"),
        pytest.param("UPDATE ledger_lines SET account = '4100' WHERE id = 10", id="account"),
        pytest.param("UPDATE ledger_entries SET entry_date = '2025-01-20' WHERE seq = 5", id="date"),
        pytest.param("UPDATE ledger_lines SET country = 'DE' WHERE id = 10", id="country"),
        pytest.param("DELETE FROM ledger_lines WHERE id = 10", id="line-deleted"),
    ],
)  # fmt: skip
def test_any_stored_column_changed_is_found(chained, statement):
    run(chained, statement)

    assert verify_ledger(chained)["first_bad"]["entry"] == 5


def test_a_deleted_entry_is_named(chained):
    run(chained, "DELETE FROM ledger_lines WHERE entry_seq = 4",
        "DELETE FROM ledger_entries WHERE seq = 4")  # fmt: skip

    result = verify_ledger(chained)

    assert result["first_bad"]["entry"] == 4
    assert "missing" in result["first_bad"]["problem"]


def _shift_up(engine, start: int) -> None:
    for seq in (6, 5, 4, 3, 2, 1):
        if seq >= start:
            run(engine, f"UPDATE ledger_entries SET seq = {seq + 1} WHERE seq = {seq}",
                f"UPDATE ledger_lines SET entry_seq = {seq + 1} WHERE entry_seq = {seq}")  # fmt: skip


def _insert_entry(engine, seq: int, prev_hash: str, *, forge: bool) -> None:
    entry = (seq, dt.date(2025, 1, 3), "2025-01", "sales", "forged", None, "forged",
             None, None, dt.datetime(2025, 1, 3, tzinfo=dt.UTC), prev_hash)  # fmt: skip
    line = (1000, seq, 1, "1000", "manual", "0", "EUR", "1", "0", None, None, None,
            None, None, None)  # fmt: skip
    digest = (
        entry_hash(
            prev_hash,
            canonical_row(ENTRY_COLUMNS, entry),
            [canonical_row(LINE_COLUMNS, line)],
        )  # fmt: skip
        if forge
        else prev_hash
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ledger_entries).values(
                dict(zip([*ENTRY_COLUMNS, "hash"], (*entry, digest), strict=True))
            )
        )
        conn.execute(sa.insert(ledger_lines).values(
            dict(zip(LINE_COLUMNS, line, strict=True))))  # fmt: skip


def _hash_of(engine, seq: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(ledger_entries.c.hash).where(ledger_entries.c.seq == seq)
        ).scalar_one()


@pytest.mark.parametrize("forge", [False, True], ids=["naive", "rehashed"])
def test_an_inserted_entry_is_named(chained, forge):
    previous = _hash_of(chained, 3)
    _shift_up(chained, 4)
    _insert_entry(chained, 4, previous, forge=forge)

    result = verify_ledger(chained)

    assert result["ok"] is False
    assert result["first_bad"]["entry"] == 4


def test_two_swapped_entries_are_found(chained):
    run(
        chained,
        "UPDATE ledger_entries SET seq = 100 WHERE seq = 2",
        "UPDATE ledger_lines SET entry_seq = 100 WHERE entry_seq = 2",
        "UPDATE ledger_entries SET seq = 2 WHERE seq = 5",
        "UPDATE ledger_lines SET entry_seq = 2 WHERE entry_seq = 5",
        "UPDATE ledger_entries SET seq = 5 WHERE seq = 100",
        "UPDATE ledger_lines SET entry_seq = 5 WHERE entry_seq = 100",
    )

    result = verify_ledger(chained)

    assert result["first_bad"]["entry"] == 2
    assert "swapped" in result["first_bad"]["problem"]


def test_an_anchor_catches_a_rewritten_tail(chained):
    anchor_ledger(chained)
    run(chained, "DELETE FROM ledger_lines WHERE entry_seq = 6",
        "DELETE FROM ledger_entries WHERE seq = 6")  # fmt: skip

    result = verify_ledger(chained)

    assert result["ok"] is False
    assert result["first_bad"]["entry"] == 6
    assert "anchor" in result["first_bad"]["problem"]


def test_a_closed_period_refuses_postings_and_writes_nothing(chained):
    closed = close_period(chained, "2025-01")

    with pytest.raises(DataValidationError, match="period 2025-01 is closed"):
        with chained.begin() as conn:
            store.append(conn, [draft(20, "5.00")])
    assert verify_ledger(chained)["entries"] == 7  # six and the closing entry
    assert closed["entries"] == 6


def test_a_changed_entry_in_a_closed_period_breaks_its_root(chained):
    close_period(chained, "2025-01")
    # rewrite entry 6 and its hash consistently: only the period root shows it
    run(chained, "UPDATE ledger_entries SET description = 'x' WHERE seq = 6")
    with chained.connect() as conn:
        rows = list(store.chain_rows(conn, only=6))
    entry, _stored, lines = rows[0]
    run(chained, f"UPDATE ledger_entries SET hash = '{entry_hash(entry[-1], entry, lines)}'"
        " WHERE seq = 6")  # fmt: skip

    result = verify_ledger(chained)

    assert result["ok"] is False
    assert result["first_bad"]["entry"] in (6, 7)


def test_an_unbalanced_entry_is_refused(engine):
    bad = draft(1, "10.00")
    bad.lines[0] = Line(
        "1100", "receivable", Decimal("9"), "USD", RATE, Decimal("7.71")
    )

    with (
        pytest.raises(DataValidationError, match="does not balance"),
        engine.begin() as conn,
    ):
        store.append(conn, [bad])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_every_leaf_proves_against_the_root(n):
    hashes = [f"{i:064x}" for i in range(n)]
    root = merkle_root(hashes)

    assert all(
        root_from_path(h, inclusion_path(hashes, i)) == root
        for i, h in enumerate(hashes)
    )
    assert root_from_path(f"{99:064x}", inclusion_path(hashes, 0)) != root
