"""Review exports read into canonical rows.

Named formats know the columns of a marketplace's export (each canonical field
accepts any of a few header spellings, matched without case); ``generic`` reads
any CSV with a YAML mapping::

    source: mystore          # namespace of the reviews (required)
    columns:                 # canonical field: the file's column header
      text: Review           # required
      rating: Stars          # 1-5; optional
      title: Headline
      sku: Product
      country: Country
      reviewed_at: Date
      review_id: Id
      author: Name
    date_format: "%d.%m.%Y"  # optional; ISO 8601 otherwise
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from tradepilot.domain.errors import DataValidationError, ImportFormatError

FIELDS = (
    "text",
    "rating",
    "title",
    "sku",
    "country",
    "reviewed_at",
    "review_id",
    "author",
)

# Header spellings of each field per named export (compared in lower case).
FORMATS: dict[str, dict[str, tuple[str, ...]]] = {
    # Amazon Seller Central's customer reviews report / Brand Analytics download
    "amazon": {
        "text": ("review text", "review", "body", "review body", "content"),
        "rating": ("star rating", "rating", "stars", "overall rating"),
        "title": ("review title", "title", "headline"),
        "sku": ("sku", "seller sku", "asin"),
        "country": ("marketplace", "country", "country code"),
        "reviewed_at": ("review date", "date", "created"),
        "review_id": ("review id", "id"),
        "author": ("reviewer", "reviewer name", "customer name", "author"),
    },
    # Etsy shop data download: reviews.csv
    "etsy": {
        "text": ("message", "review"),
        "rating": ("star rating", "star_rating", "rating"),
        "title": ("title",),
        "sku": ("listing id", "listing_id", "sku"),
        "country": ("country",),
        "reviewed_at": ("date reviewed", "date_reviewed", "created"),
        "review_id": ("order id", "order_id", "transaction id"),
        "author": ("reviewer", "buyer"),
    },
    # Shopify Product Reviews (and apps that copy its export: Judge.me, Loox)
    "shopify": {
        "text": ("body", "review body", "review_body", "content"),
        "rating": ("rating", "review_score", "stars"),
        "title": ("title", "review_title"),
        "sku": ("product_handle", "product handle", "sku", "product_id"),
        "country": ("country", "location", "country_code"),
        "reviewed_at": ("created_at", "review_date", "date"),
        "review_id": ("id", "review_id"),
        "author": ("author", "reviewer_name", "name"),
    },
}
MARKETPLACE_COUNTRIES = {
    "amazon.com": "US", "amazon.co.uk": "GB", "amazon.de": "DE", "amazon.fr": "FR",
    "amazon.es": "ES", "amazon.it": "IT", "amazon.nl": "NL", "amazon.pl": "PL",
    "amazon.se": "SE", "amazon.com.be": "BE", "amazon.ca": "CA", "amazon.co.jp": "JP",
    "uk": "GB",
}  # fmt: skip


def columns_for(
    fmt: str, header: list[str], mapping: dict[str, Any] | None
) -> dict[str, str]:
    """Canonical field -> the file's column, for a named format or a mapping.

    Raises
    ------
    ImportFormatError
        Unknown format, no text column, or a mapping naming a missing column.
    """
    if mapping is not None:
        wanted = mapping.get("columns") or {}
        unknown = sorted(set(wanted) - set(FIELDS))
        if unknown:
            raise ImportFormatError(
                f"mapping field(s) {', '.join(unknown)} unknown; allowed: {', '.join(FIELDS)}"
            )
        missing = [f"{k}: {v}" for k, v in wanted.items() if v not in header]
        if missing:
            raise ImportFormatError(
                f"mapping names column(s) missing in the file ({'; '.join(missing)}); "
                f"found: {', '.join(header)}"
            )
        if "text" not in wanted:
            raise ImportFormatError(
                "the mapping must name the review text column (text)"
            )
        return {str(k): str(v) for k, v in wanted.items()}
    if fmt not in FORMATS:
        raise ImportFormatError(
            f"review format {fmt!r} unknown; known: {', '.join(sorted(FORMATS))}, or "
            "generic with --mapping"
        )
    lowered = {h.strip().lower(): h for h in header}
    found = {}
    for field, spellings in FORMATS[fmt].items():
        match = next((lowered[s] for s in spellings if s in lowered), None)
        if match is not None:
            found[field] = match
    if "text" not in found:
        raise ImportFormatError(
            f"no review text column for the {fmt} format (looked for "
            f"{', '.join(FORMATS[fmt]['text'])}); found: {', '.join(header)}"
        )
    return found


def guess_format(header: list[str]) -> str:
    """The named format whose text column the header has (amazon, etsy, shopify)."""
    lowered = {h.strip().lower() for h in header}
    for fmt in ("shopify", "etsy", "amazon"):
        if any(s in lowered for s in FORMATS[fmt]["text"]):
            return fmt
    raise ImportFormatError(
        "cannot tell the export's format from its columns ("
        f"{', '.join(header)}); give --format amazon|etsy|shopify or a --mapping"
    )


def canonical_row(
    raw: dict[str, str], columns: dict[str, str], *, date_format: str | None, line: int
) -> dict[str, Any]:
    """One review in canonical fields (text, rating, sku, country, ...)."""
    value = {f: (raw.get(c) or "").strip() for f, c in columns.items()}
    return {
        "text": value.get("text", ""),
        "title": value.get("title", ""),
        "rating": _rating(value.get("rating", ""), line),
        "sku": value.get("sku") or None,
        "country": _country(value.get("country", "")),
        "reviewed_at": _date(value.get("reviewed_at", ""), date_format, line),
        "review_id": value.get("review_id") or None,
        "author": value.get("author") or None,
    }


def review_key(row: dict[str, Any]) -> str:
    """The review's own id, else a hash of SKU, date, author, title and text."""
    if row["review_id"]:
        return str(row["review_id"])[:128]
    parts = [row["sku"], row["reviewed_at"], row["author"], row["title"], row["text"]]
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _rating(text: str, line: int) -> int | None:
    if not text:
        return None
    try:
        stars = float(text.replace(",", ".").split()[0])
    except ValueError:
        raise DataValidationError(
            f"row {line}: rating {text!r} is not a number of stars (1-5)"
        ) from None
    if not 1 <= stars <= 5:
        raise DataValidationError(f"row {line}: rating {text!r} is outside 1-5 stars")
    return round(stars)


def _country(text: str) -> str | None:
    if not text:
        return None
    lowered = text.strip().lower()
    if lowered in MARKETPLACE_COUNTRIES:
        return MARKETPLACE_COUNTRIES[lowered]
    if len(lowered) == 2 and lowered.isalpha():
        return lowered.upper()
    import pycountry

    try:
        return str(pycountry.countries.lookup(text.strip()).alpha_2)
    except LookupError:
        return None


def _date(text: str, date_format: str | None, line: int) -> dt.datetime | None:
    if not text:
        return None
    try:
        if date_format:
            parsed = dt.datetime.strptime(text, date_format)  # noqa: DTZ007
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        shown = date_format or "ISO 8601 (2024-05-31)"
        raise DataValidationError(
            f"row {line}: date {text!r} does not match {shown}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML review mapping, checked to name a source and columns."""
    import yaml

    if not path.is_file():
        raise ImportFormatError(f"mapping file {str(path)!r} does not exist")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ImportFormatError(f"{path.name}: a mapping needs a 'columns:' table")
    return data
