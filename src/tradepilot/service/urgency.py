"""Urgency of a support message, for the order of the queue.

Content signals (anger, a chargeback threat, legal words, shouting) in the reply
languages, plus the channel's reply deadline: marketplaces expect an answer within
24 hours, so a message close to or past its deadline rises in the queue.

Examples
--------
>>> score, reasons = content_urgency("I will file a chargeback with PayPal!!!",
...                                  sentiment="negative")
>>> reasons
['chargeback threat', 'negative sentiment', 'shouting']
>>> round(score, 2)
0.75
"""

from __future__ import annotations

import datetime as dt
import re

# Each lexicon is in English, German, French, Spanish, Italian, Dutch, Polish, Swedish.
_CHARGEBACK = re.compile(
    r"charge\s?back|dispute|paypal (claim|case)|open a (claim|case)|bank.{0,20}reverse"
    r"|r[üu]ckbuch|zur[üu]ckbuchen|zahlung zur[üu]ckholen|k[äa]uferschutz"
    r"|r[ée]trofacturation|litige|opposition bancaire|fer(ai|ais|a) opposition"
    r"|faire opposition|contracargo|disputa|reclamaci[óo]n (al|con el) banco"
    r"|riaddebito|contestazione|storno|terugboek|geschil|chargeback|obci[ąa][żz]enie"
    r" zwrotne|spór|reklamacja w banku|[åa]terkrav|bestrida (betalningen|k[öo]pet)",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"lawyer|attorney|\bsue\b|lawsuit|court|legal action|trading standards"
    r"|consumer protection|anwalt|rechtsanwalt|gericht|klage|verbraucherzentrale"
    r"|avocat|tribunal|poursuite|plainte|abogado|demanda|denuncia|tribunal|avvocato"
    r"|tribunale|causa legale|advocaat|rechtbank|consumentenbond|aangifte|prawnik"
    r"|s[ąa]d|pozew|rzecznik konsument|advokat|domstol|stämma|konsumentverket|arn\b",
    re.IGNORECASE,
)
_ANGER = re.compile(
    r"unacceptable|disgusting|furious|outrageous|scam|fraud|ridiculous|worst|angry"
    r"|never again|inakzeptabel|unversch[äa]mt|betrug|frechheit|w[üu]tend|skandal"
    r"|inadmissible|inacceptable|arnaque|scandaleux|furieux|inaceptable|estafa"
    r"|vergonzoso|inaccettabile|truffa|vergognoso|onacceptabel|oplichting|schandalig"
    r"|boos|nie do przyj[ęe]cia|oszustwo|skandal|oacceptabelt|bedr[äa]geri|uppr[öo]rd",
    re.IGNORECASE,
)
WEIGHTS = {
    "chargeback threat": 0.4,
    "legal words": 0.4,
    "angry words": 0.25,
    "negative sentiment": 0.2,
    "shouting": 0.15,
}
DUE_SOON_HOURS = 6.0
OVERDUE_BOOST = 0.5
DUE_SOON_BOOST = 0.3


def content_urgency(text: str, *, sentiment: str | None) -> tuple[float, list[str]]:
    """Urgency in [0, 1] from what the message says, and the reasons found."""
    reasons = []
    if _CHARGEBACK.search(text):
        reasons.append("chargeback threat")
    if _LEGAL.search(text):
        reasons.append("legal words")
    if _ANGER.search(text):
        reasons.append("angry words")
    if sentiment == "negative":
        reasons.append("negative sentiment")
    if _is_shouting(text):
        reasons.append("shouting")
    return min(1.0, sum(WEIGHTS[r] for r in reasons)), reasons


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return "!!" in text or (len(letters) >= 20 and upper / len(letters) > 0.6)


def deadline_urgency(
    due: dt.datetime | None, now: dt.datetime, *, open_: bool
) -> tuple[float, str | None]:
    """Urgency from the reply deadline: 0.5 when overdue, 0.3 within
    :data:`DUE_SOON_HOURS`, 0 otherwise or once answered.

    Examples
    --------
    >>> now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    >>> deadline_urgency(now - dt.timedelta(hours=1), now, open_=True)
    (0.5, 'reply overdue')
    """
    if due is None or not open_:
        return 0.0, None
    if due <= now:
        return OVERDUE_BOOST, "reply overdue"
    if due - now <= dt.timedelta(hours=DUE_SOON_HOURS):
        return DUE_SOON_BOOST, "reply due within 6 h"
    return 0.0, None
