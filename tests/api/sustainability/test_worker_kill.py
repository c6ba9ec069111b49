"""A real rq worker killed (SIGKILL) while its offset transaction waits to be mined: the retry resumes
the journaled transaction instead of sending a second one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from web3 import Web3

from api.kit.txonce import journal_entry
from api.sustainability import onchain
from tests.api.sustainability.conftest import Env
from tests.support.processes import kill_tree

REPO = Path(__file__).resolve().parents[3]



def test_killed_worker_then_retry_records_once(env: Env) -> None:
    led = env.ledger
    node = led.platform.node
    ref = f"GS-{uuid.uuid4().hex[:10]}"
    r = led.client.post("/v1/sustainability/offset", headers=env.admin_headers(), json={
        "method": "onchain", "chain_id": led.chain.chain_id, "grams_co2e": "42000", "certificate_ref": ref,
        "certificate_uri": "https://registry.example.org/gs/1"})
    assert r.status_code == 202, r.text
    offset_id = r.json()["id"]
    s = led.settings
    environ = os.environ | {
        "PYTHONPATH": str(REPO), "DATABASE_URL": s.database_url.get_secret_value(),
        "REDIS_URL": s.redis_url.get_secret_value(),
        "REDIS_KEY_PREFIX": s.redis_key_prefix, "CHAIN_REGISTRY_JSON": s.chain_registry_json,
        "DEPLOYMENTS_DIR": str(s.deployments_dir), "ENVIRONMENT": "test"}
    node.rpc("evm_setAutomine", [False])
    worker = subprocess.Popen([sys.executable, "-c", "from api.cli import worker_command; worker_command(['--burst'])"],
                              cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        entry = None
        while time.monotonic() < deadline and (entry is None or entry.status != "signed"):
            time.sleep(0.3)
            entry = journal_entry(led.engine, f"offset:{offset_id}")
        assert entry is not None and entry.status == "signed", "the worker never journaled its transaction"
        time.sleep(0.5)  # let it broadcast; it now waits for a receipt that cannot come
        kill_tree(worker.pid)  # with rq's work horse, which left the process group (setsid)
        worker.wait(timeout=10)
        node.rpc("anvil_dropTransaction", [entry.tx_hash])  # and the node forgot the transaction too
    finally:
        if worker.poll() is None:
            kill_tree(worker.pid)
        node.rpc("evm_setAutomine", [True])
    assert onchain.process_offset(led.engine, led.settings, uuid.UUID(offset_id)) == "recorded"  # the retry
    cid = Web3.keccak(text=ref)
    logs = led.platform.treasury.events.OffsetRecorded().get_logs(from_block=0, argument_filters={"certificateId": cid})
    assert len(logs) == 1 and logs[0]["transactionHash"].to_0x_hex() == entry.tx_hash
