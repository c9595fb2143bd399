// A member logs in, reads products and records, searches in Japanese, switches to English and
// logs out.

export default async function ({ base, context, page, expect, shot }) {
  console.log("journey (b): a member logs in, sees the dashboard and the published alert");
  await page.goto(`${base}/`);
  await page.click('a[href="/login"]');
  await page.fill('input[name="login"]', "sakura");
  await page.fill('input[name="password"]', process.env.RENKEI_PASSWORD ?? "renkei-demo-2026");
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

  console.log("journey: the overview's charts and a family's neighbourhood");
  await page.click('nav a[href="/overview"]');
  expect((await page.locator("svg.chart rect").count()) > 0, "the overview draws its charts");
  await shot("overview");
  await page.locator("svg.chart a").first().click();
  await page.click('a[href$="/graph"]');
  expect(await page.locator("svg.graph").isVisible(), "the family's neighbourhood is drawn");
  expect((await page.locator("svg.graph a").count()) > 1, "its neighbours link to their records");
  await shot("graph");

  console.log("journey (c): switching to English");
  await page.click('nav a[href="/products"]');
  await page.click("a.lang");
  expect((await page.getAttribute("html", "lang")) === "en", "the page is in English");
  expect(await page.locator("h1", { hasText: "Products" }).isVisible(), "the products page is translated");
  expect((await page.locator("tr", { hasText: "TLP:" }).count()) > 0, "TLP labels stay untranslated");
  await shot("products-en");
  await page.click("a.brand");
  expect(await page.locator("text=Alerts and forecasts").first().isVisible(), "the choice is remembered");
  await shot("home-en");

  console.log("journey: logging out");
  await page.click("form.inline button");
  await page.goto(`${base}/dashboard`);
  expect(page.url().endsWith("/login"), "after logout the dashboard asks for a login");
}
