"""The `lancer` command. Each subcommand is a thin shell over library code.

User mistakes (bad configuration, unknown chain, missing key) end with one line on stderr and exit
code 2; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from indexer.core.errors import LancerError
from indexer.core.logging import configure_logging
from indexer.core.settings import get_chain_settings


class LancerGroup(click.Group):
    """Turns LancerError into a one-line message; subcommands are imported only when used."""

    lazy: dict[str, tuple[str, str]] = {
        "compile": ("scripts.commands.build", "compile_command"),
        "deploy": ("scripts.commands.deploy", "deploy_command"),
        "migrate": ("scripts.commands.migrate", "migrate_command"),
        "keys": ("scripts.commands.keys", "keys_command"),
        "rewards": ("scripts.commands.rewards", "rewards_command"),
        "matching": ("scripts.commands.matching", "matching_command"),
        "chains": ("scripts.commands.chains", "chains_command"),
        "dev": ("scripts.commands.dev", "dev_command"),
        "index": ("indexer.cli", "index_command"),
        "bench": ("bench.cli", "bench_command"),
        "api": ("api.cli", "api_command"),
        "worker": ("api.cli", "worker_command"),
        "scheduler": ("api.cli", "scheduler_command"),
        "chainfeed": ("api.cli", "chainfeed_command"),
        "webhooks": ("api.cli", "webhooks_command"),
        "notifications": ("api.cli", "notifications_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module_name, attr = self.lazy[name]
            try:
                module = __import__(module_name, fromlist=[attr])
            except ModuleNotFoundError as exc:
                if exc.name and module_name.startswith(exc.name):
                    return None  # this subcommand is not part of this build yet
                raise
            return getattr(module, attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LancerError as exc:
            click.echo(f"lancer: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=LancerGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Lancer: multichain escrow indexer, read API and tooling."""
    try:
        settings = get_chain_settings()
    except Exception as exc:  # pydantic ValidationError from a malformed environment variable
        raise click.ClickException(f"invalid environment: {str(exc).splitlines()[0]}") from None
    configure_logging(settings.log_level, settings.log_format)
    from api.kit.redact import install_redaction, secrets_of

    install_redaction(secrets_of(settings))


def main() -> None:
    cli(prog_name="lancer")


if __name__ == "__main__":
    main()
