"""Which import rules apply to a consignment: customs duty and who collects VAT.

Pure functions over :class:`~tradepilot.reference.ReferenceData`; amounts are
``Decimal`` in the currency named beside them. The decision for a consignment from
``origin`` to ``destination`` on ``day``:

* **domestic** (same country) or **EU internal market** (both EU members that day):
  no customs duty; the seller charges the destination's VAT (at home, or through
  the One-Stop Shop) unless the buyer is a business in another member state
  (reverse charge).
* **import**, using the destination's regime row in force that day:

  - duty: a flat amount per item where the regime has one and the consignment is
    within its ceiling (the EU from 2026-07-01); none up to the duty de minimis;
    otherwise the ad valorem rate of each line's HS chapter on the customs value
    (goods, plus international shipping where the basis is CIF);
  - VAT: charged by the seller at the sale where the seller is registered in the
    destination's scheme and the consignment is within its ceiling (IOSS, UK VAT,
    AU GST, ...); none up to the border de minimis; otherwise import VAT at the
    border on goods + shipping + duty, paid by the seller (DDP) or the buyer (DAP).
    A business buyer reclaims import VAT, so it is never the seller's cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tradepilot.reference import ImportRegime, ReferenceData, is_eu_member

# Who pays VAT (the ``vat_by`` of a consignment).
SELLER_AT_SALE = "seller at sale"
SELLER_AT_BORDER = "seller at border"
BUYER_AT_BORDER = "buyer at border"
REVERSE_CHARGE = "buyer (reverse charge)"
NO_VAT = "none"


@dataclass(frozen=True, slots=True)
class Treatment:
    """How one consignment is taxed.

    Attributes
    ----------
    kind : str
        ``domestic``, ``eu`` (internal market) or ``import``.
    vat_by : str
        Who pays VAT: one of the module's constants.
    duty : str
        ``none`` (no customs), ``de minimis``, ``flat`` or ``ad valorem``.
    regime : ImportRegime or None
        The regime row used (imports with a known regime only).
    reason : str
        One sentence saying why, for the breakdown.
    """

    kind: str
    vat_by: str
    duty: str
    regime: ImportRegime | None
    reason: str


def treatment(
    reference: ReferenceData,
    *,
    origin: str,
    destination: str,
    day: dt.date,
    value: Decimal,
    value_currency_per_regime: Decimal,
    vat_rate: Decimal,
    incoterm: str,
    b2b: bool,
    schemes: frozenset[str],
) -> Treatment:
    """Decide duty and VAT collection for a consignment (see module docstring).

    Parameters
    ----------
    value : Decimal
        Intrinsic value of the goods (excluding VAT and shipping), sale currency.
    value_currency_per_regime : Decimal
        Units of the regime's currency per unit of the sale currency that day.
    vat_rate : Decimal
        Destination's standard rate as a fraction (0 where there is none).

    Examples
    --------
    >>> from tradepilot.reference import load_reference
    >>> t = treatment(load_reference(), origin="DE", destination="FR",
    ...     day=dt.date(2025, 3, 1), value=Decimal(50),
    ...     value_currency_per_regime=Decimal(1), vat_rate=Decimal("0.2"),
    ...     incoterm="DDP", b2b=False, schemes=frozenset())
    >>> t.kind, t.vat_by, t.duty
    ('eu', 'seller at sale', 'none')
    """
    if origin == destination:
        return Treatment(
            "domestic", SELLER_AT_SALE, "none", None, f"domestic sale in {origin}"
        )
    if is_eu_member(origin, day) and is_eu_member(destination, day):
        vat_by = REVERSE_CHARGE if b2b else SELLER_AT_SALE
        why = "EU internal market: no customs; " + (
            "business buyer reverse-charges VAT"
            if b2b
            else "seller charges destination VAT (OSS)"
        )
        return Treatment("eu", vat_by, "none", None, why)
    regime = reference.regime(destination, day)
    if regime is None:
        return Treatment(
            "import",
            NO_VAT,
            "ad valorem",
            None,
            f"no import rules on file for {destination}: duty at the default rate, "
            "import VAT not included",
        )
    in_regime = value * value_currency_per_regime
    duty = _duty_rule(regime, in_regime)
    vat_by, why = _vat_collector(
        regime,
        in_regime,
        vat_rate=vat_rate,
        incoterm=incoterm,
        b2b=b2b,
        schemes=schemes,
    )
    return Treatment("import", vat_by, duty, regime, why)


def _duty_rule(regime: ImportRegime, value: Decimal) -> str:
    if regime.flat_duty_per_item is not None and (
        regime.flat_duty_max is None or value <= regime.flat_duty_max
    ):
        return "flat"
    if regime.duty_free_max is not None and value <= regime.duty_free_max:
        return "de minimis"
    return "ad valorem"


def _vat_collector(
    regime: ImportRegime,
    value: Decimal,
    *,
    vat_rate: Decimal,
    incoterm: str,
    b2b: bool,
    schemes: frozenset[str],
) -> tuple[str, str]:
    cur = regime.currency
    if vat_rate == 0:
        return NO_VAT, f"no VAT/GST in {regime.country}"
    if (
        not b2b
        and regime.seller_collects_max is not None
        and regime.scheme in schemes
        and value <= regime.seller_collects_max
    ):
        return SELLER_AT_SALE, (
            f"{regime.scheme}: consignment {cur} {value:.2f} <= "
            f"{cur} {regime.seller_collects_max}, VAT charged by the seller at the sale"
        )
    if regime.vat_border_free_max is not None and value <= regime.vat_border_free_max:
        return NO_VAT, (
            f"consignment {cur} {value:.2f} <= {cur} {regime.vat_border_free_max}: "
            "no import VAT"
        )
    if b2b:
        return REVERSE_CHARGE, "import VAT paid and reclaimed by the business buyer"
    payer = SELLER_AT_BORDER if incoterm == "DDP" else BUYER_AT_BORDER
    return (
        payer,
        f"import VAT at the border, paid by the {payer.split()[0]} ({incoterm})",
    )
