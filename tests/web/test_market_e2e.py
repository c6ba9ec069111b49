"""The marketplace end to end in headless Chromium (web/e2e/market.mjs), against the real API, PostgreSQL,
Redis, two anvil chains and the indexer: a client wallet and a freelancer wallet (anvil keys behind
EIP-1193 test wallets) create profiles; the client posts a project with milestones and skills; the
freelancer finds it with filters and proposes; the client shortlists and accepts, switches its wallet to
the project's chain when asked and funds the escrow with the transactions the API prepared; the index
sees it (pending first, confirmed after mining); the freelancer accepts and submits; the client releases
both milestones; invoices appear and their PDF downloads; messages arrive live over the WebSocket and
unread counts show. The freelancer's match feed ranks the project (filters apply) and the client's project
page recommends the freelancer; both dashboard homes show the contract, earnings (pending and confirmed
apart), pipeline, escrow status and invoices; the freelancer's notifications (written by the real
notification consumer, which this process runs while the browser does) are counted by the bell, read one
by one and all at once, and their channel preferences saved. Each main page is screenshotted (web/test-artifacts/) and audited with axe-core."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from redis import Redis

from api.notifications import consumer
from api.verification import banks
from devtools.accounts import local_dev_account
from indexer.core.db import make_engine
from tests.web.conftest import CHROMIUM, WEB, WEB_TEST_TIMEOUT, WebApp

pytestmark = WEB_TEST_TIMEOUT

# Accounts no other web test signs in with (test_e2e.py turns 2FA on for anvil account 1).
CLIENT, FREELANCER, ARBITER = local_dev_account(4), local_dev_account(5), local_dev_account(6)
PAGES = ("profile", "project-new", "project-edit", "projects", "project-propose", "proposals", "contract",
         "contract-funded", "contract-completed", "transactions", "messages", "contracts", "public-profile", "matching", "project-matches", "dashboard-freelancer", "notifications",
         "dashboard-client", "dashboard-client-paid", "skill-quiz", "skill-verified", "org-team-member", "org-team")


@pytest.fixture(scope="module")
def run(web_app: WebApp, artifacts: Path) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (make test does)")
    chains = web_app.stack.chains
    env = {**os.environ, "WEB_URL": web_app.url, "ARTIFACTS_DIR": str(artifacts), "CHROMIUM": CHROMIUM,
           "CLIENT_KEY": CLIENT.key.to_0x_hex(), "FREELANCER_KEY": FREELANCER.key.to_0x_hex(),
           "ARBITER": ARBITER.address, "QUIZ_ANSWERS": json.dumps(_quiz_answers("solidity")), "RPC_URL_31337": chains[31337].node.url, "RPC_URL_31338": chains[31338].node.url}
    proc = subprocess.Popen(["node", "e2e/market.mjs"], cwd=WEB, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _notify_until_done(proc, web_app)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    results = json.loads((artifacts / "market-results.json").read_text())
    assert proc.returncode == 0, f"{out[-3000:]}\n{json.dumps(results, indent=1)[:3000]}"
    return results


def _quiz_answers(slug: str) -> dict[str, str]:
    """Question text -> right answer, from the committed bank: the browser answers as someone who knows."""
    return {q["text"]: q["answer"] for q in banks.quizzes()[slug]["questions"]}


def _notify_until_done(proc: subprocess.Popen[str], web_app: WebApp) -> None:
    """Be the notification consumer (as `lancer notifications` runs it) until the browser run ends."""
    settings = web_app.stack.settings
    engine = make_engine(settings.database_url.get_secret_value())
    redis = Redis.from_url(settings.redis_url_or_default)
    deadline = time.monotonic() + 600
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            consumer.consume(engine, redis, settings)
            time.sleep(0.3)
    finally:
        redis.close()
        engine.dispose()


def test_project_and_proposal_amounts_are_exact(run: dict) -> None:
    assert run["ok"], run
    # Typed as decimals, summed and shown from base units (bigint): no float drift.
    assert run["project_sum"] == "Sum: 3 native", run["project_sum"]
    assert run["project_budget"] == "3ETH", run["project_budget"]
    assert run["proposal_sum"] == "Sum: 3 ETH", run["proposal_sum"]
    assert run["search_rows"] >= 1
    assert "submitted" in run["freelancer_proposal"]


def test_an_organization_invites_and_its_team_view_shows_the_project_contract_and_spend(run: dict) -> None:
    # The freelancer accepted the invitation: a member sees the team but may not invite; then it left.
    members = run["members_seen_by_freelancer"]
    assert any("@clara-e2e" in m and "owner" in m for m in members), members
    assert any("@fred-e2e (you)" in m and "member" in m for m in members), members
    assert run["freelancer_invite_forms"] == 0
    assert len(run["team_members"]) == 1 and "@clara-e2e" in run["team_members"][0], run["team_members"]
    # The project was posted for the organization: its team view counts the project, the contract and the
    # money, committed (funded) and released (both milestones), from the index.
    assert run["team_projects"] == 1 and run["team_contracts"] == 1
    [spend] = run["team_spend"]
    assert "anvil-1" in spend and len(re.findall(r"3\s*ETH", spend)) == 2, spend


def test_escrow_funded_through_the_wallet_after_a_chain_switch(run: dict) -> None:
    funding = run["funding"]
    # Native coin: createEscrowDeterministic and fund(), sent one by one by the client's own wallet.
    assert funding["steps"] == 2 and funding["wallet_sent"] == 2, funding
    assert funding["switched"] and funding["wallet_chain"] == 31337, funding
    assert "anvil-2" in run["switch_prompt"] and "anvil-1" in run["switch_prompt"], run["switch_prompt"]
    # The indexer saw the funding before it was confirmed: pending and confirmed were shown apart.
    assert run["funded_confirmed_state"] == "awaiting_funding"


def test_release_issues_invoices_with_a_pdf(run: dict) -> None:
    assert run["invoice_rows"] == 2
    assert run["confirmed_invoices"] == 2  # pending when issued, confirmed after mining
    assert run["invoice_pdf"].startswith("lancer-invoice-31337-0x") and run["invoice_pdf"].endswith(".pdf")
    assert any("release" in row for row in run["freelancer_transactions"]), run["freelancer_transactions"]
    assert run["contract_rows"] >= 1


def test_messages_are_live_and_unread_counts_show(run: dict) -> None:
    assert run["live_message"]
    # Pushed over /v1/ws (through the web app's proxy), not found by polling.
    assert run["ws_frames"]["client"] >= 1 and run["ws_frames"]["freelancer"] >= 1, run["ws_frames"]
    assert run["unread_before"] == "1 unread" and run["unread_badge"] == "1"
    assert " ".join(run["nav_unread"].split()) == "1 unread", run["nav_unread"]  # the side navigation's badge
    assert run["unread_after"] == "0 unread"
    assert run["console_errors"] == [], run["console_errors"]


def test_match_feed_ranks_the_project_and_the_client_sees_the_freelancer_recommended(run: dict) -> None:
    # No embedding was computed in this run: the lexical ranker answered, and the page says so.
    assert run["match_ranker"] == "lexical" and run["recommended_ranker"] == "lexical", run
    assert run["match_parts"] >= 3 and run["recommended_parts"] >= 3, run
    assert run["match_filtered_out"]  # on anvil-2 only, the anvil-1 project is gone


def test_dashboards_show_contract_earnings_pipeline_escrows_and_invoices(run: dict) -> None:
    assert "Milestone 1" in run["active_contract"] and "submitted" in run["active_contract"], run["active_contract"]
    assert "Auto-release" in run["active_contract"], run["active_contract"]
    # 1 + 2 ETH released to the freelancer on anvil-1 (on top of the demo's), confirmed after mining.
    anvil1 = [row for row in run["earnings"] if row.startswith("anvil-1") and "Confirmed" in row]
    assert len(anvil1) == 1 and float(anvil1[0].split("\t")[1].removesuffix("ETH").replace(",", "")) >= 3, run["earnings"]
    assert any("solidity" in row and "not verified" in row for row in run["dash_skills"]), run["dash_skills"]
    assert any("Escrow audit e2e" in row for row in run["pipeline"]), run["pipeline"]
    # While milestone 1 awaited approval: the open escrow, its locked amount and the auto-release time.
    assert len(run["client_escrows"]) == 1 and "Milestone 1 awaits your approval" in run["client_escrows"][0], run
    assert "Locked 3" in run["client_escrows"][0], run["client_escrows"]
    # The two releases of this run are two invoices of one escrow (the demo's may be listed too).
    escrows = {row.split(" · ")[1] for row in run["client_invoices"] if row.startswith(("1 · ", "2 · "))}
    assert any({f"1 · {e}", f"2 · {e}"} <= {" · ".join(r.split(" · ")[:2]) for r in run["client_invoices"]}
               for e in escrows), run["client_invoices"]


def test_notifications_bell_read_one_read_all_and_preferences(run: dict) -> None:
    assert run["bell_label"].startswith("Notifications, ") and run["bell_label"].endswith(" unread"), run["bell_label"]
    # Proposal and contract events of this run reached the freelancer (the consumer wrote them).
    assert any("proposal" in n for n in run["notifications"]), run["notifications"]
    assert any("contract" in n for n in run["notifications"]), run["notifications"]
    before = int(run["unread_notifications_before"].split()[0])
    after_one = int(run["unread_notifications_after_one"].split()[0])
    assert before >= 2 and after_one == before - 1, run
    assert run["bell_label_after"] == "Notifications"
    assert run["message_email_after_reload"] is False and run["message_in_app_after_reload"] is True


def test_skill_quiz_answered_right_passes_and_the_status_survives_a_reload(run: dict) -> None:
    assert "/skills/verify?id=" in run["quiz_url"], run["quiz_url"]
    assert run["quiz_status"] == "passed" and run["quiz_status_after_reload"] == "passed", run
    assert run["quiz_score"] == "100%", run["quiz_score"]


def test_every_marketplace_page_has_a_screenshot_and_no_serious_accessibility_violation(run: dict,
                                                                                          artifacts: Path) -> None:
    for page in PAGES:
        assert (artifacts / f"{page}.png").stat().st_size > 10_000, page
    assert run["violations"] == {}, json.dumps(run["violations"], indent=1)
