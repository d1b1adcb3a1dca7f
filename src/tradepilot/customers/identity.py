"""Which customer records are one person (pure).

Every source numbers its buyers its own way: the web store by e-mail, a wholesale
spreadsheet by an account number, a customers export by the shop's customer id. A
*record* is one (source, id) pair of the ``customers`` table; a *profile* is the set
of records that are one person. Records join when they share an identity key:

* the normalised e-mail (:func:`normalise_email`: case, spaces, ``+tags``, Gmail
  dots) — from the record's own id when it is an e-mail, or from its contact data;
* the web shop's customer id, or the marketplace's buyer id, from contact data
  (a wholesale sheet that notes the shop's customer id joins the shop's record).

Names never join records (two Anna Müllers are two people), and an order without
any identifier (a guest checkout without an e-mail) belongs to no profile. The owner
can merge two records by hand, and *separate* a record: it then leaves its profile
and joins others only through merges made by hand after that.

Examples
--------
>>> import polars as pl
>>> records = pl.DataFrame({"id": [1, 2, 3], "source": ["shopify", "wholesale", "till"],
...     "external_id": ["Anna.Mueller+shop@Gmail.com", "W-17", "10017"],
...     "email": [None, "annamueller@gmail.com", None],
...     "shop_customer_id": [None, None, None],
...     "marketplace_buyer_id": [None, None, None]})
>>> resolve(records, merges=[]).select("id", "profile_id").rows()
[(1, 1), (2, 1), (3, 3)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

GMAIL = {"gmail.com", "googlemail.com"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEYS = ("email", "shop_customer_id", "marketplace_buyer_id")
KEY_NAMES = {
    "email": "e-mail",
    "shop_customer_id": "shop customer id",
    "marketplace_buyer_id": "marketplace buyer id",
}
RECORD_SCHEMA = {
    "id": pl.Int64(),
    "source": pl.String(),
    "external_id": pl.String(),
    "email": pl.String(),
    "shop_customer_id": pl.String(),
    "marketplace_buyer_id": pl.String(),
}


@dataclass(frozen=True)
class Merge:
    """A merge (``other_id`` set) or separation (``other_id`` None) by hand, in the
    order they were made."""

    customer_id: int
    other_id: int | None


def normalise_email(text: str | None) -> str | None:
    """The e-mail as a mailbox: lower case, no spaces, no ``+tag``; for Gmail also
    without dots in the local part. None when ``text`` is not an e-mail.

    Examples
    --------
    >>> normalise_email(" Anna.Mueller+Shop@GoogleMail.com ")
    'annamueller@gmail.com'
    >>> normalise_email("17850") is None
    True
    """
    if text is None:
        return None
    email = text.strip().lower()
    if not _EMAIL.match(email):
        return None
    local, domain = email.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else None


def resolve(records: pl.DataFrame, *, merges: Iterable[Merge]) -> pl.DataFrame:
    """Profiles of the customer records.

    Parameters
    ----------
    records : polars.DataFrame
        :data:`RECORD_SCHEMA`: ``id``, ``source``, ``external_id`` and the raw
        identity keys (``email`` may be unnormalised; the id is used as an e-mail
        when it is one).
    merges : iterable of Merge
        The owner's active merges and separations, oldest first.

    Returns
    -------
    polars.DataFrame
        ``id``, ``profile_id`` (the smallest record id of the profile) and
        ``reason``: why the record is in its profile, in words.
    """
    keyed = _keys(records)
    ids = keyed["id"].to_list()
    parent = {i: i for i in ids}
    reasons: dict[int, str] = {}
    manual, separated = _manual(merges)
    for key in KEYS:
        groups = (
            keyed.filter(
                pl.col(key).is_not_null() & ~pl.col("id").is_in(list(separated))
            )
            .group_by(key)
            .agg(pl.col("id").sort())
            .filter(pl.col("id").list.len() > 1)
        )
        for value, members in groups.iter_rows():
            for member in members[1:]:
                if _union(parent, members[0], member):
                    reasons[member] = (
                        f"same {KEY_NAMES[key]} {mask(value)} as record {members[0]}"
                    )
    for left, right in manual:
        if left in parent and right in parent and _union(parent, left, right):
            reasons[max(left, right)] = f"merged by hand with record {min(left, right)}"
    profile = [_find(parent, i) for i in ids]
    why = [
        reasons.get(i, "separated by hand" if i in separated else "its own record")
        for i in ids
    ]
    return pl.DataFrame(
        {"id": ids, "profile_id": profile, "reason": why},
        schema={"id": pl.Int64, "profile_id": pl.Int64, "reason": pl.String},
    ).sort("id")


def mask(value: str) -> str:
    """An identifier shown with most of it hidden (``a***@gmail.com``).

    Examples
    --------
    >>> mask("annamueller@gmail.com"), mask("CUST-001234")
    ('a***@gmail.com', 'CU***34')
    """
    if "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}***@{domain}"
    return f"{value[:2]}***{value[-2:]}" if len(value) > 4 else "***"


def _keys(records: pl.DataFrame) -> pl.DataFrame:
    records = records.select(pl.col(k).cast(v) for k, v in RECORD_SCHEMA.items())
    email = pl.coalesce(
        pl.col("email").map_elements(normalise_email, return_dtype=pl.String),
        pl.col("external_id").map_elements(normalise_email, return_dtype=pl.String),
    )
    return records.select(
        "id", email.alias("email"), *[_present(name) for name in KEYS[1:]]
    ).sort("id")


def _present(name: str) -> pl.Expr:
    """A shop or marketplace id, null when empty."""
    value = pl.col(name).str.strip_chars()
    return pl.when(value != "").then(value).alias(name)


def _manual(merges: Iterable[Merge]) -> tuple[list[tuple[int, int]], set[int]]:
    """Merges still in force and the records kept out of automatic matching."""
    manual: list[tuple[int, int]] = []
    separated: set[int] = set()
    for merge in merges:
        if merge.other_id is None:
            separated.add(merge.customer_id)
            manual = [m for m in manual if merge.customer_id not in m]
        else:
            manual.append((merge.customer_id, merge.other_id))
    return manual, separated


def _find(parent: dict[int, int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: dict[int, int], a: int, b: int) -> bool:
    """Join the sets of ``a`` and ``b`` under the smaller root; False if already one."""
    root_a, root_b = _find(parent, a), _find(parent, b)
    if root_a == root_b:
        return False
    low, high = sorted((root_a, root_b))
    parent[high] = low
    return True
