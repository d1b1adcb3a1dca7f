"""The built-in default intent model: Bitext's 27 intents plus TradePilot's own
multilingual seed phrases, trained on first use and cached on the machine.

Bitext is read from the shared data folder (see :mod:`tradepilot.text.corpora`); at
most ``PER_INTENT`` utterances per intent are kept, which trains in seconds and
loses nothing measurable on Bitext (the smallest intent has 36). Without Bitext
(a machine without the shared data) the default is trained on the seed phrases
alone, and says so in its ``source``.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from tradepilot.text import corpora, registry
from tradepilot.text.intents import IntentModel

PER_INTENT = 400
VERSION = "5"
# Bitext's utterances form a threshold group of their own: written from templates,
# they are classified with near-certainty out of fold, and an English threshold
# chosen on them (0.99) turned most real English messages into "unknown" (80% of
# the demo's). English messages get the threshold of the English seed phrases,
# written like real messages, as every other language does.
BITEXT_GROUP = "bitext"


def default_training_set() -> tuple[list[str], list[str], list[str], str]:
    """Texts, intents, languages and a description of where they came from."""
    texts, labels, languages = corpora.read_seeds()
    path = corpora.bitext_path()
    if path is None:
        return texts, labels, languages, "seed phrases only (Bitext not found)"
    bitext_texts, bitext_labels = corpora.read_bitext(path)
    by_intent: dict[str, list[str]] = {}
    for text, label in zip(bitext_texts, bitext_labels, strict=True):
        by_intent.setdefault(label, []).append(text)
    rng = random.Random(0)
    for label in sorted(by_intent):
        chosen = by_intent[label]
        if len(chosen) > PER_INTENT:
            chosen = rng.sample(chosen, PER_INTENT)
        texts += chosen
        labels += [label] * len(chosen)
        languages += [BITEXT_GROUP] * len(chosen)
    source = f"Bitext 27 intents (<= {PER_INTENT} each) + seed phrases"
    return texts, labels, languages, source


def default_model_path() -> Path:
    """Cache file of the default model, named after what it was trained on."""
    bitext = corpora.bitext_path()
    seeds = hashlib.sha256(corpora.SEEDS.read_bytes()).hexdigest()
    stamp = f"{VERSION}:{seeds}:{bitext is not None}"
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:12]
    return registry.cache_dir() / f"intents-default-{digest}.joblib"


def default_intent_model() -> IntentModel:
    """The default model, trained and cached the first time it is needed."""
    import joblib

    path = default_model_path()
    if path.is_file():
        model: Any = registry.load_file(path, path.stat().st_mtime_ns)
        return model  # type: ignore[no-any-return]
    texts, labels, languages, source = default_training_set()
    fitted = IntentModel().fit(texts, labels, groups=languages)
    fitted.source_ = source  # type: ignore[attr-defined]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    joblib.dump(fitted, partial, compress=3)
    partial.replace(path)
    return fitted
