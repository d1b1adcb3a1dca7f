"""``tradepilot serve`` and ``tradepilot token``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    settings_for,
    stdout,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tradepilot.config import Settings

token_app = typer.Typer(help="API tokens for scripts (REST API).", no_args_is_help=True)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the scheduled jobs too (default: when the workspace has an "
            "automation.toml).",
            show_default=False,
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the dashboard and the REST API (and the scheduler, see --scheduler)."""
    with errors_as_messages():
        run_server(settings_for(workspace), host=host, port=port, scheduler=scheduler)


def run_server(
    settings: Settings, *, host: str, port: int, scheduler: bool | None = False
) -> None:
    """Build the app for ``settings`` and serve it with uvicorn until interrupted.

    ``scheduler`` True starts the automation scheduler beside the server, None
    starts it when the workspace has an ``automation.toml``.
    """
    import uvicorn

    from tradepilot.app import create_app
    from tradepilot.app.api.trade import warm_trade_caches
    from tradepilot.app.cached import warm_caches
    from tradepilot.app.web.pages import compile_templates

    app = create_app(settings)
    warm_caches(app.state.tradepilot)
    compile_templates()
    # Margins and market scores take seconds: computed while the server starts.
    threading.Thread(
        target=warm_trade_caches, args=(app.state.tradepilot,), daemon=True
    ).start()
    jobs = _start_jobs(app.state.tradepilot.engine, settings, scheduler)
    stdout.print(
        f"TradePilot is serving at [bold]http://{host}:{port}/[/] (Ctrl-C stops it)"
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if jobs is not None:
            from tradepilot.automation.service import stop_scheduler

            stop_scheduler(jobs, wait=False)


def _start_jobs(engine: Engine, settings: Settings, wanted: bool | None) -> Any:
    """The scheduler, started when ``wanted`` (None: when automation.toml exists)."""
    from tradepilot.automation.service import (
        has_config,
        load_automation_config,
        start_scheduler,
    )

    if wanted is False or (wanted is None and not has_config(settings.home)):
        return None
    scheduler = start_scheduler(engine, settings.home,
                                load_automation_config(settings.home))  # fmt: skip
    stdout.print("Scheduled jobs are running (see 'tradepilot jobs list').")
    return scheduler


def token_create(
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token and print it once (it is stored only hashed)."""
    from tradepilot.auth.service import create_token
    from tradepilot.workspace import open_store

    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        token = create_token(engine, name=name)
        engine.dispose()
    if as_json:
        emit_json({"name": name, "token": token})
    else:
        stdout.print(f"Token [bold]{name}[/] (shown once; keep it secret):")
        print(token)  # noqa: T201 - plain, so it can be copied or piped


def token_revoke(
    name: Annotated[str, typer.Argument(help="Name of the token to revoke.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an API token."""
    from tradepilot.auth.service import revoke_token
    from tradepilot.workspace import open_store

    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        revoke_token(engine, name=name)
        engine.dispose()
    if as_json:
        emit_json({"revoked": name})
    else:
        stdout.print(f"Token {name} revoked.")


def token_list(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List API tokens (names and dates, never the tokens)."""
    from tradepilot.auth.service import list_tokens
    from tradepilot.workspace import open_store

    with errors_as_messages():
        engine = open_store(settings_for(workspace))
        tokens = list_tokens(engine)
        engine.dispose()
    if as_json:
        emit_json({"data": tokens, "count": len(tokens)})
        return
    for t in tokens:
        used = t["last_used_at"].isoformat() if t["last_used_at"] else "never used"
        stdout.print(f"{t['name']}  created {t['created_at']:%Y-%m-%d}  {used}")


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.command()(serve)
    token_app.command("create")(token_create)
    token_app.command("revoke")(token_revoke)
    token_app.command("list")(token_list)
    app.add_typer(token_app, name="token")
