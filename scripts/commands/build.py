"""`lancer compile`: compile contracts/src with solcjs into the committed artifacts."""

from __future__ import annotations

import click

from contracts.build import CompileError, write_artifacts


@click.command("compile")
def compile_command() -> None:
    """Compile the Solidity sources into contracts/artifacts (ethpm ContractType JSON)."""
    try:
        written = write_artifacts()
    except CompileError as exc:
        # solc's own messages name the file and line; show them as they are.
        click.echo(f"lancer: compilation failed:\n{exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"compiled {len(written)} contracts into {next(iter(written.values())).parent}")
