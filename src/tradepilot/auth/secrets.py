"""Password hashing and random secrets (pure, no I/O).

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory
profile). Session ids, CSRF tokens and API tokens are random 256-bit values; only
their SHA-256 is stored, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tradepilot.domain.errors import DataValidationError

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "tp_"


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short to resist guessing.

    Raises
    ------
    DataValidationError
        If ``password`` has fewer than :data:`MIN_PASSWORD_LENGTH` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataValidationError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters,"
            f" got {len(password)}"
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; different every call)."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """A random URL-safe secret of 256 bits."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """A new API token, recognisable by its ``tp_`` prefix."""
    return TOKEN_PREFIX + new_secret()


def digest(value: str) -> str:
    """SHA-256 hex digest, how session ids and tokens are stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
