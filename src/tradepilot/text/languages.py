"""Language identification with lingua (its models ship inside the wheel).

The detector is restricted to 24 languages a cross-border seller meets most: the
eight reply languages (en, de, fr, es, it, nl, pl, sv), pt, da, fi, nb, cs, hu, ro,
tr, id, el, ru, uk, ar, ja, zh and ko. A smaller set is faster and more accurate on short
messages than lingua's full 75; text in another language gets the nearest of these
with a low confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

#: Returned for empty text or text without letters (ISO 639-2 "undetermined").
UNDETERMINED = "und"

LANGUAGE_NAMES = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "POLISH", "SWEDISH",
    "PORTUGUESE", "DANISH", "FINNISH", "BOKMAL", "CZECH", "HUNGARIAN", "ROMANIAN",
    "TURKISH", "INDONESIAN", "GREEK", "RUSSIAN", "UKRAINIAN", "ARABIC", "JAPANESE",
    "CHINESE", "KOREAN",
)  # fmt: skip


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LANGUAGE_NAMES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_languages(texts: Sequence[str]) -> list[tuple[str, float]]:
    """The language of each text, as an ISO 639-1 code and a confidence.

    Parameters
    ----------
    texts : sequence of str
        Messages or reviews; any length.

    Returns
    -------
    list of (str, float)
        One ``(code, confidence)`` per text, in order; confidence in [0, 1] is
        lingua's relative confidence of the best language. Text without letters
        gets ``("und", 0.0)``.

    Examples
    --------
    >>> detect_languages(["Wo ist mein Paket? Ich warte seit zwei Wochen.", "1234"])[0][0]
    'de'
    >>> detect_languages(["1234"])
    [('und', 0.0)]
    """
    found: list[tuple[str, float]] = [(UNDETERMINED, 0.0)] * len(texts)
    todo = [i for i, text in enumerate(texts) if any(c.isalpha() for c in text or "")]
    if not todo:
        return found
    detector = _detector()
    # lone surrogates (possible in JSON input) cannot cross into lingua's Rust core
    clean = [texts[i].encode("utf-8", "replace").decode("utf-8") for i in todo]
    values = detector.compute_language_confidence_values_in_parallel(clean)
    for i, confidences in zip(todo, values, strict=True):
        best = confidences[0]
        code = best.language.iso_code_639_1.name.lower()
        found[i] = (code, round(float(best.value), 4))
    return found
