"""``python -m scatterwave`` runs the command line."""

from scatterwave.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
