"""`lancer deploy --chains a,b`: deploy Lancer's contracts to each named chain (idempotent)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from contracts.deploy import CONTRACT_ORDER, ChainReport, Outcome, deploy_chain, plan_deploy
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
            task = progress.add_task(f"{chain.name}", total=len(CONTRACT_ORDER))

            def step(name: str, task_id: int = task, chain_name: str = chain.name) -> None:
                progress.update(task_id, description=f"{chain_name}: {name}")
                progress.advance(task_id)

            reports.append(deploy_chain(chain, settings, plan=plan, redeploy_changed=redeploy_changed, on_step=step))
    for report in reports:
        _print_report(console, report)
    return reports


def _print_report(console: Console, report: ChainReport) -> None:
    for note in report.notes:
        console.print(f"{report.chain}: {note}")
    if not report.deployed_anything and all(o is Outcome.UNCHANGED for o in report.outcomes.values()):
        console.print(f"{report.chain} ({report.chain_id}): already deployed, nothing to do ({report.path})")
        return
    for name, outcome in report.outcomes.items():
        style = "yellow" if outcome is Outcome.CHANGED else "green"
        console.print(f"{report.chain} ({report.chain_id}): {name}: [{style}]{outcome}[/{style}]")
    if any(o is Outcome.CHANGED for o in report.outcomes.values()):
        console.print(f"{report.chain}: rerun with --redeploy-changed to deploy the changed contracts")
    console.print(f"{report.chain}: wrote {report.path}")


@click.command("deploy")
@click.option("--chains", "chain_names", required=True, help="Comma-separated chain names from the registry")
@click.option("--redeploy-changed", is_flag=True, help="Redeploy contracts whose compiled artifact changed")
def deploy_command(chain_names: str, redeploy_changed: bool) -> None:
    """Deploy Token, Treasury, Escrow and EscrowFactory to each chain; a second run is a no-op."""
    run_deploy(chain_names, redeploy_changed=redeploy_changed)
