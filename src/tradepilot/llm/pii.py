"""Placeholders for personal data sent to an LLM endpoint off this machine.

E-mail addresses and phone numbers are found by pattern; names and addresses are
the ones the caller knows (the customer's name from the store, the shipping
address), since no offline model here finds arbitrary names reliably. Each
distinct value gets one placeholder (``[EMAIL_1]``, ``[NAME_1]``, ...), the same
every time it appears, and :meth:`Redactor.restore` puts the values back in the
reply.

Examples
--------
>>> r = Redactor(names=["Anna Schmidt"])
>>> r.redact("Anna Schmidt <anna@example.com>, +49 30 1234567")
'[NAME_1] <[EMAIL_1]>, [PHONE_1]'
>>> r.restore("Dear [NAME_1], we wrote to [EMAIL_1].")
'Dear Anna Schmidt, we wrote to anna@example.com.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International numbers (+49 30 1234567, 0049...) and national ones starting with
# 0 with at least eight digits; ISO dates and amounts do not start that way.
PHONE = re.compile(
    r"(?<![\w.])(?:(?:\+|00)\d[\d \-/().]{6,}\d|0\d{2,4}[ \-/]?\d{3,}[ \-]?\d{2,})(?!\w)"
)
_PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|NAME|ADDRESS)_\d+\]")
MIN_NAME = 3  # shorter "names" would replace parts of ordinary words


class Redactor:
    """Replace personal data by placeholders, and back.

    Parameters
    ----------
    names : iterable of str
        Names of people to hide (each also hidden word by word when two words
        or longer, so "Anna" alone is hidden too).
    addresses : iterable of str
        Address lines to hide.
    """

    def __init__(self, names: Iterable[str] = (), addresses: Iterable[str] = ()):
        self.values: dict[str, str] = {}  # value -> placeholder
        self._known: list[tuple[str, str]] = []
        for address in addresses:
            self.add(address, "ADDRESS")
        for name in names:
            self.add(name, "NAME")

    def add(self, value: str | None, kind: str) -> None:
        """Hide ``value`` (a ``NAME`` or ``ADDRESS``) from now on."""
        value = (value or "").strip()
        if len(value) < MIN_NAME or value in self.values:
            return
        if EMAIL.fullmatch(value):  # an e-mail used as a name: the pattern finds it
            self._placeholder(value, "EMAIL")
            return
        self._known.append((value, self._placeholder(value, kind)))
        if kind == "NAME":
            for part in value.split():
                if len(part) >= MIN_NAME and part[0].isupper():
                    self.add(part, kind)
        self._known.sort(key=lambda item: -len(item[0]))  # longest first

    def _placeholder(self, value: str, kind: str) -> str:
        if value not in self.values:
            count = sum(1 for p in self.values.values() if p.startswith(f"[{kind}_"))
            self.values[value] = f"[{kind}_{count + 1}]"
        return self.values[value]

    def redact(self, text: str) -> str:
        """``text`` with every known or recognised personal value replaced."""
        text = EMAIL.sub(lambda m: self._placeholder(m.group(0), "EMAIL"), text)
        text = PHONE.sub(lambda m: self._placeholder(m.group(0), "PHONE"), text)
        for value, placeholder in self._known:
            pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
            text = re.sub(pattern, placeholder, text)
        return text

    def restore(self, text: str) -> str:
        """``text`` with the placeholders this redactor made put back."""
        back = {p: v for v, p in self.values.items()}
        # the first value a placeholder was made for (a name before its parts)
        return _PLACEHOLDER.sub(lambda m: back.get(m.group(0), m.group(0)), text)
