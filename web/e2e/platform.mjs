// The platform pages end to end in headless Debian Chromium, driven by tests/web/test_platform_e2e.py:
// a wallet signs in, then on /developers creates a scoped API key, uses it, sees its usage chart, rotates
// it; creates a webhook integration and endpoint, sends a test message, watches the delivery log (the test
// process runs the real dispatcher and rq jobs against a local receiver) and replays it. It then opens a
// wallet's reputation (score parts), its own (a skill badge, the attestation, its EAS JSON download and the
// "verify anywhere" link to the public page, which checks the signature), has a forged package judged,
// reads the monthly transparency report and its ledger, records a consent on /settings/privacy and sees
// its device on /settings/security. Every page is screenshotted and audited with axe-core.
import { mkdirSync } from "node:fs";

import { audit as auditPage, env, launch, runScenario, scenario, signIn, TIMEOUT, walletPage } from "./harness.mjs";

const WEB = env("WEB_URL");
const ARTIFACTS = env("ARTIFACTS_DIR");
const HOOK_URL = env("WEBHOOK_URL");
const REPUTATION_OF = env("REPUTATION_OF");
const PACKAGE = env("EAS_PACKAGE");
const SKILL_UID = env("SKILL_UID");
mkdirSync(ARTIFACTS, { recursive: true });

const results = { pages: {}, violations: {}, step_ups: 0 };
const run = scenario("platform e2e");
const { log, consoleErrors } = run;
const audit = (page, name) => auditPage(page, name, ARTIFACTS, results);

/** Does `act`, answering the "Confirm it's you" dialog with the wallet if the API asks for a step-up. */
async function sensitive(page, act, done) {
  await act();
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await done.or(dialog).first().waitFor();
  if (await dialog.isVisible()) {
    await dialog.getByRole("button", { name: "Sign with wallet" }).click();
    await dialog.waitFor({ state: "detached" });
    results.step_ups += 1;
  }
  await done.waitFor();
}

