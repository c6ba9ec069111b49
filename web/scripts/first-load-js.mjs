// First-load JavaScript per route of the production build, gzip-compressed (Next 16 no longer prints it):
// every <script src> of the page's prerendered HTML as `next build` wrote it (.next/server/app/*.html),
// i.e. the chunks the browser fetches before the page is interactive, each file gzipped (level 9) and
// summed. `nomodule` polyfills are left out: browsers that run ES modules never fetch them. Lazy chunks
// (dynamic imports: the wallet connectors, charts...) are not first load and are not counted.
//
// Usage: node scripts/first-load-js.mjs [--json] [route ...]   (default: the main routes)
// Exit 1 when the dashboard is over its budget (BUDGET_KB gzip), 2 when a route was not prerendered.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 200;
const BUDGET_ROUTE = "/dashboard";
const MAIN_ROUTES = ["/dashboard", "/", "/projects", "/projects/new", "/contracts", "/matching", "/messages", "/skills/verify",
                     "/reputation", "/developers", "/settings/security", "/sustainability", "/transactions", "/profile"];

const args = process.argv.slice(2);
const json = args.includes("--json");
const routes = args.filter((a) => a !== "--json");

function measure(route) {
  const file = join(".next/server/app", `${route === "/" ? "index" : route.slice(1)}.html`);
  if (!existsSync(file)) return { route, missing: true };
  const html = readFileSync(file, "utf8");
  const tags = [...html.matchAll(/<script[^>]+src="([^"]+)"[^>]*>/g)];
  const sources = [...new Set(tags.filter((m) => !/nomodule/i.test(m[0])).map((m) => m[1]))];
  let raw = 0;
  let gzip = 0;
  for (const src of sources) {
    const body = readFileSync(join(".next", decodeURIComponent(src.replace(/^\/_next\//, "").split("?")[0])));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { route, scripts: sources.length, raw_kb: +(raw / 1024).toFixed(1), gzip_kb: +(gzip / 1024).toFixed(1) };
}

const rows = (routes.length ? routes : MAIN_ROUTES).map(measure);
const target = rows.find((r) => r.route === BUDGET_ROUTE) ?? measure(BUDGET_ROUTE);
const met = !target.missing && target.gzip_kb < BUDGET_KB;
const verdict = { route: BUDGET_ROUTE, budget_kb: BUDGET_KB, gzip_kb: target.gzip_kb ?? null, met };
if (json) {
  console.log(JSON.stringify({ rows, verdict }));
} else {
  console.log(`${"route".padEnd(24)} ${"scripts".padStart(7)} ${"raw kB".padStart(8)} ${"gzip kB".padStart(8)}`);
  for (const r of rows) {
    console.log(r.missing ? `${r.route.padEnd(24)} not prerendered (run next build)`
      : `${r.route.padEnd(24)} ${String(r.scripts).padStart(7)} ${r.raw_kb.toFixed(1).padStart(8)} ${r.gzip_kb.toFixed(1).padStart(8)}`);
  }
  console.log(`first-load JS of ${BUDGET_ROUTE}: ${target.gzip_kb ?? "?"} kB gzip; budget < ${BUDGET_KB} kB gzip: ${met ? "MET" : "NOT MET"}`);
}
process.exit(rows.some((r) => r.missing) ? 2 : met ? 0 : 1);
