"""``tradepilot reviews import|train|predict|report|use|list``."""

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
    workspace_store,
)

reviews_app = typer.Typer(
    help="Product reviews: language, sentiment, aspects, complaints per SKU and country.",
    no_args_is_help=True,
)
FileArgument = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row).")]
TextColumn = Annotated[
    str, typer.Option("--text-col", help="Column of the review text.")
]
SkuOption = Annotated[str | None, typer.Option("--sku", help="Only this SKU.")]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Only this country (ISO code, e.g. DE).")
]


@reviews_app.command("import")
def import_file(
    file: FileArgument,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="amazon, etsy or shopify (default: guessed)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML column mapping (any CSV).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a review export; each review gets its language, sentiment (stars when
    present, text otherwise, a flag where they disagree) and aspects."""
    from tradepilot.reviews.service import import_reviews

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("reading and analysing the reviews")
        with workspace_store(workspace) as (engine, home):
            found = import_reviews(
                engine, path=file, home=home, fmt=fmt, mapping=mapping
            )
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"{found['imported']:,} reviews imported from {found['rows']:,} rows "
        f"({found['format']}); {found['duplicates']:,} already stored, "
        f"{found['empty']:,} empty; {found['disagreements']:,} where stars and text "
        "disagree"
    )
    stdout.print(f"languages: {_shares(found['languages'])}")
    stdout.print(f"sentiment: {_shares(found['sentiment'])}")


def _shares(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items()) or "none"


@reviews_app.command("train")
def train(
    file: FileArgument,
    text_col: TextColumn,
    rating_col: Annotated[
        str, typer.Option("--rating-col", help="Column of the stars.")
    ],
    name: Annotated[str, typer.Option("--name", help="Name to store the model as.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Learn review sentiment from star-rated reviews in any language (1-2 negative,
    3 neutral, 4-5 positive); the model becomes the one review analysis uses."""
    from tradepilot.text.service import train_sentiment_file  # scikit-learn

    with errors_as_messages(), progress_reporter(not as_json) as progress:
        progress("cross-validating and training the sentiment model")
        found = train_sentiment_file(
            settings_for(workspace).home,
            path=file,
            text_col=text_col,
            rating_col=rating_col,
            name=name,
        )
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"[bold]{found['name']}[/]: {found['examples']:,} reviews, cross-validated "
        f"accuracy {found['cv_accuracy']:.1%}, macro-F1 {found['cv_macro_f1']:.3f}; "
        "now used for review sentiment"
    )


@reviews_app.command("predict")
def predict(
    file: FileArgument,
    text_col: TextColumn,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Sentiment model (default: active).")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the file's rows in order with ``language, sentiment, aspects`` added."""
    from tradepilot.reviews.service import predict_reviews_file

    with errors_as_messages():
        found = predict_reviews_file(
            settings_for(workspace).home,
            path=file,
            text_col=text_col,
            out=out,
            name=name,
        )
    if as_json:
        emit_json(found)
        return
    stdout.print(
        f"{found['rows']:,} rows written to {found['out']} (model {found['model']}): "
        f"{_shares(found['sentiment'])}"
    )


@reviews_app.command("report")
def report(
    sku: SkuOption = None,
    country: CountryOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sentiment trend, top complaints with examples, return rates, topics."""
    from tradepilot.reviews.service import reviews_report  # scikit-learn, polars

    with errors_as_messages(), workspace_store(workspace) as (engine, _home):
        found = reviews_report(engine, sku=sku, country=country)
    if as_json:
        emit_json(found)
        return
    _print_report(found)


def _print_report(found: dict[str, Any]) -> None:
    scope = " ".join(f"{k} {found[k]}" for k in ("sku", "country") if found[k]) or "all"
    stdout.print(
        f"[bold]Reviews ({scope})[/]: {found['reviews']:,}; {_shares(found['sentiment'])}; "
        f"{found['disagreements']:,} stars/text disagreements"
    )
    stdout.print(
        rows_table("Sentiment by month", found["trend"],
                   ["month", "reviews", "negative", "neutral", "positive",
                    "negative_share", "average_rating"],
                   percents=("negative_share",))
    )  # fmt: skip
    complaints = [
        {**c, "example": c["examples"][0] if c["examples"] else ""}
        for c in found["complaints"]
    ]
    stdout.print(
        rows_table("Top complaints", complaints,
                   ["aspect", "complaints", "share_of_reviews", "example"],
                   percents=("share_of_reviews",))
    )  # fmt: skip
    stdout.print(
        rows_table("By SKU and country", found["skus"][:15],
                   ["sku", "country", "reviews", "negative_share", "average_rating",
                    "top_complaint", "return_rate"],
                   percents=("negative_share", "return_rate"))
    )  # fmt: skip
    topics = [{**t, "words": ", ".join(t["words"])} for t in found["topics"]]
    stdout.print(
        rows_table(
            "Themes the aspects miss (NMF)", topics, ["topic", "words", "sentences"]
        )
    )
    for note in found["notes"]:
        stdout.print(f"note: {note}")


@reviews_app.command("use")
def use(
    name: Annotated[str, typer.Argument(help="A trained model, or 'default'.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a trained sentiment model the one used ('default' = the lexicon)."""
    from tradepilot.text.service import use_sentiment

    with errors_as_messages():
        found = use_sentiment(settings_for(workspace).home, name=name)
    if as_json:
        emit_json(found)
        return
    stdout.print(f"review sentiment now uses [bold]{found['active']}[/]")


def register(app: typer.Typer) -> None:
    """Add ``reviews`` to the main app."""
    app.add_typer(reviews_app, name="reviews")
