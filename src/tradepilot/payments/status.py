"""What the seller decided about a discrepancy: resolved or ignored, with a note.

A discrepancy is known by a stable key (:func:`discrepancy_key`): its kind, its
provider, the order or payout it names and the provider row (or, without one,
the day) it rests on, hashed. Running the reconciliation again gives the same key
for the same finding, so a decision holds; a decided discrepancy is left out of
``discrepancies`` (the open ones) and listed under ``matched.closed``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.domain.errors import DataValidationError
from tradepilot.store.tables_money import payment_discrepancy_statuses as statuses

STATUSES = ("resolved", "ignored")
"""What a discrepancy can be marked; ``open`` takes a decision back."""


def discrepancy_key(d: dict[str, Any]) -> str:
    """A discrepancy's stable key: 12 hex digits.

    Examples
    --------
    >>> d = {"kind": "order_not_paid", "provider": "shopify-payments",
    ...      "order": "#1001", "payout": None,
    ...      "evidence": [{"source": "orders (shopify)", "date": "2024-03-04"}]}
    >>> discrepancy_key(d)
    '2d72bb450340'
    """
    last = d["evidence"][-1] if d["evidence"] else {}
    anchor = last.get("id") or last.get("date")
    parts = [d["kind"], d["provider"], d["order"], d["payout"], anchor]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def read_decisions(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every decision, by key."""
    rows = conn.execute(sa.select(statuses)).mappings()
    return {
        r["key"]: {
            "status": r["status"],
            "note": r["note"],
            "decided_at": r["decided_at"].isoformat(),
        }
        for r in rows
    }


def apply_decisions(
    result: dict[str, Any], decisions: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The report with decided discrepancies moved out of ``discrepancies``.

    ``matched`` gains ``open_ids`` (the keys of ``discrepancies``, in order),
    ``open_count`` and ``closed`` (each decided discrepancy with its ``id``,
    ``status``, ``note`` and ``decided_at``). ``result`` itself is not changed.
    """
    open_, open_ids, closed = [], [], []
    for d in result["discrepancies"]:
        key = discrepancy_key(d)
        if key in decisions:
            closed.append({"id": key, **decisions[key], **d})
        else:
            open_.append(d)
            open_ids.append(key)
    matched = {**result["matched"], "open_ids": open_ids,
               "open_count": len(open_), "closed": closed}  # fmt: skip
    return {**result, "matched": matched, "discrepancies": open_}


def decide(
    conn: Connection,
    *,
    found: list[dict[str, Any]],
    key: str,
    status: str,
    note: str,
) -> dict[str, Any]:
    """Record ``status`` (resolved, ignored; ``open`` takes it back) of the
    discrepancy ``key`` among ``found``.

    Raises
    ------
    DataValidationError
        For another status, an empty note or a key the reconciliation lacks.
    """
    if status not in (*STATUSES, "open"):
        raise DataValidationError(
            f"status {status!r} is not one of {', '.join((*STATUSES, 'open'))}"
        )
    match = next((d for d in found if discrepancy_key(d) == key), None)
    if match is None:
        known = ", ".join(discrepancy_key(d) for d in found[:5])
        raise DataValidationError(
            f"no discrepancy {key!r} in the latest reconciliation"
            + (f"; ids look like: {known}" if known else ": it found none")
            + " ('tradepilot payouts discrepancies' lists them)"
        )
    if status != "open" and not note.strip():
        raise DataValidationError("a note is required: say why (--note TEXT)")
    conn.execute(sa.delete(statuses).where(statuses.c.key == key))
    now = dt.datetime.now(dt.UTC)
    if status != "open":
        conn.execute(
            sa.insert(statuses).values(
                key=key,
                kind=match["kind"],
                provider=match["provider"],
                subject=match["order"] or match["payout"],
                status=status,
                note=note.strip(),
                decided_at=now,
            )  # fmt: skip
        )
    return {"id": key, "status": status, "note": note.strip(),
            "decided_at": now.isoformat(), "discrepancy": match}  # fmt: skip
