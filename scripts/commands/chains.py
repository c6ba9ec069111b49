"""`lancer chains`: show the chain registry in use (validates CHAIN_REGISTRY_JSON on the way)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from indexer.core.settings import get_chain_settings


@click.command("chains")
def chains_command() -> None:
    """List the chains in the registry."""
    registry = get_chain_settings().registry()
    table = Table("name", "chain id", "finality", "block time", "RPC URLs", "gCO2e/gas")
    for chain in registry.chains:
        finality = chain.finality.tag or f"{chain.finality.confirmations} blocks"
        table.add_row(
            chain.name, str(chain.chain_id), finality, f"{chain.block_time_seconds:g}s",
            ", ".join(chain.rpc_url_strings), str(chain.carbon.grams_co2e_per_gas),
        )
    Console().print(table)
