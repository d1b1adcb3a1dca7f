"""``python -m tradepilot`` runs the CLI."""

from tradepilot.cli.main import main

main()
