"""Shipping lanes and route choice: which way a parcel should go, and what it costs.

The network is read from ``lanes.yaml`` (format in ``data/LANES.md``): **nodes**
goods pass through (supplier factories, the seller's warehouses, 3PL and Amazon FBA
warehouses), **zones** of buyer countries, and **legs** from a node to a node, to a
zone or to one country, each with a :class:`RateCard` and a lognormal
:class:`Transit`. Every buyer country gets an implicit node ``buyer:<ISO2>``.

Zone legs expand to one leg per country with two rules:

* a zone leg is international: it never covers the origin node's own country
  (domestic delivery needs a leg to the country code itself);
* among legs from the same node with the same carrier and mode, a country takes the
  most specific one: a country code before a small zone before a large one, and
  ``ROW`` (every ISO country, built in) last.

:meth:`LaneNetwork.routes` enumerates the chains of up to ``max_legs`` legs from an
origin to a buyer country, prices each for the parcel and times it by Monte Carlo
(see :mod:`tradepilot.logistics.routing`); :meth:`LaneNetwork.best` takes the
cheapest that arrives within ``max_days`` with probability ``probability``.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

import networkx as nx
import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradepilot.domain.errors import (
    NoRouteError,
    ReferenceDataError,
)
from tradepilot.domain.money import known_currencies
from tradepilot.logistics.routing import (
    BUYER_PREFIX,
    DRAWS,
    ORIGIN_KINDS,
    SEED,
    Converter,
    Dims,
    Leg,
    Node,
    RateCard,
    Route,
    Shipment,
    Transit,
    buyer_node,
    chains,
    check_target,
    choose,
    evaluate,
    meets,
)

__all__ = [
    "LANES_FILENAME",
    "LaneNetwork",
    "Leg",
    "Node",
    "RateCard",
    "Route",
    "Transit",
    "buyer_node",
    "load_lanes",
]

LANES_FILENAME = "lanes.yaml"


class LaneNetwork:
    """Nodes and legs of the shipping network, and route choice over them.

    Parameters
    ----------
    nodes : iterable of Node
        The origin and hub nodes; buyer nodes are added for every ``buyer:<ISO2>``
        a leg reaches.
    legs : iterable of Leg
        Concrete legs: each ``destination`` is a node id or ``buyer:<ISO2>``.
    draws, seed : int
        Monte Carlo sample size and seed of the transit-time quantiles.

    Raises
    ------
    ReferenceDataError
        If a node id repeats or a leg names an unknown node.

    Examples
    --------
    >>> card = RateCard("EUR", per_kg=Decimal("2"), per_shipment=Decimal("5"))
    >>> network = LaneNetwork(
    ...     [Node("DE-WH", "DE", "warehouse", handling_days=1)],
    ...     [Leg("DE-WH", "buyer:FR", "DHL", "parcel", card, Transit(3, 0))],
    ... )
    >>> network.best("DE-WH", "FR", weight_kg=1.0, max_days=5).describe()
    'DE-WH -> buyer FR (parcel, DHL): EUR 7.00, 4 days at 90%'
    """

    def __init__(
        self,
        nodes: Iterable[Node],
        legs: Iterable[Leg],
        *,
        draws: int = DRAWS,
        seed: int = SEED,
    ) -> None:
        self.draws = draws
        self.seed = seed
        self.nodes: dict[str, Node] = {}
        for node in nodes:
            if node.id in self.nodes:
                raise ReferenceDataError(f"node id {node.id!r} is defined twice")
            self.nodes[node.id] = node
        self.legs = tuple(legs)
        self._graph = self._build_graph()

    def _build_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        hops: dict[tuple[str, str], list[Leg]] = defaultdict(list)
        for leg in self.legs:
            self._check_leg(leg)
            hops[leg.origin, leg.destination].append(leg)
        for (origin, destination), legs in hops.items():
            graph.add_edge(origin, destination, legs=tuple(legs))
        return graph

    def _check_leg(self, leg: Leg) -> None:
        if leg.origin not in self.nodes:
            raise ReferenceDataError(
                f"leg {leg.origin} -> {leg.destination}: origin {leg.origin!r} is not "
                f"a node; expected one of {', '.join(sorted(self.nodes))}"
            )
        if leg.destination.startswith(BUYER_PREFIX):
            country = leg.destination.removeprefix(BUYER_PREFIX)
            self.nodes.setdefault(
                leg.destination, Node(leg.destination, country, "buyer")
            )
        elif leg.destination not in self.nodes:
            raise ReferenceDataError(
                f"leg {leg.origin} -> {leg.destination}: destination is neither a node "
                f"nor buyer:<ISO2>; nodes: {', '.join(sorted(self.nodes))}"
            )

    @classmethod
    def from_yaml(cls, path: Path) -> LaneNetwork:
        """Read a lanes file (format in ``data/LANES.md``).

        Raises
        ------
        ReferenceDataError
            Naming the file, the entry, the field, what was expected and what was
            found, if the file is missing or malformed.
        """
        nodes, legs = _read_lane_file(path)
        return cls(nodes, legs)

    def origins_in(self, country: str) -> list[str]:
        """Ids of the nodes in ``country`` that can ship (not buyer nodes), sorted."""
        return sorted(
            node.id
            for node in self.nodes.values()
            if node.country == country and node.kind in ORIGIN_KINDS
        )

    def routes(
        self,
        origin: str,
        destination: str,
        *,
        weight_kg: float,
        dims_cm: Dims | None = None,
        max_days: float | None = None,
        probability: float = 0.9,
        currency: str = "EUR",
        convert: Converter | None = None,
        max_legs: int = 3,
    ) -> list[Route]:
        """Every route meeting the target, cheapest first (then fastest).

        Parameters
        ----------
        origin : str
            A node id, or a country code: every origin node there is tried.
        destination : str
            Buyer country, ISO 3166-1 alpha-2.
        weight_kg : float
            Actual weight of the parcel; legs whose ``max_kg`` is lower are skipped.
        dims_cm : tuple of 3 floats, optional
            L, W, H in cm, for volumetric weight.
        max_days : float, optional
            Deadline in days (handling included); ``None``: no deadline.
        probability : float
            Probability of arriving within ``max_days`` (0 < p < 1).
        currency : str
            Currency of the costs.
        convert : callable, optional
            ``convert(amount, from_currency)`` into ``currency``.
        max_legs : int
            Longest chain considered.

        Returns
        -------
        list of Route
            Empty when nothing reaches ``destination`` or nothing arrives in time;
            :meth:`best` says which.

        Raises
        ------
        NoRouteError
            If ``origin`` is neither a node id nor a country with origin nodes.
        ReferenceDataError
            If a leg on a candidate route is in another currency and ``convert``
            is missing.
        """
        shipment = Shipment(weight_kg, dims_cm, probability, currency, convert)
        candidates = self._candidates(origin, destination, shipment, max_legs)
        return [route for route in candidates if meets(route, max_days)]

    def best(
        self,
        origin: str,
        destination: str,
        *,
        weight_kg: float,
        dims_cm: Dims | None = None,
        max_days: float | None = None,
        probability: float = 0.9,
        currency: str = "EUR",
        convert: Converter | None = None,
        max_legs: int = 3,
    ) -> Route:
        """The cheapest route meeting the target (arguments as :meth:`routes`).

        Raises
        ------
        NoRouteError
            If no lane joins ``origin`` to buyers in ``destination`` for this parcel,
            or none arrives in time (the message names the fastest route).
        """
        shipment = Shipment(weight_kg, dims_cm, probability, currency, convert)
        candidates = self._candidates(origin, destination, shipment, max_legs)
        return choose(candidates, origin, destination, shipment, max_days, max_legs)

    def _candidates(
        self,
        origin: str,
        destination: str,
        shipment: Shipment,
        max_legs: int,
    ) -> list[Route]:
        check_target(shipment.probability, max_legs)
        target = buyer_node(destination)
        routes = [
            evaluate(
                start,
                destination,
                legs,
                self._handling(legs),
                shipment,
                draws=self.draws,
                seed=self.seed,
            )
            for start in self._origin_nodes(origin)
            for legs in chains(self._graph, start, target, max_legs)
            if all(leg.card.carries(shipment.weight_kg) for leg in legs)
        ]
        return sorted(
            routes, key=lambda r: (r.cost, r.days_at_probability, r.describe())
        )

    def _origin_nodes(self, origin: str) -> list[str]:
        if origin in self.nodes and not origin.startswith(BUYER_PREFIX):
            return [origin]
        found = self.origins_in(origin)
        if not found:
            known = ", ".join(
                sorted(n.id for n in self.nodes.values() if n.kind in ORIGIN_KINDS)
            )
            raise NoRouteError(
                f"origin {origin!r} is neither a node id nor a country with origin "
                f"nodes; known origins: {known}"
            )
        return found

    def _handling(self, legs: tuple[Leg, ...]) -> float:
        """Handling days at the origin and every hub (buyer nodes have none)."""
        return sum(self.nodes[leg.origin].handling_days for leg in legs)


def default_lanes_path() -> Path:
    """The packaged default ``data/lanes.yaml``."""
    return Path(__file__).with_name("data") / LANES_FILENAME


def load_lanes(home: Path | None = None) -> LaneNetwork:
    """The seller's ``<home>/lanes.yaml`` if there is one, else the packaged default.

    A seller's file replaces the default entirely.

    Raises
    ------
    ReferenceDataError
        If the file is malformed.
    """
    if home is not None and (home / LANES_FILENAME).is_file():
        return LaneNetwork.from_yaml(home / LANES_FILENAME)
    return LaneNetwork.from_yaml(default_lanes_path())


# --- reading lanes.yaml ------------------------------------------------------------

Mode = Literal[
    "express", "postal", "air_freight", "sea_freight", "rail", "road", "parcel"
]
ROW = "ROW"
_SECTIONS = frozenset({"zones", "nodes", "legs"})


@functools.cache
def iso_countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code (the ``ROW`` zone)."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


class _CardSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str
    per_kg: Decimal = Field(ge=0)
    per_shipment: Decimal = Field(ge=0)
    fuel_surcharge: Decimal = Field(Decimal(0), ge=0, le=1)
    volumetric_divisor: int | None = Field(None, gt=0)
    min_charge: Decimal = Field(Decimal(0), ge=0)
    max_kg: float | None = Field(None, gt=0)

    @field_validator("currency")
    @classmethod
    def _iso4217(cls, value: str) -> str:
        if value not in known_currencies():
            raise ValueError("expected an ISO-4217 code such as EUR, USD, GBP")
        return value


class _TransitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mean_days: float = Field(gt=0)
    std_days: float = Field(ge=0)


class _NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    country: str
    kind: Literal["supplier", "warehouse", "3pl", "fba"]
    handling_days: float = Field(0.0, ge=0)
    name: str | None = None

    @field_validator("country")
    @classmethod
    def _iso3166(cls, value: str) -> str:
        if value not in iso_countries():
            raise ValueError("expected an ISO 3166-1 alpha-2 code such as DE, US")
        return value


class _LegSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: str = Field(alias="from")
    to: str
    carrier: str = Field(min_length=1)
    mode: Mode
    card: _CardSpec
    transit: _TransitSpec


_Spec = TypeVar("_Spec", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class _Coverage:
    """Countries a zone leg covers and how specific it is (smaller wins)."""

    countries: frozenset[str]
    size: float


def _read_lane_file(path: Path) -> tuple[list[Node], list[Leg]]:
    document = _load_mapping(path)
    zones = _parse_zones(path, document.get("zones") or {})
    nodes = _parse_nodes(path, document.get("nodes"))
    specs = _parse_leg_specs(path, document.get("legs"))
    return nodes, _expand_legs(path, specs, {n.id: n for n in nodes}, zones)


def _load_mapping(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"lanes file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ReferenceDataError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ReferenceDataError(
            f"{path}: expected a mapping with sections zones, nodes, legs; "
            f"found {type(document).__name__}"
        )
    unknown = sorted(set(map(str, document)) - _SECTIONS)
    if unknown:
        raise ReferenceDataError(
            f"{path}: unknown section(s) {', '.join(unknown)}; "
            f"expected only zones, nodes, legs"
        )
    return document


def _parse_zones(path: Path, raw: object) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        raise ReferenceDataError(
            f"{path}: section 'zones': expected a mapping of zone name to a list of "
            f"ISO 3166-1 alpha-2 codes; found {type(raw).__name__}"
        )
    zones = {}
    for name, codes in raw.items():
        where = f"{path}: zone {name!r}"
        if name == ROW:
            raise ReferenceDataError(f"{where}: ROW is built in (every country)")
        if not isinstance(codes, list) or not codes:
            raise ReferenceDataError(
                f"{where}: expected a non-empty list of country codes; found {codes!r}"
            )
        unknown = [code for code in codes if code not in iso_countries()]
        if unknown:
            hint = ' (write "NO" in quotes: YAML reads NO as false)'
            raise ReferenceDataError(
                f"{where}: expected ISO 3166-1 alpha-2 codes; found {unknown!r}"
                + (hint if False in unknown else "")
            )
        zones[str(name)] = frozenset(codes)
    return zones


def _entries(path: Path, raw: object, section: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ReferenceDataError(
            f"{path}: section {section!r}: expected a list of mappings; found {raw!r:.80}"
        )
    return raw


def _parse_nodes(path: Path, raw: object) -> list[Node]:
    nodes: list[Node] = []
    seen: set[str] = set()
    for number, entry in enumerate(_entries(path, raw, "nodes"), start=1):
        where = f"{path}: node {number} ({entry.get('id', '?')})"
        spec = _validate(_NodeSpec, entry, where)
        if spec.id in seen:
            raise ReferenceDataError(f"{where}: field 'id': {spec.id!r} is used twice")
        seen.add(spec.id)
        nodes.append(Node(spec.id, spec.country, spec.kind, spec.handling_days))
    return nodes


def _leg_where(path: Path, number: int, entry: Mapping[str, Any]) -> str:
    return (
        f"{path}: leg {number} (from {entry.get('from', '?')} to {entry.get('to', '?')},"
        f" {entry.get('carrier', '?')} {entry.get('mode', '?')})"
    )


def _parse_leg_specs(path: Path, raw: object) -> list[tuple[str, _LegSpec]]:
    return [
        (where, _validate(_LegSpec, entry, where))
        for number, entry in enumerate(_entries(path, raw, "legs"), start=1)
        for where in [_leg_where(path, number, entry)]
    ]


def _validate(model: type[_Spec], entry: dict[str, Any], where: str) -> _Spec:
    try:
        return model.model_validate(entry)
    except ValidationError as error:
        raise ReferenceDataError(_describe_error(error, where)) from None


def _describe_error(error: ValidationError, where: str) -> str:
    """The first problem as 'field X: expected ...; found ...' (no traceback)."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return f"{where}: field {field!r} is missing"
    if first["type"] == "extra_forbidden":
        return f"{where}: field {field!r} is not a lanes.yaml field (see LANES.md)"
    expected = first["msg"].removeprefix("Value error, ")
    return f"{where}: field {field!r}: {expected}; found {first['input']!r}"


