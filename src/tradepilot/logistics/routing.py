"""Pricing and timing of shipping routes: the numeric core under the lane network.

A :class:`Leg` carries goods from one node to the next under a :class:`RateCard`
(what it costs) and a :class:`Transit` (how long it takes, lognormal). A
:class:`Route` is a chain of legs from an origin node to the buyers of a country,
priced for one parcel and timed by Monte Carlo:

* the cost is the sum of each leg's price, converted to the requested currency and
  rounded to its minor unit;
* the transit time is the sum of the legs' lognormal draws plus the handling days
  of every node the goods wait at (origin and hubs). A sum of lognormals is not
  lognormal, so its quantiles are read off ``draws`` samples drawn from a fixed
  ``seed``. Every route draws leg *i* from the same standard normals (common random
  numbers), so comparisons between routes do not move with sampling noise and the
  same question always gets the same answer.

:mod:`tradepilot.logistics.lanes` reads the network from YAML and holds it;
this module prices, times, enumerates and chooses, and knows nothing of files.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

import networkx as nx
import numpy as np
import numpy.typing as npt

from tradepilot.domain.errors import (
    DataValidationError,
    NoRouteError,
    ReferenceDataError,
)
from tradepilot.domain.money import quantize

Converter = Callable[[Decimal, str], Decimal]
"""``convert(amount, from_currency)`` -> the amount in the requested currency."""

Dims = tuple[float, float, float]
"""Parcel dimensions, length x width x height in cm."""

BUYER_PREFIX = "buyer:"
ORIGIN_KINDS = ("supplier", "warehouse", "3pl", "fba")
DRAWS = 20_000
SEED = 20_250_601
ZERO = Decimal(0)


def buyer_node(country: str) -> str:
    """Id of the implicit node standing for the buyers of ``country``.

    Examples
    --------
    >>> buyer_node("US")
    'buyer:US'
    """
    return f"{BUYER_PREFIX}{country}"


def place_label(node_id: str) -> str:
    """How a node reads in a route description (``buyer:US`` -> ``buyer US``).

    Examples
    --------
    >>> place_label("buyer:US"), place_label("US-3PL")
    ('buyer US', 'US-3PL')
    """
    if node_id.startswith(BUYER_PREFIX):
        return f"buyer {node_id.removeprefix(BUYER_PREFIX)}"
    return node_id


def chargeable_kg(weight_kg: float, dims_cm: Dims | None, divisor: int | None) -> float:
    """The weight a carrier charges: the larger of actual and volumetric weight.

    Parameters
    ----------
    weight_kg : float
        Actual weight, kg; must be positive.
    dims_cm : tuple of 3 floats or None
        Length, width, height in cm; ``None`` charges the actual weight.
    divisor : int or None
        Volumetric divisor in cm3 per kg (5000 for express and air); ``None`` for
        lanes charged by actual weight only (consolidated sea freight).

    Raises
    ------
    DataValidationError
        If the weight or a dimension is not positive.

    Examples
    --------
    >>> chargeable_kg(2.0, (40, 30, 20), 5000)  # 24,000 cm3 / 5000 = 4.8 kg
    4.8
    >>> chargeable_kg(2.0, (40, 30, 20), None)
    2.0
    """
    if not weight_kg > 0:
        raise DataValidationError(f"weight_kg must be > 0 kg; found {weight_kg!r}")
    if dims_cm is None or divisor is None:
        return weight_kg
    if len(dims_cm) != 3 or not all(side > 0 for side in dims_cm):
        raise DataValidationError(
            f"dims_cm must be three positive lengths in cm (L, W, H); found {dims_cm!r}"
        )
    length, width, height = dims_cm
    return max(weight_kg, length * width * height / divisor)


@dataclass(frozen=True, slots=True)
class RateCard:
    """What a leg costs for one parcel, in ``currency``.

    ``freight = max(per_shipment + per_kg * chargeable_kg, min_charge)``, then
    ``price = freight * (1 + fuel_surcharge)``: the minimum applies to the freight
    before the fuel surcharge, as carriers' minimum freight charges do. The
    chargeable weight is the actual weight, or the volumetric weight
    ``L * W * H / volumetric_divisor`` when that is larger and dimensions are given.

    Attributes
    ----------
    currency : str
        ISO-4217 code of every amount on the card.
    per_kg, per_shipment, min_charge : Decimal
        Amounts in ``currency``.
    fuel_surcharge : Decimal
        Fraction of the freight (0.25 = 25 %).
    volumetric_divisor : int or None
        cm3 per kg; ``None`` charges by actual weight.
    max_kg : float or None
        Heaviest parcel the lane takes (actual weight, kg); ``None``: no limit.

    Examples
    --------
    >>> card = RateCard("EUR", per_kg=Decimal("4"), per_shipment=Decimal("10"),
    ...                 fuel_surcharge=Decimal("0.2"), volumetric_divisor=5000)
    >>> card.price(2.0)                      # (10 + 4 * 2) * 1.2
    Decimal('21.60')
    >>> card.price(2.0, (40, 30, 20))        # volumetric 4.8 kg: (10 + 19.2) * 1.2
    Decimal('35.04')
    """

    currency: str
    per_kg: Decimal
    per_shipment: Decimal
    fuel_surcharge: Decimal = ZERO
    volumetric_divisor: int | None = None
    min_charge: Decimal = ZERO
    max_kg: float | None = None

    def carries(self, weight_kg: float) -> bool:
        """Whether the lane takes a parcel of ``weight_kg`` (actual weight)."""
        return self.max_kg is None or weight_kg <= self.max_kg

    def price(self, weight_kg: float, dims_cm: Dims | None = None) -> Decimal:
        """Price of one parcel in ``currency``, rounded to its minor unit.

        Raises
        ------
        DataValidationError
            If the weight or dimensions are not positive, or the parcel is heavier
            than ``max_kg``.
        """
        kg = chargeable_kg(weight_kg, dims_cm, self.volumetric_divisor)
        if not self.carries(weight_kg):
            raise DataValidationError(
                f"parcel of {weight_kg:g} kg exceeds this card's max_kg {self.max_kg:g}"
            )
        freight = max(
            self.per_shipment + self.per_kg * Decimal(repr(kg)), self.min_charge
        )
        return quantize(freight * (1 + self.fuel_surcharge), self.currency)


@dataclass(frozen=True, slots=True)
class Transit:
    """Door-to-door days of one leg, lognormal with the given mean and spread.

    ``std_days == 0`` means the leg always takes exactly ``mean_days``.

    Examples
    --------
    >>> draws = Transit(10.0, 3.0).sample(np.random.default_rng(0), 200_000)
    >>> round(float(draws.mean()), 1), round(float(draws.std()), 1)
    (10.0, 3.0)
    >>> Transit(4.0, 0.0).sample(np.random.default_rng(0), 3)
    array([4., 4., 4.])
    """

    mean_days: float
    std_days: float

    def sample(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
        """``n`` transit times in days, shape ``(n,)``.

        Always consumes ``n`` standard normals from ``rng``, also when
        ``std_days == 0``, so routes sampled from equal seeds stay aligned leg by leg.
        """
        return self.from_normals(rng.standard_normal(n))

    def from_normals(self, z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Map standard normal draws ``z`` to transit days (same shape)."""
        # Lognormal with E = m and SD = s: sigma^2 = ln(1 + (s/m)^2), mu = ln m - sigma^2/2.
        sigma2 = math.log1p((self.std_days / self.mean_days) ** 2)
        mu = math.log(self.mean_days) - sigma2 / 2
        if sigma2 == 0:
            return np.full_like(z, self.mean_days, dtype=np.float64)
        return np.exp(mu + math.sqrt(sigma2) * z)


