"""``python -m search`` runs the CLI."""

from .cli import main

main()
