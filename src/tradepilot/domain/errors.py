"""Error hierarchy of TradePilot.

Every error TradePilot raises on purpose derives from :class:`TradePilotError`, carries
a stable machine-readable ``code`` and a message that names the thing, what was
allowed and what was received. Errors are translated once, at the edge: a message and
exit code in the CLI, problem+json in the API.

::

    TradePilotError
    ├── DataValidationError        a value breaks a domain rule
    │   ├── CurrencyMismatch       arithmetic across two currencies
    │   └── ReferenceDataError     a VAT, import-rule, duty, fee or lane row is
    │                              malformed, or no rule covers a country and date
    ├── ImportFormatError          a file is not what its importer expects
    ├── MissingRateError           no FX rate for a currency on a date
    ├── WorkspaceError             workspace missing, not initialised, wrong settings
    ├── NoRouteError               no shipping lane reaches a destination in time
    ├── NotFittedError             an estimator used before ``fit`` (also ValueError,
    │                              AttributeError, as in scikit-learn)
    └── ExternalServiceError       an outside system failed (LLM endpoint, marketplace)
"""

from __future__ import annotations

import datetime as dt


class TradePilotError(Exception):
    """Root of every error TradePilot raises on purpose."""

    code = "tradepilot_error"
    exit_code = 1


class DataValidationError(TradePilotError):
    """A value breaks a domain rule (unknown currency, negative quantity, ...)."""

    code = "invalid_data"


class CurrencyMismatch(DataValidationError):
    """Arithmetic between amounts in two different currencies.

    Parameters
    ----------
    left, right : str
        ISO-4217 codes of the two operands.
    """

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} and {right} amounts; convert first")
        self.left = left
        self.right = right


class ImportFormatError(TradePilotError):
    """A file is not what its importer expects (columns, encoding, type, emptiness)."""

    code = "import_format"
    exit_code = 2


class MissingRateError(TradePilotError):
    """No exchange rate is known for ``currency`` on ``date``.

    Parameters
    ----------
    currency : str
        ISO-4217 code without a rate.
    date : datetime.date
        Transaction date that needed the rate.
    """

    code = "missing_fx_rate"

    def __init__(self, currency: str, date: dt.date, detail: str = "") -> None:
        message = f"no FX rate for {currency} on {date.isoformat()}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        self.currency = currency
        self.date = date


class ReferenceDataError(DataValidationError):
    """A reference row (VAT, import rule, duty, fee, lane) is malformed or missing."""

    code = "reference_data"


class NoRouteError(TradePilotError):
    """No shipping route joins two places, or none arrives within the target."""

    code = "no_route"


class WorkspaceError(TradePilotError):
    """The workspace is missing, not initialised, or misconfigured."""

    code = "workspace"


class BusyError(TradePilotError):
    """The same kind of work is already running (e.g. a forecast run)."""

    code = "busy"


class NotFittedError(TradePilotError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""

    code = "not_fitted"


class ExternalServiceError(TradePilotError):
    """An outside system (LLM endpoint, marketplace API) failed or is unreachable."""

    code = "external_service"
