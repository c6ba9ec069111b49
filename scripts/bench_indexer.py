"""Thin entry point: `python scripts/bench_indexer.py` == `lancer bench indexer`."""

from __future__ import annotations

import sys

from scripts.cli import cli

if __name__ == "__main__":
    cli(["bench", "indexer", *sys.argv[1:]], prog_name="lancer")
