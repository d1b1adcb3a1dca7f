"""Answering a question: the built-in questions (keyword routing, no LLM) and the
LLM's tool-calling loop.

Both record every tool call (name, arguments, result) and run the grounding check
(:func:`tradepilot.llm.grounding.unsupported_numbers`) over the answer against the
tool results and the question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradepilot.assistant.tools import ToolContext, call_tool, tool_schemas
from tradepilot.domain.errors import ExternalServiceError
from tradepilot.domain.numbers import format_money, format_percent, format_units
from tradepilot.llm.grounding import unsupported_numbers
from tradepilot.llm.pii import Redactor

if TYPE_CHECKING:
    from tradepilot.llm.client import ChatClient

MAX_ROUNDS = 6
PERSONAL_KEYS = ("customer", "name", "first_name", "sender_name", "address")


@dataclass
class Transcript:
    """The tool calls of one answer."""

    ctx: ToolContext
    calls: list[dict[str, Any]]

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        result = call_tool(self.ctx, name, arguments or {})
        self.calls.append(
            {"name": name, "arguments": arguments or {}, "result": result}
        )
        return result


def result_of(
    question: str, answer: str, transcript: Transcript, *, mode: str
) -> dict[str, Any]:
    """The ``ask`` contract: answer, tool calls, unsupported numbers, proposals."""
    sources: list[Any] = [question, transcript.ctx.today.isoformat()]
    sources += [c["result"] for c in transcript.calls]
    return {
        "answer": answer,
        "tool_calls": transcript.calls,
        "unsupported_numbers": unsupported_numbers(answer, sources),
        "proposals": list(transcript.ctx.proposals),
        "mode": mode,
        "as_of": transcript.ctx.today.isoformat(),
    }


# --- built-in questions ------------------------------------------------------


@dataclass(frozen=True)
class Builtin:
    """A question answered without an LLM, matched by a regular expression."""

    key: str
    example: str
    pattern: re.Pattern[str]
    answer: Callable[[Transcript, str], str]


def _movers(t: Transcript, _question: str) -> str:
    found = t.call("top_movers", {"days": 28, "limit": 5})
    if "movers" not in found:
        return str(found.get("note") or found.get("error"))
    lines = [
        f"- {m['sku']}: {format_units(m['units_now'])} units"
        f" (before: {format_units(m['units_before'])})"
        for m in found["movers"]
    ]
    return (
        f"Top movers, units sold {found['period_now']} against"
        f" {found['period_before']}:\n" + "\n".join(lines)
    )


def _margin_why(t: Transcript, question: str) -> str:
    args = {k: v for k, v in subjects(question).items() if v}
    found = t.call("margin_change", args)
    if "change_per_unit" not in found:
        return str(found.get("note") or found.get("error"))
    what = " ".join(f"{k} {v}" for k, v in args.items()) or "the whole shop"
    changes = found["change_per_unit"]
    drivers = ", ".join(
        f"{name} {'+' if changes[name] > 0 else ''}{format_money(changes[name])}"
        for name in found["biggest_drivers"]
    )
    return (
        f"Margin per unit for {what}: {format_money(found['margin_per_unit_now'])}"
        f" as of {found['as_of_now']} against"
        f" {format_money(found['margin_per_unit_before'])} as of"
        f" {found['as_of_before']} (margin rate {format_percent(found['margin_rate_now'])}"
        f" against {format_percent(found['margin_rate_before'])}; {found['basis']})."
        f" Costs per unit that changed most (+ is dearer): {drivers}."
    )


def _reorder(t: Transcript, _question: str) -> str:
    plan = t.call("restock_plan", {"limit": 10})
    if "lines" not in plan:
        return str(plan.get("note") or plan.get("error"))
    if not plan["lines"]:
        return f"Restock plan {plan['id']} ({plan['as_of']}): nothing to reorder."
    lines = [
        f"- {x['sku']}: {format_units(x['qty'])} units from {x['supplier']} by"
        f" {x['mode']}, order by {str(x['order_by'])[:10]}"
        for x in plan["lines"]
    ]
    return (
        f"Restock plan {plan['id']} as of {plan['as_of']}: spend"
        f" {format_money(plan['spent_base'])} {plan['base_currency']}"
        " (see `tradepilot plan show`):\n" + "\n".join(lines)
    )


def _attention(t: Transcript, _question: str) -> str:
    found = t.call("alerts", {"limit": 5})
    if not found.get("alerts"):
        return str(found.get("note") or found.get("error"))
    lines = [
        f"- {a['kind']} {a['subject']}:"
        f" {format_money(a['money_at_stake_base'])} {a['currency']} at stake."
        f" {a['explanation']}"
        for a in found["alerts"]
    ]
    return f"{found['open']} open alerts; the largest:\n" + "\n".join(lines)


BUILTINS = (
    Builtin("top_movers", "What are the top movers?",
            re.compile(r"mover|trend|best.?sell|selling (most|more|less)", re.I),
            _movers),
    Builtin("margin_change", "Why did the margin in Germany (or of SKU X) change?",
            re.compile(r"margin|profit", re.I), _margin_why),
    Builtin("reorder", "What should I reorder?",
            re.compile(r"reorder|restock|re-order|buy|purchase|run(ning)? out", re.I),
            _reorder),
    Builtin("attention", "What needs my attention?",
            re.compile(r"attention|alert|urgent|worr|risk|problem|wrong", re.I),
            _attention),
)  # fmt: skip


def builtin_questions() -> list[dict[str, str]]:
    """The questions answered without an LLM (``key``, ``example``)."""
    return [{"key": b.key, "example": b.example} for b in BUILTINS]


def answer_builtin(ctx: ToolContext, question: str) -> dict[str, Any]:
    """Answer ``question`` by the first built-in question it matches, or list them."""
    transcript = Transcript(ctx, [])
    for builtin in BUILTINS:
        if builtin.pattern.search(question):
            answer = builtin.answer(transcript, question)
            result = result_of(question, answer, transcript, mode="builtin")
            return result | {"question_matched": builtin.key}
    listing = "\n".join(f"- {b.example}" for b in BUILTINS)
    answer = (
        "Without an LLM (TRADEPILOT_LLM_URL is not set) I answer these questions"
        f" from the workspace's own figures:\n{listing}"
    )
    result = result_of(question, answer, transcript, mode="builtin")
    return result | {"question_matched": None, "questions": builtin_questions()}


def subjects(question: str) -> dict[str, str | None]:
    """The country (ISO code) and SKU a question names, if any.

    Examples
    --------
    >>> subjects("why did margin in Germany fall last month?")
    {'country': 'DE', 'sku': None}
    >>> subjects("margin of SKU-0042 in FR")
    {'country': 'FR', 'sku': 'SKU-0042'}
    """
    import pycountry

    country = None
    lowered = question.lower()
    for entry in pycountry.countries:
        names = {entry.name, getattr(entry, "common_name", entry.name)}
        if any(re.search(rf"\b{re.escape(n.lower())}\b", lowered) for n in names):
            country = str(entry.alpha_2)
            break
    if country is None:
        codes = re.findall(r"\b([A-Z]{2})\b", question)
        known = [c for c in codes if pycountry.countries.get(alpha_2=c)]
        country = known[0] if known else None
    sku = re.search(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{2,}\b", question)
    return {"country": country, "sku": sku.group(0) if sku else None}


# --- the LLM's tool-calling loop ----------------------------------------------


def system_prompt(ctx: ToolContext) -> str:
    """What the model is told: who it is, which day it is, how to answer."""
    return (
        "You are TradePilot's co-pilot for a small cross-border online shop. Today"
        f" is {ctx.today.isoformat()}. Answer the owner's question by calling the"
        " tools; use only numbers the tools returned, written as they returned"
        " them, and say which tool each figure comes from. If the tools do not"
        " hold the answer, say so. To suggest a price change or a restock plan,"
        " call propose_action: the owner approves it later. Be brief."
    )


def answer_with_llm(
    ctx: ToolContext,
    question: str,
    client: ChatClient,
    *,
    max_rounds: int = MAX_ROUNDS,
) -> dict[str, Any]:
    """Let the model answer with the tools, at most ``max_rounds`` replies.

    Raises
    ------
    ExternalServiceError
        If the endpoint fails (see :class:`~tradepilot.llm.client.ChatClient`)
        or gives no answer within ``max_rounds``.
    """
    transcript = Transcript(ctx, [])
    redactor = Redactor() if client.settings.redacts else None
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt(ctx)},
        {"role": "user", "content": question},
    ]
    for round_ in range(max_rounds):
        last = round_ == max_rounds - 1
        reply = client.chat(
            messages, tools=None if last else tool_schemas(), redactor=redactor
        )
        if not reply.tool_calls:
            if not reply.content.strip():
                raise ExternalServiceError(
                    f"the LLM ({client.model}) replied with neither an answer nor"
                    " a tool call"
                )
            result = result_of(question, reply.content.strip(), transcript, mode="llm")
            return result | {"llm": client.model, "rounds": round_ + 1}
        messages.append(_assistant_turn(reply.raw))
        for call in reply.tool_calls:
            found = transcript.call(call.name, call.arguments)
            if redactor is not None:
                _hide_people(found, redactor)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": json.dumps(found, default=str)})  # fmt: skip
    raise ExternalServiceError(
        f"the LLM ({client.model}) gave no answer within {max_rounds} rounds of"
        " tool calls"
    )


def _assistant_turn(raw: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": raw.get("content") or "",
            "tool_calls": raw.get("tool_calls") or []}  # fmt: skip


def _hide_people(value: Any, redactor: Redactor) -> None:
    """Register the personal values of a tool result with ``redactor``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PERSONAL_KEYS and isinstance(item, str):
                redactor.add(item, "ADDRESS" if key == "address" else "NAME")
            else:
                _hide_people(item, redactor)
    elif isinstance(value, list):
        for item in value:
            _hide_people(item, redactor)