const browser = await launch();
const { page } = await walletPage(browser, { privateKey: env("WALLET_KEY"), chainId: 31337, rpcUrl: env("RPC_URL") }, consoleErrors);
await runScenario(run, { browser, artifacts: ARTIFACTS, results, resultsFile: "platform-results.json", failureName: "platform" }, async () => {
  log("sign in");
  await page.goto(WEB + "/");
  await signIn(page);
  await page.waitForURL("**/dashboard");
  await page.getByTestId("signed-in-address").waitFor();

  log("developers: create a scoped API key and use it");
  await page.getByRole("link", { name: "Developers" }).first().click();
  await page.waitForURL("**/developers");
  await page.getByLabel("Key name").fill("ci key");
  await page.getByRole("checkbox", { name: /^read:escrows/ }).check();
  const newKey = page.getByTestId("dev-new-key");
  await sensitive(page, () => page.getByRole("button", { name: "Create key" }).click(), newKey);
  results.first_key = (await newKey.innerText()).trim();
  for (let i = 0; i < 3; i += 1) {
    const r = await fetch(`${WEB}/v1/escrows?limit=1`, { headers: { "X-API-Key": results.first_key } });
    if (!r.ok) throw new Error(`the new key was refused: ${r.status}`);
  }
  const row = page.getByTestId("dev-key-row").filter({ hasText: "ci key" }).first();
  await row.getByRole("button", { name: /^Usage/ }).click();
  await page.getByTestId("key-usage").waitFor();
  results.usage_caption = await page.getByTestId("key-usage").locator("figcaption").innerText();

  log("developers: rotate the key with a grace period");
  await page.getByLabel("Grace period when rotating").selectOption({ label: "1 hour" });
  await sensitive(page, () => row.getByRole("button", { name: /^Rotate/ }).click(),
                  page.getByRole("status").filter({ hasText: "Rotated" }));
  results.rotated_key = (await newKey.innerText()).trim();
  results.rotation_note = await page.getByRole("status").filter({ hasText: "Rotated" }).innerText();

  log("developers: a webhook integration and endpoint");
  await page.getByLabel("Integration name").fill("ci hooks");
  await page.getByRole("button", { name: "Create integration" }).click();
  const integration = page.getByTestId("integration").filter({ hasText: "ci hooks" });
  await integration.waitFor();
  await integration.getByLabel("Endpoint URL").fill(HOOK_URL);
  await integration.getByRole("checkbox", { name: /^project\.created/ }).check();
  await integration.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByTestId("webhook-secret").waitFor();
  results.webhook_secret = (await page.getByTestId("webhook-secret").innerText()).trim();
  const endpoint = integration.getByTestId("webhook-row").first();
  await endpoint.waitFor();

  log("developers: a test message is delivered, then replayed");
  await endpoint.getByRole("button", { name: "Send a test message" }).click();
  const deliveries = endpoint.getByTestId("delivery-row");
  await deliveries.filter({ has: page.locator('[data-delivery-status="succeeded"]') }).first().waitFor({ timeout: 60_000 });
  await deliveries.first().getByRole("button", { name: /^Replay/ }).click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="delivery-row"]')];
    return rows.length >= 2 && rows.every((r) => r.querySelector('[data-delivery-status="succeeded"]'));
  }, null, { timeout: 60_000 });
  results.delivery_rows = await deliveries.allInnerTexts();
  await deliveries.first().getByRole("button", { name: /^Details/ }).click();
  await page.getByTestId("delivery-detail").waitFor();
  results.delivery_detail = await page.getByTestId("delivery-detail").innerText();
  await audit(page, "developers");

  log("reputation of a wallet with completed escrows");
  await page.goto(`${WEB}/reputation?address=${REPUTATION_OF}`);
  await page.getByTestId("reputation-score").waitFor();
  results.reputation_score = (await page.getByTestId("reputation-score").innerText()).trim();
  results.score_parts = await page.getByTestId("score-part-row").count();
  results.reputation_address = (await page.getByTestId("reputation-address").innerText()).trim();

  log("my reputation: a verified-skill badge and its attestation");
  await page.getByRole("link", { name: "Reputation" }).first().click();
  await page.getByTestId("badge").first().waitFor();
  results.badges = await page.getByTestId("badge").allInnerTexts();
  const attestation = page.getByTestId("attestation-row").first();
  await attestation.waitFor();
  results.attestation_rows = await page.getByTestId("attestation-row").count();
  results.own_score_parts = await page.getByTestId("score-part-row").count();
  await audit(page, "reputation");
  const [download] = await Promise.all([page.waitForEvent("download"),
                                        attestation.getByRole("button", { name: /^Download EAS JSON/ }).click()]);
  results.eas_download = download.suggestedFilename();
  const { readFile } = await import("node:fs/promises");
  results.eas_package = JSON.parse(await readFile(await download.path(), "utf8"));

  log("attestations: 'verify anywhere' opens the public page, which checks the signature");
  await attestation.getByRole("link", { name: /^Verify anywhere/ }).click();
  await page.waitForURL(`**/attestations?uid=${SKILL_UID}`);
  results.verify_link = page.url();
  await page.getByTestId("attestation").waitFor();
  await page.getByRole("button", { name: "Verify the signature" }).click();
  await page.getByTestId("verdict").waitFor();
  results.skill_verdict = (await page.getByTestId("verdict-word").innerText()).trim();
  results.skill_verdict_text = await page.getByTestId("verdict").innerText();
  await audit(page, "attestation");

  log("attestations: a pasted package is checked by the API");
  await page.getByLabel("EAS offchain attestation (JSON)").fill(PACKAGE);
  await page.getByRole("button", { name: "Verify", exact: true }).click();
  await page.locator("#verify").getByTestId("verdict").waitFor();
  results.verdict = (await page.locator("#verify").getByTestId("verdict-word").innerText()).trim();
  results.verdict_text = await page.locator("#verify").getByTestId("verdict").innerText();
  await audit(page, "attestations");

  log("sustainability: monthly report, charts and ledger");
  await page.getByRole("link", { name: "Sustainability" }).first().click();
  await page.getByTestId("emissions-chart").waitFor();
  await page.getByTestId("report-month").waitFor();
  results.ledger_rows = await page.getByTestId("ledger-row").count();
  results.ledger_empty = await page.locator("#ledger").getByText(/^No fees entry/).isVisible();
  await page.waitForSelector('[data-testid="skeleton"]', { state: "detached", timeout: TIMEOUT });
  results.ledger_rows = await page.getByTestId("ledger-row").count();
  await audit(page, "sustainability-report");

  log("privacy: record a consent");
  await page.goto(WEB + "/settings/privacy");
  await page.getByLabel("Document", { exact: true }).selectOption("terms");
  await page.getByLabel("Version", { exact: true }).fill("2026-11-01");
  await page.getByRole("button", { name: "I accept this version" }).click();
  await page.getByTestId("consent-row").filter({ hasText: "2026-11-01" }).waitFor();
  results.consents = await page.getByTestId("consent-row").allInnerTexts();
  await audit(page, "privacy-consents");

  log("security: this device, named");
  await page.goto(WEB + "/settings/security");
  const current = page.getByTestId("session-row").filter({ hasText: "this device" });
  await current.waitFor();
  results.device = (await current.getByTestId("session-device").innerText()).trim();
  await audit(page, "sessions");

});
