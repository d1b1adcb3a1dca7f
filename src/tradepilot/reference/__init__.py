"""Reference data: VAT rates, low-value import regimes, duty rates and fees by date.

Every row carries its official ``source`` and ``effective_from``; a rule change is
a new row. :func:`load_reference` reads the packaged tables plus a workspace's
overrides; :mod:`tradepilot.reference.whatif` adds rule-change files.
"""

from tradepilot.reference.load import load_reference
from tradepilot.reference.rows import DutyRate, FeeSchedule, ImportRegime, VatRate
from tradepilot.reference.rules import (
    EU_MEMBERS,
    ReferenceData,
    hs_chapter,
    is_eu_member,
)
from tradepilot.reference.whatif import RuleChange, apply_change, read_rule_change

__all__ = [
    "EU_MEMBERS",
    "DutyRate",
    "FeeSchedule",
    "ImportRegime",
    "ReferenceData",
    "RuleChange",
    "VatRate",
    "apply_change",
    "hs_chapter",
    "is_eu_member",
    "load_reference",
    "read_rule_change",
]
