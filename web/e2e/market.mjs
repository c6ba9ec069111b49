// The marketplace end to end in headless Debian Chromium, driven by tests/web/test_market_e2e.py: a client
// wallet and a freelancer wallet (two browser contexts, each with its own test wallet backed by an anvil key)
// create profiles; the client posts and publishes a project; the freelancer finds it and proposes; the client
// accepts, is asked to switch chains (its wallet starts on anvil-2), funds the escrow through the wallet; the
// indexer sees it (pending, then confirmed after mining); the freelancer accepts and submits; the client
// releases; the invoice appears and its PDF downloads; messages arrive live over the WebSocket and unread
// counts show. Every main page is screenshotted and audited with axe-core.
import { mkdirSync } from "node:fs";

import { audit as auditPage, env, launch, runScenario, scenario, sendThroughWallet, signIn, walletPage } from "./harness.mjs";

const WEB = env("WEB_URL");
const ARTIFACTS = env("ARTIFACTS_DIR");
const RPC = { 31337: env("RPC_URL_31337"), 31338: env("RPC_URL_31338") };
const ARBITER = env("ARBITER");
mkdirSync(ARTIFACTS, { recursive: true });

const results = { pages: {}, violations: {}, ws_frames: { client: 0, freelancer: 0 } };
const run = scenario("market e2e");
const { log, consoleErrors } = run;
const audit = (page, name) => auditPage(page, name, ARTIFACTS, results);
// Long enough for the indexer to follow and the page's poll to show it.
const CHAIN_WAIT = { timeout: 60_000 };

