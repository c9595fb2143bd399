// Analyst approval of an alert → it appears publicly: `analyst` drafts a public alert
// (TLP:CLEAR) and submits it, `admin` — another analyst — approves it from the review queue, and
// an anonymous visitor finds it on /alerts and in the Atom feed.

export default async function ({ base, page, expect, shot, login }) {
  const title = `【注意喚起】宅配業者を装う SMS から偽サイトへ誘導 ${Date.now()}`;

  console.log("journey: an analyst drafts a public alert and submits it for review");
  await login("analyst");
  await page.click('nav a[href="/secretariat/products"]');
  await page.click('a[href="/secretariat/products/new?kind=alert"]');
  await page.fill('input[name="title"]', title);
  await page.fill('textarea[name="summary"]', "宅配の不在通知を装った SMS で、ID・パスワードを盗む偽サイトへ誘導する手口が増えています。");
  await page.fill('textarea[name="body"]', "SMS のリンク先は正規サイトに酷似しています。\n\nリンクを開かず、公式アプリで配送状況を確認してください。");
  await page.selectOption('select[name="severity"]', "high");
  await page.fill('input[name="sectors"]', "finance, telecom");
  await page.fill('textarea[name="actions"]', "SMS のリンクを開かない\n不審な SMS は通報・相談窓口へ");
  await page.selectOption('select[name="tlp"]', "TLP:CLEAR");
  expect(await page.isChecked('input[name="to_members"]'), "the release goes to the members by default");
  await page.check('input[name="public"]');
  await shot("product-draft");
  await page.click('form.product button[type="submit"]');
  await page.waitForURL(/\/secretariat\/products\/RENKEI-AT-/);
  expect((await page.textContent("#status")).includes("下書き"), "the alert is saved as a draft");
  await page.click('form.step button[value="submit"]');
  await page.waitForURL(/\/secretariat\/products\/RENKEI-AT-/);
  expect((await page.textContent("#status")).includes("承認待ち"), "the alert waits for review");
  await page.click('form.step button[value="approve"]');
  expect(await page.locator(".problem", { hasText: "作成者自身は承認できません" }).isVisible(), "the author cannot approve it");
  await page.click("form.inline button");

  console.log("journey: another analyst approves it from the review queue");
  await login("admin");
  await page.click('nav a[href="/secretariat/review"]');
  const row = page.locator("tr", { hasText: title });
  expect(await row.isVisible(), "the review queue lists the alert");
  expect((await row.textContent()).includes("analyst"), "the queue names its author");
  await shot("review-queue");
  await row.locator("a").first().click();
  await page.click('form.step button[value="approve"]');
  await page.waitForURL(/\/secretariat\/products\/RENKEI-AT-/);
  expect((await page.textContent("#status")).includes("公開済み"), "the alert is published");
  await page.click("form.inline button");

  console.log("journey: anyone sees the alert on the portal and in the feed");
  await page.goto(`${base}/alerts`);
  const card = page.locator("ul.cards li", { hasText: title });
  expect(await card.isVisible(), "the public alerts list shows it");
  expect((await card.textContent()).includes("TLP:CLEAR"), "with its TLP label");
  await shot("alert-published");
  await card.locator("a").first().click();
  expect(await page.locator("h1", { hasText: title }).isVisible(), "the alert opens for an anonymous visitor");
  const atom = await (await page.request.get(`${base}/public/alerts.atom`)).text();
  expect(atom.includes(title), "/public/alerts.atom lists it");
}
