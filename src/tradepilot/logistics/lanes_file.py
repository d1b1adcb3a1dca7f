"""Reading ``lanes.yaml``: zones, nodes and legs, validated, zone legs expanded.

The format is documented in ``data/LANES.md``. Every problem raises
:class:`~tradepilot.domain.errors.ReferenceDataError` naming the file, the entry,
the field, what was expected and what was found.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradepilot.domain.errors import ReferenceDataError
from tradepilot.domain.money import known_currencies
from tradepilot.logistics.routing import Leg, Node, RateCard, Transit, buyer_node

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


def read_lane_file(path: Path) -> tuple[list[Node], list[Leg]]:
    """The nodes and the concrete legs (zones expanded) of a lanes file.

    Raises
    ------
    ReferenceDataError
        If the file is malformed (see the module docstring).
    """
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
