// Skill verification end to end in headless Debian Chromium, driven by tests/web/test_verify_e2e.py: a
// wallet signs in, creates a profile with two skills, then on /skills/verify solves the python code
// challenge (graded in the sandbox by the rq job the test process runs) and sees it pass; uploads a text
// file as evidence for typescript (limits shown, upload intent, upload, submit) and sees it pending review;
// and proves python with GitHub (the local OAuth server approves and redirects back to
// /skills/verify/github, which submits the code) and sees that pending review too. Every step is
// screenshotted and audited with axe-core.
import { mkdirSync } from "node:fs";

import { audit as auditPage, env, launch, runScenario, scenario, signIn, walletPage } from "./harness.mjs";

const WEB = env("WEB_URL");
const ARTIFACTS = env("ARTIFACTS_DIR");
const SOLUTION = env("CHALLENGE_SOLUTION");
const EVIDENCE = env("EVIDENCE_TEXT");
mkdirSync(ARTIFACTS, { recursive: true });

const results = { pages: {}, violations: {} };
const run = scenario("verify e2e");
const { log, consoleErrors } = run;
const audit = (page, name) => auditPage(page, name, ARTIFACTS, results);

const state = (page, status) => page.locator(`[data-testid="verification-state"][data-status="${status}"]`);

async function startVerification(page, skill, method) {
  await page.goto(WEB + "/skills/verify");
  await page.locator("#verify-skill").selectOption(skill);
  await page.getByRole("radio", { name: new RegExp(`^${method}`) }).check();
}

const browser = await launch();
const { page } = await walletPage(browser, { privateKey: env("WALLET_KEY"), chainId: 31337, rpcUrl: env("RPC_URL") }, consoleErrors);
await runScenario(run, { browser, artifacts: ARTIFACTS, results, resultsFile: "verify-results.json", failureName: "verify" }, async () => {
  log("sign in, a profile with python and typescript");
  await page.goto(WEB + "/");
  await signIn(page);
  await page.waitForURL("**/dashboard");
  await page.goto(WEB + "/profile");
  await page.locator("#profile-handle").fill("vera-e2e");
  await page.locator("#profile-name").fill("Vera E2E");
  await page.getByRole("button", { name: "Create profile" }).click();
  await page.getByRole("button", { name: "Save profile" }).waitFor();
  for (const [slug, name] of [["python", "Python"], ["typescript", "TypeScript"]]) {
    await page.locator("#add-skill").selectOption(slug);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: `Remove ${name}` }).waitFor();
  }

  log("code challenge: the task, a solution in the editor, graded in the sandbox");
  await startVerification(page, "python", "Code challenge");
  await page.getByRole("button", { name: "Start the verification" }).click();
  await page.getByTestId("challenge-task").waitFor();
  results.challenge_url = page.url();
  results.challenge_task = await page.getByTestId("challenge-task").innerText();
  await page.getByLabel(/^Your solution/).fill(SOLUTION);
  await audit(page, "skill-challenge");
  await page.getByRole("button", { name: "Submit the code" }).click();
  await state(page, "passed").waitFor({ timeout: 90_000 });
  results.challenge_status = "passed";
  results.challenge_result = (await page.getByTestId("challenge-result").innerText()).trim();
  results.challenge_outcome = await page.getByTestId("challenge-result").getAttribute("data-outcome");
  results.challenge_score = (await page.getByTestId("verification-score").innerText()).trim();
  await audit(page, "skill-challenge-passed");

  log("evidence: limits shown, upload intent, upload and submit");
  await startVerification(page, "typescript", "Evidence upload");
  await page.getByLabel("Evidence file").setInputFiles({ name: "certificate.txt", mimeType: "text/plain", buffer: Buffer.from(EVIDENCE) });
  results.evidence_limits = (await page.getByTestId("evidence-limits").innerText()).trim();
  await page.getByRole("button", { name: "Start the verification" }).click();
  await page.getByTestId("upload-intent").waitFor();
  results.evidence_url = page.url();
  results.upload_intent = (await page.getByTestId("upload-intent").innerText()).trim();
  await page.getByLabel(/^Note for the reviewer/).fill("Certificate of the TypeScript course");
  await audit(page, "skill-evidence");
  await page.getByRole("button", { name: "Upload and submit" }).click();
  await state(page, "in_review").waitFor();
  results.evidence_status = "in_review";
  results.evidence_status_text = (await page.getByTestId("verification-state").innerText()).trim();
  await page.reload();
  await state(page, "in_review").waitFor();
  await audit(page, "skill-evidence-pending");

  log("GitHub proof: start, redirect to the OAuth server, back to the callback page, status");
  await startVerification(page, "python", "GitHub proof");
  await page.getByRole("button", { name: "Start the verification" }).click();
  await page.getByRole("button", { name: "Continue on GitHub" }).click();
  await page.waitForURL("**/skills/verify/github?**");
  results.github_callback = new URL(page.url()).pathname;
  await page.waitForURL((url) => url.pathname === "/skills/verify" && url.searchParams.has("id"));
  await state(page, "in_review").waitFor();
  results.github_url = page.url();
  results.github_status = "in_review";
  await audit(page, "skill-github-pending");

});