def _coverage(
    spec: _LegSpec, where: str, origin: Node, zones: dict[str, frozenset[str]]
) -> _Coverage:
    # A zone leg is international: the origin's own country needs its own leg.
    if spec.to == ROW:
        return _Coverage(iso_countries() - {origin.country}, math.inf)
    if spec.to in zones:
        return _Coverage(zones[spec.to] - {origin.country}, len(zones[spec.to]))
    if spec.to in iso_countries():
        return _Coverage(frozenset({spec.to}), 1)
    raise ReferenceDataError(
        f"{where}: field 'to': expected a node id, a zone ({', '.join(sorted(zones))},"
        f" ROW) or an ISO 3166-1 alpha-2 country code; found {spec.to!r}"
    )


def _expand_legs(
    path: Path,
    specs: list[tuple[str, _LegSpec]],
    nodes: dict[str, Node],
    zones: dict[str, frozenset[str]],
) -> list[Leg]:
    """Concrete legs: node legs as written, zone legs one per country covered."""
    legs: list[Leg] = []
    chosen: dict[tuple[str, str, str, str], tuple[float, str, _LegSpec]] = {}
    for where, spec in specs:
        if spec.origin not in nodes:
            raise ReferenceDataError(
                f"{where}: field 'from': expected a node id ({', '.join(nodes)}); "
                f"found {spec.origin!r}"
            )
        if spec.to in nodes:
            legs.append(_leg(spec, spec.to))
            continue
        coverage = _coverage(spec, where, nodes[spec.origin], zones)
        for country in coverage.countries:
            key = (spec.origin, spec.carrier, spec.mode, country)
            held = chosen.get(key)
            if held is not None and held[0] == coverage.size:
                raise ReferenceDataError(
                    f"{where}: covers {country} as specifically as {held[1]}; "
                    f"expected one {spec.carrier} {spec.mode} leg per zone size"
                )
            if held is None or coverage.size < held[0]:
                chosen[key] = (coverage.size, where, spec)
    legs.extend(
        _leg(spec, buyer_node(key[3])) for key, (_, _, spec) in sorted(chosen.items())
    )
    return legs


def _leg(spec: _LegSpec, destination: str) -> Leg:
    return Leg(
        origin=spec.origin,
        destination=destination,
        carrier=spec.carrier,
        mode=spec.mode,
        card=RateCard(**spec.card.model_dump()),
        transit=Transit(spec.transit.mean_days, spec.transit.std_days),
    )