async function mine(chainId, blocks) {
  await fetch(RPC[chainId], { method: "POST", headers: { "content-type": "application/json" },
                              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_mine", params: [`0x${blocks.toString(16)}`] }) });
}

function countPushes(page, who) {
  page.on("websocket", (ws) => ws.on("framereceived", (frame) => {
    if (String(frame.payload).includes('"message.created"')) results.ws_frames[who] += 1;
  }));
}

async function createProfile(page, handle, name) {
  await page.goto(WEB + "/profile");
  await page.locator("#profile-handle").fill(handle);
  await page.locator("#profile-name").fill(name);
  await page.getByRole("button", { name: "Create profile" }).click();
  await page.getByRole("button", { name: "Save profile" }).waitFor();
}

const browser = await launch();
await runScenario(run, { browser, artifacts: ARTIFACTS, results, resultsFile: "market-results.json", failureName: "market" }, async () => {
  const client = await walletPage(browser, { privateKey: env("CLIENT_KEY"), chainId: 31338, rpcUrls: RPC }, consoleErrors);
  const freelancer = await walletPage(browser, { privateKey: env("FREELANCER_KEY"), chainId: 31337, rpcUrls: RPC }, consoleErrors);
  const cp = client.page;
  const fp = freelancer.page;
  countPushes(cp, "client");
  countPushes(fp, "freelancer");

  log("both sign in and create profiles");
  for (const page of [cp, fp]) {
    await page.goto(WEB + "/");
    await signIn(page);
    await page.waitForURL("**/dashboard");
  }
  await createProfile(cp, "clara-e2e", "Clara E2E");
  await createProfile(fp, "fred-e2e", "Fred E2E");
  await fp.locator("#add-skill").selectOption("solidity");
  await fp.getByRole("button", { name: "Add", exact: true }).click();
  await fp.getByRole("button", { name: "Remove Solidity" }).waitFor();
  await audit(fp, "profile");

  log("client creates an organization and invites the freelancer, who accepts, then leaves");
  await cp.getByRole("link", { name: "Organizations" }).click();
  await cp.waitForURL("**/orgs");
  await cp.getByLabel("Name").fill("Clara Labs");
  await cp.getByLabel("Slug").fill("clara-labs-e2e");
  await cp.getByRole("button", { name: "Create", exact: true }).click();
  await cp.getByRole("link", { name: "Clara Labs" }).first().click();
  await cp.waitForURL("**/orgs/clara-labs-e2e");
  await cp.getByLabel("Their handle").fill("@fred-e2e");
  await cp.getByRole("button", { name: "Invite", exact: true }).click();
  await cp.getByRole("status").filter({ hasText: "Invited @fred-e2e as member" }).waitFor();
  await fp.goto(WEB + "/orgs");
  await fp.getByTestId("invitation-row").filter({ hasText: "@clara-labs-e2e" }).getByRole("button", { name: "Accept" }).click();
  await fp.getByTestId("org-row").filter({ hasText: "Clara Labs" }).waitFor();
  await fp.getByRole("link", { name: "Clara Labs" }).click();
  await fp.waitForURL("**/orgs/clara-labs-e2e");
  await fp.getByTestId("member-row").nth(1).waitFor();
  results.members_seen_by_freelancer = await fp.getByTestId("member-row").allInnerTexts();
  results.freelancer_invite_forms = await fp.getByRole("button", { name: "Invite", exact: true }).count();
  await audit(fp, "org-team-member");
  await fp.getByTestId("member-row").filter({ hasText: "(you)" }).getByRole("button", { name: "Leave" }).click();
  await fp.getByRole("button", { name: "Leave the organization?" }).click();
  await fp.waitForURL("**/orgs");
  await fp.getByText("You belong to no organization").waitFor();

  log("client posts a project with milestones and required skills, then publishes it");
  await cp.goto(WEB + "/projects/new");
  await cp.locator("#project-org").selectOption("clara-labs-e2e");
  await cp.locator("#project-title").fill("Escrow audit e2e");
  await cp.locator("#project-description").fill("Audit a milestone escrow contract and write the report.");
  await cp.getByRole("checkbox", { name: "Solidity" }).check();
  await cp.locator("#project-chain").selectOption("31337");
  await cp.locator("#project-token").selectOption("native");
  await cp.locator("#project-budget").fill("3");
  await cp.locator("#project-milestone-title-0").fill("Report");
  await cp.locator("#project-milestone-amount-0").fill("1.25");
  await cp.getByRole("button", { name: "Add milestone" }).click();
  await cp.locator("#project-milestone-title-1").fill("Fix review");
  await cp.locator("#project-milestone-amount-1").fill("1.75");
  results.project_sum = await cp.getByTestId("milestone-sum").innerText();
  await audit(cp, "project-new");
  await cp.getByRole("button", { name: "Save draft" }).click();
  await cp.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
  const projectUrl = cp.url();
  await cp.getByRole("link", { name: "Edit", exact: true }).click();
  await cp.waitForURL("**/edit");
  await cp.locator("#project-description").fill("Audit a milestone escrow contract (native coin) and write the report.");
  await audit(cp, "project-edit");
  await cp.getByRole("button", { name: "Save changes" }).click();
  await cp.waitForURL(projectUrl);
  await cp.getByText("Audit a milestone escrow contract (native coin)").waitFor();
  await cp.getByRole("button", { name: "Publish" }).click();
  await cp.getByRole("button", { name: "Publish" }).waitFor({ state: "detached" });
  results.project_budget = await cp.getByTestId("project-budget").innerText();

  log("matching: the freelancer's feed ranks the project (filters apply); the client sees the freelancer recommended");
  await fp.getByRole("link", { name: "Matches", exact: true }).first().click();
  await fp.waitForURL("**/matching");
  const match = fp.getByTestId("match-card").filter({ hasText: "Escrow audit e2e" });
  await match.waitFor();
  results.match_ranker = (await fp.getByTestId("ranker").innerText()).trim();
  results.match_parts = await match.getByTestId("score-part").count();
  await fp.locator("#match-chain").selectOption("anvil-2");
  await fp.getByRole("button", { name: "Apply filters" }).click();
  await match.waitFor({ state: "detached" });
  results.match_filtered_out = true;
  await fp.locator("#match-chain").selectOption("anvil-1");
  await fp.getByRole("button", { name: "Apply filters" }).click();
  await match.waitFor();
  await audit(fp, "matching");
  await cp.reload();
  const recommended = cp.locator("#matches").getByTestId("match-card").filter({ hasText: "Fred E2E" });
  await recommended.waitFor();
  results.recommended_ranker = (await cp.locator("#matches").getByTestId("ranker").innerText()).trim();
  results.recommended_parts = await recommended.getByTestId("score-part").count();
  await audit(cp, "project-matches");

  log("freelancer searches with filters and proposes");
  await fp.goto(WEB + "/projects");
  await fp.locator("#filter-q").fill("escrow audit");
  await fp.locator("#filter-chain").selectOption("anvil-1");
  await fp.getByRole("button", { name: "Search" }).click();
  await fp.getByTestId("project-row").filter({ hasText: "Escrow audit e2e" }).waitFor();
  results.search_rows = await fp.getByTestId("project-row").count();
  await audit(fp, "projects");
  await fp.getByRole("link", { name: "Escrow audit e2e" }).click();
  await fp.locator("#proposal-cover").fill("I audit escrows; report first, then the fix review.");
  await fp.locator("#proposal-milestone-title-0").fill("Report");
  await fp.locator("#proposal-milestone-amount-0").fill("1");
  await fp.getByRole("button", { name: "Add milestone" }).click();
  await fp.locator("#proposal-milestone-title-1").fill("Fix review");
  await fp.locator("#proposal-milestone-amount-1").fill("2");
  results.proposal_sum = await fp.getByTestId("milestone-sum").innerText();
  await audit(fp, "project-propose");
  await fp.getByRole("button", { name: "Send proposal" }).click();
  await fp.getByTestId("proposal-row").waitFor();
  results.freelancer_proposal = await fp.getByTestId("proposal-row").innerText();

  log("client shortlists and accepts");
  await cp.goto(projectUrl);
  await cp.getByRole("button", { name: "Shortlist fred-e2e" }).click();
  await cp.getByTestId("proposal-row").filter({ hasText: "shortlisted" }).waitFor();
  await audit(cp, "proposals");
  await cp.getByRole("button", { name: "Accept and hire fred-e2e" }).click();
  await cp.waitForURL(/\/contracts\/[0-9a-f-]{36}$/);
  const contractUrl = cp.url();
  await cp.getByTestId("fund-escrow").waitFor();
  await audit(cp, "contract");

  log("client funds the escrow through the wallet (switching chains first)");
  await cp.locator("#escrow-arbiter").fill(ARBITER);
  const funding = await sendThroughWallet(cp, "Fund escrow");
  results.switch_prompt = funding.switchPrompt;
  results.funding = { ...funding, wallet_sent: client.backend.sent.length, wallet_chain: client.backend.chainId() };
  await cp.locator('[data-testid="contract-state"] [data-status="pending"][data-state="funded"]').waitFor(CHAIN_WAIT);
  results.funded_confirmed_state = await cp.locator('[data-testid="contract-state"] [data-status="confirmed"]').getAttribute("data-state");
  await audit(cp, "contract-funded");
  await mine(31337, 4);
  await cp.locator('[data-testid="contract-state"] [data-status="confirmed"][data-state="funded"]').waitFor(CHAIN_WAIT);

  log("freelancer accepts the escrow and submits milestone 1");
  await fp.goto(contractUrl);
  await sendThroughWallet(fp, "Accept the escrow");
  await fp.locator('[data-testid="contract-state"] [data-status="pending"][data-state="active"]').waitFor(CHAIN_WAIT);
  await fp.locator("#note-0").fill("https://example.org/report.pdf");
  await sendThroughWallet(fp, "Submit milestone 1");
  await fp.locator('[data-testid="contract-milestone"][data-state="submitted"]').waitFor(CHAIN_WAIT);

  log("freelancer home: the active contract, its next milestone and auto-release deadline");
  await fp.goto(WEB + "/dashboard");
  await fp.getByRole("button", { name: "Freelancer home" }).click();
  const active = fp.getByTestId("active-contract").filter({ hasText: "Escrow audit e2e" });
  await active.getByTestId("auto-release").waitFor(CHAIN_WAIT);
  results.active_contract = await active.innerText();
  await fp.goto(contractUrl);
  await cp.goto(WEB + "/dashboard");
  await cp.getByRole("button", { name: "Client home" }).click();
  const open = cp.getByTestId("escrow-status-row").filter({ has: cp.getByTestId("pending-approval") });
  await open.first().waitFor(CHAIN_WAIT);
  results.client_escrows = await open.allInnerTexts();
  await audit(cp, "dashboard-client");
  await cp.goto(contractUrl);

  log("messages on the contract, live over the WebSocket");
  await cp.getByTestId("conversation").waitFor();
  await fp.getByTestId("conversation").waitFor();
  await fp.getByPlaceholder("Write a message").fill("The report is submitted.");
  await fp.getByRole("button", { name: "Send", exact: true }).click();
  await cp.getByTestId("message").filter({ hasText: "The report is submitted." }).waitFor();
  results.live_message = true;

  log("client releases both milestones; invoices appear");
  await cp.locator('[data-testid="contract-milestone"][data-state="submitted"]').waitFor(CHAIN_WAIT);
  await sendThroughWallet(cp, "Release milestone 1");
  await cp.locator('[data-testid="contract-milestone"][data-state="released"]').waitFor(CHAIN_WAIT);
  await sendThroughWallet(cp, "Release milestone 2");
  await cp.locator('[data-testid="contract-state"] [data-status="pending"][data-state="completed"]').waitFor(CHAIN_WAIT);
  await cp.getByTestId("invoice-row").nth(1).waitFor(CHAIN_WAIT);
  results.invoice_rows = await cp.getByTestId("invoice-row").count();
  const [pdf] = await Promise.all([cp.waitForEvent("download"), cp.getByTestId("invoice-row").first().getByRole("button", { name: /PDF/ }).click()]);
  results.invoice_pdf = pdf.suggestedFilename();
  await mine(31337, 4);
  await cp.locator('[data-testid="contract-state"] [data-status="confirmed"][data-state="completed"]').waitFor(CHAIN_WAIT);
  await cp.locator('[data-testid="invoice-row"] [data-status="confirmed"]').nth(1).waitFor(CHAIN_WAIT);
  results.confirmed_invoices = await cp.locator('[data-testid="invoice-row"] [data-status="confirmed"]').count();
  await audit(cp, "contract-completed");

  log("unread counts: the freelancer is elsewhere when the client writes");
  await fp.goto(WEB + "/transactions");
  await fp.getByTestId("transaction-row").first().waitFor(CHAIN_WAIT);
  results.freelancer_transactions = await fp.getByTestId("transaction-row").allInnerTexts();
  await audit(fp, "transactions");
  await cp.getByPlaceholder("Write a message").fill("Paid, thank you!");
  await cp.getByRole("button", { name: "Send", exact: true }).click();
  await cp.getByTestId("message").filter({ hasText: "Paid, thank you!" }).waitFor();
  await fp.goto(WEB + "/messages");
  await fp.getByTestId("unread-total").filter({ hasText: /^[1-9]\d* unread$/ }).waitFor();
  results.unread_before = await fp.getByTestId("unread-total").innerText();
  const row = fp.getByTestId("conversation-row").first();
  results.unread_badge = await row.getByLabel(/unread/).innerText();
  results.nav_unread = await fp.getByTestId("nav-unread").first().innerText();
  await audit(fp, "messages");
  await row.click();
  await fp.getByTestId("message").filter({ hasText: "Paid, thank you!" }).waitFor();
  await fp.getByTestId("unread-total").filter({ hasText: "0 unread" }).waitFor();
  results.unread_after = await fp.getByTestId("unread-total").innerText();
  await fp.getByTestId("nav-unread").first().waitFor({ state: "detached" });

  log("freelancer home after payment: earnings, pending and confirmed apart; standing and skills");
  await fp.goto(WEB + "/dashboard");
  await fp.getByRole("button", { name: "Freelancer home" }).click();
  await fp.getByTestId("earning-row").first().waitFor(CHAIN_WAIT);
  await fp.locator('[data-testid="earning-row"] [data-status="confirmed"]').first().waitFor(CHAIN_WAIT);
  results.earnings = await fp.getByTestId("earning-row").allInnerTexts();
  results.dash_skills = await fp.getByTestId("dash-skill").allInnerTexts();
  await audit(fp, "dashboard-freelancer");

  log("notifications: the bell counts unread ones; one read, then all; preferences per kind and channel");
  const bell = fp.getByTestId("notification-bell");
  await bell.getByTestId("bell-count").waitFor(CHAIN_WAIT);
  results.bell_label = await bell.getAttribute("aria-label");
  await bell.click();
  await fp.waitForURL("**/notifications");
  const notes = fp.getByTestId("notification-row");
  await notes.first().waitFor();
  results.notifications = await notes.allInnerTexts();
  results.unread_notifications_before = (await fp.getByTestId("notifications-unread").innerText()).trim();
  await audit(fp, "notifications");
  const first = notes.filter({ has: fp.getByRole("button", { name: /^Mark read/ }) }).first();
  const firstTitle = (await first.locator("p").first().innerText()).replace(" (unread)", "").trim();
  await first.getByRole("button", { name: /^Mark read/ }).click();
  await fp.locator('[data-testid="notification-row"][data-read="true"]').first().waitFor();
  results.marked_one = firstTitle;
  results.unread_notifications_after_one = (await fp.getByTestId("notifications-unread").innerText()).trim();
  await fp.getByRole("button", { name: "Mark all read" }).click();
  await fp.getByTestId("notifications-unread").filter({ hasText: /^0 unread$/ }).waitFor();
  await bell.getByTestId("bell-count").waitFor({ state: "detached" });
  results.bell_label_after = await bell.getAttribute("aria-label");
  await fp.getByLabel("message: Email").uncheck();
  await fp.getByRole("button", { name: "Save preferences" }).click();
  await fp.locator("#preferences").getByRole("status").filter({ hasText: "Saved" }).waitFor();
  await fp.reload();
  await fp.getByTestId("preference-row").first().waitFor();
  results.message_email_after_reload = await fp.getByLabel("message: Email").isChecked();
  results.message_in_app_after_reload = await fp.getByLabel("message: In app").isChecked();

  log("skill verification: the freelancer takes the solidity quiz and sees the result");
  const answers = JSON.parse(env("QUIZ_ANSWERS"));
  await fp.getByRole("link", { name: "Skill verification" }).first().click();
  await fp.waitForURL("**/skills/verify");
  await fp.locator("#verify-skill").selectOption("solidity");
  await fp.getByRole("button", { name: "Start the quiz" }).click();
  await fp.getByTestId("quiz-question").first().waitFor();
  results.quiz_url = fp.url();
  for (const question of await fp.getByTestId("quiz-question").all()) {
    const text = (await question.locator("legend").innerText()).trim();
    await question.getByRole("radio", { name: answers[text], exact: true }).check();
  }
  await audit(fp, "skill-quiz");
  await fp.getByRole("button", { name: "Submit answers" }).click();
  await fp.locator('[data-testid="verification-state"]:not([data-status="started"])').waitFor();
  results.quiz_status = await fp.getByTestId("verification-state").getAttribute("data-status");
  results.quiz_score = (await fp.getByTestId("verification-score").innerText()).trim();
  await fp.reload();
  await fp.getByTestId("verification-state").waitFor();
  results.quiz_status_after_reload = await fp.getByTestId("verification-state").getAttribute("data-status");
  await audit(fp, "skill-verified");

  log("client home after payment: pipeline and invoices");
  await cp.goto(WEB + "/dashboard");
  await cp.getByRole("button", { name: "Client home" }).click();
  await cp.getByTestId("dash-invoice").nth(1).waitFor(CHAIN_WAIT);
  results.pipeline = await cp.getByTestId("pipeline-state").allInnerTexts();
  results.client_invoices = await cp.getByTestId("dash-invoice").allInnerTexts();
  await audit(cp, "dashboard-client-paid");

  log("client: the organization's team view lists its project, contract and spend");
  await cp.goto(WEB + "/orgs/clara-labs-e2e");
  await cp.getByTestId("spend-row").first().waitFor();
  results.team_spend = await cp.getByTestId("spend-row").allInnerTexts();
  results.team_projects = await cp.locator("#org-projects li").count();
  results.team_contracts = await cp.getByTestId("contract-row").count();
  results.team_members = await cp.getByTestId("member-row").allInnerTexts();
  await audit(cp, "org-team");

  log("lists: contracts with invoices, the public profile");
  await cp.goto(WEB + "/contracts");
  await cp.getByTestId("contract-row").first().waitFor();
  await cp.getByTestId("invoice-row").first().waitFor();
  results.contract_rows = await cp.getByTestId("contract-row").count();
  await audit(cp, "contracts");
  await cp.goto(WEB + "/profiles/fred-e2e");
  await cp.getByTestId("skill-row").first().waitFor();
  await audit(cp, "public-profile");

});
