"""``tradepilot listings localise SKU --to de,fr``: listing drafts per language."""

from __future__ import annotations

from typing import Annotated

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    settings_for,
    stdout,
    workspace_store,
)
from tradepilot.domain.numbers import format_money

listings_app = typer.Typer(help="Marketplace listings in the buyers' languages.",
                           no_args_is_help=True)  # fmt: skip


def localise(
    sku: Annotated[str, typer.Argument(help="The SKU, as in the catalogue.")],
    to: Annotated[str, typer.Option("--to", help="Languages, e.g. de,fr.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a localised title and bullet points with the local price point
    (the title and bullets need TRADEPILOT_LLM_URL)."""
    from tradepilot.llm.client import ChatClient, llm_settings
    from tradepilot.service.listings import localise_listing, parse_languages

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        languages = parse_languages(to)
        llm = llm_settings(settings_for(workspace))
        result = localise_listing(
            engine, sku=sku, languages=languages,
            client=ChatClient(llm) if llm else None,
        )  # fmt: skip
    if as_json:
        emit_json(result)
        return
    stdout.print(f"{result['sku']}: {result['description']}", highlight=False)
    for entry in result["listings"]:
        price = format_money(entry["price"], entry["currency"])
        stdout.print(f"\n[{entry['language']}] {entry['market']}: {price}"
                     f" {entry['currency']}", highlight=False, markup=False)  # fmt: skip
        if entry.get("title"):
            stdout.print(entry["title"], highlight=False, markup=False)
            for bullet in entry["bullets"]:
                stdout.print(f"  - {bullet}", highlight=False, markup=False)
        for item in entry["check"] + entry.get("flags", []):
            stdout.print(f"  check: {item}", highlight=False, markup=False)
    for note in result["notes"]:
        stdout.print(f"note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``listings localise`` to the ``tradepilot`` command."""
    listings_app.command("localise")(localise)
    app.add_typer(listings_app, name="listings")
