"""The chart of accounts: what a small trading company's accountant expects.

Numbered the way Xero's and QuickBooks' default UK/EU charts group them: 1xxx
assets, 2xxx liabilities, 3xxx equity, 4xxx income, 5xxx cost of sales, 6xxx
overheads, 7xxx other gains and losses. The ``kind`` says on which statement an
account is reported and its natural side (assets and expenses are debits).
"""

from __future__ import annotations

from dataclasses import dataclass

ASSET, LIABILITY, EQUITY, INCOME, EXPENSE = (
    "asset",
    "liability",
    "equity",
    "income",
    "expense",
)


@dataclass(frozen=True, slots=True)
class Account:
    """One account of the chart.

    Attributes
    ----------
    code : str
        Account number.
    name : str
        Name an accountant recognises.
    kind : str
        ``asset``, ``liability``, ``equity``, ``income`` or ``expense``.
    """

    code: str
    name: str
    kind: str

    @property
    def is_profit_and_loss(self) -> bool:
        """True for income and expense accounts."""
        return self.kind in (INCOME, EXPENSE)


BANK = "1000"
RECEIVABLE = "1100"
PROVIDERS = "1110"
INVENTORY = "1200"
VAT_RECOVERABLE = "1300"
PAYABLE = "2100"
VAT_PAYABLE = "2200"
MARKETPLACE_VAT = "2210"
OPENING_EQUITY = "3000"
SALES = "4000"
RETURNS = "4010"
SHIPPING_INCOME = "4100"
OTHER_INCOME = "4200"
DISCOUNTS = "4050"
COGS = "5000"
FEES = "6000"
EXPENSES = "6900"
FX_REALISED = "7000"
FX_UNREALISED = "7010"

CHART: tuple[Account, ...] = (
    Account(BANK, "Bank and cash", ASSET),
    Account(RECEIVABLE, "Receivables from sales channels", ASSET),
    Account(PROVIDERS, "Payment provider balances (Stripe, PayPal, ...)", ASSET),
    Account(INVENTORY, "Inventory (at landed cost)", ASSET),
    Account(VAT_RECOVERABLE, "VAT recoverable (input VAT)", ASSET),
    Account(PAYABLE, "Payables to suppliers", LIABILITY),
    Account(VAT_PAYABLE, "VAT payable (output VAT)", LIABILITY),
    Account(
        MARKETPLACE_VAT, "VAT collected by marketplaces (deemed supplier)", LIABILITY
    ),
    Account(OPENING_EQUITY, "Owner's equity and opening balances", EQUITY),
    Account(SALES, "Sales", INCOME),
    Account(RETURNS, "Sales returns and cancellations", INCOME),
    Account(DISCOUNTS, "Discounts given", INCOME),
    Account(SHIPPING_INCOME, "Shipping charged to customers", INCOME),
    Account(OTHER_INCOME, "Other sales income (fees, adjustments)", INCOME),
    Account(COGS, "Cost of goods sold", EXPENSE),
    Account(FEES, "Marketplace and payment fees", EXPENSE),
    Account("6100", "Advertising", EXPENSE),
    Account("6200", "Software and subscriptions", EXPENSE),
    Account("6300", "Rent", EXPENSE),
    Account("6400", "Samples", EXPENSE),
    Account(EXPENSES, "Other expenses", EXPENSE),
    Account(FX_REALISED, "Realised FX gains and losses", EXPENSE),
    Account(FX_UNREALISED, "Unrealised FX gains and losses", EXPENSE),
)
ACCOUNTS = {account.code: account for account in CHART}

# Order line kinds (tradepilot.domain.catalog.LineKind) -> income account.
INCOME_BY_LINE_KIND = {
    "product": SALES,
    "sample": SALES,
    "shipping": SHIPPING_INCOME,
    "discount": DISCOUNTS,
    "voucher": DISCOUNTS,
    "fee": OTHER_INCOME,
    "adjustment": OTHER_INCOME,
    "refund": RETURNS,
}


def account(code: str) -> Account:
    """The account numbered ``code``.

    Raises
    ------
    KeyError
        If the chart has no such account.
    """
    return ACCOUNTS[code]
