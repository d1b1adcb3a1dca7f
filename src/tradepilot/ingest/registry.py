"""The import formats TradePilot knows, by the name the CLI and API use."""

from __future__ import annotations

from tradepilot.fx import ecb
from tradepilot.ingest.adapters import (
    amazon,
    customers,
    generic,
    inventory,
    online_retail,
    products,
    purchase_orders,
    shopify,
)
from tradepilot.ingest.import_format import ImportContext, ImportFormat, check_source

# The loader contract lives in import_format (the adapters import it from there, so
# this module can import them); the import service takes it from here with formats().
__all__ = ["ImportContext", "ImportFormat", "check_source", "formats"]


def formats() -> dict[str, ImportFormat]:
    """Every registered import format, by name, in the order ``--help`` lists them.

    Returns
    -------
    dict of str to ImportFormat
        ``online-retail``, ``shopify``, ``amazon``, ``generic``,
        ``purchase-orders``, ``inventory``, ``products``, ``customers``, ``fx``.
    """
    registered = [
        online_retail.IMPORT_FORMAT,
        shopify.IMPORT_FORMAT,
        amazon.IMPORT_FORMAT,
        generic.IMPORT_FORMAT,
        purchase_orders.IMPORT_FORMAT,
        inventory.IMPORT_FORMAT,
        products.IMPORT_FORMAT,
        customers.IMPORT_FORMAT,
        ecb.IMPORT_FORMAT,
    ]
    return {f.name: f for f in registered}
