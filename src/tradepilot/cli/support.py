"""``tradepilot support intents train|predict|use|list``: the seller's own intents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tradepilot.cli.output import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    errors_as_messages,
    progress_reporter,
    rows_table,
    settings_for,
    stdout,
)
from tradepilot.domain.errors import DataValidationError

support_app = typer.Typer(
    help="Customer-service text models: the intents triage recognises.",
    no_args_is_help=True,
)
intents_app = typer.Typer(
    help="Train, apply and choose intent models (labelled messages, any labels).",
    no_args_is_help=True,
)
support_app.add_typer(intents_app, name="intents")

FileArgument = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row).")]
TextColumn = Annotated[
    str, typer.Option("--text-col", help="Column of the message text.")
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Model name (default: the workspace's active model)."),
]


def _home(workspace: Path | None) -> Path:
    return settings_for(workspace).home


@intents_app.command("train")
def train(
    name: Annotated[str, typer.Option("--name", help="Name to store the model as.")],
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Labelled CSV (UTF-8, header row); may be left out with"
            " --with-corrections to train on the default examples plus them."
        ),
    ] = None,
    text_col: Annotated[
        str | None, typer.Option("--text-col", help="Column of the message text.")
    ] = None,
    label_col: Annotated[
        str | None, typer.Option("--label-col", help="Column of the intent.")
    ] = None,
    with_corrections: Annotated[
        bool,
        typer.Option(
            "--with-corrections",
            help="Add the intents corrected in the Inbox (inbox correct) to the"
            " examples.",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Learn an intent model from labelled messages; report cross-validated accuracy,
    the abstention threshold and the most frequent confusions."""
    from tradepilot.text.service import train_intents_file  # scikit-learn

    home = _home(workspace)
    with errors_as_messages(), progress_reporter(not as_json) as progress:
        extra = _corrections(home) if with_corrections else []
        if file is None and not with_corrections:
            raise DataValidationError(
                "give a labelled CSV file (with --text-col and --label-col), or"
                " --with-corrections to train on the default examples plus the"
                " Inbox corrections"
            )
        progress("cross-validating and training the intent model")
        found = train_intents_file(
            home,
            path=file,
            text_col=text_col,
            label_col=label_col,
            name=name,
            extra=extra,
        )
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"[bold]{found['name']}[/]: {len(found['classes'])} intents, "
        f"{found['examples']:,} examples ({found['corrections']} Inbox corrections);"
        f" cross-validated accuracy {found['cv_accuracy']:.1%}"
        f" ({found['cv_accuracy_with_abstention']:.1%} counting 'unknown' as wrong);"
        f" abstains below confidence {found['threshold']:.2f}"
    )
    if found["confusions"]:
        stdout.print(
            rows_table("Most frequent confusions", found["confusions"],
                       ["label", "predicted", "count"])
        )  # fmt: skip
    stdout.print(f"use it for triage: tradepilot support intents use {found['name']}")


def _corrections(home: Path) -> list[tuple[str, str, str]]:
    """The Inbox's intent corrections, through the service capability."""
    from tradepilot.service.service import training_examples

    found = training_examples(home)
    if not found:
        raise DataValidationError(
            "no intent corrections in this workspace yet: correct a message's intent"
            " with `tradepilot inbox correct ID --intent X` or on the Inbox page"
        )
    return found


@intents_app.command("predict")
def predict(
    file: FileArgument,
    text_col: TextColumn,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    name: NameOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the file's rows, in order, with ``intent`` and ``confidence`` added
    (``unknown`` where the model abstains)."""
    from tradepilot.text.service import predict_intents_file  # scikit-learn

    with errors_as_messages():
        found = predict_intents_file(
            _home(workspace), path=file, text_col=text_col, out=out, name=name
        )
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"{found['rows']:,} rows written to {found['out']} with model "
        f"{found['model']} ({found['unknown']:,} unknown)"
    )


@intents_app.command("use")
def use(
    name: Annotated[str, typer.Argument(help="A trained model, or 'default'.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a trained intent model the one triage uses ('default' = the built-in)."""
    from tradepilot.text.service import use_intents

    with errors_as_messages():
        found = use_intents(_home(workspace), name=name)
    if as_json:
        emit_json(found)
        return
    stdout.print(f"triage now uses the intent model [bold]{found['active']}[/]")


@intents_app.command("list")
def list_models(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """The workspace's intent models, with their accuracy and threshold."""
    from tradepilot.text.service import intent_models

    with errors_as_messages():
        found = intent_models(_home(workspace))
    if as_json:
        emit_json(found)
        return
    rows: list[dict[str, Any]] = [
        {**m, "intents": str(len(m["classes"])), "examples": m["examples"]}
        for m in found["models"]
    ]
    stdout.print(
        rows_table(f"Intent models (active: {found['active']})", rows,
                   ["name", "intents", "examples", "cv_accuracy", "threshold"],
                   percents=("cv_accuracy",))
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``support`` to the main app."""
    app.add_typer(support_app, name="support")
