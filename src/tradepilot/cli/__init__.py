"""Command-line interface (Typer): thin commands that call services and render."""
