from pathlib import Path

import polars as pl

from tradepilot.simulate import SimulatedStore
from tradepilot.simulate.amazon import AMAZON_COLUMNS
from tradepilot.simulate.shopify import LINE_LEVEL, SHOPIFY_COLUMNS

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,"
    "Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,"
    "Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,"
    "Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing City,Billing Zip,Billing Country,Shipping Name,"
    "Shipping City,Shipping Zip,Shipping Country,Notes,Cancelled at,Payment Method,"
    "Refunded Amount,Vendor,Id,Tags,Source,Lineitem discount"
)
AMAZON_HEADER = "\t".join(
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel url ship-service-level "
    "product-name sku asin item-status quantity currency item-price item-tax "
    "shipping-price shipping-tax gift-wrap-price gift-wrap-tax "
    "item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids is-business-order "
    "purchase-order-number price-designation".split()
)
ORDER_LEVEL = [c for c in SHOPIFY_COLUMNS if c not in LINE_LEVEL]


def _first_line(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().rstrip("\n")


def test_export_headers_are_exact(written: dict[str, Path]) -> None:
    assert _first_line(written["shopify_orders"]) == SHOPIFY_HEADER
    assert _first_line(written["amazon_all_orders"]) == AMAZON_HEADER
    assert ",".join(SHOPIFY_COLUMNS) == SHOPIFY_HEADER
    assert "\t".join(AMAZON_COLUMNS) == AMAZON_HEADER


def test_orders_reach_many_countries_and_currencies(
    shopify: pl.DataFrame, amazon: pl.DataFrame
) -> None:
    countries = set(shopify["Billing Country"].drop_nulls()) | set(
        amazon["ship-country"]
    )
    currencies = set(shopify["Currency"].drop_nulls()) | set(
        amazon["currency"].drop_nulls()
    )

    assert len(countries) >= 15
    assert len(currencies) >= 4
    assert {"EUR", "GBP", "USD", "JPY"} <= currencies


def _every(frame: pl.DataFrame, predicate: pl.Expr) -> bool:
    return bool(frame.select(predicate.all()).item())


def test_shopify_order_fields_only_on_the_first_row(shopify: pl.DataFrame) -> None:
    rows = shopify.with_columns(position=pl.int_range(pl.len()).over("Name"))
    first = rows.filter(pl.col("position") == 0)
    others = rows.filter(pl.col("position") > 0)
    runs = (shopify["Name"] != shopify["Name"].shift(1)).fill_null(value=True).sum()
    required = ["Financial Status", "Currency", "Total", "Created at", "Id", "Source"]
    always = sorted(LINE_LEVEL - {"Lineitem compare at price"})

    assert runs == shopify["Name"].n_unique()
    assert others.height > 0
    assert _every(others, pl.all_horizontal(pl.col(ORDER_LEVEL).is_null()))
    assert _every(first, pl.all_horizontal(pl.col(required).is_not_null()))
    assert _every(rows, pl.all_horizontal(pl.col(always).is_not_null()))


def test_shopify_rows_are_newest_first_with_local_offsets(
    shopify: pl.DataFrame,
) -> None:
    created = shopify["Created at"].drop_nulls()
    instants = created.str.to_datetime("%Y-%m-%d %H:%M:%S %z")

    assert created.str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$").all()
    assert instants.is_sorted(descending=True)
    assert {"+0100", "+0200", "-0500", "+0900"} <= set(created.str.slice(20))


def test_shopify_money_adds_up(shopify: pl.DataFrame) -> None:
    rows = shopify.with_columns(
        pl.col(
            "Lineitem price",
            "Lineitem quantity",
            "Subtotal",
            "Shipping",
            "Taxes",
            "Total",
            "Discount Amount",
        ).cast(pl.Float64)
    )
    lines = rows.group_by("Name").agg(
        gross=(pl.col("Lineitem price") * pl.col("Lineitem quantity")).sum()
    )
    orders = rows.filter(pl.col("Total").is_not_null()).join(lines, on="Name")
    added_tax = pl.col("Billing Country").is_in(["US", "CA"])
    expected_total = (
        pl.col("Subtotal")
        + pl.col("Shipping")
        + pl.when(added_tax).then("Taxes").otherwise(0)
    )

    assert (
        (orders["gross"] - orders["Discount Amount"] - orders["Subtotal"]).abs() < 0.005
    ).all()
    assert (
        (orders.select(expected_total).to_series() - orders["Total"]).abs() < 0.005
    ).all()


def test_shopify_statuses_guests_and_cancellations(shopify: pl.DataFrame) -> None:
    first = shopify.filter(pl.col("Id").is_not_null())
    cancelled = first.filter(pl.col("Cancelled at").is_not_null())

    assert set(first["Financial Status"]) == {
        "paid",
        "refunded",
        "partially_refunded",
        "voided",
    }
    assert set(cancelled["Financial Status"]) == {"voided", "refunded"}
    assert first["Email"].null_count() > 0
    assert first["Email"].drop_nulls().str.contains("@").all()
    assert (
        first.filter(pl.col("Financial Status") == "partially_refunded")[
            "Refunded Amount"
        ].cast(pl.Float64)
        > 0
    ).all()
    assert shopify["Name"].str.contains(r"^#\d+$").all()


def test_jpy_amounts_have_no_decimals(
    shopify: pl.DataFrame, amazon: pl.DataFrame
) -> None:
    yen = shopify.filter(pl.col("Currency") == "JPY")
    other = shopify.filter(pl.col("Currency") == "EUR")

    assert yen.height > 0
    assert yen["Total"].str.contains(r"^\d+$").all()
    assert other["Total"].str.contains(r"^\d+\.\d\d$").all()
    assert (
        amazon.filter(pl.col("currency") == "JPY")["item-price"]
        .str.contains(r"^\d+$")
        .all()
    )


def test_amazon_cancelled_items_have_no_quantity_or_price(amazon: pl.DataFrame) -> None:
    cancelled = amazon.filter(pl.col("order-status") == "Cancelled")
    shipped = amazon.filter(pl.col("order-status") == "Shipped")

    assert set(amazon["order-status"]) == {"Shipped", "Cancelled", "Pending"}
    assert cancelled.height > 0
    assert (cancelled["quantity"] == "0").all()
    assert cancelled["item-price"].is_null().all()
    assert (shipped["quantity"].cast(pl.Int64) > 0).all()
    assert shipped["item-price"].is_not_null().all()


def test_amazon_ids_dates_and_channels(amazon: pl.DataFrame) -> None:
    assert amazon["amazon-order-id"].str.contains(r"^\d{3}-\d{7}-\d{7}$").all()
    assert (
        amazon["purchase-date"]
        .str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        .all()
    )
    assert {"Amazon.de", "Amazon.co.uk", "Amazon.com", "Amazon.fr"} <= set(
        amazon["sales-channel"]
    )
    assert amazon["asin"].str.contains(r"^B0[0-9A-Z]{8}$").all()


def test_amazon_item_price_is_the_line_total(
    small_store: SimulatedStore, amazon: pl.DataFrame
) -> None:
    lines = small_store.order_lines.join(
        small_store.orders.filter(channel="amazon", status="shipped").select(
            "order_key", "order_ref", "currency"
        ),
        on="order_key",
    )
    exported = amazon.filter(pl.col("order-status") == "Shipped")
    expected = lines.select(
        total=pl.col("unit_price") * pl.col("quantity"), currency="currency"
    )
    in_minor = exported.select(
        pl.when(pl.col("currency") == "JPY")
        .then(pl.col("item-price").cast(pl.Int64))
        .otherwise(
            (pl.col("item-price").cast(pl.Float64) * 100).round(0).cast(pl.Int64)
        )
    ).to_series()

    assert exported.height == lines.height
    assert in_minor.sort().to_list() == expected["total"].sort().to_list()
