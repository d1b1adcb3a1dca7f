"""Use-case verbs of authentication: owner, sessions, API tokens.

There is exactly one account, the owner, created by ``tradepilot init --owner-email``
or by the first-run setup page. Browser sessions are server-side rows keyed by the
hash of a random cookie value; API clients send ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tradepilot.auth.secrets import (
    check_password_strength,
    digest,
    hash_password,
    new_api_token,
    new_secret,
    verify_password,
)
from tradepilot.domain.errors import DataValidationError, TradePilotError
from tradepilot.store import tables

SESSION_LIFETIME = dt.timedelta(days=7)


class AuthError(TradePilotError):
    """Authentication failed or an account rule was broken."""

    code = "auth"


@dataclass(frozen=True)
class Session:
    """A logged-in browser session."""

    user_id: int
    email: str
    csrf_token: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def has_owner(engine: Engine) -> bool:
    """True once the owner account exists."""
    with engine.connect() as conn:
        return conn.execute(sa.select(tables.users.c.id).limit(1)).first() is not None


def create_owner(engine: Engine, *, email: str, password: str) -> None:
    """Create the owner account.

    Raises
    ------
    AuthError
        If an owner already exists.
    DataValidationError
        If the e-mail is not an address or the password too short.
    """
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DataValidationError(f"not an e-mail address: {email!r}")
    check_password_strength(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(tables.users.c.id).limit(1)).first():
            raise AuthError("the owner account already exists; there is only one")
        conn.execute(
            sa.insert(tables.users).values(
                email=email, password_hash=hash_password(password), created_at=_now()
            )
        )


def authenticate(engine: Engine, *, email: str, password: str) -> int | None:
    """The owner's id if ``email`` and ``password`` match, else None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(tables.users.c.id, tables.users.c.password_hash).where(
                tables.users.c.email == email.strip().lower()
            )
        ).first()
    if row is None:
        verify_password(hash_password("timing"), password)  # same cost either way
        return None
    return int(row[0]) if verify_password(row[1], password) else None


def start_session(engine: Engine, *, user_id: int) -> str:
    """Create a session; return the cookie value (shown once, stored hashed)."""
    cookie = new_secret()
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            sa.delete(tables.sessions).where(tables.sessions.c.expires_at < now)
        )
        conn.execute(
            sa.insert(tables.sessions).values(
                id_hash=digest(cookie),
                user_id=user_id,
                csrf_token=new_secret(),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return cookie


def get_session(engine: Engine, cookie: str | None) -> Session | None:
    """The live session of a cookie value, or None."""
    if not cookie:
        return None
    s, u = tables.sessions, tables.users
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(s.c.user_id, u.c.email, s.c.csrf_token, s.c.expires_at)
            .join(u, u.c.id == s.c.user_id)
            .where(s.c.id_hash == digest(cookie))
        ).first()
    if row is None or row.expires_at < _now():
        return None
    return Session(user_id=row.user_id, email=row.email, csrf_token=row.csrf_token)


def end_session(engine: Engine, cookie: str | None) -> None:
    """Log out: delete the session of ``cookie``."""
    if cookie:
        with engine.begin() as conn:
            conn.execute(
                sa.delete(tables.sessions).where(
                    tables.sessions.c.id_hash == digest(cookie)
                )
            )


def create_token(engine: Engine, *, name: str) -> str:
    """Create an API token named ``name``; return it (it is stored only hashed).

    Raises
    ------
    DataValidationError
        If the name is empty, too long or already used.
    """
    name = name.strip()
    if not name or len(name) > 64:
        raise DataValidationError("a token name must have 1 to 64 characters")
    token = new_api_token()
    with engine.begin() as conn:
        taken = conn.execute(
            sa.select(tables.api_tokens.c.id).where(tables.api_tokens.c.name == name)
        ).first()
        if taken:
            raise DataValidationError(f"a token named {name!r} exists; revoke it first")
        conn.execute(
            sa.insert(tables.api_tokens).values(
                name=name, token_hash=digest(token), created_at=_now()
            )
        )
    return token


def revoke_token(engine: Engine, *, name: str) -> None:
    """Delete the token named ``name``.

    Raises
    ------
    DataValidationError
        If there is no such token.
    """
    with engine.begin() as conn:
        deleted = conn.execute(
            sa.delete(tables.api_tokens).where(tables.api_tokens.c.name == name)
        ).rowcount
    if not deleted:
        raise DataValidationError(f"no token named {name!r}")


def list_tokens(engine: Engine) -> list[dict[str, Any]]:
    """Names and dates of the API tokens (never the tokens)."""
    t = tables.api_tokens
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.name, t.c.created_at, t.c.last_used_at).order_by(t.c.name)
        ).mappings()
        return [dict(r) for r in rows]


def check_token(engine: Engine, token: str) -> bool:
    """True if ``token`` is a live API token; its last use is noted (per minute)."""
    t = tables.api_tokens
    hashed = digest(token)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.c.id, t.c.last_used_at).where(t.c.token_hash == hashed)
        ).first()
    if row is None:
        return False
    now = _now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        with engine.begin() as conn:
            conn.execute(sa.update(t).where(t.c.id == row.id).values(last_used_at=now))
    return True
