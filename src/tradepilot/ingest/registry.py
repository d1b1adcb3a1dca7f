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
from tradepilot.payments.adapters import (
    amazon_settlement,
    bank,
    paypal,
    shopify_payments,
    stripe,
)

# The loader contract lives in import_format (the adapters import it from there, so
# this module can import them); the import service takes it from here with formats().
__all__ = ["ImportContext", "ImportFormat", "check_source", "formats"]


def formats() -> dict[str, ImportFormat]:
    """Every registered import format, by name, in the order ``--help`` lists them.

    Returns
    -------
    dict of str to ImportFormat
        ``online-retail``, ``shopify``, ``amazon``, ``generic``,
        ``purchase-orders``, ``inventory``, ``products``, ``customers``, ``fx``,
        and the payment formats ``stripe``, ``paypal``, ``amazon-settlement``,
        ``shopify-payments``, ``bank``.
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
        stripe.IMPORT_FORMAT,
        paypal.IMPORT_FORMAT,
        amazon_settlement.IMPORT_FORMAT,
        shopify_payments.IMPORT_FORMAT,
        bank.IMPORT_FORMAT,
    ]
    return {f.name: f for f in registered}
