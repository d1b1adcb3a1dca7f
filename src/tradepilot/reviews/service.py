"""Reviews: import exports, analyse each review, predict files, report per SKU and
country (sentiment trend, top complaints, return rates, topics)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.reviews import formats
from tradepilot.reviews.analysis import analyse
from tradepilot.store.tables_text import reviews

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def import_reviews(
    engine: Engine,
    *,
    path: Path,
    home: Path | None = None,
    fmt: str | None = None,
    mapping: Path | None = None,
) -> dict[str, Any]:
    """Import a review export; reviews already stored are not added again.

    Parameters
    ----------
    fmt : str, optional
        ``amazon``, ``etsy`` or ``shopify``; guessed from the header when omitted.
    mapping : Path, optional
        YAML mapping of a ``generic`` CSV (see :mod:`tradepilot.reviews.formats`).

    Returns
    -------
    dict
        ``{"file", "format", "source", "rows", "imported", "duplicates", "empty",
        "languages", "sentiment", "disagreements"}``.
    """
    header, raw_rows = _read_csv(path)
    spec = formats.read_mapping(mapping) if mapping else None
    if spec is not None:
        fmt, source = "generic", str(spec.get("source") or "").strip()
        if not source:
            raise ImportFormatError(f"{mapping}: the mapping needs a 'source:' name")
    else:
        fmt = fmt or formats.guess_format(header)
        source = fmt
    columns = formats.columns_for(fmt, header, spec)
    date_format = spec.get("date_format") if spec else None
    rows = [
        formats.canonical_row(raw, columns, date_format=date_format, line=i + 2)
        for i, raw in enumerate(raw_rows)
    ]
    empty = sum(
        1 for r in rows if not (r["text"] or r["title"]) and r["rating"] is None
    )
    rows = [r for r in rows if r["text"] or r["title"] or r["rating"] is not None]
    unique = {formats.review_key(r): r for r in rows}
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.select(reviews.c.review_key).where(reviews.c.source == source)
            ).scalars()
        )
    new = {k: r for k, r in unique.items() if k not in stored}
    texts = [_full_text(r) for r in new.values()]
    analysed = analyse(texts, [r["rating"] for r in new.values()], home=home)
    now = dt.datetime.now(dt.UTC)
    records = [
        _record(source, key, row, found, now)
        for (key, row), found in zip(new.items(), analysed, strict=True)
    ]
    with engine.begin() as conn:
        if records:
            conn.execute(sa.insert(reviews), records)
    return {
        "file": str(path),
        "format": fmt,
        "source": source,
        "rows": len(raw_rows),
        "imported": len(records),
        "duplicates": len(rows) - len(records),
        "empty": empty,
        "languages": _counts(r["language"] for r in records),
        "sentiment": _counts(r["sentiment"] for r in records),
        "disagreements": sum(1 for r in records if r["disagreement"]),
    }


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise ImportFormatError(f"file {str(path)!r} does not exist")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            delimiter = max(",;\t", key=first.count)
            reader = csv.DictReader(handle, delimiter=delimiter)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except UnicodeDecodeError:
        raise ImportFormatError(f"{path.name} is not UTF-8 text") from None
    except csv.Error as exc:
        raise ImportFormatError(
            f"{path.name} is not a readable CSV file: {exc}"
        ) from None
    if not header:
        raise ImportFormatError(f"{path.name} is empty: no header row")
    return header, rows


def _full_text(row: dict[str, Any]) -> str:
    title, body = row["title"], row["text"]
    if title and body:
        return f"{title}. {body}"
    return str(title or body)


def _record(
    source: str, key: str, row: dict[str, Any], found: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    return {
        "source": source,
        "review_key": key,
        "sku": row["sku"],
        "country": row["country"],
        "reviewed_at": row["reviewed_at"],
        "rating": row["rating"],
        "title": row["title"],
        "body": row["text"],
        "author": (row["author"] or None) and str(row["author"])[:256],
        "language": found["language"],
        "language_confidence": found["language_confidence"],
        "sentiment": found["sentiment"],
        "sentiment_source": found["sentiment_source"],
        "text_sentiment": found["text_sentiment"],
        "text_confidence": found["text_confidence"],
        "disagreement": found["disagreement"],
        "aspects": json.dumps(found["aspects"], ensure_ascii=False),
        "imported_at": now,
    }


def _counts(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def predict_reviews_file(
    home: Path, *, path: Path, text_col: str, out: Path, name: str | None = None
) -> dict[str, Any]:
    """Write ``path``'s rows in order with ``language, sentiment, aspects`` added
    (aspects as ``aspect:polarity`` joined by ``;``), sentiment from text alone."""
    import polars as pl

    from tradepilot.text import service as text

    frame = text.read_table(path, [text_col])
    texts = frame[text_col].fill_null("").to_list()
    found = analyse(texts, [None] * len(texts), home=home, name=name)
    result = frame.with_columns(
        pl.Series("language", [f["language"] for f in found], dtype=pl.String),
        pl.Series("sentiment", [f["sentiment"] for f in found], dtype=pl.String),
        pl.Series(
            "aspects",
            [
                ";".join(f"{a['aspect']}:{a['polarity']}" for a in f["aspects"])
                for f in found
            ],
            dtype=pl.String,
        ),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    result.write_csv(out)
    return {
        "rows": len(found),
        "model": name or text.sentiment_model_name(home),
        "sentiment": _counts(f["sentiment"] for f in found),
        "out": str(out),
    }


def read_reviews(
    engine: Engine, *, sku: str | None = None, country: str | None = None
) -> list[dict[str, Any]]:
    """Stored reviews (newest first), optionally of one SKU and/or country."""
    query = sa.select(reviews).order_by(
        reviews.c.reviewed_at.desc(), reviews.c.id.desc()
    )
    if sku:
        query = query.where(reviews.c.sku == sku)
    if country:
        query = query.where(reviews.c.country == country.upper())
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["aspects"] = json.loads(row["aspects"])
    return rows


def check_filters(sku: str | None, country: str | None) -> None:
    """Refuse a malformed country filter."""
    if country and (len(country) != 2 or not country.isalpha()):
        raise DataValidationError(
            f"country {country!r} is not an ISO 3166-1 alpha-2 code (e.g. DE)"
        )


def reviews_report(
    engine: Engine, *, sku: str | None = None, country: str | None = None
) -> dict[str, Any]:
    """Sentiment trend, top complaints with examples, per-SKU table with return
    rates, topics; for all reviews or one SKU and/or country.

    Returns
    -------
    dict
        ``{"sku", "country", "reviews", "sentiment", "languages", "disagreements",
        "trend", "complaints", "skus", "returns", "topics", "notes"}``.
    """
    from tradepilot.reviews import report

    check_filters(sku, country)
    rows = read_reviews(engine, sku=sku, country=country)
    notes: list[str] = []
    if not rows:
        notes.append(
            "no reviews stored for this selection: import some with `reviews import`"
        )
    returns, note = _return_rates(engine)
    if note:
        notes.append(note)
    skus = report.by_sku(rows, returns)
    selected = [r for r in skus if (not sku or r["sku"] == sku)]
    return {
        "sku": sku,
        "country": country.upper() if country else None,
        "reviews": len(rows),
        "sentiment": {
            s: sum(1 for r in rows if r["sentiment"] == s) for s in report.SENTIMENTS
        },
        "languages": _counts(r["language"] for r in rows),
        "disagreements": sum(1 for r in rows if r["disagreement"]),
        "trend": report.sentiment_trend(rows),
        "complaints": report.complaints(rows),
        "skus": skus[:50],
        "returns": [
            {"sku": r["sku"], "country": r["country"], "return_rate": r["return_rate"]}
            for r in selected
            if r["return_rate"] is not None
        ][:50],
        "topics": report.topics(rows),
        "notes": notes,
    }


def _return_rates(
    engine: Engine,
) -> tuple[dict[tuple[str, str], float | None], str | None]:
    """Return rate per (SKU, country) from the forecasting service's figures."""
    from tradepilot.forecasting.service import ForecastSettings, return_rates

    try:
        rates = return_rates(engine, ForecastSettings())
    except DataValidationError as exc:
        return {}, f"return rates unavailable: {exc}"
    if rates.is_empty():
        return {}, "no orders stored: return rates unavailable"
    found: dict[tuple[str, str], float | None] = {}
    for row in rates.iter_rows(named=True):
        rate = row["return_rate"]
        found[(str(row["sku"]), str(row["country"]))] = (
            None if rate is None else round(float(rate), 4)
        )
    return found, None


def review_count(engine: Engine) -> int:
    """How many reviews are stored (a cache version)."""
    with engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one()
        )
