"""The review report's parts, computed from stored reviews (plain dicts): trend,
complaints, per-SKU table and topics of the text the fixed aspects miss."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

SENTIMENTS = ("negative", "neutral", "positive")


def sentiment_trend(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reviews per month: counts per sentiment, negative share, average stars."""
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        when = row["reviewed_at"]
        by_month[when.strftime("%Y-%m") if when else "undated"].append(row)
    trend = []
    for month in sorted(by_month):
        group = by_month[month]
        counts = Counter(r["sentiment"] for r in group)
        stars = [r["rating"] for r in group if r["rating"] is not None]
        trend.append(
            {
                "month": month,
                "reviews": len(group),
                **{s: counts.get(s, 0) for s in SENTIMENTS},
                "negative_share": round(counts.get("negative", 0) / len(group), 4),
                "average_rating": round(sum(stars) / len(stars), 2) if stars else None,
            }
        )
    return trend


def complaints(
    rows: Sequence[dict[str, Any]], *, examples: int = 3
) -> list[dict[str, Any]]:
    """Aspects mentioned negatively, most frequent first, with example phrases."""
    mentions: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for aspect in row["aspects"]:
            mentions[aspect["aspect"]] += 1
            if aspect["polarity"] == "negative":
                negative[aspect["aspect"]] += 1
                if len(found[aspect["aspect"]]) < examples:
                    found[aspect["aspect"]].append(aspect["phrases"][0])
    total = len(rows) or 1
    return [
        {
            "aspect": aspect,
            "complaints": n,
            "mentions": mentions[aspect],
            "share_of_reviews": round(n / total, 4),
            "examples": found[aspect],
        }
        for aspect, n in negative.most_common()
    ]


def by_sku(
    rows: Sequence[dict[str, Any]], returns: dict[tuple[str, str], float | None]
) -> list[dict[str, Any]]:
    """Per SKU and country: reviews, negative share, average stars, return rate."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["sku"] or "", row["country"] or "")].append(row)
    table: list[dict[str, Any]] = []
    for (sku, country), group in groups.items():
        stars = [r["rating"] for r in group if r["rating"] is not None]
        negative = sum(1 for r in group if r["sentiment"] == "negative")
        top = Counter(
            a["aspect"]
            for r in group
            for a in r["aspects"]
            if a["polarity"] == "negative"
        ).most_common(1)
        entry: dict[str, Any] = {
            "sku": sku or None,
            "country": country or None,
            "reviews": len(group),
            "negative_share": round(negative / len(group), 4),
            "average_rating": round(sum(stars) / len(stars), 2) if stars else None,
            "top_complaint": top[0][0] if top else None,
            "return_rate": returns.get((sku, country)),
        }
        table.append(entry)
    table.sort(key=lambda r: (-float(r["negative_share"]), -int(r["reviews"])))
    return table


_SENTENCE = re.compile(r"[^.!?;\n]+")


def topics(
    rows: Sequence[dict[str, Any]], *, n_topics: int = 5, n_words: int = 6
) -> list[dict[str, Any]]:
    """Themes (NMF on TF-IDF) of the sentences that no fixed aspect covered.

    Needs at least 30 such sentences; returns ``[]`` otherwise.
    """
    from tradepilot.text.service import aspects as aspects_of

    sentences = []
    for row in rows:
        for match in _SENTENCE.finditer(f"{row['title']}. {row['body']}"):
            sentence = match.group(0).strip()
            if len(sentence) > 15:
                sentences.append(sentence)
    if len(sentences) < 30:
        return []
    uncovered = [
        s
        for s, found in zip(sentences, aspects_of(sentences), strict=True)
        if not found
    ]
    if len(uncovered) < 30:
        return []
    return _nmf_topics(uncovered, n_topics=n_topics, n_words=n_words)


def _nmf_topics(
    texts: list[str], *, n_topics: int, n_words: int
) -> list[dict[str, Any]]:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        max_df=0.5, min_df=3, stop_words="english", max_features=5000, sublinear_tf=True
    )
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # every word too rare or too common
        return []
    k = min(n_topics, x.shape[1] - 1, len(texts) // 10)
    if k < 2:
        return []
    model = NMF(n_components=k, init="nndsvd", random_state=0, max_iter=400)
    weights = model.fit_transform(x)
    words = vectorizer.get_feature_names_out()
    share = Counter(int(w.argmax()) for w in weights if w.max() > 0)
    found: list[dict[str, Any]] = []
    for i, component in enumerate(model.components_):
        top = component.argsort()[::-1][:n_words]
        example = texts[int(weights[:, i].argmax())]
        found.append(
            {
                "topic": i + 1,
                "words": [str(words[j]) for j in top],
                "sentences": share.get(i, 0),
                "example": example[:160],
            }
        )
    found.sort(key=lambda t: -int(t["sentences"]))
    return found
