"""/api/v1/reviews and /api/v1/text: the review report, stored reviews, review
import, and triage of free texts (language, intent, sentiment, aspects).

Thin calls into :mod:`tradepilot.reviews.service` and :mod:`tradepilot.text.service`
(imported inside the routes: scikit-learn and lingua load on first use).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, UploadFile
from pydantic import BaseModel, Field

from tradepilot.app.security import State, require_token
from tradepilot.app.state import AppState
from tradepilot.reporting.service import data_version

router = APIRouter(dependencies=[Depends(require_token)], tags=["reviews", "text"])

Sku = Annotated[str | None, Query(max_length=128, description="Only this SKU")]
Country = Annotated[
    str | None,
    Query(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$", description="ISO code"),
]


def cached_report(
    state: AppState, *, sku: str | None = None, country: str | None = None
) -> dict[str, Any]:
    """:func:`~tradepilot.reviews.service.reviews_report`, cached per data version
    and number of stored reviews."""
    from tradepilot.reviews.service import review_count, reviews_report

    key = f"reviews:{sku}:{country}"
    version = f"{data_version(state.engine)}|{review_count(state.engine)}"
    found = state.cache.get(key, version)
    if found is None:
        found = reviews_report(state.engine, sku=sku, country=country)
        state.cache.put(key, version, found)
    assert isinstance(found, dict)
    return found


@router.get("/api/v1/reviews/report")
def get_report(state: State, sku: Sku = None, country: Country = None) -> Any:
    """Sentiment trend, top complaints with examples, per-SKU negative share and
    return rate, topics (NMF) of what the fixed aspects miss."""
    return cached_report(state, sku=sku, country=country)


@router.get("/api/v1/reviews")
def list_reviews(
    state: State,
    sku: Sku = None,
    country: Country = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Stored reviews, newest first, with their analysis: ``{data, count}``."""
    from tradepilot.reviews.service import read_reviews

    rows = read_reviews(state.engine, sku=sku, country=country)
    return {"data": rows[:limit], "count": len(rows)}


@router.post("/api/v1/reviews/import")
def import_reviews(state: State, file: UploadFile, format: str | None = None) -> Any:
    """Import a review export (Amazon, Etsy or Shopify CSV; format guessed from
    its columns unless given)."""
    from tradepilot.reviews.service import import_reviews as run_import

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file.filename or "reviews.csv").name
        path.write_bytes(file.file.read(state.max_upload_bytes))
        return run_import(state.engine, path=path, home=state.settings.home, fmt=format)


class TextsIn(BaseModel):
    """Texts to triage (at most 1,000, each at most 20,000 characters)."""

    texts: list[Annotated[str, Field(max_length=20_000)]] = Field(max_length=1000)


@router.post("/api/v1/text/triage")
def triage(state: State, body: TextsIn) -> Any:
    """Language, intent (``unknown`` when the model abstains), sentiment and
    aspects of each text, with the workspace's active models."""
    from tradepilot.text import service as text

    home = state.settings.home
    texts = body.texts
    languages = text.detect_languages(texts)
    intents = text.classify_intents(
        texts, home=home, languages=[code for code, _ in languages]
    )
    feelings = text.sentiment(texts, home=home)
    aspects = text.aspects(texts, [s for s, _ in feelings])
    data = [
        {
            "text": t,
            "language": languages[i][0],
            "language_confidence": languages[i][1],
            "intent": intents[i][0],
            "intent_confidence": intents[i][1],
            "sentiment": feelings[i][0],
            "sentiment_confidence": feelings[i][1],
            "aspects": aspects[i],
        }
        for i, t in enumerate(texts)
    ]
    return {"data": data, "count": len(data)}
