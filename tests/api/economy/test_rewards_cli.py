"""`lancer rewards compute|publish|status|fund-staking` on anvil against the economy test database: the
computed epoch equals the API's; publish sends approve + publishRoot once (a second run sends nothing);
status follows the index through a claim; fund-staking funds once per key; mistakes are one line, exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner

from devtools.accounts import local_dev_account
from scripts.cli import cli
from tests.support.economy_env import EconomyEnv
from tests.support.reputation_env import completed_escrow

E18 = 10**18
EPOCH = 501


def _run(env: EconomyEnv, *args: str, code: int = 0) -> Any:
    s = env.settings
    vars_: dict[str, str | None] = {"DATABASE_URL": s.database_url.get_secret_value(), "REDIS_URL": s.redis_url.get_secret_value(),
             "ENVIRONMENT": "test", "CHAIN_REGISTRY_JSON": s.chain_registry_json,
             "DEPLOYMENTS_DIR": str(s.deployments_dir), "REWARDS_OPERATOR_PRIVATE_KEY": None,
             "DEPLOYER_PRIVATE_KEY": None, "LOG_FORMAT": "console"}
    result = CliRunner().invoke(cli, ["rewards", *args], env=vars_)
    assert result.exit_code == code, (result.output, result.exception)
    return json.loads(result.stdout) if code == 0 else result.output


def _ts(env: EconomyEnv) -> datetime:
    return datetime.fromtimestamp(env.p.w3.eth.get_block("latest")["timestamp"], UTC)


def test_compute_publish_status_and_fund_staking(env: EconomyEnv) -> None:
    p, eco = env.p, env.eco
    u = p.users
    assert p.admin == local_dev_account(0).address  # the operator key outside production: anvil account 0
    start = (_ts(env) + timedelta(seconds=1)).replace(microsecond=0)
    eco.warp(2)
    completed_escrow(p, u[2], u[6], u[0], [4 * E18], submit=(0,))
    end = (_ts(env) + timedelta(seconds=1)).replace(microsecond=0)
    eco.warp(5)
    env.index()
    fmt = "%Y-%m-%dT%H:%M:%S"

    epoch = _run(env, "compute", "--chain", "anvil-1", "--epoch", str(EPOCH), "--from", start.strftime(fmt),
                 "--to", end.strftime(fmt))
    api = env.client.get(f"/v1/admin/rewards/epochs/anvil-1/{EPOCH}", headers=env.admin_headers()).json()
    assert (epoch["root"], epoch["total"], epoch["leaf_count"]) == (api["root"], api["total"], api["leaf_count"])
    assert epoch["leaf_count"] == 2 and epoch["published"] is False
    (row,) = _run(env, "status", "--chain", "anvil-1", "--epoch", str(EPOCH))
    assert (row["published"], row["claims"], row["claimed"]) == (False, 0, "0")
    unsigned = _run(env, "publish", "--chain", "anvil-1", "--epoch", str(EPOCH), "--print-only")
    assert [t["to"] for t in unsigned] == [p.token.address, eco.distributor.address]

    total = int(epoch["total"])
    p.tx(p.token.functions.mint(p.admin, total), p.admin)  # the treasury's share, moved to the operator
    sent = _run(env, "publish", "--chain", "anvil-1", "--epoch", str(EPOCH))
    assert [(s["what"], s["status"]) for s in sent] == [("approve", "sent"), ("publishRoot", "sent")]
    assert eco.distributor.functions.epochInfo(EPOCH).call()[0].hex() == epoch["root"][2:]
    again = _run(env, "publish", "--chain", "anvil-1", "--epoch", str(EPOCH))
    assert again == [{"what": "publishRoot", "tx_hash": sent[1]["tx_hash"], "status": "already"}]

    env.index()
    h = env.headers(6)  # u[6], the freelancer, claims through the API
    (claim,) = env.client.post(f"/v1/rewards/{EPOCH}/claim/prepare", headers=h,
                               json={"chain": "anvil-1"}).json()["transactions"]
    env.send(claim)
    env.index()
    (row,) = _run(env, "status", "--chain", "anvil-1", "--epoch", str(EPOCH))
    mine = next(i for i in env.client.get(f"/v1/rewards/{u[6]}").json()["items"] if i["epoch"] == EPOCH)
    assert (row["published"], row["claims"], row["claims_confirmed"]) == (True, 1, 1)
    assert row["claimed"] == mine["amount"] and eco.distributor.functions.isClaimed(EPOCH, mine["leaf_index"]).call()
    assert eco.distributor.functions.epochInfo(EPOCH).call()[5] == int(row["claimed"])

    before = eco.staking.functions.totalFunded().call()
    p.tx(p.token.functions.mint(p.admin, 50 * E18), p.admin)
    funded = _run(env, "fund-staking", "--chain", "anvil-1", "--amount", str(50 * E18), "--duration", "3600",
                  "--key", "cli-test-1")
    assert funded[-1]["what"] == "fundRewards" and funded[-1]["status"] == "sent"
    assert eco.staking.functions.totalFunded().call() == before + 50 * E18
    twice = _run(env, "fund-staking", "--chain", "anvil-1", "--amount", str(50 * E18), "--duration", "3600",
                 "--key", "cli-test-1")
    assert twice == [{"what": "fundRewards", "tx_hash": funded[-1]["tx_hash"], "status": "already"}]
    assert eco.staking.functions.totalFunded().call() == before + 50 * E18


def test_mistakes_are_one_line_errors(env: EconomyEnv) -> None:
    missing = _run(env, "publish", "--chain", "anvil-1", "--epoch", "999999", code=2)
    assert "was not computed" in missing and "Traceback" not in missing
    assert "unknown" in _run(env, "status", "--chain", "nowhere", code=2).lower()
    poor = _run(env, "fund-staking", "--chain", "anvil-1", "--amount", str(10**30), "--duration", "60", "--key", "x",
                code=2)
    assert "less than" in poor
