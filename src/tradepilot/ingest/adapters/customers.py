"""Customer contact data and marketing consent (the ``customers`` format).

A Shopify admin "Export customers" CSV, or any file with the same headers: ``Email``
is required; ``Customer ID``, ``Marketplace Buyer ID`` (or ``Buyer ID``: the
person's id at a marketplace), ``First Name``, ``Last Name``, ``Phone``, the city,
postal code and country code (``Default Address City|Zip|Country Code`` or ``City``,
``Zip``, ``Country Code``) and the consent (``Accepts Email Marketing`` or
``Accepts Marketing``: yes/no, true/false) are optional.

Each row describes the customer record of a shop (``--channel``, default
``shopify``) identified as that shop's orders identify it: the lower-cased e-mail,
else the customer id. The record is created if no order has created it yet. Its
contact row is created or updated: an empty cell or an absent column leaves the
stored value (an import never erases), consent included. A row that changes nothing
is a duplicate; a row of a person erased with ``customers forget`` is not stored
again (counted as a duplicate and reported as ``erased_skipped``).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from tradepilot.customers.identity import normalise_email
from tradepilot.customers.privacy import erased_fingerprints, fingerprints
from tradepilot.ingest import parse
from tradepilot.ingest.adapters.order_fields import country_codes
from tradepilot.ingest.files import ROW, RawTable, optional_columns, require_columns
from tradepilot.ingest.import_format import ImportContext, ImportFormat
from tradepilot.ingest.loading import quarantine_rows, upsert_named
from tradepilot.ingest.parse import REASON
from tradepilot.store.bulk import insert_frame, read_frame, update_rows

FORMAT = "customers"
DEFAULT_SOURCE = "shopify"
OPTIONAL = {
    "shop_customer_id": ("Customer ID", "Id"),
    "marketplace_buyer_id": ("Marketplace Buyer ID", "Buyer ID"),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "phone": ("Phone", "Default Address Phone"),
    "city": ("Default Address City", "City"),
    "postal_code": ("Default Address Zip", "Zip"),
    "country": ("Default Address Country Code", "Country Code", "Country"),
    "accepts_marketing": ("Accepts Email Marketing", "Accepts Marketing"),
}
CONTACT = (
    "email", "first_name", "last_name", "phone", "city", "postal_code",
    "shop_customer_id", "marketplace_buyer_id", "accepts_marketing",
)  # fmt: skip
LIMITS = {"email": 254, "first_name": 128, "last_name": 128, "phone": 64, "city": 128, "postal_code": 32, "shop_customer_id": 128, "marketplace_buyer_id": 128}  # fmt: skip
YES = {"yes", "true", "1", "y", "subscribed"}
NO = {"no", "false", "0", "n", "unsubscribed", "not_subscribed", "pending"}


def parse_rows(table: RawTable) -> pl.DataFrame:
    """One row per file row: the contact fields, ``external_id`` and ``_reason``."""
    col = require_columns(
        table, {"email": ["Email", "E-mail"]}, what="a customers export"
    )
    found = {field: _first(table, names) for field, names in OPTIONAL.items()}
    cells = table.frame.select(
        ROW,
        parse.text(col["email"]).str.to_lowercase().alias("email"),
        *[
            (parse.text(name) if name else pl.lit(None, dtype=pl.String)).alias(field)
            for field, name in found.items()
        ],
    )
    consent = pl.col("accepts_marketing").str.to_lowercase()
    rows = cells.with_columns(
        pl.coalesce("email", "shop_customer_id").alias("external_id"),
        pl.when(consent.is_in(list(YES)))
        .then(True)
        .when(consent.is_in(list(NO)))
        .then(False)
        .alias("_consent"),
    )
    rows = rows.with_columns(country_codes(rows["country"]).alias("_country"))
    return rows.with_columns(_reasons(found).alias(REASON))


def _first(table: RawTable, names: tuple[str, ...]) -> str | None:
    present = optional_columns(table, names)
    return next(iter(present.values()), None)


def _reasons(found: dict[str, str | None]) -> pl.Expr:
    email_ok = pl.col("email").map_elements(
        lambda e: normalise_email(e) is not None, return_dtype=pl.Boolean
    )
    checks = [
        parse.reason(pl.col("external_id").is_null(), "no e-mail and no customer id"),
        parse.reason(
            pl.col("email").is_not_null() & ~email_ok, "Email is not an e-mail address"
        ),
        parse.reason(
            pl.col("accepts_marketing").is_not_null() & pl.col("_consent").is_null(),
            f"{found['accepts_marketing']} is not yes or no",
        ),
        parse.reason(
            pl.col("country").is_not_null() & pl.col("_country").is_null(),
            "country is not a known country or alias",
        ),
        *[
            parse.reason(
                pl.col(field).str.len_chars() > limit,
                f"{field.replace('_', ' ')} is longer than {limit} characters",
            )
            for field, limit in LIMITS.items()
        ],
    ]
    return parse.first_reason(checks)


def load(conn: Connection, table: RawTable, ctx: ImportContext) -> None:
    """Create or update the contact rows of ``table``; fill the report."""
    source = ctx.channel or DEFAULT_SOURCE
    rows = parse_rows(table)
    report = ctx.report
    report.rows_read = rows.height
    bad = rows.filter(pl.col(REASON).is_not_null())
    quarantine_rows(
        conn, bad=bad, raw=table.frame, source=FORMAT, run_id=ctx.run_id, report=report
    )
    good = rows.filter(pl.col(REASON).is_null()).unique(
        "external_id", keep="last", maintain_order=True
    )
    good, erased = _without_erased(conn, good)
    ids = upsert_named(
        conn,
        table="customers",
        rows=good.select(
            "external_id",
            pl.col("_country").alias("country"),
            pl.lit(source).alias("source"),
        ),
        key="external_id",
        where={"source": source},
    )
    merged = _merge_stored(
        conn, good.join(ids.rename({"id": "customer_id"}), on="external_id")
    )
    new = merged.filter(~pl.col("_stored"))
    changed = merged.filter(pl.col("_stored") & pl.col("_changed"))
    now = ctx.now
    fields = [*CONTACT, "consent_source", "updated_at", "import_run_id"]
    stamp = [
        pl.lit(f"{FORMAT} import {report.source_name}").alias("consent_source"),
        pl.lit(now).alias("updated_at"),
        pl.lit(ctx.run_id).alias("import_run_id"),
    ]
    insert_frame(
        conn,
        "customer_contacts",
        new.with_columns(stamp).select("customer_id", *fields),
    )
    update_rows(
        conn,
        "customer_contacts",
        fields,
        "customer_id",
        changed.with_columns(stamp).select(*fields, "customer_id").iter_rows(),
    )
    report.accepted = new.height + changed.height
    report.duplicates = rows.height - report.quarantined - report.accepted
    report.data_quality = {
        "contacts_new": new.height,
        "contacts_updated": changed.height,
        "erased_skipped": erased,
    }


def _without_erased(conn: Connection, rows: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Rows whose e-mail or customer id belongs to an erased person, left out."""
    salt, digests = erased_fingerprints(conn)
    if salt is None or not digests:
        return rows, 0
    keep = [
        not (fingerprints(salt, {v for v in (email, shop) if v}) & digests)
        for email, shop in rows.select("email", "shop_customer_id").iter_rows()
    ]
    kept = rows.filter(pl.Series(keep, dtype=pl.Boolean))
    return kept, rows.height - kept.height


def _merge_stored(conn: Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """Fill empty cells from the stored contact; flag ``_stored`` and ``_changed``."""
    stored = read_frame(
        conn,
        f"SELECT customer_id, {', '.join(CONTACT)} FROM customer_contacts",
        schema={
            "customer_id": pl.Int64(),
            **{c: pl.String() for c in CONTACT if c != "accepts_marketing"},
            "accepts_marketing": pl.Boolean(),
        },
    )
    incoming = rows.with_columns(pl.col("_consent").alias("accepts_marketing")).select(
        "customer_id", *CONTACT
    )
    joined = incoming.join(
        stored, on="customer_id", how="left", suffix="_old"
    ).with_columns(
        pl.col("customer_id").is_in(stored["customer_id"].implode()).alias("_stored")
    )
    filled = joined.with_columns(pl.coalesce(c, f"{c}_old").alias(c) for c in CONTACT)
    changed = pl.any_horizontal(
        pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in CONTACT
    )
    return filled.with_columns(changed.alias("_changed")).select(
        "customer_id", *CONTACT, "_stored", "_changed"
    )


IMPORT_FORMAT = ImportFormat(
    FORMAT, "Customer contacts and marketing consent (Shopify customers export)", load
)
