// Community, events and support end to end in headless Debian Chromium, driven by
// tests/web/test_community_e2e.py: wallet A is refused in a token-gated space (too little LNC) and starts a
// thread in an open one; wallet B (its browser in another time zone) replies, reacts and reports, finds the
// thread by full-text search, locks the thread and hides its reply (B is a moderator), RSVPs to an event (times in its zone, capacity shown) and downloads its .ics;
// A asks the support assistant, answers "did this help?" with no, escalates to a ticket, replies on it and
// finds it on /support with the FAQ. A edits its opening post; B, on /community/moderation, sees the report
// with the reported post, bans A, lifts the ban and resolves the report; B, a support agent too, answers A's
// ticket from /support/queue and takes it. Every new page is screenshotted and audited with axe-core.
import { mkdirSync, readFileSync } from "node:fs";

import { audit as auditPage, env, launch, runScenario, scenario, signIn, walletPage } from "./harness.mjs";

const WEB = env("WEB_URL");
const ARTIFACTS = env("ARTIFACTS_DIR");
const WORD = env("SEARCH_WORD");
const EVENT_TITLE = env("EVENT_TITLE");
const PAST_EVENT_TITLE = env("PAST_EVENT_TITLE");
const QUESTION = env("QUESTION");
const TIME_ZONE = env("VIEWER_TIME_ZONE");
const TITLE = `Releasing a milestone early ${WORD}`;
mkdirSync(ARTIFACTS, { recursive: true });

const results = { pages: {}, violations: {}, title: TITLE };
const run = scenario("community e2e");
const { log, consoleErrors } = run;
const audit = (page, name) => auditPage(page, name, ARTIFACTS, results);

async function signedIn(browser, key, options) {
  const { page } = await walletPage(browser, { privateKey: key, chainId: 31337, rpcUrl: env("RPC_URL") }, consoleErrors, options);
  await page.goto(WEB + "/");
  await signIn(page);
  await page.waitForURL("**/dashboard");
  await page.getByTestId("signed-in-address").waitFor();
  return page;
}

