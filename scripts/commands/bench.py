"""`lancer bench indexer`: the indexer benchmark (floor vs full backfill, reorg recovery)."""

from __future__ import annotations

import click


@click.group("bench")
def bench_command() -> None:
    """Benchmarks (not tests): print figures for the README."""


@bench_command.command("indexer")
@click.option("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres", show_default=True,
              help="PostgreSQL URL allowed to create/drop scratch databases")
@click.option("--max-range", default=5000, show_default=True, help="Largest getLogs range for both runs")
def indexer_bench(admin_url: str, max_range: int) -> None:
    """Build (or load) the 100k-event anvil workload, measure floor and full backfill, and a reorg."""
    from indexer.bench import run

    click.echo(run(admin_url, max_range=max_range, log=click.echo).report())
