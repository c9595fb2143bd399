// Renkei's main web journeys in a real browser: Debian's `chromium`, driven by playwright-core
// (no browser download), against a running `renkei serve --demo`.
//
//   RENKEI_URL=http://127.0.0.1:8080 node journeys.mjs
//
// Environment: RENKEI_URL (required), CHROMIUM (default /usr/bin/chromium), RENKEI_LOGIN
// (default sakura), RENKEI_PASSWORD (default the demo password), SCREENSHOTS (default
// docs/screenshots). Exits non-zero on the first failed expectation; any script dialog (an
// escaping failure) or CSP violation fails the run.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.RENKEI_URL;
if (!base) {
  console.error("RENKEI_URL is not set");
  process.exit(2);
}
const login = process.env.RENKEI_LOGIN ?? "sakura";
const password = process.env.RENKEI_PASSWORD ?? "renkei-demo-2026";
const shots = resolve(process.env.SCREENSHOTS ?? join(here, "..", "..", "docs", "screenshots"));
mkdirSync(shots, { recursive: true });

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
try {
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

  console.log("journey: the public portal in Japanese");
  await page.goto(`${base}/`);
  expect((await page.getAttribute("html", "lang")) === "ja", "the portal is in Japanese by default");
  expect(await page.locator("text=警報・脅威予測").first().isVisible(), "the published alerts are listed");
  expect((await page.locator('a[href="/public/alerts.atom"]').count()) > 0, "the Atom feed is linked");
  await shot("home-ja");

  console.log("journey (a): a report from the public gets a tracking number");
  await page.click('nav a[href="/report"]');
  await page.selectOption('select[name="category"]', "phishing");
  await page.fill(
    'textarea[name="text"]',
    "銀行を名乗る SMS から偽サイトに誘導されました。<script>alert(1)</script>",
  );
  await page.fill('input[name="contact"]', "taro@example.jp");
  await page.click('form button[type="submit"]');
  const tracking = (await page.textContent("#tracking"))?.trim() ?? "";
  expect(/^R-[0-9A-F]{12}$/.test(tracking), `a tracking number is shown (${tracking})`);
  await shot("report-received");

  console.log("journey: registering for a public seminar");
  await page.click('nav a[href="/seminars"]');
  await page.locator("ul.cards a").first().click();
  await page.fill('input[name="name"]', "山田 太郎");
  await page.fill('input[name="email"]', "taro@example.jp");
  await page.click('form button[type="submit"]');
  const seat = (await page.textContent("#tracking"))?.trim() ?? "";
  expect(/^RENKEI-SE-\d{4}-\d{4}-[0-9A-F]{10}$/.test(seat), `the registration is confirmed (${seat})`);

  console.log("journey (b): a member logs in, sees the dashboard and the published alert");
  await page.click('a[href="/login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', password);
  await page.click('form button[type="submit"]');
  await page.waitForURL(`${base}/dashboard`);
  expect(await page.locator("#unread").isVisible(), "the dashboard shows the unread count");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "renkei_session");
  expect(session && session.httpOnly && session.sameSite === "Strict", "the session cookie is HttpOnly and SameSite=Strict");
  await shot("dashboard");
  await page.click('nav a[href="/products"]');
  const alertRow = page.locator("tr", { hasText: "RENKEI-AT-" }).first();
  expect(await alertRow.isVisible(), "the products list shows the published alert");
  expect((await alertRow.textContent()).includes("TLP:"), "products carry their TLP label");
  await shot("products-ja");
  await alertRow.locator("a").first().click();
  expect(await page.locator("h1").isVisible(), "the alert opens");
  await page.click('nav a[href="/records"]');
  expect((await page.locator("tbody tr").count()) > 0, "the member sees records");
  await page.fill('form.search input[name="q"]', "フィッシング");
  await page.click("form.search button");
  expect((await page.locator("tbody tr").count()) > 0, "a Japanese search finds records");
  await page.locator("tbody tr a").first().click();
  expect(await page.locator(".handling .tlp").first().isVisible(), "a record shows its handling badges");
  await shot("record");

  console.log("journey (c): switching to English");
  await page.click('nav a[href="/products"]');
  await page.click("a.lang");
  expect((await page.getAttribute("html", "lang")) === "en", "the page is in English");
  expect(await page.locator("h1", { hasText: "Products" }).isVisible(), "the products page is translated");
  expect((await page.locator("tr", { hasText: "TLP:" }).count()) > 0, "TLP labels stay untranslated");
  await shot("products-en");
  await page.click('a.brand');
  expect(await page.locator("text=Alerts and forecasts").first().isVisible(), "the choice is remembered");
  await shot("home-en");

  console.log("journey: logging out");
  await page.click("form.inline button");
  await page.goto(`${base}/dashboard`);
  expect(page.url().endsWith("/login"), "after logout the dashboard asks for a login");

  expect(problems.length === 0, `no script ran and no CSP violation (${problems.join("; ")})`);
  console.log("browser journeys passed");
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
