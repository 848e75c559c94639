// The catalogue journey: a citizen searches the public portal and reads an item;
// a cataloguer publishes a new version of an item; other roles cannot edit it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAccessible, launch, login, newPage, screenshot } from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A page in its own context, closed when the test ends. */
async function openPage(t) {
  const page = await newPage(browser);
  t.after(() => page.context().close());
  return page;
}

/**
 * Submit the search form labelled 搜索事项 on the current page and return the
 * result items. Works on the portal (`/`) and on `/admin/items`.
 */
async function search(page, query) {
  const input = page.getByLabel('搜索事项', { exact: true });
  const form = page.locator('form', { has: input });
  await input.fill(query);
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('q') === query),
    form.getByRole('button', { name: '搜索', exact: true }).click(),
  ]);
  return page.locator('ol.results > li');
}

/** The first whole number in a text such as "第 3 版" or "5 个工作日". */
function firstNumber(text, what) {
  const match = /\d+/.exec(text);
  assert.ok(match, `${what}: no number in ${JSON.stringify(text)}`);
  return Number(match[0]);
}

/** Code of the first portal result whose name contains `query`. */
async function findItemCode(page, query) {
  await page.goto('/');
  await search(page, query);
  const href = await page.locator('ol.results a.item-link', { hasText: query }).first().getAttribute('href');
  const match = /\/items\/([^/?#]+)/.exec(href ?? '');
  assert.ok(match, `no /items/<code> link among the results for ${query}: ${href}`);
  return decodeURIComponent(match[1]);
}

test('a visitor finds items on the portal and reads one', async (t) => {
  const page = await openPage(t);
  await page.goto('/');
  await assertAccessible(page);

  let results = await search(page, '食品');
  const names = await results.locator('a.item-link').allInnerTexts();
  assert.ok(names.length > 0, 'no results for 食品');
  assert.ok(
    names.some((name) => name.includes('食品')),
    `no result for 食品 is named with 食品: ${names.join(' | ')}`,
  );
  // Each result shows the department besides the item name.
  for (const item of await results.all()) {
    const itemText = (await item.innerText()).trim();
    const linkText = (await item.locator('a.item-link').innerText()).trim();
    assert.ok(
      itemText.replace(linkText, '').trim() !== '',
      `result ${JSON.stringify(linkText)} shows no department`,
    );
  }
  await assertAccessible(page);
  await screenshot(page, 'portal-search-food');

  results = await search(page, '卫生许可');
  assert.ok((await results.count()) > 0, 'no results for 卫生许可');
  const first = await results.first().innerText();
  assert.ok(first.includes('卫生许可'), `first result for 卫生许可 is ${JSON.stringify(first)}`);

  results = await search(page, '林木采伐');
  const texts = await results.allInnerTexts();
  assert.ok(
    texts.some((text) => text.includes('林木采伐')),
    `no result for 林木采伐 mentions it: ${texts.join(' | ')}`,
  );

  await search(page, '食品');
  const link = page.locator('ol.results a.item-link', { hasText: '食品' }).first();
  const itemName = (await link.innerText()).trim();
  await Promise.all([
    page.waitForURL((url) => /^\/items\/[^/]+$/.test(url.pathname)),
    link.click(),
  ]);
  const h1 = await page.locator('h1').innerText();
  assert.ok(h1.includes(itemName), `h1 ${JSON.stringify(h1)} does not contain ${JSON.stringify(itemName)}`);
  const body = await page.locator('body').innerText();
  for (const heading of ['法定时限', '承诺时限', '申请材料', '办理流程', '收费']) {
    assert.ok(body.includes(heading), `item page does not show ${heading}`);
  }
  assert.ok((await page.getByRole('button', { name: '打印' }).count()) > 0, 'item page has no 打印 button');
  await assertAccessible(page);
  await screenshot(page, 'portal-item');
});

test('a cataloguer publishes a new version of an item', async (t) => {
  const page = await openPage(t);
  await login(page, 'cataloguer');
  assert.equal(new URL(page.url()).pathname, '/admin/items');
  await assertAccessible(page);

  await search(page, '食品');
  const editLinks = page.locator('a.edit-link', { hasText: '编辑' });
  assert.ok((await editLinks.count()) > 0, 'no 编辑 links among the admin results for 食品');
  const editPath = /^\/admin\/items\/[^/]+\/edit$/;
  await Promise.all([
    page.waitForURL((url) => editPath.test(url.pathname)),
    editLinks.first().click(),
  ]);
  const itemPath = new URL(page.url()).pathname.replace(/\/edit$/, '');
  const code = decodeURIComponent(itemPath.split('/')[3]);
  await assertAccessible(page);

  const versionBefore = firstNumber(await page.locator('[data-testid=version]').innerText(), 'version');
  const promised = page.getByLabel('承诺时限（工作日）', { exact: true });
  const legal = page.getByLabel('法定时限（工作日）', { exact: true });
  const promisedBefore = firstNumber(await promised.inputValue(), '承诺时限');
  const legalDays = firstNumber(await legal.inputValue(), '法定时限');
  const promisedAfter = promisedBefore > 1 ? promisedBefore - 1 : 2;
  assert.ok(
    promisedAfter <= legalDays,
    `cannot pick promised days: ${promisedAfter} would exceed the legal ${legalDays}`,
  );

  await promised.fill(String(promisedAfter));
  await page.getByLabel('修改说明', { exact: true }).fill('e2e 测试调整承诺时限');
  await screenshot(page, 'admin-item-edit');
  await Promise.all([
    page.waitForURL((url) => url.pathname === itemPath),
    page.getByRole('button', { name: '保存为新版本', exact: true }).click(),
  ]);

  const versionAfter = versionBefore + 1;
  const body = await page.locator('body').innerText();
  assert.ok(body.includes('版本'), 'saved item page does not show 版本');
  const versionShown = page.locator('[data-testid=version]');
  if ((await versionShown.count()) > 0) {
    assert.equal(firstNumber(await versionShown.first().innerText(), 'version'), versionAfter);
  } else {
    assert.match(body, new RegExp(`(?<!\\d)${versionAfter}(?!\\d)`), `version ${versionAfter} not shown`);
  }
  await screenshot(page, 'admin-item-saved');

  // The public page shows the new version; the old one stays readable.
  const publicPath = `/items/${encodeURIComponent(code)}`;
  await page.goto(publicPath);
  const promisedNow = await page.locator('[data-testid=promised-limit]').innerText();
  assert.equal(firstNumber(promisedNow, 'promised-limit'), promisedAfter);

  await page.goto(`${publicPath}?version=${versionBefore}`);
  const promisedThen = await page.locator('[data-testid=promised-limit]').innerText();
  assert.equal(firstNumber(promisedThen, `promised-limit of version ${versionBefore}`), promisedBefore);
});

test('only cataloguers may edit items', async (t) => {
  const lookup = await openPage(t);
  const code = await findItemCode(lookup, '食品');
  const editPath = `/admin/items/${encodeURIComponent(code)}/edit`;

  const clerk = await openPage(t);
  await login(clerk, 'clerk');
  const response = await clerk.goto(editPath);
  assert.equal(response.status(), 403, `clerk got HTTP ${response.status()} for ${editPath}`);
  await screenshot(clerk, 'admin-item-edit-forbidden');

  const anonymous = await openPage(t);
  await anonymous.goto(editPath);
  assert.equal(new URL(anonymous.url()).pathname, '/login', `anonymous visitor ended on ${anonymous.url()}`);
});
