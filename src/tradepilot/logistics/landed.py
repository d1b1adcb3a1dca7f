"""Landed cost and contribution margin of a consignment, with every figure's breakdown.

A consignment is one order (or one hypothetical parcel) from an origin country to a
buyer's country on a day: its lines, their prices in the sale currency, and the
seller's costs in the base currency (product cost, inbound freight share, outbound
shipping). :func:`landed_cost` adds customs duty, VAT/GST (see
:mod:`tradepilot.logistics.taxes` for who pays it), marketplace and payment fees, and
the FX spread of converting the proceeds, and returns per line:

* ``revenue``: what the buyer paid the seller (tax the seller collects included);
* ``landed_cost``: everything the seller pays to put the goods in the buyer's hands:
  product cost + inbound freight + shipping + duty and VAT the seller pays + fees + FX;
* ``margin`` = revenue - landed cost (the contribution margin);
* ``buyer_pays``: duty and VAT the buyer pays at the door (DAP), not in the margin.

Taxes are computed in the sale currency and rounded to its minor unit per line, then
converted to the base currency at the day's mid rate. Pure: the caller passes the
reference data, the fee rows and a converter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from tradepilot.domain.money import quantize
from tradepilot.logistics import taxes
from tradepilot.reference import FeeSchedule, ImportRegime, ReferenceData, VatRate

Converter = Callable[[Decimal, str, str], Decimal]
"""``convert(amount, from_currency, to_currency)`` at the consignment's day (mid)."""

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: quantity, what the buyer paid, and the seller's costs.

    Attributes
    ----------
    price : Decimal
        Total paid for the line (quantity included), sale currency; includes the VAT
        the seller owes when the consignment's ``includes_tax`` is set.
    product_cost, inbound_freight : Decimal
        Totals for the line in the base currency.
    weight_kg : float
        Total weight of the line.
    """

    sku: str
    quantity: int
    price: Decimal
    product_cost: Decimal
    inbound_freight: Decimal = ZERO
    hs_code: str | None = None
    weight_kg: float = 0.0


@dataclass(frozen=True, slots=True)
class Consignment:
    """An order or parcel to price (see module docstring).

    Attributes
    ----------
    currency : str
        Sale currency of the line prices.
    shipping : Decimal
        Outbound shipping the seller pays, base currency.
    includes_tax : bool
        Whether prices include the VAT the seller owes (EU-style shelf prices).
    """

    origin: str
    destination: str
    day: dt.date
    currency: str
    lines: tuple[Line, ...]
    shipping: Decimal = ZERO
    includes_tax: bool = False
    fees: tuple[FeeSchedule, ...] = ()


@dataclass(frozen=True, slots=True)
class Terms:
    """The seller's terms: base currency, incoterm, buyers, schemes, FX spread."""

    base: str
    incoterm: str = "DDP"
    b2b: bool = False
    schemes: frozenset[str] = frozenset(
        {"IOSS", "UK VAT", "AU GST", "NZ GST", "VOEC", "OVR", "CH VAT"}
    )
    fx_spread: Decimal = Decimal("0.02")


@dataclass(frozen=True, slots=True)
class LineCost:
    """The breakdown of one line, base currency."""

    sku: str
    quantity: int
    revenue: Decimal
    product_cost: Decimal
    inbound_freight: Decimal
    shipping: Decimal
    duty: Decimal
    vat: Decimal
    fees: Decimal
    fx: Decimal
    buyer_pays: Decimal
    landed_cost: Decimal
    margin: Decimal


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of a consignment: totals, lines, the rules applied and why."""

    currency: str
    kind: str
    vat_by: str
    duty_by: str
    duty_rule: str
    reason: str
    lines: tuple[LineCost, ...]
    rules: tuple[dict[str, str], ...]
    notes: tuple[str, ...] = field(default=())

    def total(self, name: str) -> Decimal:
        """Sum of one breakdown field over the lines (e.g. ``"duty"``)."""
        return sum((getattr(line, name) for line in self.lines), ZERO)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: totals, ``paid_by``, ``rules``, ``lines``; amounts as strings."""
        names = [
            "revenue", "product_cost", "inbound_freight", "shipping", "duty", "vat",
            "fees", "fx", "buyer_pays", "landed_cost", "margin",
        ]  # fmt: skip
        return {
            **{name: str(self.total(name)) for name in names},
            "currency": self.currency,
            "kind": self.kind,
            "paid_by": {"duty": self.duty_by, "vat": self.vat_by},
            "duty_rule": self.duty_rule,
            "reason": self.reason,
            "rules": list(self.rules),
            "notes": list(self.notes),
            "lines": [
                {
                    k: str(v) if isinstance(v, Decimal) else v
                    for k, v in asdict(x).items()
                }
                for x in self.lines
            ],
        }


