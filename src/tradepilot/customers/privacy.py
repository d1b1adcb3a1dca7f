"""Who is who, and the person's rights: merge, unmerge, forget, export.

* :func:`merge_customers` joins two customers into one profile (recorded with its
  reason; the profile's records explain why each belongs, see ``customers show``);
* :func:`unmerge_customer` takes a record out of its profile: merges made by hand
  with it are undone, and automatic matching leaves it alone from then on;
* :func:`forget_customer` is the GDPR erasure: every record of the person gets an
  anonymous id (``forgotten-<n>``), contact data is deleted, the person's ids,
  e-mails, names and phone numbers are replaced by ``[erased]`` in the quarantine
  and in merge reasons, and salted hashes of the identifiers are kept so a later
  customers import does not bring them back. Orders stay, anonymous: revenue,
  demand and forecasts do not change;
* :func:`export_person` is the GDPR access request: everything stored about the
  person, as one JSON document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tradepilot.customers.identity import normalise_email
from tradepilot.customers.reading import Profiles, read_profiles
from tradepilot.domain.errors import DataValidationError
from tradepilot.store import tables
from tradepilot.workspace import get_setting, set_setting

ERASED = "[erased]"
SALT_SETTING = "customers_erasure_salt"
CONTACT_FIELDS = (
    "email", "first_name", "last_name", "phone", "city", "postal_code",
    "shop_customer_id", "marketplace_buyer_id", "accepts_marketing", "consent_source",
)  # fmt: skip
PERSONAL = ("email", "first_name", "last_name", "phone", "postal_code")


def merge_customers(
    engine: Engine, *, left: str, right: str, reason: str | None = None
) -> dict[str, Any]:
    """Join the profiles of two customer references into one.

    Raises
    ------
    DataValidationError
        If a reference is unknown or both are already one profile.
    """
    with engine.begin() as conn:
        profiles = read_profiles(conn)
        a, b = profiles.find(left), profiles.find(right)
        if a == b:
            raise DataValidationError(
                f"{left!r} and {right!r} are already one customer"
            )
        conn.execute(
            sa.insert(tables.customer_merges).values(
                action="merge",
                customer_id=a,
                other_id=b,
                reason=reason or "merged by hand",
                created_at=_now(),
            )
        )
        merged = read_profiles(conn)
        return _profile_view(merged, merged.find(left))


def unmerge_customer(engine: Engine, *, ref: str) -> dict[str, Any]:
    """Take the record ``ref`` out of its profile (see the module docstring).

    Raises
    ------
    DataValidationError
        If ``ref`` is unknown or is the only record of its profile.
    """
    with engine.begin() as conn:
        profiles = read_profiles(conn)
        record = _record(profiles, ref)
        profile = int(profiles.records.filter(pl.col("id") == record)["profile_id"][0])
        if profiles.records.filter(pl.col("profile_id") == profile).height == 1:
            raise DataValidationError(f"{ref!r} is not merged with another customer")
        before = _profile_view(profiles, profile)
        m = tables.customer_merges
        involved = sa.or_(m.c.customer_id == record, m.c.other_id == record)
        conn.execute(
            sa.update(m)
            .where(involved, m.c.action == "merge", m.c.undone_at.is_(None))
            .values(undone_at=_now())
        )
        conn.execute(
            sa.insert(m).values(
                action="separate",
                customer_id=record,
                other_id=None,
                reason="separated by hand",
                created_at=_now(),
            )
        )
        after = read_profiles(conn)
        return {
            "separated": ref,
            "was": before,
            "now": _profile_view(
                after,
                int(after.records.filter(pl.col("id") == record)["profile_id"][0]),
            ),
        }


def forget_customer(engine: Engine, *, ref: str) -> dict[str, Any]:
    """Erase the personal data of the person ``ref`` everywhere (GDPR art. 17).

    Returns
    -------
    dict
        ``records`` erased, ``orders_kept``, ``quarantine_rows_scrubbed``,
        ``erased_at``; nothing personal.
    """
    with engine.begin() as conn:
        profiles = read_profiles(conn)
        profile = profiles.find(ref)
        ids = profiles.records.filter(pl.col("profile_id") == profile)["id"].to_list()
        identifiers = _identifiers(conn, profiles, ids)
        salt = _salt(conn)
        now = _now()
        c, k, m = tables.customers, tables.customer_contacts, tables.customer_merges
        for record in ids:
            conn.execute(
                sa.update(c)
                .where(c.c.id == record)
                .values(external_id=f"forgotten-{record}")
            )
        conn.execute(sa.delete(k).where(k.c.customer_id.in_(ids)))
        conn.execute(
            sa.update(m)
            .where(sa.or_(m.c.customer_id.in_(ids), m.c.other_id.in_(ids)))
            .values(reason=ERASED)
        )
        conn.execute(
            sa.insert(tables.customer_erasures),
            [
                {
                    "customer_id": record,
                    "fingerprints": json.dumps(sorted(fingerprints(salt, identifiers))),
                    "erased_at": now,
                }
                for record in ids
            ],
        )
        scrubbed = _scrub_quarantine(conn, identifiers)
        orders = conn.execute(
            sa.select(sa.func.count())
            .select_from(tables.orders)
            .where(tables.orders.c.customer_id.in_(ids))
        ).scalar_one()
    return {
        "records": len(ids),
        "orders_kept": int(orders),
        "quarantine_rows_scrubbed": scrubbed,
        "erased_at": now.isoformat(),
    }


def fingerprints(salt: str, identifiers: set[str]) -> set[str]:
    """Salted SHA-256 digests of identifiers, case-folded (e-mails also normalised).

    Examples
    --------
    >>> sorted(fingerprints("s", {"Anna@X.org"})) == sorted(fingerprints("s", {"anna@x.org"}))
    True
    """
    values = {i.strip().casefold() for i in identifiers if i.strip()}
    values |= {e for e in (normalise_email(i) for i in identifiers) if e}
    return {hashlib.sha256(f"{salt}|{v}".encode()).hexdigest() for v in values}


def erased_fingerprints(conn: Connection) -> tuple[str | None, set[str]]:
    """The erasure salt (None before the first erasure) and every stored digest."""
    salt = get_setting(conn, SALT_SETTING)
    rows = (
        conn.execute(sa.select(tables.customer_erasures.c.fingerprints)).scalars().all()
    )
    return salt, {digest for row in rows for digest in json.loads(row)}


def export_person(engine: Engine, *, ref: str) -> dict[str, Any]:
    """Everything stored about the person ``ref``: records, contact data and
    consent, merges, every order with its lines (GDPR art. 15)."""
    with engine.connect() as conn:
        profiles = read_profiles(conn)
        profile = profiles.find(ref)
        ids = profiles.records.filter(pl.col("profile_id") == profile)["id"].to_list()
        return {
            "customer": _profile_view(profiles, profile),
            "contacts": _contacts(conn, ids),
            "merges": _merges(conn, ids),
            "orders": _orders(conn, ids),
            "exported_at": _now().isoformat(),
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _record(profiles: Profiles, ref: str) -> int:
    """The one record ``ref`` names (``source:id`` or an id used by one source)."""
    records = profiles.records
    if ":" in ref:
        source, _, external = ref.partition(":")
        hit = records.filter(
            (pl.col("source") == source) & (pl.col("external_id") == external)
        )
    else:
        hit = records.filter(pl.col("external_id") == ref)
    if hit.height == 1:
        return int(hit["id"][0])
    if hit.height > 1:
        choices = ", ".join(f"{s}:{ref}" for s in hit["source"].to_list())
        raise DataValidationError(
            f"{ref!r} is the id of several customers; say which: {choices}"
        )
    raise DataValidationError(
        f"no customer record {ref!r}; give source:id as `customers show` lists it"
    )


def _profile_view(profiles: Profiles, profile: int) -> dict[str, Any]:
    members = profiles.records.filter(pl.col("profile_id") == profile)
    return {
        "customer": members["customer"][0],
        "records": members.select(
            "source", "external_id", "country", "reason"
        ).to_dicts(),
    }


def _identifiers(conn: Connection, profiles: Profiles, ids: list[int]) -> set[str]:
    """The person's ids and personal contact values, to erase and fingerprint."""
    values = set(
        profiles.records.filter(pl.col("id").is_in(ids))["external_id"].to_list()
    )
    for contact in _contacts(conn, ids):
        values |= {
            str(contact[f])
            for f in (*PERSONAL, "shop_customer_id", "marketplace_buyer_id")
            if contact.get(f)
        }
    return {v for v in values if v}


