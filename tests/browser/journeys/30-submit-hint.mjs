// The journey "member login → submit → see correlation hint": a bank's analyst pastes
// defanged and full-width indicators, checks the preview, confirms, lands on the new record and
// sees that a record they may not read (the telecom company's, shared with telecom only) holds
// one of the values — as a hint, without its details. Then a lookup of that value.

export default async function ({ base, page, expect, shot, login }) {
  console.log("journey: a member submits indicators and sees a correlation hint");
  await login("sakura");
  await page.click('nav a[href="/submit"]');
  await page.click('main a[href="/submit/text"]');
  await page.fill(
    'textarea[name="text"]',
    "SMS の誘導先: hxxp://sakura-bank-login99[.]xyz/login\n配信サーバ: ４５．９５．１４７．２００",
  );
  await page.selectOption('select[name="tlp"]', "TLP:AMBER");
  await page.check('input[name="audience"][value="members"]');
  await page.check('input[name="uses"][value="investigation"]');
  await page.click('button[value="preview"]');
  const preview = await page.textContent("table.preview");
  expect(preview.includes("http://sakura-bank-login99.xyz/login"), "the refanged URL is previewed");
  expect(preview.includes("45.95.147.200"), "the full-width address is previewed, normalised");
  await shot("submit-preview");

  await page.click('button[value="confirm"]');
  await page.waitForURL(/\/records\/note--/);
  const hint = page.locator(".hints .hint-box").first();
  expect(await hint.isVisible(), "the new record shows a correlation hint");
  const hintText = await hint.textContent();
  expect(hintText.includes("45.95.147.200") && hintText.includes("telecom"), "the hint names the value and the sector");
  const body = await page.textContent("main");
  expect(!body.includes("スミッシング配信サーバ"), "nothing of the unreadable record is shown");
  expect((await page.locator(".handling .tlp", { hasText: "TLP:AMBER" }).count()) > 0, "the chosen TLP is on the record");
  await shot("record-hint");

  console.log("journey: looking the value up");
  await page.click('nav a[href="/lookup"]');
  await page.fill('form.lookup input[name="value"]', "45[.]95[.]147[.]200");
  await page.click('form.lookup[method="get"] button');
  const row = page.locator("table.lookup tbody tr").first();
  expect((await row.textContent()).includes("telecom"), "the lookup shows the same hint");
  expect((await row.locator('a[href^="/records/"]').count()) > 0, "and the member's own new record");
  await shot("lookup");
}
