"""The platform pages end to end in headless Chromium (web/e2e/platform.mjs), against the real API,
PostgreSQL, Redis, anvil and the indexer: /developers (a scoped API key created, used, charted and rotated
with a grace period; a webhook endpoint whose test message is really delivered to a local receiver, signed
with the secret the page showed, then replayed), /reputation (score parts of a wallet with completed
escrows; the user's own verified-skill badge and its attestation, issued by the attestation service on an
EAS deployed for this test, exported as EAS JSON and checked "valid" on the public /attestations page its
"verify anywhere" link opens), /attestations (a forged EAS package pasted and judged invalid), the monthly transparency report and
ledger, a consent on /settings/privacy and the named device on /settings/security. While the browser runs,
this process is the webhook worker: the real dispatcher and rq jobs, as `lancer webhooks` runs them.
Each page is screenshotted (web/test-artifacts/) and audited with axe-core."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from eth_account import Account
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from rq import SimpleWorker
from standardwebhooks import Webhook
from web3 import Web3

from api.attestations import service as attestations
from api.attestations.schemas import SkillIn
from api.integrations import delivery
from api.kit import queue
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from contracts.eas.lancer_schemas import VERIFIED_SKILL
from contracts.eas.offchain import EasDomain, sign_offchain_attestation
from devtools.accounts import local_dev_account
from indexer.core.db import make_engine
from indexer.core.deployments import load_deployment
from tests.support.chainkit import Platform
from tests.support.easkit import add_eas
from tests.support.webhook_receiver import Receiver, running_receiver
from tests.web.conftest import CHROMIUM, WEB, WEB_TEST_TIMEOUT, WebApp

pytestmark = WEB_TEST_TIMEOUT

# An account no other web test signs in with (the demo uses 0-5, the marketplace run 4-6).
USER = local_dev_account(7)
PAGES = ("developers", "reputation", "attestation", "attestations", "sustainability-report", "privacy-consents", "sessions")
HOOK_PATH = "/hooks/lancer"


def _forged_package(web_app: WebApp) -> dict:
    """A skill attestation signed by a random key that claims Lancer's attester as its signer."""
    settings = web_app.stack.settings
    data = VERIFIED_SKILL.encode({"skill": "rust", "level": 2, "evidenceHash": Web3.keccak(text="e2e")})
    domain = EasDomain(chain_id=31337, verifying_contract=Account.create().address, version="1.4.0")
    return sign_offchain_attestation(Account.create(), domain, schema=VERIFIED_SKILL.uid,
                                     recipient=USER.address, data=data,
                                     signer=settings.attester().address).to_json()


def _engine(web_app: WebApp) -> Engine:
    settings = web_app.stack.settings
    # Webhook secrets and skill evidence are encrypted at rest: opened with the API's own key ring.
    return attach_key_ring(make_engine(settings.database_url.get_secret_value()), data_key_ring(settings))


@pytest.fixture(scope="module")
def skill_uid(web_app: WebApp) -> str:
    """EAS deployed on anvil-1 (the read stack has none), then a verified-skill attestation issued to the
    user by the attestation service itself, signed with Lancer's attester key as in production."""
    chain = web_app.stack.chains[31337]
    deployment = load_deployment(web_app.stack.deployments_dir, 31337)
    assert deployment is not None
    # add_eas needs only these three of a chainkit Platform.
    add_eas(cast(Platform, SimpleNamespace(w3=chain.w3, admin=chain.demo.accounts["admin"], deployment=deployment)),
            web_app.stack.deployments_dir)
    settings = web_app.stack.settings
    engine = _engine(web_app)
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        with Session(engine) as db:
            # As an admin with no user row behind it (created_by stays empty): only the issuing is under test.
            row = attestations.create_skill(db, redis, settings, None, True,  # type: ignore[arg-type]
                                            SkillIn(recipient=USER.address, skill="rust", level=3, evidence="e2e review"))
            return row.uid
    finally:
        redis.close()
        engine.dispose()


def _drive(proc: subprocess.Popen[str], web_app: WebApp) -> None:
    """Be the webhook worker until the browser run ends: dispatch passes and rq jobs, in this thread
    (rq's worker needs the main thread for its signal handlers)."""
    settings = web_app.stack.settings
    queue.configure(settings)
    engine = _engine(web_app)
    redis = Redis.from_url(settings.redis_url_or_default)
    worker = SimpleWorker([queue.get_queue(settings, redis, queue.WEBHOOKS)], connection=redis)
    try:
        while proc.poll() is None:
            delivery.dispatch(engine, redis, settings)
            worker.work(burst=True, logging_level="WARNING")
            time.sleep(0.2)
    finally:
        redis.close()
        engine.dispose()


@pytest.fixture(scope="module")
def receiver() -> Receiver:
    with running_receiver() as r:
        yield r  # type: ignore[misc]


