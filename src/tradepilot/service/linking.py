"""Links from support messages to orders and customers, for a batch at once.

A message is about the sale order it names (an order number in the seller's
formats, or the order column of a CSV export), else its sender's latest sale
order (the sender's e-mail matched against the customers' contact e-mails and
ids). Three queries per batch, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tradepilot.store import tables

CHUNK = 500  # values per IN (...) list


@dataclass(frozen=True)
class Link:
    """The order and customer a message is about (None: not found)."""

    order_id: int | None = None
    order_number: str | None = None
    customer_id: int | None = None


def mailbox_of(email: str) -> str:
    """An e-mail as a mailbox: lower case, no ``+tag``.

    Examples
    --------
    >>> mailbox_of("Anna.M+shop@Example.com")
    'anna.m@example.com'
    """
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def spellings(number: str) -> list[str]:
    """How a store may write an order number found in a text (``#`` or not).

    Examples
    --------
    >>> spellings("#1605")
    ['#1605', '1605']
    """
    bare = number.lstrip("#")
    return sorted({number, bare, f"#{bare}"} - {"#"})


def link_messages(
    conn: Connection, numbers: Sequence[list[str]], emails: Sequence[str | None]
) -> list[Link]:
    """One :class:`Link` per message: ``numbers[i]`` are the order numbers message
    ``i`` names (best first), ``emails[i]`` its sender."""
    wanted = {s for found in numbers for n in found for s in spellings(n)}
    by_number = _sale_orders(conn, wanted)
    addresses = {a for e in emails if e for a in (e.lower(), mailbox_of(e))}
    customers = _customers_by_email(conn, addresses)
    latest = _latest_orders(conn, {c for ids in customers.values() for c in ids})
    links = []
    for found, email in zip(numbers, emails, strict=True):
        link = next(
            (by_number[s] for n in found for s in spellings(n) if s in by_number), None
        )
        if link is None and email:
            ids = sorted(
                set(customers.get(email.lower(), ()))
                | set(customers.get(mailbox_of(email), ()))
            )
            orders = [latest[c] for c in ids if c in latest]
            link = (
                max(orders, key=lambda o: o[0])[1]
                if orders
                else Link(customer_id=ids[0] if ids else None)
            )
        links.append(link or Link())
    return links


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _sale_orders(conn: Connection, numbers: set[str]) -> dict[str, Link]:
    newest = _newest_sales(conn, tables.orders.c.order_number, numbers)
    return {number: link for number, (_, link) in newest.items()}


def _newest_sales(
    conn: Connection, column: sa.Column[Any], values: set[Any]
) -> dict[Any, tuple[Any, Link]]:
    """The newest sale order per value of ``column`` (an order number that came
    twice, a customer's orders), with its order time."""
    orders = tables.orders
    found: dict[Any, tuple[Any, Link]] = {}
    for chunk in _chunks(values):
        rows = conn.execute(
            sa.select(
                column.label("key"),
                orders.c.id,
                orders.c.order_number,
                orders.c.customer_id,
                orders.c.ordered_at,
            ).where(column.in_(chunk), orders.c.kind == "sale")
        )
        for row in rows:
            known = found.get(row.key)
            if known is None or row.ordered_at > known[0]:
                link = Link(row.id, row.order_number, row.customer_id)
                found[row.key] = (row.ordered_at, link)
    return found


def _customers_by_email(conn: Connection, addresses: set[str]) -> dict[str, list[int]]:
    contacts, customers = tables.customer_contacts, tables.customers
    found: dict[str, set[int]] = {}
    for chunk in _chunks(addresses):
        by_contact = sa.select(contacts.c.email, contacts.c.customer_id).where(
            contacts.c.email.in_(chunk)
        )
        by_id = sa.select(customers.c.external_id, customers.c.id).where(
            customers.c.external_id.in_(chunk)
        )
        for address, customer in conn.execute(sa.union_all(by_contact, by_id)):
            found.setdefault(str(address), set()).add(int(customer))
    return {address: sorted(ids) for address, ids in found.items()}


def _latest_orders(
    conn: Connection, customers: set[int]
) -> dict[int, tuple[Any, Link]]:
    return _newest_sales(conn, tables.orders.c.customer_id, customers)
