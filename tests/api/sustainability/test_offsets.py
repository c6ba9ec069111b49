"""Offsets: on chain exactly once whatever happens to the job (timeouts, a dropped transaction,
retries, a lost status); through the provider (checked by a real local server) without leaking its URL
or key; visible in the index and the API with their certificate reference."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.kit.txonce import TxError, journal_entry
from api.sustainability import onchain
from api.sustainability.models import OffsetRequest
from api.sustainability.provider import ProviderError
from tests.api.sustainability.conftest import Env


def _admin(env: Env) -> dict[str, str]:
    return env.admin_headers()


def _post(env: Env, body: dict[str, Any], key: str | None = None) -> Any:
    headers = _admin(env) | ({"Idempotency-Key": key} if key else {})
    return env.ledger.client.post("/v1/sustainability/offset", json=body, headers=headers)


def _recorded_on_chain(env: Env, cid: str) -> list[Any]:
    p = env.ledger.platform
    return p.treasury.events.OffsetRecorded().get_logs(from_block=0, argument_filters={"certificateId": cid})


def test_onchain_offset_is_recorded_once_despite_retries(env: Env) -> None:
    led = env.ledger
    node = led.platform.node
    body = {"method": "onchain", "chain_id": led.chain.chain_id, "grams_co2e": "125000",
            "certificate_ref": f"VCS-{uuid.uuid4().hex[:8]}", "certificate_uri": "https://registry.example.org/c/1"}
    r = _post(env, body, key="offset-once-1")
    assert r.status_code == 202, r.text
    offset_id = uuid.UUID(r.json()["id"])
    again = _post(env, body, key="offset-once-1")  # a retried request: the same answer, no second offset
    assert again.status_code == 202 and again.json()["id"] == str(offset_id)
    assert again.headers.get("idempotent-replayed") == "true"

    node.rpc("evm_setAutomine", [False])
    try:
        with pytest.raises(TxError):  # signed, journaled, broadcast, never mined: the job times out
            onchain.process_offset(led.engine, led.settings, offset_id, timeout=1.5)
        entry = journal_entry(led.engine, f"offset:{offset_id}")
        assert entry is not None and entry.status == "signed"
        node.rpc("anvil_dropTransaction", [entry.tx_hash])  # the node lost it
        with pytest.raises(TxError):  # the retry re-sends the journaled bytes (same nonce), still unmined
            onchain.process_offset(led.engine, led.settings, offset_id, timeout=1.5)
        node.rpc("evm_mine", [])
    finally:
        node.rpc("evm_setAutomine", [True])
    assert onchain.process_offset(led.engine, led.settings, offset_id) == "recorded"
    assert onchain.process_offset(led.engine, led.settings, offset_id) == "recorded"
    with Session(led.engine) as db:  # a lost status update: the job runs again from scratch
        db.execute(update(OffsetRequest).where(OffsetRequest.id == offset_id).values(status="requested", tx_hash=None))
        db.commit()
    assert onchain.process_offset(led.engine, led.settings, offset_id) == "recorded"

    cid = r.json()["certificate_id"]
    logs = _recorded_on_chain(env, cid)
    assert len(logs) == 1 and logs[0]["transactionHash"].to_0x_hex() == entry.tx_hash
    led.index()
    shown = led.client.get(f"/v1/sustainability/offsets/{offset_id}", headers=_admin(env)).json()
    assert shown["status"] == "recorded" and shown["tx_hash"] == entry.tx_hash
    listed = [o for o in led.client.get("/v1/sustainability/offsets?limit=200").json()["items"]
              if o["certificate_id"] == cid]
    assert len(listed) == 1 and listed[0]["certificate_ref"] == body["certificate_ref"]
    assert listed[0]["tx"]["tx_hash"] == entry.tx_hash and listed[0]["provider"] == "onchain"
    treasury = [o for o in led.client.get("/v1/treasury/offsets?limit=200").json()["items"] if o["certificate_id"] == cid]
    assert len(treasury) == 1
    # The same certificate cannot be asked for twice.
    assert _post(env, body).status_code == 409


def test_provider_offset_is_bought_once_and_recorded(env: Env) -> None:
    led, fake = env.ledger, env.provider
    before = len(fake.requests)
    r = _post(env, {"method": "provider", "chain_id": led.chain.chain_id, "grams_co2e": "5000"})
    assert r.status_code == 202, r.text
    offset_id = uuid.UUID(r.json()["id"])
    assert onchain.process_offset(led.engine, led.settings, offset_id) == "recorded"
    assert onchain.process_offset(led.engine, led.settings, offset_id) == "recorded"
    assert len(fake.requests) == before + 1 and not fake.problems
    sent = fake.requests[-1]
    assert sent["headers"]["Idempotency-Key"] == str(offset_id) and sent["body"]["amount"] == 5000
    led.index()
    row = led.client.get(f"/v1/sustainability/offsets/{offset_id}", headers=_admin(env)).json()
    assert row["provider"] == "patch" and row["certificate_ref"].startswith("patch:ord_test_")
    assert row["certificate_uri"].startswith("https://registry.example.org/cert/")
    listed = [o for o in led.client.get("/v1/sustainability/offsets?limit=200").json()["items"]
              if o["certificate_id"] == row["certificate_id"]]
    assert len(listed) == 1 and listed[0]["provider"] == "patch"
    assert listed[0]["certificate_ref"] == row["certificate_ref"]


@pytest.mark.parametrize("failure", ["http_500", "unreachable"])
def test_provider_errors_never_leak_url_or_key(env: Env, failure: str) -> None:
    led, fake = env.ledger, env.provider
    r = _post(env, {"method": "provider", "grams_co2e": "700"})
    assert r.status_code == 202, r.text
    offset_id = uuid.UUID(r.json()["id"])
    settings = led.settings
    if failure == "unreachable":
        settings = settings.model_copy(update={"offset_provider_base_url": type(settings.offset_provider_base_url)(
            "http://127.0.0.1:9/secret-path-token")})
    fake.fail_with = 500
    try:
        with pytest.raises(ProviderError) as info:
            onchain.process_offset(led.engine, settings, offset_id)
    finally:
        fake.fail_with = None
    shown = led.client.get(f"/v1/sustainability/offsets/{offset_id}", headers=_admin(env)).text
    for text in (str(info.value), shown):
        for secret in (fake.base_url, fake.base_url.split("/", 3)[-1], fake.api_key, "secret-path-token", "127.0.0.1"):
            assert secret not in text
    assert '"status":"failed"' in shown.replace(" ", "")
