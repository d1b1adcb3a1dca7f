"""Multilingual sentiment lexicon: the default sentiment of any text, no training.

Polar words for English and the seven other reply languages (German, French,
Spanish, Italian, Dutch, Polish, Swedish); an entry ending in ``*`` matches every
word that starts with it, so one stem covers the inflections. A negation word
flips the polarity of the next three words ("nicht gut", "pas terrible"). Text in
another language finds no polar word and is neutral with a low confidence: train
a model on the seller's own star-rated reviews for it (``reviews train``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

POSITIVE = """
good great excellent perfect love* lovely nice beautiful amazing awesome happy fast
quick recommend* comfortable comfy soft pretty gorgeous flattering fantastic wonderful
satisfied pleased thanks thank helpful fits cute best super glad favorite favourite
elegant stunning worth flawless
gut gute guter gutes super toll tolle toller perfekt* schön* wunderschön* zufrieden
schnell schnelle schneller empfehl* bequem klasse
prima danke hervorragend ausgezeichnet top liebe* passt
bon bonne bien parfait* excellent* super merci rapide satisfait* content* ravi*
magnifique joli* recommand* confortable génial top adore
bueno buena bien perfect* excelente genial rápido rápida gracias encant* satisfech*
contento contenta bonito bonita recomiendo cómodo cómoda precios*
buono buona ottimo ottima perfett* eccellente veloce grazie contento contenta
soddisfatt* bello bella consiglio comodo comoda fantastic*
goed goede prima perfect* uitstekend* snel snelle dank bedankt tevreden mooi mooie
aanrader fijn fijne top blij
dobry dobra dobre świetn* idealn* doskonał* szybk* dziękuję zadowolon* polecam
piękn* wygodn* super
bra bästa perfekt* utmärkt* snabb* tack nöjd* fin fint fina rekommender* bekväm*
härlig* super
"""

NEGATIVE = """
bad poor terrible awful horrible worst broken broke damaged disappoint* cheap
cheaply return* returned returning refund* late never wrong small tight itchy
unflattering scratchy thin flimsy ripped tore torn hole stain* faded shrunk
hate hated waste useless angry unacceptable scam fraud complaint missing lost delay* ugly
boxy frumpy weird odd sheer unhappy dissatisf* defective fell sadly unfortunately
schlecht* kaputt* beschädigt* enttäusch* falsch* spät verspätet* nie fehlt
fehlend* verloren ärger* unzufrieden* betrug* rücksend* reklamation* mangelhaft*
leider zu klein zu groß billig* hässlich* unverschämt* frechheit
mauvais* cassé* abîmé* déçu* déception* retard* jamais faux fausse perdu* manque*
remboursement* arnaque* nul nulle horrible inacceptable mécontent* malheureusement
malo mala pésimo pésima roto rota dañad* decepcion* tarde nunca equivocad* perdido
perdida falta reembolso* estafa fatal horrible inaceptable desgraciadamente
cattivo cattiva pessim* rotto rotta danneggiat* delus* ritardo mai sbagliat*
perso persa manca rimborso* truffa orribile inaccettabile purtroppo
slecht* kapot beschadigd* teleurgesteld* teleurstel* laat nooit verkeerd* kwijt
ontbreekt terugbetal* oplichting* waardeloos* helaas
zły zła złe złej zepsut* uszkodzon* rozczarow* spóźn* opóźn* nigdy błędn* zgubion* brakuje
zwrot* oszust* fataln* okropn* niestety reklamacj*
dålig* trasig* skadad* besviken* besvik* sen sent aldrig fel borta saknas
återbetal* bedrägeri* hemsk* tyvärr
"""

NEGATIONS = frozenset(
    """not no never nothing isn't wasn't doesn't don't didn't aren't can't cannot
    won't nicht kein keine keinen nie ne pas jamais aucun no nunca ni non mai
    niet geen nooit nie ani inte ej aldrig""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _entries() -> tuple[dict[str, int], tuple[tuple[str, int], ...]]:
    exact: dict[str, int] = {}
    prefixes: list[tuple[str, int]] = []
    for block, polarity in ((POSITIVE, 1), (NEGATIVE, -1)):
        for entry in block.split():
            if entry.endswith("*"):
                prefixes.append((entry[:-1], polarity))
            else:
                exact[entry] = polarity
    return exact, tuple(sorted(prefixes, key=lambda p: -len(p[0])))


@lru_cache(maxsize=200_000)
def polarity(word: str) -> int:
    """+1, -1 or 0 for one lower-case word.

    >>> polarity("enttäuscht"), polarity("great"), polarity("table")
    (-1, 1, 0)

    Cached: the prefix entries are tried one by one, and a vocabulary repeats.
    """
    exact, prefixes = _entries()
    if word in exact:
        return exact[word]
    for prefix, value in prefixes:
        if word.startswith(prefix):
            return value
    return 0


def score(text: str) -> tuple[int, int]:
    """Counts of positive and negative words, negations applied."""
    positive = negative = 0
    flip_until = -1
    for i, word in enumerate(_WORD.findall(text.lower())):
        if word in NEGATIONS:
            flip_until = i + 3
            continue
        value = polarity(word)
        if i <= flip_until:
            value = -value
        positive += value > 0
        negative += value < 0
    return positive, negative


def lexicon_sentiment(texts: Sequence[str]) -> list[tuple[str, float]]:
    """``(label, confidence)`` per text, label ``negative``, ``neutral`` or
    ``positive``, from the balance of polar words.

    >>> lexicon_sentiment(["Great dress, I love it", "Paket kam kaputt an, leider",
    ...                    "Order 123"])
    [('positive', 0.8), ('negative', 0.8), ('neutral', 0.5)]
    """
    found = []
    for text in texts:
        positive, negative = score(text or "")
        balance = positive - negative
        if balance == 0:
            found.append(("neutral", 0.5))
            continue
        label = "positive" if balance > 0 else "negative"
        confidence = min(0.95, 0.5 + 0.15 * abs(balance))
        found.append((label, round(confidence, 2)))
    return found