@pytest.fixture(scope="module")
def run(web_app: WebApp, artifacts: Path, receiver: Receiver, skill_uid: str) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (make test does)")
    chain = web_app.stack.chains[31337]
    env = {**os.environ, "WEB_URL": web_app.url, "ARTIFACTS_DIR": str(artifacts), "CHROMIUM": CHROMIUM,
           "WALLET_KEY": USER.key.to_0x_hex(), "RPC_URL": chain.node.url,
           "WEBHOOK_URL": receiver.url(HOOK_PATH), "REPUTATION_OF": chain.demo.accounts["freelancer"],
           "EAS_PACKAGE": json.dumps(_forged_package(web_app)), "SKILL_UID": skill_uid}
    proc = subprocess.Popen(["node", "e2e/platform.mjs"], cwd=WEB, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _drive(proc, web_app)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    results = json.loads((artifacts / "platform-results.json").read_text())
    assert proc.returncode == 0, f"{out[-3000:]}\n{json.dumps(results, indent=1)[:3000]}"
    results["api_url"] = web_app.api_url
    return results


def test_api_key_created_used_charted_and_rotated_with_a_grace_period(run: dict) -> None:
    assert run["ok"], run
    assert "3 in all" in run["usage_caption"], run["usage_caption"]  # the three requests the driver made
    assert run["rotated_key"] != run["first_key"]
    assert "old key works until" in run["rotation_note"], run["rotation_note"]
    # Both work during the grace period, with the scope chosen in the form and no other.
    for key in (run["first_key"], run["rotated_key"]):
        ok = httpx.get(f"{run['api_url']}/v1/escrows", params={"limit": 1}, headers={"X-API-Key": key})
        assert ok.status_code == 200, ok.text
    denied = httpx.get(f"{run['api_url']}/v1/me/consents", headers={"X-API-Key": run["rotated_key"]})
    assert denied.status_code in (401, 403), denied.text


def test_webhook_test_message_was_delivered_signed_with_the_shown_secret_and_replayed(run: dict,
                                                                                     receiver: Receiver) -> None:
    got = [r for r in receiver.received if r.path == HOOK_PATH]
    assert len(got) == 2, [r.body for r in got]
    verifier = Webhook(run["webhook_secret"])
    for message in got:
        assert verifier.verify(message.body, message.headers)["type"] == "webhook.test"
    # A replay is the same message: same webhook-id, so a receiver can recognise it.
    assert got[0].msg_id == got[1].msg_id
    assert len(run["delivery_rows"]) == 2 and any("replay of" in row for row in run["delivery_rows"]), run["delivery_rows"]
    assert "webhook.test" in run["delivery_detail"] and "HTTP 200" in run["delivery_detail"], run["delivery_detail"]


def test_reputation_shows_the_score_and_its_parts(run: dict) -> None:
    assert Web3.to_checksum_address(run["reputation_address"]) == run["reputation_address"]
    assert float(run["reputation_score"]) > 0, run["reputation_score"]  # the demo freelancer completed escrows
    assert run["score_parts"] == 8  # verifier_stake joined the parts on next


def test_my_skill_badge_and_its_attestation_verify_anywhere(run: dict, skill_uid: str, web_app: WebApp) -> None:
    assert run["badges"] == ["★ rust · level 3"], run["badges"]
    assert run["attestation_rows"] == 1 and run["own_score_parts"] == 8
    # The link is the public page of that UID; the JSON downloaded is the API's EAS export, unchanged.
    assert run["verify_link"].endswith(f"/attestations?uid={skill_uid}"), run["verify_link"]
    assert run["eas_download"] == f"attestation-{skill_uid[:10]}.eas.json"
    exported = httpx.get(f"{run['api_url']}/v1/attestations/{skill_uid}/eas").json()
    assert run["eas_package"] == exported
    assert run["eas_package"]["signer"] == web_app.stack.settings.attester().address
    assert run["skill_verdict"] == "valid", run["skill_verdict_text"]
    assert "issued by Lancer" in run["skill_verdict_text"] and "not issued" not in run["skill_verdict_text"]


def test_a_forged_attestation_package_is_judged_invalid(run: dict) -> None:
    assert run["verdict"] == "invalid", run["verdict_text"]
    assert "not issued by Lancer" in run["verdict_text"], run["verdict_text"]


def test_transparency_report_ledger_consent_and_device(run: dict) -> None:
    # The demo's escrows paid fees this month: the ledger of this month lists them.
    assert run["ledger_rows"] >= 1, run
    assert any("terms" in row and "2026-11-01" in row for row in run["consents"]), run["consents"]
    assert run["device"] == "Headless Chrome on Linux", run["device"]
    assert run["console_errors"] == [], run["console_errors"]


def test_every_platform_page_has_a_screenshot_and_no_serious_accessibility_violation(run: dict,
                                                                                     artifacts: Path) -> None:
    for page in PAGES:
        assert (artifacts / f"{page}.png").stat().st_size > 10_000, page
    assert run["violations"] == {}, json.dumps(run["violations"], indent=1)
