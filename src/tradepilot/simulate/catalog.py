"""The product catalogue: SKUs, their suppliers, costs, customs codes and prices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from tradepilot.simulate.suppliers import SUPPLIERS, supplier_index


@dataclass(frozen=True, slots=True)
class Category:
    """A product category and the shape of its yearly seasonality.

    Amplitudes are relative demand bumps: ``q4`` peaks in early December,
    ``january`` in mid-January, ``summer`` in early July.
    """

    name: str
    q4: float
    january: float
    summer: float


@dataclass(frozen=True, slots=True)
class Template:
    """A kind of product the SKUs are made from.

    Costs are in the supplier's currency, weights in kg, ``hs_code`` is the
    6-digit Harmonized System subheading.
    """

    category: str
    noun: str
    hs_code: str
    supplier: str
    cost: tuple[float, float]
    weight: tuple[float, float]
    case_packs: tuple[int, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("Kitchen", 0.6, 0.0, 0.0),
    Category("Home Textiles", 0.5, 0.1, 0.0),
    Category("Bags", 0.4, 0.0, 0.3),
    Category("Electronics", 0.9, 0.0, 0.1),
    Category("Toys", 1.6, 0.0, 0.0),
    Category("Fitness", 0.2, 0.9, 0.3),
    Category("Stationery", 0.5, 0.3, 0.0),
    Category("Home Decor", 1.1, 0.0, 0.0),
    Category("Pet Supplies", 0.4, 0.0, 0.1),
)

_CN, _VN, _IN, _TR, _PT = (s.name for s in SUPPLIERS)

TEMPLATES: tuple[Template, ...] = (
    Template(
        "Kitchen", "Stoneware Mug", "691200", _PT, (2.1, 3.4), (0.33, 0.45), (12, 24)
    ),
    Template(
        "Kitchen",
        "Porcelain Dinner Plate",
        "691110",
        _PT,
        (3.0, 5.5),
        (0.5, 0.7),
        (12,),
    ),
    Template(
        "Kitchen", "Steel Water Bottle", "732393", _CN, (2.4, 4.2), (0.3, 0.4), (24, 50)
    ),
    Template(
        "Kitchen",
        "Bamboo Cutting Board",
        "441911",
        _VN,
        (2.8, 6.0),
        (0.6, 1.2),
        (10, 20),
    ),
    Template(
        "Kitchen", "Silicone Baking Mat", "392410", _CN, (0.9, 1.8), (0.1, 0.2), (50,)
    ),
    Template(
        "Home Textiles",
        "Cotton Tea Towel Set",
        "630291",
        _IN,
        (1.8, 3.2),
        (0.2, 0.3),
        (25, 50),
    ),
    Template(
        "Home Textiles",
        "Cotton Table Runner",
        "630251",
        _IN,
        (3.0, 5.0),
        (0.3, 0.5),
        (20,),
    ),
    Template(
        "Home Textiles",
        "Velvet Cushion Cover",
        "630493",
        _TR,
        (2.5, 4.5),
        (0.2, 0.3),
        (20, 40),
    ),
    Template(
        "Home Textiles",
        "Wool Throw Blanket",
        "630120",
        _TR,
        (11.0, 19.0),
        (1.0, 1.6),
        (6, 10),
    ),
    Template("Bags", "Canvas Tote Bag", "420292", _VN, (1.6, 3.0), (0.2, 0.3), (50,)),
    Template(
        "Bags", "Leather Card Wallet", "420231", _IN, (3.5, 7.0), (0.05, 0.1), (25, 50)
    ),
    Template("Bags", "Travel Backpack", "420292", _VN, (9.0, 16.0), (0.8, 1.2), (10,)),
    Template(
        "Electronics",
        "USB-C Charging Cable",
        "854442",
        _CN,
        (0.8, 1.9),
        (0.04, 0.08),
        (100,),
    ),
    Template(
        "Electronics",
        "USB-C Wall Charger",
        "850440",
        _CN,
        (3.5, 7.5),
        (0.08, 0.15),
        (50,),
    ),
    Template(
        "Electronics",
        "Wireless Earbuds",
        "851830",
        _CN,
        (7.0, 14.0),
        (0.1, 0.15),
        (40,),
    ),
    Template(
        "Electronics",
        "Aluminium Phone Stand",
        "761699",
        _CN,
        (2.0, 3.8),
        (0.15, 0.25),
        (40,),
    ),
    Template(
        "Toys",
        "Wooden Building Blocks",
        "950300",
        _VN,
        (4.0, 8.0),
        (0.8, 1.5),
        (12, 24),
    ),
    Template("Toys", "Plush Bear", "950300", _CN, (2.5, 5.0), (0.2, 0.4), (24, 48)),
    Template(
        "Toys", "Jigsaw Puzzle 1000 pcs", "950300", _CN, (2.2, 3.6), (0.6, 0.8), (20,)
    ),
    Template("Fitness", "Yoga Mat", "950691", _CN, (4.5, 8.5), (0.9, 1.4), (10, 20)),
    Template(
        "Fitness", "Resistance Band Set", "950691", _CN, (1.8, 3.5), (0.2, 0.35), (50,)
    ),
    Template(
        "Fitness", "Cork Yoga Block", "450390", _PT, (2.0, 3.5), (0.3, 0.45), (24,)
    ),
    Template(
        "Stationery",
        "Hardcover Notebook A5",
        "482010",
        _IN,
        (1.5, 2.8),
        (0.3, 0.4),
        (40,),
    ),
    Template(
        "Stationery", "Fountain Pen", "960830", _CN, (2.0, 6.0), (0.03, 0.06), (50, 100)
    ),
    Template(
        "Home Decor", "Soy Wax Candle", "340600", _IN, (2.2, 4.0), (0.3, 0.5), (24,)
    ),
    Template(
        "Home Decor", "Ceramic Vase", "691390", _PT, (4.0, 9.0), (0.6, 1.4), (6, 12)
    ),
    Template(
        "Home Decor", "Wooden Photo Frame", "441400", _VN, (1.8, 3.5), (0.3, 0.6), (24,)
    ),
    Template(
        "Pet Supplies",
        "Nylon Dog Leash",
        "420100",
        _TR,
        (2.0, 3.8),
        (0.1, 0.2),
        (30, 50),
    ),
    Template(
        "Pet Supplies",
        "Cushioned Pet Bed",
        "940490",
        _VN,
        (6.0, 12.0),
        (0.9, 1.8),
        (5, 10),
    ),
)

ADJECTIVES = (
    "Nordic",
    "Classic",
    "Urban",
    "Coastal",
    "Alpine",
    "Essential",
    "Heritage",
    "Minimal",
    "Terra",
    "Studio",
)
COLOURS = (
    "Sage",
    "Charcoal",
    "Sand",
    "Ocean Blue",
    "Terracotta",
    "Ivory",
    "Forest",
    "Mustard",
    "Blush",
    "Slate",
)

USD_PER_EUR = 1.08
"""Planning rate used to set EUR list prices for USD-priced goods."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """The catalogue as typed arrays (one entry per SKU) and as a frame.

    Attributes
    ----------
    products : polars.DataFrame
        One row per SKU with the columns of ``products.csv``.
    supplier : numpy.ndarray
        Index into :data:`SUPPLIERS`, shape (n_skus,).
    category : numpy.ndarray
        Index into :data:`CATEGORIES`, shape (n_skus,).
    list_price_cents : numpy.ndarray
        EUR list price (VAT included) in cents, shape (n_skus,).
    case_pack, moq : numpy.ndarray
        Units per carton and minimum order quantity (a multiple of it).
    """

    products: pl.DataFrame
    supplier: np.ndarray
    category: np.ndarray
    list_price_cents: np.ndarray
    case_pack: np.ndarray
    moq: np.ndarray

    @property
    def skus(self) -> list[str]:
        """SKU codes, in catalogue order."""
        return self.products["sku"].to_list()


def build_catalog(rng: np.random.Generator, n_skus: int) -> Catalog:
    """Draw a catalogue of ``n_skus`` distinct products.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_skus : int
        Number of SKUs, at most ``len(TEMPLATES) * 100``.

    Returns
    -------
    Catalog
        SKUs ``TP-0001`` ... in catalogue order.
    """
    combos = list(itertools.product(range(len(TEMPLATES)), ADJECTIVES, COLOURS))
    picks = np.sort(rng.choice(len(combos), n_skus, replace=False))
    variants = [combos[i] for i in picks]
    kind = np.array([t for t, _, _ in variants])
    supplier = np.array([supplier_index(t.supplier) for t in TEMPLATES])[kind]
    cost = np.round(_uniform_in(rng, [t.cost for t in TEMPLATES], kind), 2)
    weight = np.round(_uniform_in(rng, [t.weight for t in TEMPLATES], kind), 3)
    case_pack = _case_packs(rng, kind)
    moq = case_pack * _moq_cartons(rng, supplier)
    list_price = _list_price_cents(rng, cost, supplier)
    products = pl.DataFrame(
        {
            "sku": [f"TP-{i + 1:04d}" for i in range(n_skus)],
            "description": [f"{a} {TEMPLATES[t].noun} - {c}" for t, a, c in variants],
            "category": [TEMPLATES[t].category for t in kind],
            "supplier": [SUPPLIERS[s].name for s in supplier],
            "unit_cost": cost,
            "cost_currency": [SUPPLIERS[s].currency for s in supplier],
            "weight_kg": weight,
            "hs_code": [TEMPLATES[t].hs_code for t in kind],
            "case_pack": case_pack.astype(np.int64),
            "moq": moq.astype(np.int64),
            "list_price": list_price / 100,
            "price_currency": ["EUR"] * n_skus,
        }
    )
    names = [category.name for category in CATEGORIES]
    category = np.array([names.index(TEMPLATES[t].category) for t in kind])
    return Catalog(products, supplier, category, list_price, case_pack, moq)


def _uniform_in(
    rng: np.random.Generator, ranges: list[tuple[float, float]], kind: np.ndarray
) -> np.ndarray:
    """One uniform draw per SKU inside its template's ``(low, high)`` range."""
    bounds = np.array(ranges)[kind]
    return np.asarray(rng.uniform(bounds[:, 0], bounds[:, 1]), dtype=np.float64)


def _case_packs(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Pick one of the template's carton sizes for each SKU."""
    u = rng.random(kind.size)
    packs = [TEMPLATES[t].case_packs for t in kind]
    return np.array([p[int(x * len(p))] for p, x in zip(packs, u, strict=True)])


def _moq_cartons(rng: np.random.Generator, supplier: np.ndarray) -> np.ndarray:
    """Cartons per minimum order: far-away factories ask for more."""
    far = np.array([SUPPLIERS[s].country in {"CN", "VN", "IN"} for s in supplier])
    return np.where(
        far, rng.integers(3, 9, supplier.size), rng.integers(1, 4, supplier.size)
    )


def _list_price_cents(
    rng: np.random.Generator, cost: np.ndarray, supplier: np.ndarray
) -> np.ndarray:
    """EUR consumer prices ending in .99, about 3-4.5 times the EUR cost."""
    in_usd = np.array([SUPPLIERS[s].currency == "USD" for s in supplier])
    cost_eur = np.where(in_usd, cost / USD_PER_EUR, cost)
    target = cost_eur * rng.uniform(3.0, 4.5, cost.size)
    return (np.ceil(target).astype(np.int64) * 100 - 1).clip(min=499)
