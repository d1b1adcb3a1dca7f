"""Service settings: the seller's name and signature, reply deadlines, the return
policy, tracking links, SMTP for sending and IMAP for reading.

They live in ``service.toml`` in the workspace, a file the seller edits; every value
has a default. Example::

    seller_name = "Lindqvist Home"
    signature = "Anna Lindqvist\\nLindqvist Home · Berlin"
    reply_from = "support@lindqvist.example"
    brief_to = "anna@lindqvist.example"        # where `tradepilot brief --email` goes
    languages_read = ["en", "de"]     # what the seller reads without translation
    handling_days = 1                  # days from order to dispatch
    tracking_url = "https://www.dhl.de/track?piececode={tracking}"

    [reply_hours]                      # channel -> hours to answer in
    email = 48
    amazon = 24

    [return_policy]
    days = 30                          # returns accepted this long after delivery
    refund_shipping = false            # shipping is refunded too
    restocking_fee = 0.0               # share of the goods kept back

    [smtp]
    host = "smtp.example.com"
    port = 587
    starttls = true
    user = "support@lindqvist.example"
    password_env = "TRADEPILOT_SMTP_PASSWORD"   # the password is never in the file

    [imap]
    host = "imap.example.com"
    user = "support@lindqvist.example"
    password_env = "TRADEPILOT_IMAP_PASSWORD"
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tradepilot.config import read_toml_settings
from tradepilot.domain.errors import DataValidationError

CONFIG_FILENAME = "service.toml"
MARKETPLACE_HOURS = 24.0  # marketplaces expect an answer within a day
EMAIL_HOURS = 48.0


class ReturnPolicy(BaseModel):
    """What a return refunds."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=30, ge=0, le=3650)
    refund_shipping: bool = False
    restocking_fee: float = Field(default=0.0, ge=0.0, lt=1.0)


class SmtpConfig(BaseModel):
    """Where replies are sent through."""

    model_config = ConfigDict(extra="forbid")

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    user: str | None = None
    password_env: str = "TRADEPILOT_SMTP_PASSWORD"
    starttls: bool = False
    ssl: bool = False
    timeout_s: float = Field(default=30.0, gt=0)

    def password(self) -> str | None:
        """The password from the environment variable ``password_env``."""
        return os.environ.get(self.password_env) or None


class ImapConfig(BaseModel):
    """The mailbox ``inbox import --imap`` reads."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    user: str | None = None
    password_env: str = "TRADEPILOT_IMAP_PASSWORD"
    folder: str = "INBOX"
    ssl: bool = True

    def password(self) -> str | None:
        """The password from the environment variable ``password_env``."""
        return os.environ.get(self.password_env) or None


class ServiceConfig(BaseModel):
    """Settings of the inbox and replies (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    seller_name: str = "Your shop"
    signature: str = ""
    reply_from: str | None = None
    brief_to: str | None = None  # the owner's address for the daily brief
    languages_read: list[str] = Field(default_factory=lambda: ["en"])
    handling_days: int = Field(default=1, ge=0, le=60)
    tracking_url: str | None = None
    reply_hours: dict[str, float] = Field(default_factory=dict)
    return_policy: ReturnPolicy = Field(default_factory=ReturnPolicy)
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    imap: ImapConfig = Field(default_factory=ImapConfig)

    def hours_to_reply(self, channel: str, *, marketplace: bool) -> float:
        """Hours the channel gives to answer (marketplaces: 24 unless set).

        Examples
        --------
        >>> ServiceConfig().hours_to_reply("amazon", marketplace=True)
        24.0
        >>> ServiceConfig(reply_hours={"email": 12}).hours_to_reply(
        ...     "email", marketplace=False)
        12.0
        """
        if channel in self.reply_hours:
            return float(self.reply_hours[channel])
        return MARKETPLACE_HOURS if marketplace else EMAIL_HOURS

    def sender_address(self) -> str:
        """The From address of replies.

        Raises
        ------
        DataValidationError
            If neither ``reply_from`` nor ``smtp.user`` is set.
        """
        found = self.reply_from or (
            self.smtp.user if "@" in (self.smtp.user or "") else None
        )
        if not found:
            raise DataValidationError(
                f"{CONFIG_FILENAME}: set reply_from (the address replies are sent"
                " from) before sending"
            )
        return found


def load_service_config(home: Path) -> ServiceConfig:
    """Read ``service.toml`` from the workspace ``home`` (defaults if absent).

    Raises
    ------
    DataValidationError
        If the file is not valid TOML or a setting is out of range.
    """
    return read_toml_settings(home / CONFIG_FILENAME, ServiceConfig)
