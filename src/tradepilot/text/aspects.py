"""Review aspects: what a review talks about, with the phrase that showed it.

Seven fixed aspects, each with cue words in English and the seven other reply
languages; an entry ending in ``*`` matches any word starting with it, an entry
with a space matches that phrase. Each sentence that holds a cue gives the aspect,
the sentence (cut to 120 characters) as the triggering phrase and the sentence's
polarity from the lexicon (a complaint is a negative mention).

Checked by hand on 100 clothing reviews (docs/aspect-precision.md): "cheap"
describes how a garment looks or feels, not its price; "support" is a bra's or a
swimsuit's, not customer support; "described" alone is mostly "the problem
described above", and "than expected" ("softer than expected") is about the
garment, not its listing. Those cues were removed (the phrases "as described",
"customer support" remain).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from tradepilot.text.lexicon import score

ASPECTS: dict[str, str] = {
    "delivery": """delivery deliver* shipping shipped courier
        lieferung geliefert versand angekommen zustell* livraison livré* expédi*
        colis arrivé* envío entrega llegó llegado spedizion* consegn* arrivato
        levering geleverd verzending bezorg* aangekomen dostaw* przesyłk* kurier*
        doszł* leverans* levererad* frakt*""",
    "size_fit": """size sizes sizing fit fits fitted fitting
        tight loose petite length
        long short waist bust hips snug roomy baggy oversized größe passform
        passt eng weit taille ajust* serré* ample talla
        ajusta queda estrech* holgad* taglia vestibil* stretto
        larga maat valt pasvorm krap ruim rozmiar rozmiarów pasuje ciasn* luźn*
        storlek passform sitter trång*""",
    "quality": """quality fabric material materials stitching seam seams thin
        cheap cheaply flimsy pilling pilled pills wash washed durable sturdy
        ripped tore hole qualität stoff material naht
        verarbeitung qualité tissu matière couture calidad tela material
        costura qualità tessuto cucitur* kwaliteit stof materiaal naad jakość
        jakości materiał szw* kvalitet* tyg* material söm*""",
    "price": """price priced pricey expensive overpriced worth value cost
        money sale discount preis teuer günstig wert prix cher chère coût
        precio caro cara barato prezzo costoso prijs duur goedkoop cena drogi
        drogie tani pris dyr* billig*""",
    "packaging": """packaging packaged package box wrapped wrapping bag envelope
        verpackung verpackt karton emballage emballé boîte embalaje caja
        imballaggio scatola verpakking doos opakowanie pudeł* förpackning*
        kartong""",
    "description_accuracy": """picture pictured pictures photo photos image
        description abgebildet beschreibung
        foto descripción fotografia descrizione afbeelding beschrijving
        zdjęci* opis* beskrivning""",
    "customer_service": """seller service reply
        replied response responded answer answered exchange refund helpful
        kundenservice kundendienst antwort umtausch réponse
        vendeur échange respuesta vendedor cambio
        assistenza risposta venditore klantenservice antwoord verkoper
        odpowiedź sprzedawc* kundtjänst* svar* säljare*""",
}
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]?")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, frozenset[str], tuple[str, ...], tuple[str, ...]], ...]:
    """Per aspect: its name, exact words, prefixes and phrases."""
    found = []
    for aspect, block in ASPECTS.items():
        entries = [e for e in re.split(r"\s{2,}|\n", block) if e.strip()]
        tokens: list[str] = []
        for entry in entries:
            tokens += entry.split()
        words = frozenset(t for t in tokens if not t.endswith("*"))
        prefixes = tuple(t[:-1] for t in tokens if t.endswith("*"))
        phrases = tuple(p for p in _PHRASES.get(aspect, ()))
        found.append((aspect, words, prefixes, phrases))
    return tuple(found)


_PHRASES: dict[str, tuple[str, ...]] = {
    "size_fit": ("runs small", "runs large", "runs big", "too small", "too big",
                 "too large", "too tight", "too loose", "zu klein", "zu groß",
                 "trop petit", "trop grand", "muy pequeño", "muy grande",
                 "troppo piccol", "troppo grand", "te klein", "te groot",
                 "za mały", "za duży", "för liten", "för stor"),
    "quality": ("well made", "poorly made", "fell apart"),
    "description_accuracy": ("in person", "looks different",
                             "not as shown", "not as pictured", "as described",
                             "color is different", "colour is different",
                             "different color", "andere farbe", "autre couleur"),
    "customer_service": ("customer service", "customer support", "support team",
                         "service client", "atención al cliente", "obsługa klienta"),
    "delivery": ("kom fram", "took forever", "arrived late", "came late",
                 "arrived quickly", "arrived fast", "arrived on time", "arrived early",
                 "arrived damaged", "arrived broken", "never arrived", "still not arrived",
                 "has not arrived", "hasn't arrived"),
}  # fmt: skip


def _aspects_of(sentence: str) -> list[str]:
    lowered = sentence.lower()
    words = _WORD.findall(lowered)
    found = []
    for aspect, exact, prefixes, phrases in _cues():
        if any(p in lowered for p in phrases) or any(
            w in exact or w.startswith(prefixes) for w in words
        ):
            found.append(aspect)
    return found


def extract_aspects(text: str, *, overall: str | None = None) -> list[dict[str, Any]]:
    """The aspects a text mentions: ``{"aspect", "polarity", "phrases"}`` each.

    ``polarity`` is ``negative`` when any sentence mentioning the aspect is
    negative, else ``positive`` when one is positive, else ``neutral``. A sentence
    with no polar word of its own takes ``overall`` (the review's sentiment) when
    that is negative: in a one-star review, "too small and the colour is not as
    on the photo" is a complaint.

    >>> extract_aspects("Love the fabric. Runs small, sadly. Arrived late!")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'aspect': 'quality', 'polarity': 'positive', 'phrases': ['Love the fabric.']},
     {'aspect': 'size_fit', 'polarity': 'negative', 'phrases': ['Runs small, sadly.']},
     {'aspect': 'delivery', 'polarity': 'negative', 'phrases': ['Arrived late!']}]
    """
    by_aspect: dict[str, dict[str, Any]] = {}
    for match in _SENTENCE.finditer(text or ""):
        sentence = match.group(0).strip()
        if not sentence:
            continue
        aspects = _aspects_of(sentence)
        if not aspects:
            continue
        positive, negative = score(sentence)
        polarity = (
            "negative" if negative > positive else "positive" if positive else "neutral"
        )
        if polarity == "neutral" and overall == "negative" and not positive:
            polarity = "negative"
        for aspect in aspects:
            entry = by_aspect.setdefault(
                aspect, {"aspect": aspect, "polarity": "neutral", "phrases": []}
            )
            if len(entry["phrases"]) < 3:
                entry["phrases"].append(sentence[:120])
            if polarity == "negative" or entry["polarity"] == "neutral":
                entry["polarity"] = polarity
    return list(by_aspect.values())


def extract_all(
    texts: Sequence[str], overall: Sequence[str | None] | None = None
) -> list[list[dict[str, Any]]]:
    """:func:`extract_aspects` of each text (with its review's sentiment)."""
    polarities = overall if overall is not None else [None] * len(texts)
    return [
        extract_aspects(text, overall=o)
        for text, o in zip(texts, polarities, strict=True)
    ]
