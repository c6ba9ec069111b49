"""`lancer rewards compute|publish|status|fund-staking`: the token economy's periodic operator acts
(logic: ``api.rewards.service`` and ``api.rewards.operator``). Output is JSON on stdout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from indexer.core.errors import ConfigError
from scripts.commands import api_settings_with_database


@contextmanager
def _context(chain_name: str) -> Iterator[tuple[Any, Any, Any, Any]]:
    """(settings, engine, deployments, chain); every mistake is a one-line ConfigError."""

    from api.kit.deployments import DeploymentDirectory
    from indexer.core.db import make_engine

    settings, url = api_settings_with_database()
    registry = settings.registry()
    text = chain_name.strip()
    chain = registry.by_id(int(text)) if text.isdigit() else registry.by_name(text)
    engine = make_engine(url, pool_size=3, max_overflow=0)  # send_once holds a lock connection and writes on others
    try:
        yield settings, engine, DeploymentDirectory(settings.deployments_dir), chain
    finally:
        engine.dispose()


@contextmanager
def _problems() -> Iterator[None]:
    """The services answer HTTP problems; here they are one-line errors."""
    from api.kit.problems import Problem
    from api.kit.txonce import TxError

    try:
        yield
    except Problem as exc:
        raise ConfigError(exc.detail) from None
    except TxError as exc:
        raise ConfigError(str(exc)) from None


def _print(value: object) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def _operator(settings: Any) -> Any:
    account = settings.rewards_operator()
    if account is None:
        raise ConfigError("REWARDS_OPERATOR_PRIVATE_KEY is not set (required in production)")
    return account


chain_option = click.option("--chain", required=True, help="Chain registry name or id")


@click.group("rewards")
def rewards_command() -> None:
    """Rewards epochs (compute from the index, publish, status) and staking rewards funding."""


@rewards_command.command("compute")
@chain_option
@click.option("--epoch", type=click.IntRange(0, 2**63 - 1), required=True, help="Epoch number (never reused)")
@click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), required=True,
              help="Period start, UTC (inclusive)")
@click.option("--to", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), required=True,
              help="Period end, UTC (exclusive); must be confirmed in the index")
def compute_command(chain: str, epoch: int, from_: datetime, to: datetime) -> None:
    """Compute an epoch from confirmed index data (the same as POST /v1/admin/rewards/epochs)."""
    from datetime import UTC

    from sqlalchemy.orm import Session

    from api.rewards import service
    from api.rewards.rules import load_rules
    from api.rewards.schemas import EpochComputeIn

    with _context(chain) as (settings, engine, deployments, config), _problems(), Session(engine) as db:
        body = EpochComputeIn(chain=str(config.chain_id), epoch=epoch, period_start=from_.replace(tzinfo=UTC),
                              period_end=to.replace(tzinfo=UTC))
        out = service.compute_epoch(db, deployments, load_rules(settings.rewards_rules_json), config, body, None)
        _print(out.model_dump(mode="json", exclude={"publish_transactions"}))


@rewards_command.command("publish")
@chain_option
@click.option("--epoch", type=click.IntRange(0, 2**63 - 1), required=True)
@click.option("--print-only", is_flag=True, help="Print the unsigned approve + publishRoot for another wallet "
                                                 "(a multisig) instead of sending them")
def publish_command(chain: str, epoch: int, print_only: bool) -> None:
    """Publish a computed epoch: approve + publishRoot from REWARDS_OPERATOR_PRIVATE_KEY, exactly once."""
    from dataclasses import asdict

    from sqlalchemy.orm import Session

    from api.rewards import operator, service

    with _context(chain) as (settings, engine, deployments, config), _problems():
        if print_only:
            with Session(engine) as db:
                out = service.get_epoch(db, deployments, config, epoch)
            _print([t.model_dump(mode="json", by_alias=True) for t in out.publish_transactions])
            return
        sent = operator.publish(engine, deployments, config, epoch, _operator(settings))
        _print([asdict(s) for s in sent])


@rewards_command.command("status")
@chain_option
@click.option("--epoch", type=click.IntRange(0, 2**63 - 1), default=None, help="One epoch (default: all)")
def status_command(chain: str, epoch: int | None) -> None:
    """Computed epochs against the index: published, claims and amount claimed."""
    from sqlalchemy.orm import Session

    from api.rewards import operator

    with _context(chain) as (_, engine, deployments, config), _problems(), Session(engine) as db:
        _print(operator.status(db.connection(), db, deployments, config, epoch))


@rewards_command.command("fund-staking")
@chain_option
@click.option("--amount", type=click.IntRange(1), required=True, help="LNC base units")
@click.option("--duration", type=click.IntRange(1), required=True, help="Seconds to stream it over")
@click.option("--key", required=True, help="Names this funding (e.g. 2026-12): the same key never funds twice")
def fund_staking_command(chain: str, amount: int, duration: int, key: str) -> None:
    """Fund staking rewards from the treasury's share: approve + fundRewards, once per --key."""
    from dataclasses import asdict

    from api.rewards import operator

    with _context(chain) as (settings, engine, deployments, config), _problems():
        sent = operator.fund_staking(engine, deployments, config, amount, duration, key, _operator(settings))
        _print([asdict(s) for s in sent])
