"""Reply drafts written by the optional LLM, for intents without a template and
free-form messages (intent unknown).

The model sees the customer's message and the facts listed for it, nothing else,
and writes in the customer's language. Before the draft is shown, the grounding
check (:func:`tradepilot.llm.grounding.unsupported_numbers`) lists every amount,
date or order number that is not in the facts, and the draft is flagged. For an
endpoint off this machine, the customer's name, e-mail and phone numbers are
replaced by placeholders before sending and restored in the draft.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tradepilot.llm.grounding import unsupported_numbers
from tradepilot.llm.pii import Redactor

if TYPE_CHECKING:
    from tradepilot.llm.client import ChatClient

LLM_FLAG = "written by the LLM ({model}): read it before approving"
UNGROUNDED_FLAG = (
    "numbers not in the facts (check or remove them before approving): {numbers}"
)
_HIDDEN_FACTS = ("notes",)


def wants_llm(
    intent: str | None, template_flag: str | None, language: str | None
) -> bool:
    """True when the LLM should write the draft: the intent is unknown or has no
    template of its own (the template choice flagged a general acknowledgement),
    or there are no templates in the customer's language."""
    from tradepilot.service.templates import LANGUAGES

    no_template = template_flag is not None or not intent or intent == "unknown"
    return no_template or (language is not None and language not in LANGUAGES)


def llm_draft(
    client: ChatClient,
    message: Any,
    facts: dict[str, Any],
    *,
    language: str,
) -> tuple[str, list[str]]:
    """The LLM's draft reply to ``message`` and its flags.

    Parameters
    ----------
    client : ChatClient
        The configured endpoint.
    message : Row
        A stored support message (``text``, ``subject``, ``sender_name``).
    facts : dict
        The facts the reply may state (:func:`tradepilot.service.facts.message_facts`).
    language : str
        ISO 639-1 code of the customer's language.

    Raises
    ------
    ExternalServiceError
        If the endpoint fails, times out or returns nonsense (nothing is stored).
    """
    shown = {k: v for k, v in facts.items() if k not in _HIDDEN_FACTS}
    redactor = None
    if client.settings.redacts:
        redactor = Redactor(
            names=[message.sender_name or "", facts.get("first_name") or ""]
        )
    prompt = [
        {"role": "system", "content": _instructions(language, facts)},
        {"role": "user", "content": f"Subject: {message.subject}\n\n{message.text}"
         f"\n\nFacts (JSON):\n{json.dumps(shown, default=str, ensure_ascii=False)}"},
    ]  # fmt: skip
    reply = client.chat(prompt, redactor=redactor)
    body = reply.content.strip()
    if not body:
        from tradepilot.domain.errors import ExternalServiceError

        raise ExternalServiceError(f"the LLM ({client.model}) returned an empty draft")
    flags = [LLM_FLAG.format(model=client.model)]
    missing = unsupported_numbers(body, [shown])
    if missing:
        flags.append(UNGROUNDED_FLAG.format(numbers=", ".join(missing)))
    return body, flags


def _instructions(language: str, facts: dict[str, Any]) -> str:
    return (
        f"You write customer-service replies for the online shop"
        f" {facts.get('seller_name') or 'of the seller'}. Write the reply in the"
        f" language with ISO code {language!r}, the customer's language. State only"
        " what the facts say: no amount, date, order number or promise that is not"
        " in the facts; if a fact is missing, say a colleague will check. Be short"
        " and polite. End with this signature:"
        f" {facts.get('signature') or facts.get('seller_name') or ''}. Reply with the"
        " text of the e-mail only."
    )
