// Renkei's main web journeys in a real browser: Debian's `chromium`, driven by playwright-core
// (no browser download), against a running `renkei serve --demo`.
//
//   RENKEI_URL=http://127.0.0.1:8080 node journeys.mjs [name-filter]
//
// Each file in `journeys/` is one journey (or a few that follow on), run in name order, each
// in a fresh browser context (no cookies): it exports `default async function (j)`, with `j`
// as made by `kit()` below.
//
// Environment: RENKEI_URL (required), CHROMIUM (default /usr/bin/chromium), RENKEI_PASSWORD
// (default the demo password), SCREENSHOTS (default docs/screenshots). Exits non-zero on the
// first failed expectation; any script dialog (an escaping failure) or CSP violation fails the
// run.

import { chromium } from "playwright-core";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.RENKEI_URL;
if (!base) {
  console.error("RENKEI_URL is not set");
  process.exit(2);
}
const password = process.env.RENKEI_PASSWORD ?? "renkei-demo-2026";
const shots = resolve(process.env.SCREENSHOTS ?? join(here, "..", "..", "docs", "screenshots"));
mkdirSync(shots, { recursive: true });
const only = process.argv[2];

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
  console.log(`  ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // Root in CI containers cannot use Chromium's sandbox.
  args: ["--no-sandbox"],
});
const problems = [];

/// What a journey gets: the base URL, a fresh page in its own context, `expect`, `shot`
/// (a full-page screenshot named `name.png`) and `login` (through the login form).
async function kit() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 }, locale: "ja-JP" });
  const page = await context.newPage();
  page.on("dialog", (d) => {
    problems.push(`a script ran and opened a dialog: ${d.message()}`);
    d.dismiss();
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP violation: ${m.text()}`);
  });
  const shot = async (name) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    console.log(`  screenshot: ${join(shots, `${name}.png`)}`);
  };
  const login = async (who) => {
    await page.goto(`${base}/login`);
    await page.fill('input[name="login"]', who);
    await page.fill('input[name="password"]', password);
    await page.click('main form button[type="submit"]');
    await page.waitForURL(`${base}/dashboard`);
  };
  return { base, context, page, expect, shot, login };
}

try {
  const files = readdirSync(join(here, "journeys"))
    .filter((f) => f.endsWith(".mjs") && (!only || f.includes(only)))
    .sort();
  for (const f of files) {
    console.log(`journeys/${f}`);
    const journey = await import(pathToFileURL(join(here, "journeys", f)));
    const j = await kit();
    try {
      await journey.default(j);
    } finally {
      await j.context.close();
    }
  }
  expect(problems.length === 0, `no script ran and no CSP violation (${problems.join("; ")})`);
  console.log(`browser journeys passed (${files.length} files)`);
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
