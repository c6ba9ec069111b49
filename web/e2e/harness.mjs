// Shared pieces of the browser runs: Debian's Chromium, one browser context per wallet (each with its own
// test wallet), screenshots + axe-core audits, and signing in through the UI.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { chromium } from "playwright-core";

import { installProvider, walletBackend } from "./wallet.mjs";

export const TIMEOUT = 30_000;

export const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

export function launch() {
  return chromium.launch({
    executablePath: env("CHROMIUM", "/usr/bin/chromium"),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A browser context whose page has a test wallet for `wallet` ({privateKey, chainId, rpcUrls});
 * `options` adds browser context options (e.g. a `timezoneId`). */
export async function walletPage(browser, wallet, consoleErrors, options = {}) {
  const backend = walletBackend(wallet);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options });
  await context.exposeFunction("__lancerWallet", backend.bridge);
  await context.addInitScript(installProvider);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });
  return { page, backend };
}

/** Screenshot (full page, from the top) and axe-core audit; serious/critical violations go to `results`. */
export async function audit(page, name, artifacts, results) {
  await page.waitForSelector('[data-testid="skeleton"]', { state: "detached", timeout: TIMEOUT });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  results.pages[name] = { url: page.url(), axe_violations: axe.violations.length };
  if (bad.length) results.violations[name] = bad.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target) }));
}

/** Connect the injected wallet and sign in with Ethereum from the page's sign-in panel. */
export async function signIn(page) {
  await page.getByRole("button", { name: /Connect browser wallet/ }).click();
  await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
}

/**
 * Clicks `label` (connecting the wallet first if the page asks), answers the chain switch prompt if the
 * wallet is elsewhere, sends every prepared transaction and waits until none is left to mine. The runner
 * may disappear as soon as the index sees the last one (the page moves on to the next step). Returns whether
 * the chain was switched (and the prompt's text) and how many transactions there were. `scope` narrows where
 * the button is looked for when several show the same label.
 */
export async function sendThroughWallet(page, label, scope = page) {
  const start = scope.getByRole("button", { name: label, exact: true });
  const connect = page.getByRole("button", { name: /Connect browser wallet/ });
  // wagmi reconnects the wallet on load; "Connect" may show for a moment first: click it only if it stays.
  const until = Date.now() + TIMEOUT;
  while (!(await start.isVisible())) {
    if (Date.now() > until) throw new Error(`${label}: no button, and the wallet did not connect`);
    if (await connect.first().isVisible()) await connect.first().click({ timeout: 2_000 }).catch(() => undefined);
    await page.waitForTimeout(200);
  }
  await start.click();
  const runner = page.getByTestId("tx-runner");
  const send = runner.getByRole("button", { name: /from your wallet$/ });
  const switchPrompt = page.getByTestId("switch-chain");
  await send.or(switchPrompt).first().waitFor();
  const steps = await runner.getByTestId("tx-step").count();
  let prompt = null;
  if (await switchPrompt.isVisible()) {
    prompt = await switchPrompt.innerText();
    await switchPrompt.getByRole("button").click();
  }
  await send.click();
  await page.waitForFunction(() => !document.querySelector(
    '[data-testid="tx-step"][data-status="waiting"], [data-testid="tx-step"][data-status="signing"], [data-testid="tx-step"][data-status="mining"]'),
    null, { timeout: 60_000 });
  if (await page.locator('[data-testid="tx-step"][data-status="failed"]').count()) {
    throw new Error(`${label}: ${await runner.innerText()}`);
  }
  return { switched: prompt !== null, switchPrompt: prompt, steps };
}

/** A browser run's step log: `log(text)` prints the step and remembers it, for the report if the run fails;
 * `consoleErrors` collects the pages' console errors (hand it to `walletPage`). */
export function scenario(label) {
  const run = { label, step: "start", consoleErrors: [] };
  run.log = (text) => { run.step = text; console.log(`${label}: ${text}`); };
  return run;
}

/** What every browser run does around its steps: runs `steps`, then records in `results` either `ok` and the
 * console errors not matching `ignoreConsole`, or the step that failed, the error and a screenshot of every
 * open page (`<failureName>-failure-<n>.png`); writes `results` to `<artifacts>/<resultsFile>` (the test
 * reads it), closes the browser and exits 0 or 1. */
export async function runScenario(run, { browser, artifacts, results, resultsFile, failureName,
                                         ignoreConsole = /404|Failed to load resource/ }, steps) {
  try {
    await steps();
    results.console_errors = run.consoleErrors.filter((text) => !ignoreConsole.test(text));
    results.ok = true;
  } catch (error) {
    results.ok = false;
    results.failed_step = run.step;
    results.error = String(error?.message ?? error).split("\n").slice(0, 6).join("\n");
    const pages = browser.contexts().flatMap((context) => context.pages());
    for (const [n, page] of pages.entries()) {
      await page.screenshot({ path: join(artifacts, `${failureName}-failure-${n}.png`), fullPage: true }).catch(() => undefined);
    }
  } finally {
    writeFileSync(join(artifacts, resultsFile), JSON.stringify(results, null, 2));
    await browser.close();
  }
  console.log(`${run.label}: ${results.ok ? "done" : `FAILED at "${results.failed_step}": ${results.error}`}`);
  process.exit(results.ok ? 0 : 1);
}
