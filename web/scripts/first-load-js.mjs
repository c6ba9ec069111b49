// First-load JavaScript of a prerendered page, gzip-compressed: every <script src> of the page's HTML
// as `next build` wrote it (Next 16 no longer prints the figure), except `nomodule` polyfills, which
// browsers that run ES modules never fetch. Usage: node scripts/first-load-js.mjs /dashboard
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const route = process.argv[2] ?? "/dashboard";
const html = readFileSync(join(".next/server/app", `${route === "/" ? "index" : route.slice(1)}.html`), "utf8");
const tags = [...html.matchAll(/<script[^>]+src="([^"]+)"[^>]*>/g)];
const sources = [...new Set(tags.filter((m) => !/nomodule/i.test(m[0])).map((m) => m[1]))];
let raw = 0;
let gzip = 0;
for (const src of sources) {
  const body = readFileSync(join(".next", src.replace(/^\/_next\//, "").split("?")[0]));
  raw += body.length;
  gzip += gzipSync(body, { level: 9 }).length;
}
console.log(`${route}: ${sources.length} scripts, ${(raw / 1024).toFixed(1)} kB raw, ${(gzip / 1024).toFixed(1)} kB gzip`);
