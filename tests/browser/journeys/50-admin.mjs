// The secretariat opens the membership list and verifies the audit chain; a member creates a
// feed token (its secret shown once) and revokes it.

export default async function ({ base, context, page, expect, shot, login }) {
  console.log("journey: the secretariat opens membership and verifies the audit log");
  await login("admin");
  await page.click('nav.sub a[href="/membership"]');
  expect((await page.locator("tbody tr").count()) > 0, "the membership list shows organisations");
  await page.locator("tbody tr a").first().click();
  expect(await page.locator("h1").isVisible(), "an organisation's membership file opens");
  await page.click('nav.sub a[href="/secretariat/reciprocity"]');
  expect((await page.locator("table.reciprocity tbody tr").count()) > 0, "the reciprocity overview lists organisations");
  await page.click('nav.sub a[href="/secretariat/audit"]');
  expect((await page.locator("table.audit tbody tr").count()) > 0, "the audit log shows entries");
  await page.click('form.action button[type="submit"]');
  expect(await page.locator("#verdict.ok").isVisible(), "the audit chain is intact");
  await shot("audit-verified");
  await page.click('form.inline button'); // log out

  console.log("journey: a member creates and revokes a feed token");
  await context.clearCookies();
  await login("shield");
  await page.click('nav.sub a[href="/tokens"]');
  await page.fill('input[name="label"]', "suricata センサー");
  await page.click('form.narrow button[type="submit"]');
  const secret = (await page.locator("#secret").textContent()).trim();
  expect(secret.startsWith("rnk_"), "the new token's secret is shown");
  expect((await page.locator("ul.feeds").textContent()).includes(`token=${secret}`), "with the feed URLs that use it");
  const feed = await page.request.get(`${base}/feeds/plain?token=${secret}`);
  expect(feed.status() === 200, "the token pulls a feed");
  await shot("tokens");
  await page.goto(`${base}/tokens`);
  expect(!(await page.content()).includes(secret), "the secret is never shown again");
  await page.locator('table.tokens form.inline button').first().click();
  expect((await page.locator("table.tokens tbody tr").first().textContent()).includes("失効済み"), "the token is revoked");
  const after = await page.request.get(`${base}/feeds/plain?token=${secret}`);
  expect(after.status() === 401, "a revoked token pulls nothing");
}
