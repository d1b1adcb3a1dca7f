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

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from tradepilot.domain.errors import (
    NoRouteError,
    ReferenceDataError,
)
from tradepilot.logistics.lanes_file import read_lane_file
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
    >>> from decimal import Decimal
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
        # chains depend on the graph alone, not on the parcel: enumerated once
        # per (start, target, max_legs) instead of once per weight (the margins
        # of ~19k SKU x country cells spent 60 s in all_simple_paths)
        self._chains: dict[tuple[str, str, int], tuple[tuple[Leg, ...], ...]] = {}

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
        nodes, legs = read_lane_file(path)
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
            for legs in self._chains_of(start, target, max_legs)
            if all(leg.card.carries(shipment.weight_kg) for leg in legs)
        ]
        return sorted(
            routes, key=lambda r: (r.cost, r.days_at_probability, r.describe())
        )

    def _chains_of(
        self, start: str, target: str, max_legs: int
    ) -> tuple[tuple[Leg, ...], ...]:
        key = (start, target, max_legs)
        if key not in self._chains:
            self._chains[key] = tuple(chains(self._graph, start, target, max_legs))
        return self._chains[key]

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
