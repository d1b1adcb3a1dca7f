"""The hash chain and the Merkle trees over it (pure, no I/O).

Each entry's hash is ``SHA-256(prev_hash + "\\n" + canonical)``, where ``canonical``
is the compact JSON array of every column of the entry (but its own hash) followed
by the array of its lines, each line the array of all its columns, in line order.
Values are written canonically, so SQLite and PostgreSQL give the same text:
decimals without trailing zeros (``12.3``, never ``12.300000``), dates ISO,
datetimes UTC with microseconds and a ``Z``. The first entry's ``prev_hash`` is
:data:`GENESIS`.

The Merkle tree of a closed period follows RFC 6962 (Certificate Transparency):
a leaf is ``SHA-256(0x00 || entry hash)``, a node ``SHA-256(0x01 || left ||
right)``, and a tree of ``n`` leaves splits at the largest power of two below
``n``; so an inclusion proof is ``log2(n)`` sibling hashes. ``tools/verify_proof.py``
repeats these few lines with the standard library alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64

ENTRY_COLUMNS = (
    "seq",
    "entry_date",
    "period",
    "kind",
    "source_key",
    "source_run",
    "description",
    "reverses_seq",
    "carry",
    "created_at",
    "prev_hash",
)
"""Columns of ``ledger_entries`` the hash covers (all but ``hash``), in order."""

LINE_COLUMNS = (
    "id",
    "entry_seq",
    "line_no",
    "account",
    "role",
    "amount",
    "currency",
    "rate",
    "base_amount",
    "country",
    "channel",
    "sku",
    "jurisdiction",
    "scheme",
    "vat_rate",
)
"""Columns of ``ledger_lines`` the hash covers (all of them), in order."""

DECIMAL_COLUMNS = frozenset({"amount", "base_amount"})


_CANONICAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")


def canonical_decimal(value: Any) -> str:
    """A decimal as its shortest exact text.

    Examples
    --------
    >>> canonical_decimal(Decimal("12.300000")), canonical_decimal("100"), \
canonical_decimal("-0.00")
    ('12.3', '100', '0')
    """
    if isinstance(value, str):
        if _CANONICAL.fullmatch(value) and value != "-0":
            return value
        number = Decimal(value)
    else:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def canonical_value(name: str, value: Any) -> Any:
    """One column's value as the chain serialises it."""
    if value is None:
        return None
    if name in DECIMAL_COLUMNS:
        return canonical_decimal(value)
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC) if value.tzinfo else value
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | str):
        return value
    return str(value)


def canonical_row(columns: Sequence[str], row: Sequence[Any]) -> list[Any]:
    """A row (values in ``columns`` order) as canonical values."""
    return [
        canonical_value(name, value) for name, value in zip(columns, row, strict=True)
    ]


_AMOUNT, _BASE_AMOUNT = LINE_COLUMNS.index("amount"), LINE_COLUMNS.index("base_amount")


def canonical_line(row: Sequence[Any]) -> list[Any]:
    """A line (values in :data:`LINE_COLUMNS` order) as canonical values: the
    decimals normalised; every other column is an integer, text or null as stored.

    SQLite returns the amounts as the text written, which is canonical: it is
    taken as it is (any change to the text changes the hash); PostgreSQL returns
    ``Decimal`` with the column's scale, normalised here.
    """
    values = list(row)
    amount, base = values[_AMOUNT], values[_BASE_AMOUNT]
    if not isinstance(amount, str):
        values[_AMOUNT] = canonical_decimal(amount)
    if not isinstance(base, str):
        values[_BASE_AMOUNT] = canonical_decimal(base)
    return values


def serialise(entry: list[Any], lines: list[list[Any]]) -> str:
    """The canonical text of an entry (canonical values, without ``prev_hash``'s
    role in the hash) and its lines."""
    return json.dumps([entry, lines], separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, entry: list[Any], lines: list[list[Any]]) -> str:
    """The SHA-256 (hex) of an entry, given canonical values."""
    text = prev_hash + "\n" + serialise(entry, lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    """The first break in the chain: the entry and what is wrong with it."""

    entry: int
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "problem": self.problem}


@dataclass
class ChainCheck:
    """Result of :func:`check_chain`."""

    entries: int
    head_hash: str
    first_bad: Problem | None
    hashes: dict[int, str]  # seq -> stored hash, of the entries checked