def landed_cost(
    consignment: Consignment,
    *,
    reference: ReferenceData,
    terms: Terms,
    convert: Converter,
) -> LandedCost:
    """Price a consignment (see module docstring).

    Examples
    --------
    A EUR 120 parcel to Germany, duty delivered, on 2026-03-01: within IOSS and
    the EUR 150 duty relief, so 19% VAT is charged at the sale and no duty.

    >>> from tradepilot.reference import load_reference
    >>> parcel = Consignment("CN", "DE", dt.date(2026, 3, 1), "EUR",
    ...     (Line("X", 1, Decimal(120), Decimal(120)),))
    >>> cost = landed_cost(parcel, reference=load_reference(),
    ...     terms=Terms(base="EUR"), convert=lambda a, f, t: a)
    >>> cost.total("vat"), cost.total("duty"), cost.total("landed_cost")
    (Decimal('22.80'), Decimal('0.00'), Decimal('142.80'))
    """
    c = consignment
    vat_row = _vat_row(reference, c.destination, c.day)
    rate = vat_row.rate if vat_row else ZERO
    carved = [
        line.price / (1 + rate) if c.includes_tax else line.price for line in c.lines
    ]
    regime_row = reference.regime(c.destination, c.day)
    per_regime = (
        convert(Decimal(1), c.currency, regime_row.currency)
        if regime_row
        else Decimal(1)
    )
    how = taxes.treatment(
        reference,
        origin=c.origin,
        destination=c.destination,
        day=c.day,
        value=sum(carved, ZERO),
        value_currency_per_regime=per_regime,
        vat_rate=rate,
        incoterm=terms.incoterm,
        b2b=terms.b2b,
        schemes=terms.schemes,
    )
    seller_owes = how.vat_by in (taxes.SELLER_AT_SALE, taxes.SELLER_AT_BORDER)
    goods = carved if seller_owes else [line.price for line in c.lines]
    shipping_sale = convert(c.shipping, terms.base, c.currency)
    shares = _shares([line.weight_kg for line in c.lines])
    value_shares = _shares([float(g) for g in goods])
    duties, duty_rows = _duties(
        c, how, goods, shipping_sale, shares, per_regime, reference
    )
    lines = tuple(
        _line_cost(c, how, terms, convert, line, g, rate, duty, ship_share, fee_share)
        for line, g, duty, ship_share, fee_share in zip(
            c.lines, goods, duties, shares, value_shares, strict=True
        )
    )
    rules = ([_vat_rule(vat_row)] if vat_row else []) + duty_rows
    if how.regime is not None:
        rules.insert(0, _regime_rule(how.regime))
    rules += [_fee_rule(fee) for fee in c.fees]
    return LandedCost(
        currency=terms.base,
        kind=how.kind,
        vat_by=how.vat_by,
        duty_by="buyer"
        if how.kind == "import" and terms.incoterm == "DAP"
        else "seller",
        duty_rule=how.duty,
        reason=how.reason,
        lines=lines,
        rules=tuple(rules),
        notes=() if vat_row else (f"no VAT rate on file for {c.destination}",),
    )


def _line_cost(
    c: Consignment,
    how: taxes.Treatment,
    terms: Terms,
    convert: Converter,
    line: Line,
    goods: Decimal,
    rate: Decimal,
    duty: Decimal,
    ship_share: Decimal,
    fee_share: Decimal,
) -> LineCost:
    cur = c.currency
    shipping = quantize(c.shipping * ship_share, terms.base)
    shipping_sale = convert(shipping, terms.base, cur)
    if how.vat_by == taxes.SELLER_AT_SALE and c.includes_tax:
        vat = quantize(line.price - goods, cur)
    else:
        base = goods + shipping_sale + (duty if how.kind == "import" else ZERO)
        vat = quantize(base * rate, cur) if how.vat_by != taxes.NO_VAT else ZERO
    if how.vat_by == taxes.SELLER_AT_SALE and not c.includes_tax:
        revenue = line.price + vat  # charged on top at checkout
    else:
        revenue = line.price
    fees = quantize(_fees(c, revenue, fee_share, convert), cur) if c.fees else ZERO

    def to_base(amount: Decimal) -> Decimal:
        return quantize(convert(amount, cur, terms.base), terms.base)

    revenue_b, fees_b = to_base(revenue), to_base(fees)
    spread = terms.fx_spread if cur != terms.base else ZERO
    fx = quantize(revenue_b * spread, terms.base)
    buyer = how.vat_by in (taxes.BUYER_AT_BORDER, taxes.REVERSE_CHARGE)
    duty_b, vat_b = to_base(duty), to_base(vat)
    duty_buyer = how.kind == "import" and terms.incoterm == "DAP"
    seller_taxes = (ZERO if duty_buyer else duty_b) + (ZERO if buyer else vat_b)
    landed = (
        line.product_cost + line.inbound_freight + shipping + seller_taxes + fees_b + fx
    )
    return LineCost(
        sku=line.sku,
        quantity=line.quantity,
        revenue=revenue_b,
        product_cost=line.product_cost,
        inbound_freight=line.inbound_freight,
        shipping=shipping,
        duty=duty_b,
        vat=vat_b,
        fees=fees_b,
        fx=fx,
        buyer_pays=quantize(
            (duty_b if duty_buyer else ZERO) + (vat_b if buyer else ZERO), terms.base
        ),
        landed_cost=landed,
        margin=revenue_b - landed,
    )


