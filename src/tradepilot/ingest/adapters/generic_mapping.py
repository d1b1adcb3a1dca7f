"""The YAML column mapping of the ``generic`` order format, validated.

A mapping (``--mapping MAP.yaml``; every key documented with an example in
``docs/import-mapping.md``) names the file's column for each canonical field and
states the file's conventions: date formats and time zone, decimal comma, default
currency and country, extra country names (``country_aliases``), how the file writes
order kinds, and its field separator.
:func:`load_mapping` reads and validates it; a mistake raises
:class:`~tradepilot.domain.errors.ImportFormatError` naming the key.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tradepilot.domain.countries import fold_aliases, resolve_country
from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.domain.money import known_currencies
from tradepilot.domain.orders import OrderKind
from tradepilot.ingest.import_format import check_source

DEFAULT_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


class MappedColumns(BaseModel):
    """Canonical field -> the file's column name (``columns:`` of a mapping)."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    order_number: str
    ordered_at: str
    sku: str
    quantity: str
    unit_price: str | None = None
    line_total: str | None = None
    description: str | None = None
    customer: str | None = None
    country: str | None = None
    currency: str | None = None
    order_kind: str | None = None

    @model_validator(mode="after")
    def _one_price(self) -> Self:
        if (self.unit_price is None) == (self.line_total is None):
            raise ValueError(
                "map exactly one of unit_price and line_total, found "
                + ("both" if self.unit_price else "neither")
            )
        return self


class OrderMapping(BaseModel):
    """A validated YAML mapping of the ``generic`` format (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    source: str = Field(min_length=1, max_length=32)
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    columns: MappedColumns
    date_format: tuple[str, ...] = DEFAULT_DATE_FORMATS
    timezone: str = "UTC"
    currency: str | None = None
    # Before ``country``, whose validator reads them.
    country_aliases: dict[str, str] = Field(default_factory=dict)
    country: str | None = None
    decimal_comma: bool = False
    kind_values: dict[str, OrderKind] = Field(default_factory=dict)
    separator: str | None = Field(default=None, min_length=1, max_length=1)

    @field_validator("source")
    @classmethod
    def _plain_source(cls, value: str) -> str:
        return check_source(value)

    @field_validator("date_format", mode="before")
    @classmethod
    def _format_list(cls, value: object) -> object:
        formats = [value] if isinstance(value, str) else value
        if isinstance(formats, list) and not formats:
            raise ValueError("expected at least one strptime format such as %d.%m.%Y")
        if isinstance(formats, list) and any("%" not in str(f) for f in formats):
            raise ValueError(f"expected strptime formats such as %d.%m.%Y, got {value}")
        return formats

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; expected an IANA name such as"
                " Europe/Berlin or UTC"
            ) from None
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in known_currencies():
            raise ValueError(f"unknown currency {value!r}; expected an ISO-4217 code")
        return code

    @field_validator("country_aliases", mode="before")
    @classmethod
    def _folded_aliases(cls, value: object) -> object:
        """File's name -> ISO code, names folded as lookups fold them."""
        if not isinstance(value, dict):
            return value
        try:
            return fold_aliases({str(k): str(v) for k, v in value.items()})
        except DataValidationError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        country = resolve_country(value, aliases=info.data.get("country_aliases"))
        if country is None:
            raise ValueError(
                f"unknown country {value!r}; expected an ISO code such as DE,"
                " or ZZ for unknown"
            )
        return country.code

    @field_validator("kind_values", mode="before")
    @classmethod
    def _kind_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k).strip().lower(): v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _country_given(self) -> Self:
        if self.columns.country is None and self.country is None:
            raise ValueError(
                "no country: map columns.country or set a default country"
                " (ZZ if it is unknown)"
            )
        return self


def load_mapping(path: Path | None) -> OrderMapping:
    """Read and validate a mapping file.

    Parameters
    ----------
    path : Path or None
        The YAML file (``--mapping``); None when the option was not given.

    Raises
    ------
    ImportFormatError
        If the option is missing, the file unreadable, or a key missing or invalid;
        the message names the key.
    """
    if path is None:
        raise ImportFormatError(
            "the generic format needs a column mapping: pass --mapping MAP.yaml"
            " (see docs/import-mapping.md)"
        )
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such mapping file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{path.name}: not a readable YAML file ({exc.reason})"
        ) from None
    return parse_mapping(text, name=path.name)


def parse_mapping(text: str, *, name: str) -> OrderMapping:
    """Validate the YAML ``text`` of a mapping (``name`` is used in messages).

    Raises
    ------
    ImportFormatError
        If the text is not YAML, or a key is missing or invalid (naming the key).
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ImportFormatError(f"{name}: not a readable YAML file ({first})") from None
    return validate_mapping(data, name=name)


def validate_mapping(data: object, *, name: str) -> OrderMapping:
    """Validate a mapping given as data (the YAML document, or a built dict).

    Raises
    ------
    ImportFormatError
        If ``data`` is not a mapping, or a key is missing or invalid (naming it).
    """
    if not isinstance(data, dict):
        raise ImportFormatError(
            f"{name}: expected a YAML mapping with keys source, columns, ...;"
            f" found {type(data).__name__}"
        )
    try:
        return OrderMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ImportFormatError(f"{name}: invalid mapping: {problems}") from None


def _describe(error: Any) -> str:
    """One pydantic error as ``key: problem``, listing the allowed keys of a typo."""
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc)
    if error["type"] == "missing":
        return f"{key} is required"
    if error["type"] == "extra_forbidden":
        model = MappedColumns if loc[0] == "columns" else OrderMapping
        return f"unknown key {key!r}; allowed: {', '.join(model.model_fields)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}" if key else message
