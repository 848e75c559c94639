// Time limits in the browser: the reviewer's inbox shows each case's remaining working days
// coloured by warning level, the case page explains the due date, the supervision officer's
// dashboard counts running cases by level, lists warned, paused and overdue cases, reviews an
// accountability record and exports CSV; other roles cannot open it.
//
// The server seeds demo cases on its first start, accepted on earlier days so that one is on
// time, one yellow, one due today (on working days), one overdue and one paused.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAccessible, baseUrl, clickAndLoad, launch, login, newPage, screenshot } from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function openPage(t, username) {
  const page = await newPage(browser);
  t.after(() => page.context().close());
  await login(page, username);
  return page;
}

/** Background colour of each level's badge, as the browser renders it. */
const COLOURS = {
  none: 'rgb(232, 244, 236)',
  yellow: 'rgb(255, 243, 196)',
  red: 'rgb(198, 40, 40)',
  overdue: 'rgb(109, 15, 15)',
};

/** Every badge in `scope`: its level, class, text and rendered background. */
async function badges(scope) {
  return scope.locator('span.limit[data-level]').evaluateAll((els) =>
    els.map((el) => ({
      level: el.dataset.level,
      className: el.className,
      text: el.textContent.trim(),
      background: getComputedStyle(el).backgroundColor,
      paused: el.classList.contains('paused'),
    })),
  );
}

function assertColoured(list, where) {
  assert.ok(list.length > 0, `no time-limit badge on ${where}`);
  for (const b of list) {
    if (b.paused) {
      assert.match(b.text, /暂停计时/, `${where}: ${JSON.stringify(b)}`);
      continue;
    }
    assert.ok(b.className.includes(b.level), `${where}: class ${b.className} does not name level ${b.level}`);
    assert.equal(b.background, COLOURS[b.level], `${where}: ${b.level} badge is ${b.background}`);
    const expected = { none: /^剩余\d+个工作日$/, yellow: /^剩余\d+个工作日$/, red: /^今日到期$/, overdue: /^超期\d+个工作日$/ }[b.level];
    assert.match(b.text, expected, `${where}: ${JSON.stringify(b)}`);
  }
}

test('the inbox colours each case by the time it has left', async (t) => {
  const reviewer = await openPage(t, 'reviewer');
  await reviewer.goto('/inbox');
  await assertAccessible(reviewer);
  const list = await badges(reviewer.locator('main'));
  assertColoured(list, '/inbox');
  const levels = new Set(list.filter((b) => !b.paused).map((b) => b.level));
  for (const level of ['none', 'yellow', 'overdue']) {
    assert.ok(levels.has(level), `the demo cases put a ${level} case in the inbox: ${[...levels]}`);
  }
  assert.ok(list.some((b) => b.paused), 'the paused demo case shows as paused');
  await screenshot(reviewer, 'supervision-inbox-colours');

  // The case page explains the overdue case's due date in plain Chinese.
  const overdueRow = reviewer.locator('tr', { has: reviewer.locator('span.limit.overdue') }).first();
  await clickAndLoad(reviewer, overdueRow.locator('a.case-link'));
  const why = reviewer.getByTestId('deadline-why');
  await why.waitFor();
  const text = await why.innerText();
  assert.match(text, /受理当日不计入/);
  assert.match(text, /承诺办结日期为\d{4}年\d{1,2}月\d{1,2}日/);
  assert.match(text, /已超期/);
  assert.ok((await reviewer.getByRole('button', { name: '暂停计时' }).count()) === 1, 'the reviewer may pause the clock');
  await assertAccessible(reviewer);
  await screenshot(reviewer, 'supervision-case-deadline');
});

test('the supervision centre shows, reviews and exports', async (t) => {
  const officer = await openPage(t, 'officer');
  await officer.goto('/supervision');
  await assertAccessible(officer);
  assert.equal(await officer.getByRole('heading', { level: 1 }).innerText(), '电子监察中心');

  // Counts by department and level: the total row adds up.
  const totals = await officer.locator('[data-testid=counts] tr.total td').allInnerTexts();
  const numbers = totals.map(Number);
  assert.equal(numbers.length, 6);
  assert.equal(numbers.slice(0, 5).reduce((a, b) => a + b, 0), numbers[5]);
  assert.ok(numbers[3] >= 1, `at least one overdue case: ${totals}`);
  assert.ok(numbers[4] >= 1, `at least one paused clock: ${totals}`);

  // Warned cases, coloured; each links to the case and its log.
  const warned = officer.getByTestId('warned');
  assertColoured(await badges(warned), '/supervision');
  const firstRow = warned.locator('tbody tr').first();
  assert.equal(await firstRow.getByRole('link', { name: '办理记录' }).getAttribute('href'), `/cases/${await firstRow.getAttribute('data-number')}#log`);
  assert.match(await officer.getByTestId('paused').innerText(), /专家评审/);
  await screenshot(officer, 'supervision-dashboard');

  // Filters: a department without cases shows none.
  await officer.goto('/supervision?department=jyj&from=2000-01-01&to=2000-01-02');
  assert.match(await officer.locator('main').innerText(), /没有正在计时的办件/);
  await officer.goto('/supervision');

  // The CSV export carries the same cases.
  const href = await officer.getByTestId('export-csv').getAttribute('href');
  const csv = await officer.request.get(`${baseUrl}${href}`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  const body = await csv.text();
  assert.match(body, /^\uFEFF办件编号,事项名称/);
  assert.match(body, /已超期/);

  // An accountability record: a reason is required, then it is confirmed and leaves the list.
  const records = officer.getByTestId('accountability').locator('tbody tr');
  const before = await records.count();
  if (before > 0) {
    const row = records.first();
    const caseNumber = (await row.locator('a.case-link').innerText()).trim();
    await row.getByLabel('审核理由').fill('审查环节超期，无正当理由');
    await clickAndLoad(officer, row.getByRole('button', { name: '确认问责' }));
    assert.match(await officer.getByRole('status').innerText(), /已确认问责/);
    const after = await officer.getByTestId('accountability').locator('a.case-link', { hasText: caseNumber }).count();
    assert.equal(after, 0, `${caseNumber} is reviewed`);
  } else {
    assert.match(await officer.locator('main').innerText(), /没有待审核的问责记录/);
  }
});

test('only officers and leaders open the supervision centre', async (t) => {
  for (const username of ['clerk', 'reviewer', 'applicant']) {
    const page = await openPage(t, username);
    const response = await page.goto('/supervision');
    assert.equal(response.status(), 403, `${username} may not open /supervision`);
    assert.equal(await page.locator('nav a', { hasText: '电子监察' }).count(), 0);
  }
  const leader = await openPage(t, 'leader');
  const response = await leader.goto('/supervision');
  assert.equal(response.status(), 200);
  assert.equal(await leader.locator('form.inline-review').count(), 0, 'leaders see records but only officers review them');
});
