"""`lancer deploy --chains a,b`: deploy Lancer's contracts to each named chain (idempotent)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from contracts.deploy import (
    NO_OP_OUTCOMES,
    ChainReport,
    Outcome,
    default_extensions,
    deploy_chain,
    plan_deploy,
    step_names,
)
from contracts.deploy_config import DeploySettings


def run_deploy(chain_names: str, *, redeploy_changed: bool = False, console: Console | None = None) -> list[ChainReport]:
    console = console or Console(stderr=True)
    settings = DeploySettings()
    chains = settings.registry().select(chain_names)
    # Every chain's configuration is checked before the first transaction is sent anywhere.
    plans = [plan_deploy(chain, settings) for chain in chains]
    reports = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        for plan in plans:
            chain = plan.chain
            extensions = default_extensions(settings)
            task = progress.add_task(f"{chain.name}", total=len(step_names(chain, extensions)))

            def step(name: str, task_id: int = task, chain_name: str = chain.name) -> None:
                progress.update(task_id, description=f"{chain_name}: {name}")
                progress.advance(task_id)

            reports.append(
                deploy_chain(
                    chain, settings, plan=plan, redeploy_changed=redeploy_changed, on_step=step, extensions=extensions
                )
            )
    for report in reports:
        _print_report(console, report)
    return reports


def _print_report(console: Console, report: ChainReport) -> None:
    for note in report.notes:
        console.print(f"{report.chain}: {note}")
    if not report.deployed_anything and all(o in NO_OP_OUTCOMES for o in report.all_outcomes.values()):
        console.print(f"{report.chain} ({report.chain_id}): already deployed, nothing to do ({report.path})")
        return
    for name, outcome in report.all_outcomes.items():
        style = "yellow" if outcome is Outcome.CHANGED else "green"
        console.print(f"{report.chain} ({report.chain_id}): {name}: [{style}]{outcome}[/{style}]")
    if any(o is Outcome.CHANGED for o in report.outcomes.values()):
        console.print(f"{report.chain}: rerun with --redeploy-changed to deploy the changed contracts")
    console.print(f"{report.chain}: wrote {report.path}")


@click.command("deploy")
@click.option("--chains", "chain_names", required=True, help="Comma-separated chain names from the registry")
@click.option("--redeploy-changed", is_flag=True, help="Redeploy contracts whose compiled artifact changed")
def deploy_command(chain_names: str, redeploy_changed: bool) -> None:
    """Deploy Token, Treasury, Escrow, EscrowFactory (and EAS where needed, registering Lancer's EAS
    schemas), then MerkleDistributor and LancerStaking to each chain; a second run is a no-op."""
    run_deploy(chain_names, redeploy_changed=redeploy_changed)