def _duties(
    c: Consignment,
    how: taxes.Treatment,
    goods: list[Decimal],
    shipping_sale: Decimal,
    shares: list[Decimal],
    per_regime: Decimal,
    reference: ReferenceData,
) -> tuple[list[Decimal], list[dict[str, str]]]:
    """Duty per line in the sale currency, and the duty rows used."""
    if how.duty in ("none", "de minimis"):
        return [ZERO] * len(goods), []
    if how.duty == "flat":
        regime = how.regime
        assert regime is not None
        assert regime.flat_duty_per_item is not None
        items = len({line.hs_code for line in c.lines})
        total = regime.flat_duty_per_item * items / per_regime
        value_shares = _shares([float(g) for g in goods])
        return [quantize(total * s, c.currency) for s in value_shares], []
    cif = how.regime is None or how.regime.duty_basis == "CIF"
    duties, used = [], {}
    for line, g, share in zip(c.lines, goods, shares, strict=True):
        row = reference.duty_rate(c.destination, line.hs_code, c.day)
        used[(row.destination, row.hs_chapter, row.effective_from)] = row
        customs_value = g + (shipping_sale * share if cif else ZERO)
        duties.append(quantize(customs_value * row.rate, c.currency))
    rows = [
        {
            "kind": "duty",
            "destination": r.destination,
            "hs_chapter": r.hs_chapter,
            "rate": str(r.rate),
            "basis": "CIF" if cif else "FOB",
            "effective_from": r.effective_from.isoformat(),
            "source": r.source,
        }
        for r in used.values()
    ]
    return duties, rows


def _fees(
    c: Consignment, revenue: Decimal, share: Decimal, convert: Converter
) -> Decimal:
    """Fees on a line's revenue; fixed parts are per order, spread by value share."""
    return sum(
        (
            revenue * fee.percent + convert(fee.fixed, fee.currency, c.currency) * share
            for fee in c.fees
        ),
        ZERO,
    )


def _shares(weights: list[float]) -> list[Decimal]:
    """Shares proportional to ``weights`` (equal shares when all are zero)."""
    total = sum(weights)
    if total <= 0:
        return [Decimal(1) / len(weights)] * len(weights) if weights else []
    return [Decimal(repr(w / total)) for w in weights]


def _vat_row(reference: ReferenceData, country: str, day: dt.date) -> VatRate | None:
    if country not in reference.countries():
        return None
    return reference.vat_rate(country, day)


def _vat_rule(row: VatRate) -> dict[str, str]:
    return {
        "kind": "vat",
        "country": row.country,
        "rate": str(row.rate),
        "effective_from": row.effective_from.isoformat(),
        "source": row.source,
    }


def _regime_rule(regime: ImportRegime) -> dict[str, str]:
    return {
        "kind": "import_regime",
        "country": regime.country,
        "effective_from": regime.effective_from.isoformat(),
        "currency": regime.currency,
        "duty_free_max": _text(regime.duty_free_max),
        "seller_collects_max": _text(regime.seller_collects_max),
        "vat_border_free_max": _text(regime.vat_border_free_max),
        "scheme": regime.scheme,
        "flat_duty_per_item": _text(regime.flat_duty_per_item),
        "source": regime.source,
        "note": regime.note,
    }


def _fee_rule(fee: FeeSchedule) -> dict[str, str]:
    return {
        "kind": f"{fee.kind}_fee",
        "channel": fee.channel,
        "percent": str(fee.percent),
        "fixed": f"{fee.fixed} {fee.currency}",
        "effective_from": fee.effective_from.isoformat(),
        "source": fee.source,
    }


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)
