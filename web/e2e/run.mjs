// End-to-end run of the web app in headless Debian Chromium, driven by tests/web/test_e2e.py.
// A test wallet signs in with SIWE through the UI, then each main page is checked, screenshotted and
// audited with axe-core (no serious or critical violation allowed). The API's step-up window is 30 s in
// this run: sensitive actions may meet the "Confirm it's you" dialog, and two of them wait past the window
// so that they do (a wallet signature before 2FA, a backup code after).
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { chromium } from "playwright-core";

import { runScenario, scenario, sendThroughWallet } from "./harness.mjs";
import { totp } from "./totp.mjs";
import { installProvider, walletBackend } from "./wallet.mjs";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const WEB = env("WEB_URL");
const ARTIFACTS = env("ARTIFACTS_DIR");
const TIMEOUT = 30_000;
mkdirSync(ARTIFACTS, { recursive: true });

const { account, bridge } = walletBackend({
  privateKey: env("WALLET_KEY"),
  chainId: Number(env("CHAIN_ID")),
  rpcUrl: env("RPC_URL"),
});
const results = { address: account.address, pages: {}, violations: {}, step_ups: [] };
// STEP_UP_MAX_AGE_SECONDS of the API under test (tests/web/conftest.py), plus a margin.
const PAST_STEP_UP_WINDOW_MS = 32_000;

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
await context.exposeFunction("__lancerWallet", bridge);
await context.addInitScript(installProvider);
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
const run = scenario("e2e");
const { log, consoleErrors } = run;
page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });

async function audit(name) {
  // Let skeletons settle so the audit sees the content, not placeholders.
  await page.waitForSelector('[data-testid="skeleton"]', { state: "detached", timeout: TIMEOUT });
  // From the top, or the sticky header is painted mid-page in a full-page screenshot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  results.pages[name] = { url: page.url(), axe_violations: axe.violations.length };
  if (bad.length) results.violations[name] = bad.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) }));
}

async function signIn() {
  await page.getByRole("button", { name: /Connect browser wallet/ }).click();
  await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
}

// Backup codes left for step-ups; the first one is kept for the second sign-in.
let stepUpCodes = [];

/**
 * Does a sensitive action: `act`, then waits for `done`; if the API asked for a step-up first, answers the
 * "Confirm it's you" dialog (a backup code when 2FA is on, else the wallet's signature) and the page's
 * request is retried by the client. Returns whether the dialog was shown.
 */
async function sensitive(action, act, done, { audited = false } = {}) {
  await act();
  const dialog = page.getByRole("dialog", { name: "Confirm it's you" });
  await done.or(dialog).first().waitFor();
  if (!(await dialog.isVisible())) return false;
  const codeInput = dialog.getByLabel(/Two-factor code/);
  const walletButton = dialog.getByRole("button", { name: "Sign with wallet" });
  await codeInput.or(walletButton).first().waitFor();
  if (audited) await audit("step-up");
  let proof;
  if (await codeInput.isVisible()) {
    const code = stepUpCodes.pop();
    if (!code) throw new Error("no backup code left for a step-up");
    await codeInput.fill(code);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    proof = "backup code";
  } else {
    await walletButton.click();
    proof = "wallet";
  }
  await dialog.waitFor({ state: "detached" });
  await done.waitFor();
  results.step_ups.push({ action, proof });
  return true;
}

