"""Automation use cases, the verbs the CLI, the API, the pages and other packages call.

* the approval queue: :func:`propose`, :func:`list_approvals`, :func:`decide`
  (:mod:`tradepilot.automation.approvals`).
"""

from __future__ import annotations

from tradepilot.automation.approvals import decide, list_approvals, propose

__all__ = ["decide", "list_approvals", "propose"]