const browser = await launch();
let a;
let b;
await runScenario(run, { browser, artifacts: ARTIFACTS, results, resultsFile: "community-results.json", failureName: "community", ignoreConsole: /404|403|Failed to load resource/ }, async () => {
  log("A signs in");
  a = await signedIn(browser, env("WALLET_A"));

  log("A: a token-gated space refuses a wallet without enough LNC");
  await a.getByRole("link", { name: "Discussions" }).click();
  await a.waitForURL("**/community");
  await a.getByRole("link", { name: "New thread" }).click();
  await a.waitForURL("**/community/new");
  await a.getByLabel("Space").selectOption("holders");
  await a.getByTestId("token-gate").waitFor();
  results.gate_notice = await a.getByTestId("token-gate").innerText();
  await a.getByLabel("Title").fill(TITLE);
  await a.getByLabel("Message").fill("How do I **release** a milestone before the deadline? See [the guide](https://example.org/guide).\n\n<img src=x onerror=alert(1)>");
  await a.getByLabel("Tags").fill("escrow, milestones");
  await a.getByRole("button", { name: "Post thread" }).click();
  await a.getByRole("alert").filter({ hasText: "You need more LNC" }).waitFor();
  results.gate_refusal = await a.getByTestId("token-gate").innerText();
  await audit(a, "community-new");

  log("A: the thread in an open space");
  await a.getByLabel("Space").selectOption("general");
  await a.getByTestId("token-gate").waitFor({ state: "detached" });
  await a.getByRole("button", { name: "Post thread" }).click();
  await a.waitForURL(/\/community\/[0-9a-f-]{36}$/);
  results.thread_id = a.url().split("/").pop();
  const opening = a.getByTestId("post").first();
  await opening.waitFor();
  results.opening_html = await opening.getByTestId("post-html").innerHTML();
  results.thread_meta = await a.getByTestId("thread-meta").innerText();
  results.a_moderator_buttons = await a.getByRole("button", { name: /^(Hide|Lock thread)$/ }).count();

  log("A: edits its opening post");
  await opening.getByRole("button", { name: "Edit", exact: true }).click();
  const editor = opening.getByLabel("Edit the post (Markdown)");
  await editor.fill(`${await editor.inputValue()}\n\nUpdate: the client can release any time.`);
  await opening.getByRole("button", { name: "Save" }).click();
  await opening.getByTestId("post-html").filter({ hasText: "Update: the client can release any time." }).waitFor();
  results.edited_meta = await opening.locator("p").first().innerText();

  log("B signs in, in another time zone");
  b = await signedIn(browser, env("WALLET_B"), { timezoneId: TIME_ZONE });

  log("B: replies, reacts and reports");
  await b.goto(`${WEB}/community/${results.thread_id}`);
  await b.getByTestId("post").first().waitFor();
  await b.getByLabel("Your reply").fill("The client releases it from the contract page; _no_ need to wait.");
  await b.getByRole("button", { name: "Post reply" }).click();
  await b.getByTestId("post").nth(1).waitFor();
  results.posts_seen_by_b = await b.getByTestId("post").count();
  const first = b.getByTestId("post").first();
  await first.getByTestId("reaction-+1").click();
  await first.getByRole("button", { name: "thumbs up: 1" }).waitFor();
  results.reaction_label = await first.getByTestId("reaction-+1").getAttribute("aria-label");
  await first.getByRole("button", { name: "Report" }).click();
  await first.getByLabel("Why should a moderator look at this?").fill("testing the report flow");
  await first.getByRole("button", { name: "Send report" }).click();
  await first.getByRole("status").filter({ hasText: "Reported" }).waitFor();

  log("B, a moderator: locks the thread and hides its own reply");
  await b.getByRole("button", { name: "Lock thread" }).click();
  await b.getByTestId("thread-locked").waitFor();
  const reply = b.getByTestId("post").nth(1);
  await reply.getByRole("button", { name: "Hide", exact: true }).click();
  await reply.getByRole("button", { name: "Unhide" }).waitFor();
  results.b_reply_state = await reply.locator("p").first().innerText();
  await audit(b, "community-thread");

  log("B, a moderator: the report queue shows the reported post; ban, lift, resolve");
  await b.getByRole("link", { name: "Moderation" }).click();
  await b.waitForURL("**/community/moderation");
  const reported = b.getByTestId("report-row").filter({ hasText: "testing the report flow" });
  await reported.waitFor();
  results.reported_html = await reported.getByTestId("reported-html").innerHTML();
  await reported.getByRole("button", { name: "Ban the author…" }).click();
  await reported.getByLabel("Reason (kept in the audit log)").fill("cooling off after a heated thread");
  await reported.getByLabel("For").selectOption("1");
  await reported.getByRole("button", { name: "Ban", exact: true }).click();
  await b.getByTestId("ban-row").filter({ hasText: "cooling off" }).waitFor();
  results.ban_row = await b.getByTestId("ban-row").filter({ hasText: "cooling off" }).innerText();
  await audit(b, "community-moderation");
  await b.getByTestId("ban-row").filter({ hasText: "cooling off" }).getByRole("button", { name: "Lift ban" }).click();
  await b.getByTestId("ban-row").filter({ hasText: "cooling off" }).waitFor({ state: "detached" });
  await reported.getByRole("button", { name: "Resolve" }).click();
  await reported.waitFor({ state: "detached" });
  await b.getByLabel("Status").selectOption("resolved");
  await b.getByTestId("report-row").filter({ hasText: "testing the report flow" }).waitFor();

  log("A: the locked thread takes no reply; the hidden post is gone");
  await a.reload();
  await a.getByTestId("thread-locked").waitFor();
  await a.getByText("A moderator locked this thread").waitFor();
  await a.getByTestId("post").first().waitFor();
  results.a_posts_after = await a.getByTestId("post").count();
  results.a_reply_boxes = await a.getByRole("button", { name: "Post reply" }).count();

  log("B: full-text search finds the thread");
  await b.getByRole("link", { name: "Discussions" }).click();
  await b.waitForURL("**/community");
  await b.getByLabel("Search", { exact: true }).fill(WORD);
  await b.getByRole("button", { name: "Search", exact: true }).click();
  await b.getByTestId("thread-row").filter({ hasText: TITLE }).waitFor();
  results.search_rows = await b.getByTestId("thread-row").allInnerTexts();
  await audit(b, "community");

  log("B: events, RSVP and the calendar file");
  await b.getByRole("link", { name: "Events" }).first().click();
  await b.waitForURL("**/community/events");
  const event = b.getByTestId("event-row").filter({ hasText: EVENT_TITLE });
  await event.waitFor();
  results.event_start = await event.getByTestId("event-start").innerText();
  results.capacity_before = await event.getByTestId("event-capacity").innerText();
  await event.getByRole("button", { name: "RSVP" }).click();
  await event.getByTestId("rsvp-going").waitFor();
  await event.getByTestId("event-capacity").filter({ hasText: "1 of" }).waitFor();
  results.capacity_after = await event.getByTestId("event-capacity").innerText();
  const [download] = await Promise.all([b.waitForEvent("download"), event.getByRole("link", { name: /^Add to calendar/ }).click()]);
  results.ics_name = download.suggestedFilename();
  results.ics = readFileSync(await download.path(), "utf8");
  results.time_zone_note = await b.locator("#events").getByText(/Times are shown in your time zone/).innerText();
  await audit(b, "events");
  await b.getByRole("button", { name: "Past" }).click();
  await b.getByTestId("event-row").filter({ hasText: PAST_EVENT_TITLE }).waitFor();
  results.past_rows = await b.getByTestId("event-row").count();
  results.past_rsvp_buttons = await b.getByRole("button", { name: "RSVP" }).count();

  log("B, a moderator: creates an event in its own zone, renames it, deletes it");
  await b.getByRole("button", { name: "Upcoming" }).click();
  await b.getByRole("button", { name: "New event" }).click();
  const created = `Workshop ${WORD}`;
  await b.getByLabel("Title").fill(created);
  await b.getByLabel("Starts (your time)").fill("2031-03-14T18:30");
  await b.getByLabel("Ends (your time)").fill("2031-03-14T20:00");
  await b.getByLabel("Places (empty: no limit)").fill("12");
  await b.getByRole("button", { name: "Create event" }).click();
  const workshop = b.getByTestId("event-row").filter({ hasText: created });
  await workshop.waitFor();
  results.created_event_id = await workshop.getAttribute("data-event-id");
  results.created_event_start = await workshop.getByTestId("event-start").innerText();
  await workshop.getByRole("button", { name: "Edit event" }).click();
  await workshop.getByLabel("Title").fill(`${created} (moved online)`);
  await workshop.getByRole("button", { name: "Save event" }).click();
  await b.getByTestId("event-row").filter({ hasText: "(moved online)" }).waitFor();
  results.created_event_api = await (await fetch(`${WEB}/v1/community/events/${results.created_event_id}`)).json();
  const renamed = b.getByTestId("event-row").filter({ hasText: "(moved online)" });
  await renamed.getByRole("button", { name: "Delete event" }).click();
  await renamed.getByRole("button", { name: "Delete it (RSVPs too)?" }).click();
  await renamed.waitFor({ state: "detached" });

  log("A: the assistant answers from the FAQ; not helpful; escalated to a ticket");
  await a.getByRole("button", { name: "Help", exact: true }).click();
  const widget = a.getByTestId("support-widget");
  await widget.getByLabel("Your question").fill(QUESTION);
  await widget.getByRole("button", { name: "Ask" }).click();
  await widget.getByTestId("chatbot-article").first().waitFor();
  results.bot_articles = await widget.getByTestId("chatbot-article").locator("h3").allInnerTexts();
  await audit(a, "support-widget");
  await widget.getByRole("button", { name: "No", exact: true }).click();
  await widget.getByRole("button", { name: "Create a ticket" }).click();
  await widget.getByTestId("escalated-ticket").click();
  await a.waitForURL(/\/support\/[0-9a-f-]{36}$/);
  results.ticket_id = a.url().split("/").pop();
  await a.getByTestId("ticket-message").first().waitFor();
  await a.getByLabel("Your message").fill("It is contract **42**, if that helps.");
  await a.getByRole("button", { name: "Send", exact: true }).click();
  await a.getByTestId("ticket-message").nth(1).waitFor();
  results.ticket_messages = await a.getByTestId("ticket-message").count();
  results.ticket_status = await a.getByTestId("ticket-status").innerText();
  await audit(a, "support-ticket");

  log("A: /support lists the ticket; the FAQ search");
  await a.getByRole("link", { name: "Support" }).first().click();
  await a.waitForURL("**/support");
  await a.getByTestId("ticket-row").first().waitFor();
  results.ticket_rows = await a.getByTestId("ticket-row").allInnerTexts();
  await a.getByLabel("Search the FAQ").fill("milestone");
  await a.getByRole("button", { name: "Search", exact: true }).click();
  await a.getByTestId("faq-article").filter({ hasText: "release a milestone" }).waitFor();
  results.faq_rows = await a.getByTestId("faq-article").allInnerTexts();
  await audit(a, "support");

  log("B, a support agent: answers A's ticket from the queue and takes it");
  await b.getByRole("link", { name: "Support queue" }).click();
  await b.waitForURL("**/support/queue");
  const queued = b.getByTestId("queue-row").filter({ hasText: QUESTION });
  await queued.waitFor();
  results.queue_row = await queued.innerText();
  await audit(b, "support-queue");
  await queued.getByRole("link", { name: QUESTION }).click();
  await b.waitForURL(`**/support/${results.ticket_id}`);
  await b.getByTestId("ticket-message").nth(1).waitFor();
  results.agent_sees_authors = await b.getByTestId("ticket-message").locator("p").allInnerTexts();
  await b.getByRole("button", { name: "Assign to me" }).click();
  await b.getByText("Assigned to you.").waitFor();
  await b.getByLabel("Your answer (as Lancer support)").fill("Open the contract and press **Release** on the milestone.");
  await b.getByRole("button", { name: "Send", exact: true }).click();
  await b.getByTestId("ticket-message").nth(2).waitFor();
  await b.getByTestId("ticket-status").filter({ hasText: "pending" }).waitFor();

  log("B, a support agent: writes an FAQ article, then rewrites it");
  await b.goto(`${WEB}/support`);
  await b.getByRole("button", { name: "New article" }).click();
  await b.getByLabel("Slug").fill(`payouts-${WORD}`);
  await b.getByRole("textbox", { name: "Question", exact: true }).fill(`When are payouts ${WORD} sent?`);
  await b.getByLabel("Answer (Markdown)").fill("As soon as the client **releases** the milestone.");
  await b.getByRole("button", { name: "Save article" }).click();
  const article = b.getByTestId("faq-article").filter({ hasText: `When are payouts ${WORD} sent?` });
  await article.waitFor();
  await article.locator("summary").click();
  await article.getByRole("button", { name: "Edit article" }).click();
  await article.getByRole("textbox", { name: "Question", exact: true }).fill(`When are payouts ${WORD} paid?`);
  await article.getByRole("button", { name: "Save article" }).click();
  await b.getByTestId("faq-article").filter({ hasText: `When are payouts ${WORD} paid?` }).waitFor();
  results.faq_slug = `payouts-${WORD}`;
});