def check_chain(
    rows: Iterable[tuple[list[Any], str, list[list[Any]]]],
) -> ChainCheck:
    """Recompute the chain and name its first broken entry.

    Parameters
    ----------
    rows : iterable of (entry, stored hash, lines)
        Entries in ``seq`` order as canonical values in :data:`ENTRY_COLUMNS`
        order, with their lines (canonical, :data:`LINE_COLUMNS` order).

    Returns
    -------
    ChainCheck
        ``first_bad`` names a missing entry (a gap in the numbering), an entry whose
        previous hash is not its predecessor's (inserted, moved or swapped: the
        message says whose hash it holds), or an entry whose contents no longer
        give its stored hash (edited).
    """
    previous, expected, count = GENESIS, 1, 0
    stored_by_hash: dict[str, int] = {}
    hashes: dict[int, str] = {}
    pending: list[tuple[list[Any], str, list[list[Any]]]] = list(rows)
    for entry, stored, _lines in pending:
        stored_by_hash.setdefault(stored, entry[0])
    for entry, stored, lines in pending:
        seq = entry[0]
        problem = _link_problem(seq, expected, entry[-1], previous, stored_by_hash)
        if problem is None and entry_hash(entry[-1], entry, lines) != stored:
            problem = (
                "its contents (entry or lines) no longer give its stored hash:"
                " edited after it was written"
            )
        if problem is None and any(line[1] != seq for line in lines):
            problem = "a line names another entry"
        if problem is not None:
            bad = _culprit(seq, expected, entry[-1], stored_by_hash)
            return ChainCheck(count, previous, Problem(bad, problem), hashes)
        hashes[seq] = stored
        previous, expected, count = stored, seq + 1, count + 1
    return ChainCheck(count, previous, None, hashes)


def _culprit(
    seq: int, expected: int, prev_hash: str, stored_by_hash: dict[str, int]
) -> int:
    """The entry to name: a missing number; the first of entries inserted between
    the one an entry was chained after and the entry; else the entry itself."""
    if seq > expected:
        return expected
    holder = stored_by_hash.get(prev_hash)
    if holder is not None and holder < seq - 1:
        return holder + 1
    return seq


def _link_problem(
    seq: int,
    expected: int,
    prev_hash: str,
    previous: str,
    stored_by_hash: dict[str, int],
) -> str | None:
    if seq > expected:
        return (
            f"entry {expected} is missing: the chain goes from entry {expected - 1}"
            f" to entry {seq} (deleted)"
        )
    if seq < expected:
        return f"entry number {seq} appears twice (inserted)"
    if prev_hash == previous:
        return None
    holder = stored_by_hash.get(prev_hash)
    if holder is None:
        return (
            "its previous hash matches no entry: inserted, or the entry before it"
            " was replaced"
        )
    if holder < seq - 1:
        return (
            f"entry {seq} was chained after entry {holder}: the entries between"
            " them were inserted"
        )
    return (
        f"its previous hash is that of entry {holder}, not of entry {seq - 1}:"
        " entries were swapped or moved"
    )


# --- Merkle trees (RFC 6962) -----------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry_hex: str) -> bytes:
    """The Merkle leaf of an entry hash."""
    return _sha(b"\x00" + bytes.fromhex(entry_hex))


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return _sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _sha(b"\x01" + _root(leaves[:k]) + _root(leaves[k:]))


def merkle_root(entry_hashes: Sequence[str]) -> str:
    """The Merkle root (hex) of entry hashes in chain order.

    Examples
    --------
    >>> len(merkle_root(["ab" * 32, "cd" * 32, "ef" * 32]))
    64
    """
    return _root([leaf_hash(h) for h in entry_hashes]).hex()


def inclusion_path(entry_hashes: Sequence[str], index: int) -> list[dict[str, str]]:
    """The audit path of leaf ``index``: sibling hashes from the leaf up, each with
    the side it sits on."""
    leaves = [leaf_hash(h) for h in entry_hashes]
    return list(_path(leaves, index))


def _path(leaves: Sequence[bytes], index: int) -> Iterator[dict[str, str]]:
    if len(leaves) <= 1:
        return
    k = _split(len(leaves))
    if index < k:
        yield from _path(leaves[:k], index)
        yield {"side": "right", "hash": _root(leaves[k:]).hex()}
    else:
        yield from _path(leaves[k:], index - k)
        yield {"side": "left", "hash": _root(leaves[:k]).hex()}


def root_from_path(entry_hex: str, path: Iterable[dict[str, str]]) -> str:
    """The root an audit path leads to from an entry hash.

    Examples
    --------
    >>> hashes = [f"{i:064x}" for i in range(5)]
    >>> all(root_from_path(h, inclusion_path(hashes, i)) == merkle_root(hashes)
    ...     for i, h in enumerate(hashes))
    True
    """
    node = leaf_hash(entry_hex)
    for step in path:
        sibling = bytes.fromhex(step["hash"])
        pair = node + sibling if step["side"] == "right" else sibling + node
        node = _sha(b"\x01" + pair)
    return node.hex()