def _salt(conn: Connection) -> str:
    salt = get_setting(conn, SALT_SETTING)
    if salt is None:
        salt = secrets.token_hex(16)
        set_setting(conn, SALT_SETTING, salt)
    return salt


def _scrub_quarantine(conn: Connection, identifiers: set[str]) -> int:
    """Replace the person's values in quarantined rows' raw cells; count the rows."""
    q = tables.quarantine
    folded = {i.casefold() for i in identifiers}
    touched: dict[int, str] = {}
    for value in identifiers:
        rows = conn.execute(
            sa.select(q.c.id, q.c.raw).where(q.c.raw.contains(value, autoescape=True))
        ).all()
        for row_id, raw in rows:
            cells = json.loads(touched.get(row_id, raw))
            cells = {
                k: ERASED
                if isinstance(v, str) and v.strip().casefold() in folded
                else v
                for k, v in cells.items()
            }
            touched[row_id] = json.dumps(cells)
    for row_id, raw in touched.items():
        conn.execute(sa.update(q).where(q.c.id == row_id).values(raw=raw))
    return len(touched)


def _contacts(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    k = tables.customer_contacts
    rows = (
        conn.execute(
            sa.select(
                k.c.customer_id, *[k.c[f] for f in CONTACT_FIELDS], k.c.updated_at
            ).where(k.c.customer_id.in_(ids))
        )
        .mappings()
        .all()
    )
    return [
        {
            key: value.isoformat() if isinstance(value, dt.datetime) else value
            for key, value in row.items()
        }
        for row in rows
    ]


def _merges(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    m = tables.customer_merges
    rows = (
        conn.execute(
            sa.select(m.c.action, m.c.reason, m.c.created_at, m.c.undone_at)
            .where(sa.or_(m.c.customer_id.in_(ids), m.c.other_id.in_(ids)))
            .order_by(m.c.id)
        )
        .mappings()
        .all()
    )
    return [
        {
            key: value.isoformat() if isinstance(value, dt.datetime) else value
            for key, value in row.items()
        }
        for row in rows
    ]


def _orders(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    o, line, ch = tables.orders, tables.order_lines, tables.channels
    rows = conn.execute(
        sa.select(
            o.c.id,
            o.c.order_number,
            o.c.kind,
            o.c.ordered_at,
            o.c.country,
            o.c.currency,
            ch.c.name.label("channel"),
            line.c.sku,
            line.c.description,
            line.c.quantity,
            line.c.unit_price,
        )  # fmt: skip
        .join(line, line.c.order_id == o.c.id)
        .join(ch, ch.c.id == o.c.channel_id)
        .where(o.c.customer_id.in_(ids))
        .order_by(o.c.ordered_at, o.c.id, line.c.id)
    ).all()
    orders: dict[int, dict[str, Any]] = {}
    for r in rows:
        order = orders.setdefault(
            r.id,
            {
                "order_number": r.order_number,
                "kind": r.kind,
                "ordered_at": r.ordered_at.isoformat(),
                "country": r.country,
                "currency": r.currency,
                "channel": r.channel,
                "lines": [],
            },
        )
        order["lines"].append(
            {
                "sku": r.sku,
                "description": r.description,
                "quantity": r.quantity,
                "unit_price": str(r.unit_price),
            }
        )
    return list(orders.values())
