"""Reply templates: one per intent and language, shipped in ``data/replies`` and
edited by the seller in the workspace (``replies/<language>.toml``).

The first draft copies the shipped files into the workspace (never overwriting an
edited one); a workspace file wins, intent by intent, over the shipped one.

A template is text with ``{fact}`` placeholders. A line starting with ``? `` is
optional: it is left out when one of its facts is unknown. A fact a required line
needs but the store does not know is written ``[fact?]`` and flagged, so a person
fills it in before approving.

Examples
--------
>>> render("Order {order_number}.\\n? Due {delivery_estimate}.", {"order_number": "#7"})
('Order #7.', [])
>>> render("Refund {refund_amount}.", {})
('Refund [refund_amount?].', ['refund_amount'])
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

from tradepilot.domain.errors import DataValidationError

SHIPPED = Path(__file__).parent / "data" / "replies"
WORKSPACE_FOLDER = "replies"
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv")
DEFAULT_INTENT = "_default"
ALIASES = {
    "track_refund": "get_refund",
    "check_invoices": "get_invoice",
    "delivery_options": "delivery_period",
    "check_cancellation_fee": "cancel_order",
    "set_up_shipping_address": "change_shipping_address",
}
"""Intents answered with another intent's template."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def ensure_workspace_copies(home: Path) -> Path:
    """Copy the shipped templates into ``home/replies`` where missing; the folder."""
    folder = home / WORKSPACE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for shipped in sorted(SHIPPED.glob("*.toml")):
        target = folder / shipped.name
        if not target.exists():
            shutil.copyfile(shipped, target)
    return folder


def load_templates(home: Path | None, language: str) -> dict[str, Any]:
    """Templates of ``language``: the shipped ones, overridden by the workspace's.

    Raises
    ------
    DataValidationError
        If the workspace copy is not valid TOML (the message names the file).
    """
    found: dict[str, Any] = _read(SHIPPED / f"{language}.toml")
    if home is not None:
        edited = _read(home / WORKSPACE_FOLDER / f"{language}.toml")
        words = {**found.get("_words", {}), **edited.get("_words", {})}
        found = {**found, **edited, "_words": words}
    return found


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"{path} is not valid TOML: {exc}") from None


def choose(templates: dict[str, Any], intent: str | None) -> tuple[str, str | None]:
    """The template key for ``intent`` (its own, an alias's, or the default) and
    a flag when the intent has none of its own."""
    if intent and intent in templates:
        return intent, None
    alias = ALIASES.get(intent or "")
    if alias and alias in templates:
        return alias, None
    if not intent or intent == "unknown":
        return DEFAULT_INTENT, "intent unknown: a general acknowledgement was drafted"
    return DEFAULT_INTENT, (
        f"no template for intent {intent!r}: a general acknowledgement was drafted"
        " (add one to the workspace's replies/ files, or configure an LLM)"
    )


def render(text: str, facts: dict[str, Any]) -> tuple[str, list[str]]:
    """Fill ``text`` with ``facts`` (see the module docstring); the filled text and
    the facts a required line lacked."""
    lines: list[str] = []
    missing: list[str] = []
    for line in text.strip("\n").splitlines():
        optional = line.startswith("? ")
        body = line[2:] if optional else line
        names = _PLACEHOLDER.findall(body)
        absent = [n for n in names if facts.get(n) is None]
        if optional and absent:
            continue
        missing.extend(n for n in absent if n not in missing)
        lines.append(
            _PLACEHOLDER.sub(
                lambda m: _written(facts.get(m.group(1)), m.group(1)), body
            )
        )
    return "\n".join(lines).strip("\n"), missing


def _written(value: Any, name: str) -> str:
    return f"[{name}?]" if value is None else str(value)
