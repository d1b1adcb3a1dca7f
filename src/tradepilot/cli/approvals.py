"""``tradepilot approvals list|approve|reject``: the queue of proposed actions."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    rows_table,
    stdout,
    workspace_store,
)

approvals_app = typer.Typer(
    help="Actions proposed by the scheduler or the co-pilot, waiting for approval.",
    no_args_is_help=True,
)
ApprovalId = Annotated[int, typer.Argument(help="Approval id (see `approvals list`).")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who decides (default: your login name).")
]


def list_(
    status: Annotated[
        str, typer.Option(help="pending, approved, rejected or all.")
    ] = "pending",
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """The approval queue (pending items by default), newest first."""
    from tradepilot.automation.service import list_approvals

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        items = list_approvals(engine, status=None if status == "all" else status)
    if as_json:
        emit_json({"approvals": items, "count": len(items)})
        return
    if not items:
        stdout.print(f"no {'' if status == 'all' else status + ' '}approvals")
        return
    stdout.print(
        rows_table(
            "Approvals",
            items,
            ["id", "kind", "title", "money_base", "source", "status", "created_at"],
        )  # fmt: skip
    )


def _decide(
    approval_id: int,
    *,
    approve: bool,
    by: str | None,
    reason: str | None,
    workspace: WorkspaceOption,
    as_json: bool,
) -> None:
    from tradepilot.automation.service import decide

    with errors_as_messages(), workspace_store(workspace) as (engine, home):
        item = decide(engine, approval_id=approval_id, approve=approve, home=home,
                      by=by or _login(), reason=reason)  # fmt: skip
    if as_json:
        emit_json(item)
        return
    stdout.print(f"approval {item['id']} ({item['title']}) is {item['status']}")
    result: dict[str, Any] = item["result"] or {}
    if result.get("file"):
        stdout.print(f"  wrote {result['file']}", highlight=False)


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return "owner"


def approve(
    approval_id: ApprovalId,
    by: ByOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve an item: its action runs (files are written to the outbox/ folder)."""
    _decide(approval_id, approve=True, by=by, reason=None, workspace=workspace,
            as_json=as_json)  # fmt: skip


def reject(
    approval_id: ApprovalId,
    reason: Annotated[
        str | None, typer.Option(help="Why (kept with the item).")
    ] = None,
    by: ByOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject an item: nothing runs; who, when and why are kept."""
    _decide(approval_id, approve=False, by=by, reason=reason, workspace=workspace,
            as_json=as_json)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``approvals`` to ``app``."""
    approvals_app.command("list")(list_)
    approvals_app.command()(approve)
    approvals_app.command()(reject)
    app.add_typer(approvals_app, name="approvals")
