// The public portal: alerts in Japanese, a report from the public, a seminar registration.

export default async function ({ base, page, expect, shot }) {
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
}
