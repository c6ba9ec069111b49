"""`lancer matching backfill`: recompute every freelancer's matching features (and the embeddings, when
the matching extra is installed) with a progress bar. Logic: api.matching.refresh.backfill."""

from __future__ import annotations

import click

from indexer.core.errors import ConfigError
from scripts.commands import api_settings_with_database


@click.group("matching")
def matching_command() -> None:
    """Matching of freelancers and projects (features, embeddings)."""


@matching_command.command("backfill")
@click.option("--embed/--no-embed", default=None,
              help="Compute embeddings (default: when the matching extra is installed and MATCHING_RANKER allows)")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)")
def backfill_command(embed: bool | None, progress: bool | None) -> None:
    """Recompute the features of every freelancer, then embed freelancers and open projects without a vector.

    Idempotent: run it after a migration, a model change or a bulk import; the API serves meanwhile."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from api.kit.crypto import data_key_ring
    from api.kit.encrypted import attach_key_ring
    from api.matching import embeddings, refresh
    from indexer.core.db import make_engine

    settings, url = api_settings_with_database()
    if embed and not embeddings.available():
        raise ConfigError("--embed needs the matching extra: pip install 'lancer[matching]'")
    engine = attach_key_ring(make_engine(url, pool_size=2, max_overflow=0), data_key_ring(settings))
    redis = Redis.from_url(settings.redis_url_or_default, socket_timeout=5)
    console = Console(stderr=True)
    bar = Progress(TextColumn("freelancers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                   disable=not (console.is_terminal if progress is None else progress))
    task = bar.add_task("freelancers", total=None)

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar, Session(engine) as db:
            count = refresh.backfill(db, engine, redis, settings, advance, embed=embed)
    except OperationalError:
        raise ConfigError("cannot reach the database at DATABASE_URL") from None
    except RedisError:
        raise ConfigError("cannot reach Redis at REDIS_URL (reputation is cached there)") from None
    finally:
        engine.dispose()
        redis.close()
    used = embed if embed is not None else embeddings.available() and settings.matching_ranker != "lexical"
    click.echo(f"{count} freelancers recomputed; embeddings {'computed' if used else 'skipped (lexical ranker only)'}")
