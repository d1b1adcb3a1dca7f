"""Per-review analysis: language, sentiment from stars and from text, their
disagreement, aspects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tradepilot.text import service as text


def star_sentiment(stars: int | None) -> str | None:
    """1-2 negative, 3 neutral, 4-5 positive; None without stars.

    >>> star_sentiment(2), star_sentiment(3), star_sentiment(None)
    ('negative', 'neutral', None)
    """
    if stars is None:
        return None
    return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"


def analyse(
    texts: Sequence[str],
    ratings: Sequence[int | None],
    *,
    home: Path | None = None,
    name: str | None = None,
) -> list[dict[str, Any]]:
    """Language, sentiment, disagreement and aspects of each review.

    ``sentiment`` follows the stars when there are any (``sentiment_source`` =
    ``stars``), else the text; ``disagreement`` is true when the stars and the text
    give opposite polarities (positive against negative).
    """
    languages = text.detect_languages(texts)
    from_text = text.sentiment(texts, home=home, name=name)
    overall = [
        star_sentiment(r) or t[0] for r, t in zip(ratings, from_text, strict=True)
    ]
    found_aspects = text.aspects(texts, overall)
    found = []
    for i, stars in enumerate(ratings):
        by_stars = star_sentiment(stars)
        by_text, confidence = from_text[i]
        polar = {by_stars, by_text} == {"positive", "negative"}
        found.append(
            {
                "language": languages[i][0],
                "language_confidence": languages[i][1],
                "sentiment": by_stars or by_text,
                "sentiment_source": "stars" if by_stars else "text",
                "text_sentiment": by_text,
                "text_confidence": confidence,
                "disagreement": polar,
                "aspects": found_aspects[i],
            }
        )
    return found
