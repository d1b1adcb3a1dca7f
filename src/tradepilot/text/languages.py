"""Language identification with lingua (its models ship inside the wheel).

The detector is restricted to 24 languages a cross-border seller meets most: the
eight reply languages (en, de, fr, es, it, nl, pl, sv), pt, da, fi, nb, cs, hu, ro,
tr, id, el, ru, uk, ar, ja, zh and ko. A smaller set is faster and more accurate on short
messages than lingua's full 75; text in another language gets the nearest of these
with a low confidence.

Triage narrows the set further to the seller's *candidate languages*
(:func:`candidate_languages`: the languages of the countries it sells to, the reply
templates' and the ones it reads): lingua's time grows with the number of
languages, and on the bench's 3,700 messages 12 candidates gave the same accuracy
as 24 in 58% of the time. Texts of at least ``LONG_TEXT`` characters go through
lingua's low-accuracy mode (trigrams only), which its authors find as accurate as
the high-accuracy mode from about 120 characters on and which is several times
faster; each distinct text is detected once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

#: Returned for empty text or text without letters (ISO 639-2 "undetermined").
UNDETERMINED = "und"
#: Texts at least this long use lingua's low-accuracy (trigram) mode.
LONG_TEXT = 120

LANGUAGE_NAMES = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "POLISH", "SWEDISH",
    "PORTUGUESE", "DANISH", "FINNISH", "BOKMAL", "CZECH", "HUNGARIAN", "ROMANIAN",
    "TURKISH", "INDONESIAN", "GREEK", "RUSSIAN", "UKRAINIAN", "ARABIC", "JAPANESE",
    "CHINESE", "KOREAN",
)  # fmt: skip
CODES = (
    "en", "de", "fr", "es", "it", "nl", "pl", "sv", "pt", "da", "fi", "nb", "cs", "hu",
    "ro", "tr", "id", "el", "ru", "uk", "ar", "ja", "zh", "ko",
)  # fmt: skip
"""ISO 639-1 codes of ``LANGUAGE_NAMES``, in the same order."""

#: Languages customers of a country write in (ISO 3166-1 -> ISO 639-1 among CODES).
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "AT": ("de",), "AU": ("en",), "BE": ("nl", "fr"), "BR": ("pt",), "CA": ("en", "fr"),
    "CH": ("de", "fr", "it"), "CN": ("zh",), "CZ": ("cs",), "DE": ("de",),
    "DK": ("da",), "ES": ("es",), "FI": ("fi", "sv"), "FR": ("fr",), "GB": ("en",),
    "GR": ("el",), "HK": ("zh", "en"), "HU": ("hu",), "ID": ("id",), "IE": ("en",),
    "IT": ("it",), "JP": ("ja",), "KR": ("ko",), "LU": ("fr", "de"), "MX": ("es",),
    "NL": ("nl",), "NO": ("nb",), "NZ": ("en",), "PL": ("pl",), "PT": ("pt",),
    "RO": ("ro",), "RU": ("ru",), "SA": ("ar",), "AE": ("ar", "en"), "SE": ("sv",),
    "SG": ("en", "zh"), "TR": ("tr",), "TW": ("zh",), "UA": ("uk",), "US": ("en", "es"),
}  # fmt: skip


def candidate_languages(
    countries: Iterable[str | None], also: Iterable[str] = ()
) -> tuple[str, ...]:
    """The languages worth telling apart for a seller: English, those of
    ``countries`` and ``also`` (reply templates, languages the seller reads),
    among the 24 supported, in ``CODES`` order.

    Examples
    --------
    >>> candidate_languages(["CH", "PL", None, "XX"], also=["sv", "tlh"])
    ('en', 'de', 'fr', 'it', 'pl', 'sv')
    """
    wanted = {"en", *also}
    for country in countries:
        wanted.update(COUNTRY_LANGUAGES.get((country or "").upper(), ()))
    return tuple(code for code in CODES if code in wanted)


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], low_accuracy: bool) -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    names = dict(zip(CODES, LANGUAGE_NAMES, strict=True))
    languages = [getattr(Language, names[code]) for code in codes]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def detect_languages(
    texts: Sequence[str], *, candidates: Sequence[str] | None = None
) -> list[tuple[str, float]]:
    """The language of each text, as an ISO 639-1 code and a confidence.

    Parameters
    ----------
    texts : sequence of str
        Messages or reviews; any length.
    candidates : sequence of str, optional
        ISO 639-1 codes to choose from (see :func:`candidate_languages`); codes
        outside the 24 supported are ignored, and fewer than two known codes
        means all 24.

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
    >>> detect_languages(["Où est mon colis ?"], candidates=["en", "fr"])[0][0]
    'fr'
    """
    codes = tuple(c for c in CODES if c in set(candidates or ()))
    if len(codes) < 2:
        codes = CODES
    found: list[tuple[str, float]] = [(UNDETERMINED, 0.0)] * len(texts)
    distinct: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if any(c.isalpha() for c in text or ""):
            distinct.setdefault(text, []).append(i)
    for low_accuracy in (False, True):
        todo = [t for t in distinct if (len(t) >= LONG_TEXT) is low_accuracy]
        if not todo:
            continue
        # lone surrogates (possible in JSON input) cannot cross into lingua's Rust core
        clean = [t.encode("utf-8", "replace").decode("utf-8") for t in todo]
        detector = _detector(codes, low_accuracy)
        values = detector.compute_language_confidence_values_in_parallel(clean)
        for text, confidences in zip(todo, values, strict=True):
            best = confidences[0]
            answer = (best.language.iso_code_639_1.name.lower(), round(best.value, 4))
            for i in distinct[text]:
                found[i] = answer
    return found