await runScenario(run, { browser, artifacts: ARTIFACTS, results, resultsFile: "results.json", failureName: "e2e" }, async () => {
  log("home page, signed out");
  await page.goto(WEB + "/");
  await page.getByRole("button", { name: /Connect browser wallet/ }).waitFor();
  await page.getByTestId("escrow-row").first().waitFor();
  results.home_escrows = await page.getByTestId("escrow-row").count();
  await audit("home");

  log("sign in with Ethereum");
  await signIn();
  await page.waitForURL("**/dashboard");
  await page.getByTestId("signed-in-address").waitFor();

  log("dashboard: balances, activity, escrows");
  const lnc = page.getByTestId("balance-row").filter({ hasText: "LNC" }).first();
  await lnc.waitFor();
  results.balance_rows = await page.getByTestId("balance-row").allInnerTexts();
  await page.getByTestId("transfer-row").first().waitFor();
  await page.getByTestId("escrow-row").first().waitFor();
  results.escrow_rows = await page.getByTestId("escrow-row").count();
  results.pending_badges = await page.locator('[data-status="pending"]').count();
  results.confirmed_badges = await page.locator('[data-status="confirmed"]').count();
  results.empty_state_shown = await page.getByText("No escrow pays this wallet yet.").isVisible();
  await audit("dashboard");

  log("dashboard on a phone: the side navigation becomes a drawer");
  await page.setViewportSize({ width: 390, height: 844 });
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.waitFor();
  results.mobile_sidenav_hidden = !(await page.locator("#sidenav").isVisible());
  await menu.click();
  await page.locator("#sidenav").waitFor({ state: "visible" });
  await menu.click();
  await audit("dashboard-mobile");
  await page.setViewportSize({ width: 1280, height: 900 });

  log("escrow detail");
  await page.getByTestId("escrow-row").first().getByRole("link").click();
  await page.waitForURL("**/escrows/**");
  await page.getByTestId("milestone-row").first().waitFor();
  await page.getByTestId("timeline-event").first().waitFor();
  results.milestones = await page.getByTestId("milestone-row").count();
  results.timeline_events = await page.getByTestId("timeline-event").count();
  await audit("escrow");

  log("sustainability");
  await page.getByRole("link", { name: "Sustainability" }).first().click();
  await page.getByTestId("treasury-chain").first().waitFor();
  await page.getByTestId("carbon-row").first().waitFor();
  results.treasury_chains = await page.getByTestId("treasury-chain").count();
  await page.getByLabel("Include pending blocks").check();
  await page.getByText("Includes pending blocks.").waitFor();
  await audit("sustainability");

  log("security: past the step-up window, 2FA set-up asks for the wallet's signature first");
  await page.goto(WEB + "/settings/security");
  await page.getByRole("button", { name: "Set up 2FA" }).waitFor();
  await page.waitForTimeout(PAST_STEP_UP_WINDOW_MS);
  results.wallet_step_up = await sensitive("2fa-setup", () => page.getByRole("button", { name: "Set up 2FA" }).click(),
                                           page.getByTestId("totp-secret"));

  log("security: enable 2FA with a code from the shown secret");
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  await page.getByRole("img", { name: "QR code of the 2FA secret" }).waitFor();
  const now = Math.floor(Date.now() / 1000);
  const code = totp(secret, now);
  results.totp = { secret, code, at: now };
  await page.getByLabel("Code from the app").fill(code);
  await sensitive("2fa-enable", () => page.getByRole("button", { name: "Confirm" }).click(), page.getByTestId("backup-codes"));
  const backupCodes = (await page.getByTestId("backup-codes").locator("li").allInnerTexts()).map((c) => c.trim());
  stepUpCodes = backupCodes.slice(1);
  results.backup_codes = backupCodes.length;
  await page.getByTestId("2fa-status").filter({ hasText: "2FA is on" }).waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download backup codes" }).click()]);
  results.backup_download = download.suggestedFilename();

  log("security: sessions and API keys");
  await page.getByTestId("session-row").filter({ hasText: "this device" }).waitFor();
  results.sessions = await page.getByTestId("session-row").count();
  await page.getByLabel("Key name").fill("e2e key");
  await page.getByRole("checkbox", { name: /^read:escrows/ }).check();
  // The session signed in without a code, so with 2FA on now this asks for one whatever the window.
  await sensitive("api-key", () => page.getByRole("button", { name: "Create key" }).click(), page.getByTestId("dev-new-key"));
  results.api_key = (await page.getByTestId("dev-new-key").innerText()).trim();
  await page.getByTestId("dev-key-row").filter({ hasText: "e2e key" }).waitFor();
  await audit("security");

  log("privacy: past the step-up window, the export asks for a code; a cancelled deletion");
  await page.getByRole("link", { name: "Privacy" }).first().click();
  await page.getByRole("button", { name: "Request an export" }).waitFor();
  await page.waitForTimeout(PAST_STEP_UP_WINDOW_MS);
  results.code_step_up = await sensitive("export", () => page.getByRole("button", { name: "Request an export" }).click(),
                                         page.getByTestId("export-status"), { audited: true });
  results.export_status = await page.getByTestId("export-status").innerText();
  await page.getByRole("button", { name: "Delete my account…" }).click();
  await sensitive("deletion", () => page.getByRole("button", { name: "Yes, schedule deletion" }).click(),
                  page.getByTestId("deletion-status"));
  await audit("privacy");
  await page.getByRole("button", { name: "Cancel the deletion" }).click();
  await page.getByRole("button", { name: "Delete my account…" }).waitFor();

  log("sign out, sign in again: the second factor is asked for (backup code)");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(WEB + "/");
  // The wallet may still be connected (wagmi reconnects it) or not yet: connect only if asked to.
  const signInButton = page.getByRole("button", { name: "Sign in with Ethereum" });
  const connectButton = page.getByRole("button", { name: /Connect browser wallet/ });
  const until = Date.now() + TIMEOUT;
  while (!(await signInButton.isVisible())) {
    if (Date.now() > until) throw new Error("neither connected nor offered to connect");
    if (await connectButton.isVisible()) await connectButton.click({ timeout: 2_000 }).catch(() => undefined);
    await page.waitForTimeout(200);
  }
  await signInButton.click();
  await page.getByLabel(/Two-factor code/).fill(backupCodes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL("**/dashboard");
  await page.getByTestId("balance-row").first().waitFor();
  results.mfa_sign_in = true;

  log("LNC: stake through the wallet; the index shows the stake");
  await page.goto(`${WEB}/token`);
  const position = page.locator('[data-testid="staking-position"][data-chain-id="31337"]');
  await position.waitFor();
  results.staked_before = await position.getByTestId("staked").innerText();
  await position.getByLabel("Amount (LNC)").fill("250");
  results.stake = await sendThroughWallet(page, "Stake", position);
  await position.getByTestId("staked").filter({ hasText: "250" }).waitFor({ timeout: 60_000 });
  results.staked_after = await position.getByTestId("staked").innerText();
  await audit("token");

  log("an unknown escrow shows the API's problem detail");
  await page.goto(`${WEB}/escrows/31337/0x000000000000000000000000000000000000dEaD`);
  results.not_found_alert = await page.getByTestId("problem").innerText();

});
