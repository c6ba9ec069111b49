"""Skill verification end to end in headless Chromium (web/e2e/verify.mjs), against the real API,
PostgreSQL, Redis, the sandbox and a local GitHub OAuth server (tests/support/github_oauth.py): a code
challenge solved in the page's editor and graded by the real rq job (this process is the worker while the
browser runs) passes; an evidence file goes through the upload intent, the upload and the submission and
waits for review; a GitHub proof goes to the OAuth server, comes back to /skills/verify/github and waits
for review with the account's summary. Each step is screenshotted (web/test-artifacts/) and audited with
axe-core."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.identity.models import Wallet
from api.kit import queue
from api.skills.models import Skill
from api.verification.models import SkillVerification
from api.verification.storage import storage_for
from devtools.accounts import local_dev_account
from indexer.core.db import make_engine
from tests.support.github_oauth import ACCOUNT, GithubOAuthServer
from tests.web.conftest import CHROMIUM, WEB, WEB_TEST_TIMEOUT, WebApp

pytestmark = WEB_TEST_TIMEOUT

# An account no other web test signs in with (the demo uses 0-5, the marketplace run 4-6, the platform run 7).
USER = local_dev_account(8)
PAGES = ("skill-challenge", "skill-challenge-passed", "skill-evidence", "skill-evidence-pending", "skill-github-pending")
SOLUTION = ("def merge(intervals):\n    out = []\n    for s, e in sorted(intervals):\n"
            "        if out and s <= out[-1][1]:\n            out[-1][1] = max(out[-1][1], e)\n"
            "        else:\n            out.append([s, e])\n    return out\n")
EVIDENCE = "Lancer e2e: certificate of completion, TypeScript for dApps\n"


def _work(proc: subprocess.Popen[str], web_app: WebApp) -> None:
    """Run the rq jobs (the code challenge's grading) until the browser run ends, in this thread (rq's
    worker needs the main thread for its signal handlers)."""
    settings = web_app.stack.settings
    queue.configure(settings)
    redis = Redis.from_url(settings.redis_url_or_default)
    worker = SimpleWorker([queue.get_queue(settings, redis)], connection=redis)
    try:
        while proc.poll() is None:
            worker.work(burst=True, logging_level="WARNING")
            time.sleep(0.2)
    finally:
        redis.close()


@pytest.fixture(scope="module")
def run(web_app: WebApp, artifacts: Path, github_oauth: GithubOAuthServer) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (make test does)")
    env = {**os.environ, "WEB_URL": web_app.url, "ARTIFACTS_DIR": str(artifacts), "CHROMIUM": CHROMIUM,
           "WALLET_KEY": USER.key.to_0x_hex(), "RPC_URL": web_app.stack.chains[31337].node.url,
           "CHALLENGE_SOLUTION": SOLUTION, "EVIDENCE_TEXT": EVIDENCE}
    proc = subprocess.Popen(["node", "e2e/verify.mjs"], cwd=WEB, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _work(proc, web_app)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    results = json.loads((artifacts / "verify-results.json").read_text())
    assert proc.returncode == 0, f"{out[-3000:]}\n{json.dumps(results, indent=1)[:3000]}"
    return results


@pytest.fixture(scope="module")
def rows(run: dict, web_app: WebApp) -> dict[str, SkillVerification]:
    """The user's verifications as the API stored them, by method."""
    engine = make_engine(web_app.stack.settings.database_url.get_secret_value())
    try:
        with Session(engine) as db:
            user_id = db.scalar(select(Wallet.user_id).where(Wallet.address == USER.address))
            found = db.execute(select(SkillVerification, Skill.slug).join(Skill, Skill.id == SkillVerification.skill_id)
                               .where(SkillVerification.user_id == user_id)).all()
            db.expunge_all()
            return {f"{row.method}:{slug}": row for row, slug in found}
    finally:
        engine.dispose()


def test_code_challenge_solved_in_the_editor_passes_in_the_sandbox(run: dict, rows: dict) -> None:
    assert run["ok"], run
    assert "merge" in run["challenge_task"] and "returns [[1,6],[8,10]]" in run["challenge_task"], run["challenge_task"]
    assert run["challenge_outcome"] == "passed", run["challenge_result"]
    assert "passed (6 of 6 hidden cases passed)" in run["challenge_result"], run["challenge_result"]
    assert run["challenge_score"] == "100%"
    row = rows["code_challenge:python"]
    assert run["challenge_url"].endswith(f"?id={row.id}")
    assert row.status == "passed" and row.details["result"]["passed_cases"] == 6
    assert "code" not in row.details  # not kept once graded


def test_evidence_is_uploaded_as_declared_and_waits_for_review(run: dict, rows: dict, web_app: WebApp) -> None:
    assert "PDF" in run["evidence_limits"] and "at most 10.0 MB" in run["evidence_limits"], run["evidence_limits"]
    assert f"text/plain, {len(EVIDENCE)} B" in run["upload_intent"], run["upload_intent"]
    assert "pending review" in run["evidence_status_text"]
    row = rows["evidence:typescript"]
    assert run["evidence_url"].endswith(f"?id={row.id}")
    assert row.status == "in_review" and row.details["note"] == "Certificate of the TypeScript course"
    assert row.evidence_type == "text/plain" and row.evidence_size == len(EVIDENCE)
    assert row.evidence_sha256 == hashlib.sha256(EVIDENCE.encode()).hexdigest()
    assert storage_for(web_app.stack.settings).get(row.evidence_sha256) == EVIDENCE.encode()


def test_github_proof_goes_through_the_oauth_server_and_back_to_review(run: dict, rows: dict) -> None:
    assert run["github_callback"] == "/skills/verify/github"
    row = rows["github:python"]
    assert run["github_url"].endswith(f"?id={row.id}")
    assert row.status == "in_review"
    assert row.details["github"]["login"] == ACCOUNT["login"] and row.details["github"]["matching_repos"] == 3


def test_every_verification_step_has_a_screenshot_and_no_serious_accessibility_violation(run: dict,
                                                                                        artifacts: Path) -> None:
    assert run["console_errors"] == [], run["console_errors"]
    for page in PAGES:
        assert (artifacts / f"{page}.png").stat().st_size > 10_000, page
    assert run["violations"] == {}, json.dumps(run["violations"], indent=1)
