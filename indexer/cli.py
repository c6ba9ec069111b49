"""`lancer index`: run chain workers, rebuild projections.

    lancer index --chain anvil-1 [--metrics-port 9101]
    lancer index --all
    lancer index rebuild --chain anvil-1
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from indexer import metrics
from indexer.core.db import make_engine
from indexer.core.errors import ConfigError, LancerError
from indexer.core.locks import CHAIN_LOCK_CLASS, try_xact_lock
from indexer.core import telemetry
from indexer.core.logging import configure_logging
from indexer.core.sentry import setup_sentry
from indexer.core.registry import ChainConfig
from indexer.core.settings import ChainSettings, get_chain_settings
from indexer.projections import rebuild
from indexer.sync import Batch, ChainSyncer, SyncOptions
from indexer.worker import contract_set_for, install_signal_handlers, run_chain


class BackfillProgress:
    """A rich progress bar per chain: blocks done of the head, events/s, ETA."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.first: dict[str, tuple[int, float]] = {}

    def __call__(self, syncer: ChainSyncer, item: object) -> None:
        name = syncer.chain.name
        if syncer.tip is None:
            return
        start = syncer.contract_set.start_block
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=max(1, syncer.tip.head - start + 1), rate="")
            self.first[name] = (syncer.stats.events, time.monotonic())
        events0, t0 = self.first[name]
        elapsed = max(1e-6, time.monotonic() - t0)
        rate = (syncer.stats.events - events0) / elapsed
        self.progress.update(self.tasks[name], total=max(1, syncer.tip.head - start + 1),
                             completed=max(0, syncer.cursor.number - start + 1),
                             rate=f"{rate:,.0f} ev/s" if isinstance(item, Batch) else "following head")


def _engine(settings: ChainSettings) -> Any:
    return make_engine(settings.database_url.get_secret_value(), pool_size=8, slow_query_ms=settings.slow_query_ms)


@click.group("index", invoke_without_command=True)
@click.option("--chain", "chain_names", help="Chain name(s) from the registry, comma separated")
@click.option("--all", "all_chains", is_flag=True, help="Every registry chain that has a deployment")
@click.option("--metrics-port", type=int, default=None, help="Serve Prometheus metrics on this port")
@click.option("--stop-at-head", is_flag=True, help="Exit once caught up with the head (backfill only)")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)")
@click.option("--max-range", type=int, default=5000, show_default=True, help="Largest getLogs block range")
@click.pass_context
def index_command(ctx: click.Context, chain_names: str | None, all_chains: bool, metrics_port: int | None,
                  stop_at_head: bool, progress: bool | None, max_range: int) -> None:
    """Index chains: one worker per chain (a second worker for a chain waits as hot standby)."""
    if ctx.invoked_subcommand:
        return
    settings = get_chain_settings()
    telemetry.setup("lancer-indexer")  # no-ops unless OTEL_EXPORTER_OTLP_ENDPOINT / SENTRY_DSN are set
    setup_sentry(settings, "indexer")
    registry = settings.registry()
    if all_chains == bool(chain_names):
        raise ConfigError("pass either --chain NAME or --all")
    if all_chains:
        chains = [c for c in registry.chains if (settings.deployments_dir / f"{c.chain_id}.json").is_file()]
        if not chains:
            raise ConfigError(f"no chain of the registry has a deployment in {settings.deployments_dir}")
    else:
        chains = registry.select(chain_names or "")
    sets = {c.chain_id: contract_set_for(settings, c) for c in chains}
    engine = _engine(settings)
    try:
        with engine.connect() as probe:
            probe.exec_driver_sql("SELECT 1")
    except Exception as exc:
        raise ConfigError(f"cannot connect to DATABASE_URL: {str(exc).splitlines()[0][:160]}") from None
    if metrics_port:
        metrics.serve(metrics_port)
    stop = threading.Event()
    install_signal_handlers(stop)
    show = sys.stderr.isatty() if progress is None else progress
    options = SyncOptions(max_range=max_range)
    errors: list[BaseException] = []

    def work(chain: ChainConfig, on_progress: Any) -> None:
        try:
            run_chain(engine, chain, sets[chain.chain_id], stop=stop, options=options, stop_at_head=stop_at_head,
                      on_progress=on_progress)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} blocks"),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    with Progress(*columns, disable=not show, transient=False) as bar:
        hook = BackfillProgress(bar)
        threads = [threading.Thread(target=work, args=(c, hook), name=f"index-{c.name}") for c in chains]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.2)
    engine.dispose()
    if errors:
        raise errors[0]


@index_command.command("rebuild")
@click.option("--chain", "chain_name", required=True, help="Chain name from the registry")
def rebuild_command(chain_name: str) -> None:
    """Rebuild every projection of a chain from its raw events (one transaction)."""
    settings = get_chain_settings()
    chain = settings.registry().by_name(chain_name)
    engine = _engine(settings)
    started = time.perf_counter()
    with engine.begin() as conn:
        # The worker's lock: rebuilding under a running worker would race its batches.
        if not try_xact_lock(conn, CHAIN_LOCK_CLASS, chain.chain_id):
            raise ConfigError(f"an indexer worker is running for {chain.name}; stop it before rebuilding")
        count = rebuild(conn, chain.chain_id)
    engine.dispose()
    click.echo(f"rebuilt projections of {chain.name} from {count} events in {time.perf_counter() - started:.1f}s")


def main() -> None:
    """`python -m indexer.cli` (supervised subprocesses, tests): `lancer index` without the rest of
    the `lancer` command, so the indexer never reaches up into ``scripts``."""
    settings = get_chain_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        index_command.main(sys.argv[1:], prog_name="lancer index", standalone_mode=False)
    except LancerError as exc:
        click.echo(f"lancer: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)


if __name__ == "__main__":
    main()
