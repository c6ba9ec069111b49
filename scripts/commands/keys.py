"""`lancer keys reencrypt`: re-encrypt everything encrypted at rest under the active keys (logic: api.rekey)."""

from __future__ import annotations

import click

from indexer.core.errors import ConfigError
from scripts.commands import api_settings_with_database


@click.group("keys")
def keys_command() -> None:
    """Encryption keys at rest (TOTP seeds, review texts, skill evidence, audit IPs)."""


@keys_command.command("reencrypt")
@click.option("--batch", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Rows per transaction")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)")
def reencrypt_command(batch: int, progress: bool | None) -> None:
    """Re-encrypt every encrypted value under the active key of its ring (DATA_ACTIVE_KID, TOTP_ACTIVE_KID).

    Idempotent and resumable: values already under the active key are left alone. When it reports
    nothing left, the old keys can be removed from DATA_ENCRYPTION_KEYS / TOTP_ENCRYPTION_KEYS."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from sqlalchemy.exc import OperationalError

    from api import rekey
    from api.kit.crypto import DecryptionError, data_key_ring, totp_key_ring
    from indexer.core.db import make_engine

    settings, url = api_settings_with_database()
    for name, kid in (("DATA_ENCRYPTION_KEYS", settings.data_active_kid), ("TOTP_ENCRYPTION_KEYS", settings.totp_active_kid)):
        if kid == "ephemeral":
            raise ConfigError(f"{name} is not set: set the key rings the API runs with (re-encrypting under a "
                              "random key would make the data unreadable)")
    data_ring, totp_ring = data_key_ring(settings), totp_key_ring(settings)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    console = Console(stderr=True)
    show = console.is_terminal if progress is None else progress
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                   disable=not show)
    tasks: dict[str, int] = {}

    def advance(column: str, done: int, pending: int) -> None:
        if column not in tasks:
            tasks[column] = bar.add_task(column, total=pending)
        bar.advance(tasks[column], done)

    try:
        with bar:
            results = rekey.reencrypt(engine, data_ring, totp_ring, batch=batch, progress=advance)
        left = rekey.remaining(engine, data_ring, totp_ring)
    except DecryptionError as exc:
        raise ConfigError(f"cannot decrypt {exc}; add the missing key to the ring and run again") from None
    except OperationalError:
        raise ConfigError("cannot reach the database at DATABASE_URL") from None
    finally:
        engine.dispose()
    for c in results:
        click.echo(f"{c.column}: {c.reencrypted} re-encrypted, {c.encrypted} encrypted (were plaintext), "
                   f"{c.skipped} changed meanwhile, of {c.pending} pending")
    if left:
        click.echo(f"{left} values are still not under the active keys (changed meanwhile): run again")
    else:
        click.echo(f"every value is under the active keys (data: {data_ring.active_kid!r}, "
                   f"TOTP: {totp_ring.active_kid!r}); older keys can be removed from the rings")
