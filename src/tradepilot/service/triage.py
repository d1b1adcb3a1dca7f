"""Triage of support messages: language, intent and sentiment from the text
capability, entities and urgency from this package.

The text models are :mod:`tradepilot.text`'s, reached through its ``service``
module. When it is absent, or a model cannot run (none trained yet), the fields
stay empty and :class:`Triage` carries a note saying why: triage never fails on
a missing capability.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from tradepilot.domain.errors import TradePilotError
from tradepilot.service.entities import OrderFormats, extract_entities
from tradepilot.service.urgency import content_urgency

TEXT_SERVICE = "tradepilot.text.service"


@dataclass(frozen=True)
class Verdict:
    """One model's answer for one message: a label and its confidence."""

    label: str | None = None
    confidence: float | None = None


@dataclass
class Triage:
    """Triage of a batch of texts, one entry per text in the same order."""

    languages: list[Verdict]
    intents: list[Verdict]
    sentiments: list[Verdict]
    entities: list[dict[str, Any]]
    urgency: list[tuple[float, list[str]]]
    notes: list[str] = field(default_factory=list)


def text_service() -> ModuleType | None:
    """The text capability's service module, or None when it is not installed."""
    try:
        return importlib.import_module(TEXT_SERVICE)
    except ModuleNotFoundError as exc:
        if exc.name and TEXT_SERVICE.startswith(exc.name):
            return None
        raise


def triage_texts(
    texts: Sequence[str],
    *,
    formats: OrderFormats,
    home: Path | None = None,
    countries: Sequence[str | None] = (),
    languages: Sequence[str] = (),
) -> Triage:
    """Triage ``texts`` (already stripped of quotes and signatures).

    Empty texts get no language, intent or sentiment (a note says how many). With
    ``countries`` (those the seller sells to) the language is chosen among theirs,
    English and ``languages`` (reply templates, languages the seller reads): fewer
    languages to tell apart is faster and no less accurate on short messages.
    """
    notes: list[str] = []
    module = text_service()
    if module is None:
        notes.append(
            "text capability absent (tradepilot.text): no language, intent or sentiment"
        )
    readable = [i for i, t in enumerate(texts) if t.strip()]
    if len(readable) < len(texts):
        notes.append(f"{len(texts) - len(readable)} message(s) without text")
    subset = [texts[i] for i in readable]

    def run(name: str, **kwargs: Any) -> list[Verdict]:
        answers = _call(module, name, subset, notes, **kwargs)
        verdicts = [Verdict()] * len(texts)
        for i, answer in zip(readable, answers, strict=True):
            verdicts[i] = answer
        return verdicts

    candidates = None
    if countries and module is not None and hasattr(module, "candidate_languages"):
        candidates = list(module.candidate_languages(countries, languages))
    found = run("detect_languages", candidates=candidates)
    codes = [found[i].label or "und" for i in readable]
    intents = run("classify_intents", home=home, languages=codes)
    sentiments = run("sentiment", home=home)
    found = [v if v.label != "und" else Verdict() for v in found]
    urgency = [
        content_urgency(text, sentiment=s.label)
        for text, s in zip(texts, sentiments, strict=True)
    ]
    entities = [extract_entities(text, formats) for text in texts]
    return Triage(found, intents, sentiments, entities, urgency, notes)


def _call(
    module: ModuleType | None,
    name: str,
    texts: list[str],
    notes: list[str],
    **kwargs: Any,
) -> list[Verdict]:
    empty = [Verdict()] * len(texts)
    if module is None or not texts:
        return empty
    function: Callable[..., Any] | None = getattr(module, name, None)
    if function is None:
        notes.append(f"{TEXT_SERVICE} has no {name}: that field stays empty")
        return empty
    accepted = inspect.signature(function).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    try:
        answers = function(texts, **kwargs)
    except TradePilotError as exc:
        notes.append(f"{name}: {exc}")
        return empty
    return [Verdict(str(label), _rounded(score)) for label, score in answers]


def _rounded(score: Any) -> float | None:
    return None if score is None else round(float(score), 4)