@dataclass(frozen=True, slots=True)
class Node:
    """A place goods pass through.

    Attributes
    ----------
    id : str
        Unique id, e.g. ``CN-SZX``; buyer nodes are ``buyer:<ISO2>``.
    country : str
        ISO 3166-1 alpha-2.
    kind : str
        ``supplier``, ``warehouse``, ``3pl``, ``fba`` or ``buyer``.
    handling_days : float
        Days the goods spend at the node before the next leg leaves.
    """

    id: str
    country: str
    kind: str
    handling_days: float = 0.0


@dataclass(frozen=True, slots=True)
class Leg:
    """One carrier service from a node to a node (or to ``buyer:<country>``)."""

    origin: str
    destination: str
    carrier: str
    mode: str
    card: RateCard
    transit: Transit

    def label(self) -> str:
        """``"<destination> (<mode>, <carrier>)"`` as a route description shows it."""
        return f"{place_label(self.destination)} ({self.mode}, {self.carrier})"


@dataclass(frozen=True, slots=True)
class Route:
    """A priced and timed chain of legs from an origin node to a buyer country.

    Attributes
    ----------
    origin : str
        Origin node id.
    destination : str
        Buyer country, ISO 3166-1 alpha-2.
    cost : Decimal
        Sum of ``leg_costs``, in ``currency``.
    days_p50, days_at_probability : float
        Median and ``probability`` quantile of the total days, handling included.
    """

    origin: str
    destination: str
    legs: tuple[Leg, ...]
    cost: Decimal
    currency: str
    leg_costs: tuple[Decimal, ...]
    days_p50: float
    days_at_probability: float
    probability: float

    def describe(self) -> str:
        """One line: path, cost, days at the probability (rounded up).

        Examples
        --------
        >>> card = RateCard("USD", Decimal("1"), Decimal("2"))
        >>> leg = Leg("CN-SZX", "buyer:US", "DHL", "express", card, Transit(4, 0))
        >>> Route("CN-SZX", "US", (leg,), Decimal("3.00"), "USD", (Decimal("3.00"),),
        ...       5.0, 5.0, 0.9).describe()
        'CN-SZX -> buyer US (express, DHL): USD 3.00, 5 days at 90%'
        """
        path = " -> ".join([self.origin, *(leg.label() for leg in self.legs)])
        days = math.ceil(round(self.days_at_probability, 6))
        return (
            f"{path}: {self.currency} {self.cost}, "
            f"{days} days at {self.probability * 100:g}%"
        )

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary; amounts as strings, one entry per leg."""
        legs = [
            {
                "origin": leg.origin,
                "destination": leg.destination,
                "carrier": leg.carrier,
                "mode": leg.mode,
                "cost": str(cost),
                "card_currency": leg.card.currency,
                "mean_days": leg.transit.mean_days,
                "std_days": leg.transit.std_days,
            }
            for leg, cost in zip(self.legs, self.leg_costs, strict=True)
        ]
        return {
            "origin": self.origin,
            "destination": self.destination,
            "cost": str(self.cost),
            "currency": self.currency,
            "days_p50": round(self.days_p50, 2),
            "days_at_probability": round(self.days_at_probability, 2),
            "probability": self.probability,
            "description": self.describe(),
            "legs": legs,
        }


@dataclass(frozen=True, slots=True)
class Shipment:
    """What is being routed: the parcel, the delivery target and the currency.

    Attributes
    ----------
    weight_kg : float
        Actual weight, kg.
    dims_cm : tuple of 3 floats or None
        L, W, H in cm, for volumetric weight.
    probability : float
        Probability at which transit days are quoted (0 < p < 1).
    currency : str
        Currency of the route costs.
    convert : callable or None
        ``convert(amount, from_currency)`` into ``currency``.
    """

    weight_kg: float
    dims_cm: Dims | None
    probability: float
    currency: str
    convert: Converter | None = None


def leg_cost(leg: Leg, shipment: Shipment) -> Decimal:
    """Price of ``leg`` for the parcel in ``currency``, rounded to its minor unit.

    Raises
    ------
    ReferenceDataError
        If the card is in another currency and no converter is given.
    """
    currency, convert = shipment.currency, shipment.convert
    price = leg.card.price(shipment.weight_kg, shipment.dims_cm)
    if leg.card.currency == currency:
        return price
    if convert is None:
        raise ReferenceDataError(
            f"leg {leg.origin} -> {leg.label()} is priced in {leg.card.currency} but "
            f"the route is wanted in {currency}: pass convert=(amount, from_currency) "
            f"-> amount in {currency}"
        )
    return quantize(convert(price, leg.card.currency), currency)


def total_days(
    legs: Sequence[Leg],
    handling_days: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
) -> npt.NDArray[np.float64]:
    """Monte Carlo draws of a chain's total days, shape ``(draws,)``.

    Leg *i* always uses the *i*-th block of ``draws`` normals of ``seed``, so two
    chains are compared on common random numbers.

    Examples
    --------
    >>> card = RateCard("EUR", Decimal("1"), Decimal("0"))
    >>> legs = [Leg("A", "buyer:FR", "X", "road", card, Transit(3.0, 0.0))]
    >>> float(np.quantile(total_days(legs, 2.0, draws=100), 0.9))
    5.0
    """
    rng = np.random.default_rng(seed)
    total = np.full(draws, float(handling_days))
    for leg in legs:
        total += leg.transit.sample(rng, draws)
    return total


def evaluate(
    origin: str,
    destination: str,
    legs: tuple[Leg, ...],
    handling_days: float,
    shipment: Shipment,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
) -> Route:
    """Price and time one chain of legs for the shipment.

    ``handling_days`` is the sum over the nodes the goods wait at (origin and hubs).
    """
    costs = tuple(leg_cost(leg, shipment) for leg in legs)
    days = total_days(legs, handling_days, draws=draws, seed=seed)
    p50, p_target = np.quantile(days, [0.5, shipment.probability])
    return Route(
        origin=origin,
        destination=destination,
        legs=legs,
        cost=quantize(sum(costs, ZERO), shipment.currency),
        currency=shipment.currency,
        leg_costs=costs,
        days_p50=float(p50),
        days_at_probability=float(p_target),
        probability=shipment.probability,
    )


def chains(
    graph: nx.DiGraph, start: str, target: str, max_legs: int
) -> Iterator[tuple[Leg, ...]]:
    """Every chain of legs along every simple path of at most ``max_legs`` hops.

    Each edge of ``graph`` holds its parallel legs (carriers, modes) under ``legs``;
    a path with several legs per hop yields every combination.
    """
    if start not in graph or target not in graph:
        return
    for path in nx.all_simple_paths(graph, start, target, cutoff=max_legs):
        options = [graph.edges[a, b]["legs"] for a, b in itertools.pairwise(path)]
        yield from itertools.product(*options)


def check_target(probability: float, max_legs: int) -> None:
    """Refuse a probability outside (0, 1) or fewer than one leg.

    Raises
    ------
    DataValidationError
        Naming the argument, what is allowed and what was given.
    """
    if not 0 < probability < 1:
        raise DataValidationError(
            f"probability must be in (0, 1); found {probability!r}"
        )
    if max_legs < 1:
        raise DataValidationError(f"max_legs must be >= 1; found {max_legs!r}")


def meets(route: Route, max_days: float | None) -> bool:
    """Whether ``route`` arrives within ``max_days`` at its probability."""
    return max_days is None or route.days_at_probability <= max_days


def choose(
    candidates: Sequence[Route],
    origin: str,
    destination: str,
    shipment: Shipment,
    max_days: float | None,
    max_legs: int,
) -> Route:
    """The first of ``candidates`` (sorted cheapest first) meeting ``max_days``.

    Raises
    ------
    NoRouteError
        If there is no candidate, or none arrives in time; then the message names
        the fastest candidate and its days at the probability.
    """
    if not candidates:
        raise NoRouteError(
            f"no lane joins {origin} to buyers in {destination} for a "
            f"{shipment.weight_kg:g} kg parcel within {max_legs} legs"
        )
    for route in candidates:
        if meets(route, max_days):
            return route
    fastest = min(candidates, key=lambda route: route.days_at_probability)
    raise NoRouteError(
        f"no route from {origin} to buyers in {destination} arrives within "
        f"{max_days:g} days at {fastest.probability * 100:g}%; the fastest is "
        f"{fastest.describe()} ({fastest.days_at_probability:.1f} days)"
    )
