// The case journey in the browser: an applicant applies online, the window clerk
// accepts, the reviewer examines, the leader decides, the clerk delivers and anyone
// with the number and query code tracks it; corrections and refusals at the window;
// who may open what.
//
// Every test makes its own cases: the suite also runs against servers that earlier
// tests (and earlier runs) already used.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertAccessible, clickAndLoad, launch, login, newPage, screenshot } from './helpers.mjs';

/** The item of the whole path: two review steps (审查, 现场核查) before the decision. */
const FORESTRY = '林木采伐许可证核发';
/** The item of the correction path. */
const VET = '乡村兽医登记许可';
/**
 * A required material of VET with no material type, so a verified copy from an
 * earlier case can never be reused for it: leaving it out always leaves it missing.
 */
const VET_LEFT_OUT = '学历证明或兽医专业培训合格证明';

const APPLICANT = { name: '张三丰', masked: '张*丰', idNumber: '11010519491231002X', phone: '13800000000' };

let browser;
let workDir;
let pdfCount = 0;

before(async () => {
  browser = await launch();
  workDir = await mkdtemp(path.join(tmpdir(), 'onewindow-e2e-cases-'));
});

/**
 * Write a small PDF with content of its own and return its path. The server stores a
 * material once per content and keeps its verification with it, so one file shared by
 * several uploads would let a 核验 of one case show up in another.
 */
async function newPdf() {
  pdfCount += 1;
  const file = path.join(workDir, `scan-${pdfCount}.pdf`);
  const nonce = `${process.pid}-${Date.now()}-${pdfCount}-${Math.random().toString(36).slice(2)}`;
  await writeFile(file, `%PDF-1.4\n% onewindow e2e ${nonce}\n%%EOF\n`);
  return file;
}

after(async () => {
  await browser?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A page in its own context (own cookies), closed when the test ends. */
async function openPage(t) {
  const page = await newPage(browser);
  page.setDefaultTimeout(15_000);
  t.after(() => page.context().close());
  return page;
}

/** A logged-in page for `username` in its own context. */
async function pageFor(t, username) {
  const page = await openPage(t);
  await login(page, username);
  return page;
}

/** The <section> whose heading starts with `title` (headings carry counts, e.g. 待受理（3）). */
function section(page, title) {
  return page.locator('section').filter({ has: page.getByRole('heading', { name: new RegExp(`^${title}`) }) });
}

/** The form holding the button named `button`. */
function formWith(page, button) {
  return page.locator('form').filter({ has: page.getByRole('button', { name: button, exact: true }) });
}

async function caseState(page) {
  return (await page.locator('[data-testid=case-state]').innerText()).trim();
}

async function assertCaseState(page, expected, when) {
  assert.equal(await caseState(page), expected, `state ${when}`);
}

/** Text of the page's role=status message after an action (empty if none). */
async function statusMessage(page) {
  return (await page.locator('[role=status]').allInnerTexts()).join(' ');
}

/** Text of the page's role=alert messages (empty if none). */
async function alertMessage(page) {
  return (await page.locator('[role=alert]').allInnerTexts()).join(' ');
}

/** Click a button of the case page and check the action went through (303 to the case page). */
async function act(page, button, number, what) {
  const response = await clickAndLoad(page, button);
  const url = new URL(page.url());
  assert.equal(
    response.status(),
    200,
    `${what}: HTTP ${response.status()} on ${url.pathname}: ${await alertMessage(page)}`,
  );
  assert.equal(url.pathname, `/cases/${number}`, `${what}: ended on ${page.url()}`);
  assert.ok(url.searchParams.get('done'), `${what}: no ?done= after the action; alert: ${await alertMessage(page)}`);
}

/** Search the portal at `/` for `query` and open the guide of the item named `itemName`. */
async function openGuide(page, query, itemName) {
  await page.goto('/');
  const input = page.getByLabel('搜索事项', { exact: true });
  await input.fill(query);
  await clickAndLoad(page, page.locator('form', { has: input }).getByRole('button', { name: '搜索', exact: true }));
  assert.equal(new URL(page.url()).searchParams.get('q'), query);
  const link = page.locator('ol.results a.item-link').filter({ hasText: new RegExp(`^\\s*${itemName}\\s*$`) });
  assert.equal(await link.count(), 1, `no single result named ${itemName} for ${query}`);
  return link;
}

/** Labels of the file inputs on the apply page, e.g. "林木采伐申请表（必需）". */
async function materialLabels(page) {
  const fieldset = page.locator('fieldset').filter({ has: page.locator('legend', { hasText: '申请材料' }) });
  return (await fieldset.locator('label').allInnerTexts()).map((text) => text.trim());
}

/**
 * On the apply page: fill the applicant and upload the PDF for every required material
 * except those in `leaveOut` (material names without the suffix).
 */
async function fillApplication(page, leaveOut = []) {
  await page.getByLabel('个人', { exact: true }).check();
  await page.getByLabel('申请人姓名或单位名称', { exact: true }).fill(APPLICANT.name);
  await page.getByLabel('身份证号码或统一社会信用代码', { exact: true }).fill(APPLICANT.idNumber);
  await page.getByLabel('联系电话', { exact: true }).fill(APPLICANT.phone);
  const required = (await materialLabels(page)).filter((label) => label.endsWith('（必需）'));
  assert.ok(required.length > 0, 'the apply page lists no required material');
  const uploaded = [];
  for (const label of required) {
    const name = label.replace(/（必需）$/, '');
    if (leaveOut.includes(name)) continue;
    await page.getByLabel(label, { exact: true }).setInputFiles(await newPdf());
    uploaded.push(name);
  }
  for (const name of leaveOut) {
    assert.ok(required.includes(`${name}（必需）`), `${name} is not a required material: ${required.join(' | ')}`);
  }
  return uploaded;
}

/** Submit the apply page; returns the new case's number and query code from the case page. */
async function submitApplication(page) {
  const response = await clickAndLoad(page, page.getByRole('button', { name: '提交申请', exact: true }));
  const match = /^\/cases\/(\d+)$/.exec(new URL(page.url()).pathname);
  assert.ok(match, `submitting ended on ${page.url()} (HTTP ${response.status()}): ${await alertMessage(page)}`);
  assert.equal(response.status(), 200);
  const number = (await page.locator('[data-testid=case-number]').innerText()).trim();
  const queryCode = (await page.locator('[data-testid=query-code]').innerText()).trim();
  assert.equal(number, match[1], 'the case number shown is the one in the address');
  assert.match(number, /^\d{19}$/);
  assert.match(queryCode, /^\S{4,}$/, `query code ${JSON.stringify(queryCode)}`);
  await assertCaseState(page, '已提交，待受理', 'after submitting');
  return { number, queryCode };
}

/** The row of the case page's material table for `material`. */
function materialRow(page, material) {
  return section(page, '申请材料').locator('tbody tr').filter({ hasText: material });
}

/** Fetch a printed document linked from the case page and check it is a PDF. */
async function assertPdfLink(page, linkName) {
  const link = page.getByRole('link', { name: linkName, exact: true });
  assert.equal(await link.count(), 1, `the case page offers no single "${linkName}" link`);
  const href = await link.getAttribute('href');
  // The context's request client shares the page's cookies; the PDF is not rendered.
  const response = await page.request.get(href);
  assert.equal(response.status(), 200, `${linkName} (${href}): HTTP ${response.status()}`);
  assert.equal(response.headers()['content-type'], 'application/pdf', `${linkName} content type`);
  const body = await response.body();
  assert.equal(body.subarray(0, 4).toString('latin1'), '%PDF', `${linkName} is not a PDF`);
}

test('a case goes from online application to delivery, and the public tracks it', async (t) => {
  // The applicant finds the guide on the portal and applies online.
  const applicant = await pageFor(t, 'applicant');
  const guideLink = await openGuide(applicant, '林木采伐', FORESTRY);
  await assertAccessible(applicant);
  await screenshot(applicant, 'case-portal-search');
  await clickAndLoad(applicant, guideLink);
  assert.equal((await applicant.locator('h1').innerText()).trim(), FORESTRY);
  await assertAccessible(applicant);
  await screenshot(applicant, 'case-guide');

  await clickAndLoad(applicant, applicant.getByRole('link', { name: '在线申请', exact: true }));
  assert.match(new URL(applicant.url()).pathname, /^\/apply\//);
  assert.ok((await applicant.locator('h1').innerText()).includes(FORESTRY), 'apply page names the item');
  await assertAccessible(applicant);
  const uploaded = await fillApplication(applicant);
  await screenshot(applicant, 'case-apply');
  const { number, queryCode } = await submitApplication(applicant);
  assert.ok((await statusMessage(applicant)).includes('申请已提交'), 'no confirmation after submitting');
  for (const material of uploaded) {
    const row = materialRow(applicant, material);
    assert.equal(await row.count(), 1, `material ${material} not listed on the case page`);
    assert.ok(!(await row.innerText()).includes('未提交'), `uploaded ${material} shown as 未提交`);
  }
  await assertAccessible(applicant);
  await screenshot(applicant, 'case-submitted');

  // The window clerk finds it in 待受理 and accepts it.
  const clerk = await pageFor(t, 'clerk');
  await clerk.goto('/desk');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-desk');
  const queued = section(clerk, '待受理').getByRole('link', { name: number, exact: true });
  assert.equal(await queued.count(), 1, `case ${number} is not in the desk's 待受理 list`);
  await clickAndLoad(clerk, queued);
  assert.equal(new URL(clerk.url()).pathname, `/cases/${number}`);
  await assertCaseState(clerk, '已提交，待受理', 'when the clerk opens it');
  assert.ok((await clerk.locator('body').innerText()).includes(APPLICANT.idNumber), 'staff see the full id number');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-clerk-open');

  await act(clerk, clerk.getByRole('button', { name: '受理', exact: true }), number, '受理');
  await assertCaseState(clerk, '审查中', 'after 受理');
  assert.ok((await statusMessage(clerk)).includes('已受理'), 'no confirmation after 受理');
  assert.ok((await clerk.locator('[data-testid=due-date]').count()) === 1, 'no 承诺办结日期 after 受理');
  await assertPdfLink(clerk, '打印受理通知书');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-accepted');

  // The reviewer completes every review task from the inbox.
  const reviewer = await pageFor(t, 'reviewer');
  await reviewer.goto('/inbox');
  const taskLinks = reviewer.locator('a.case-link').filter({ hasText: new RegExp(`^${number}$`) });
  assert.ok((await taskLinks.count()) > 0, `case ${number} has no task in the reviewer's inbox`);
  await assertAccessible(reviewer);
  await screenshot(reviewer, 'case-reviewer-inbox');
  await clickAndLoad(reviewer, taskLinks.first());
  assert.equal(new URL(reviewer.url()).pathname, `/cases/${number}`);
  await assertAccessible(reviewer);
  const taskNames = [];
  let triedEmpty = false;
  let inspected = false;
  for (;;) {
    const submit = reviewer.getByRole('button', { name: '提交意见', exact: true });
    if ((await submit.count()) === 0) break;
    assert.ok(taskNames.length < 10, `still tasks open after ${taskNames.join(', ')}`);
    const task = reviewer.locator('section').filter({ has: submit }).first();
    const name = (await task.getByRole('heading').first().innerText()).trim();
    const button = task.getByRole('button', { name: '提交意见', exact: true });
    if (!triedEmpty) {
      // Nothing is chosen for the reviewer, and an empty opinion passes nothing: not in the
      // browser, and not at the server when the browser's check is bypassed.
      triedEmpty = true;
      assert.equal(await task.getByLabel('同意', { exact: true }).isChecked(), false, '同意 is preselected');
      await button.click();
      assert.equal(await caseState(reviewer), '审查中', 'an empty opinion was submitted');
      await task.locator('form').evaluate((form) => { form.noValidate = true; });
      await clickAndLoad(reviewer, button);
      assert.match(await alertMessage(reviewer), /请选择审查结论/, 'no error for an opinion without its conclusion');
      continue;
    }
    if (!inspected && (await task.getByTestId('needs-inspection').count()) > 0) {
      // A site-inspection step passes only on an inspection on record.
      inspected = true;
      await task.getByLabel('同意', { exact: true }).check();
      await task.getByLabel('审查意见', { exact: true }).fill('现场情况良好');
      await clickAndLoad(reviewer, button);
      assert.match(await alertMessage(reviewer), /须先安排并记录现场核查/, 'an inspection step passed without an inspection');
      const inspect = section(reviewer, '现场核查');
      await inspect.getByLabel('独立核查', { exact: true }).check();
      await inspect.getByLabel('核查内容', { exact: true }).fill('核对采伐地点、蓄积量');
      await act(reviewer, inspect.getByRole('button', { name: '安排现场核查', exact: true }), number, '安排现场核查');
      const findings = section(reviewer, '记录核查结果');
      await findings.getByLabel('核查意见', { exact: true }).fill('采伐地点与申请一致，蓄积量核实无误');
      await act(reviewer, findings.getByRole('button', { name: '提交核查结果', exact: true }), number, '提交核查结果');
      continue;
    }
    taskNames.push(name);
    await task.getByLabel('同意', { exact: true }).check();
    await task.getByLabel('审查意见', { exact: true }).fill('符合条件，同意');
    if (taskNames.length === 1) await screenshot(reviewer, 'case-review-task');
    // The form as it is sent, to send it again after it went through.
    const sent = await task.locator('form').evaluate((form) => [...new FormData(form)].map(([k, v]) => [k, String(v)]));
    await act(reviewer, button, number, `提交意见 (${name})`);
    assert.ok((await statusMessage(reviewer)).includes('意见已提交'), 'no confirmation after 提交意见');
    // A second click on the same form does nothing and says so.
    const again = await reviewer.evaluate(async ([action, fields]) => {
      const body = new FormData();
      for (const [k, v] of fields) body.append(k, v);
      const r = await fetch(action, { method: 'POST', body });
      return { status: r.status, url: r.url };
    }, [`/cases/${number}/work`, sent]);
    assert.equal(again.status, 200);
    assert.equal(new URL(again.url).searchParams.get('done'), 'already', `a second submit was not recognised: ${again.url}`);
  }
  assert.ok(inspected, `${FORESTRY}'s 现场核查 step did not ask for an inspection`);
  assert.ok(
    taskNames.length >= 2,
    `${FORESTRY} should have two review steps, the reviewer had ${taskNames.join(', ')}`,
  );
  await assertCaseState(reviewer, '审查中', 'after the review');
  const steps = await section(reviewer, '审查环节').locator('tbody tr').allInnerTexts();
  assert.ok(steps.length >= 2 && steps.every((row) => row.includes('已办结')), `review steps: ${steps.join(' | ')}`);
  await screenshot(reviewer, 'case-reviewed');

  // The leader finds it under 待决定 and approves.
  const leader = await pageFor(t, 'leader');
  await leader.goto('/inbox');
  const ready = section(leader, '待决定').getByRole('link', { name: number, exact: true });
  assert.equal(await ready.count(), 1, `case ${number} is not under the leader's 待决定`);
  await assertAccessible(leader);
  await screenshot(leader, 'case-leader-inbox');
  await clickAndLoad(leader, ready);
  assert.equal(await leader.getByLabel('准予许可', { exact: true }).isChecked(), false, '准予许可 is preselected');
  await leader.getByLabel('准予许可', { exact: true }).check();
  await leader.getByLabel('决定理由', { exact: true }).fill('符合林木采伐条件');
  await leader.getByLabel(/确认作出此决定/).check();
  await assertAccessible(leader);
  await screenshot(leader, 'case-decide');
  await act(leader, leader.getByRole('button', { name: '作出决定', exact: true }), number, '作出决定');
  await assertCaseState(leader, '准予许可，待送达', 'after the decision');
  await screenshot(leader, 'case-decided');

  // The clerk sees it under 待出件 and hands it out at the window.
  await clerk.goto('/desk');
  const outgoing = section(clerk, '待出件').getByRole('link', { name: number, exact: true });
  assert.equal(await outgoing.count(), 1, `case ${number} is not in the desk's 待出件 list`);
  await clickAndLoad(clerk, outgoing);
  await clerk.getByLabel('窗口领取', { exact: true }).check();
  await act(clerk, clerk.getByRole('button', { name: '送达', exact: true }), number, '送达');
  await assertCaseState(clerk, '已办结', 'after 送达 at the window');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-delivered');

  // Anyone with the number and query code sees the progress, with the applicant masked.
  const visitor = await openPage(t);
  await visitor.goto('/track');
  await assertAccessible(visitor);
  await visitor.getByLabel('办件编号', { exact: true }).fill(number);
  await visitor.getByLabel('查询码', { exact: true }).fill(queryCode);
  const response = await clickAndLoad(visitor, visitor.getByRole('button', { name: '查询', exact: true }));
  assert.equal(response.status(), 200);
  assert.equal((await visitor.locator('[data-testid=track-state]').innerText()).trim(), '已办结');
  const shown = await visitor.locator('main').innerText();
  assert.ok(shown.includes(APPLICANT.masked), `tracking does not show ${APPLICANT.masked}`);
  assert.ok(!shown.includes(APPLICANT.name), 'tracking shows the full name');
  const html = await visitor.content();
  assert.ok(!html.includes(APPLICANT.idNumber), 'tracking reveals the id number');
  assert.ok(shown.includes(FORESTRY), 'tracking does not name the item');
  await assertAccessible(visitor);
  await screenshot(visitor, 'case-track');
});

test('the window asks for a correction once, then refuses', async (t) => {
  const applicant = await pageFor(t, 'applicant');
  await clickAndLoad(applicant, await openGuide(applicant, VET, VET));
  await clickAndLoad(applicant, applicant.getByRole('link', { name: '在线申请', exact: true }));
  await fillApplication(applicant, [VET_LEFT_OUT]);
  const { number } = await submitApplication(applicant);

  // The clerk sees the gap and cannot accept.
  const clerk = await pageFor(t, 'clerk');
  await clerk.goto(`/cases/${number}`);
  const row = materialRow(clerk, VET_LEFT_OUT);
  assert.equal(await row.count(), 1, `${VET_LEFT_OUT} is not listed on the clerk's case page`);
  assert.ok((await row.innerText()).includes('未提交'), `${VET_LEFT_OUT} is not marked 未提交`);
  await screenshot(clerk, 'case-correction-clerk-open');

  const refused = await clickAndLoad(clerk, clerk.getByRole('button', { name: '受理', exact: true }));
  assert.equal(refused.status(), 422, '受理 with a missing material');
  const alert = await alertMessage(clerk);
  assert.ok(alert.includes(VET_LEFT_OUT), `the error does not name ${VET_LEFT_OUT}: ${JSON.stringify(alert)}`);
  await assertCaseState(clerk, '已提交，待受理', 'after the refused 受理');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-correction-accept-error');

  // One notice listing what to correct.
  const correction = formWith(clerk, '出具一次性告知书');
  const reason = '请上传学历证明或兽医专业培训合格证明的清晰扫描件';
  await correction.getByLabel(`${VET_LEFT_OUT}：需补正的内容`, { exact: true }).fill(reason);
  const notify = correction.getByRole('button', { name: '出具一次性告知书', exact: true });
  await act(clerk, notify, number, '出具一次性告知书');
  await assertCaseState(clerk, '待补正材料', 'after the correction notice');
  assert.ok(
    (await clerk.getByRole('link', { name: '打印补正材料通知书', exact: true }).count()) === 1,
    'no 打印补正材料通知书 link',
  );
  await screenshot(clerk, 'case-correction-requested');

  // The applicant reads the notice in 我的办件 and supplies the material.
  await applicant.goto('/cases');
  assert.equal((await applicant.locator('h1').innerText()).trim(), '我的办件');
  const mine = applicant.getByRole('link', { name: number, exact: true });
  assert.equal(await mine.count(), 1, `case ${number} is not in 我的办件`);
  await assertAccessible(applicant);
  await clickAndLoad(applicant, mine);
  await assertCaseState(applicant, '待补正材料', 'for the applicant');
  const asked = (await section(applicant, '申请材料').locator('li').allInnerTexts()).join(' | ');
  assert.ok(asked.includes(VET_LEFT_OUT) && asked.includes(reason), `the correction is not listed: ${asked}`);
  await assertAccessible(applicant);
  await screenshot(applicant, 'case-correction-applicant');
  const resubmit = formWith(applicant, '提交补正材料');
  await resubmit.getByLabel(VET_LEFT_OUT, { exact: true }).setInputFiles(await newPdf());
  const supply = resubmit.getByRole('button', { name: '提交补正材料', exact: true });
  await act(applicant, supply, number, '提交补正材料');
  await assertCaseState(applicant, '已提交，待受理', 'after the resubmission');
  assert.ok(
    !(await materialRow(applicant, VET_LEFT_OUT).allInnerTexts()).join(' ').includes('未提交'),
    `${VET_LEFT_OUT} still 未提交 after the resubmission`,
  );
  await screenshot(applicant, 'case-correction-resubmitted');

  // The clerk refuses, with reason and legal basis.
  await clerk.goto(`/cases/${number}`);
  await assertCaseState(clerk, '已提交，待受理', 'when the clerk reopens it');
  const refusal = formWith(clerk, '不予受理');
  const refusalReason = '申请事项不属于本机关职权范围';
  await refusal.getByLabel('不予受理的理由', { exact: true }).fill(refusalReason);
  await refusal.getByLabel('法律依据', { exact: true }).fill('《中华人民共和国行政许可法》第三十二条第一款第（二）项');
  await act(clerk, refusal.getByRole('button', { name: '不予受理', exact: true }), number, '不予受理');
  await assertCaseState(clerk, '不予受理', 'after the refusal');
  assert.ok((await clerk.locator('main').innerText()).includes(refusalReason), 'the refusal reason is not shown');
  await assertPdfLink(clerk, '打印不予受理决定书');
  await assertAccessible(clerk);
  await screenshot(clerk, 'case-refused');
});

test('a wrong query code is not found, and the desk is for window clerks only', async (t) => {
  const applicant = await pageFor(t, 'applicant');
  await applicant.goto('/');
  await clickAndLoad(applicant, await openGuide(applicant, VET, VET));
  await clickAndLoad(applicant, applicant.getByRole('link', { name: '在线申请', exact: true }));
  await fillApplication(applicant);
  const { number, queryCode } = await submitApplication(applicant);

  const visitor = await openPage(t);
  await visitor.goto('/track');
  await visitor.getByLabel('办件编号', { exact: true }).fill(number);
  const wrong = queryCode === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
  await visitor.getByLabel('查询码', { exact: true }).fill(wrong);
  const response = await clickAndLoad(visitor, visitor.getByRole('button', { name: '查询', exact: true }));
  assert.equal(response.status(), 404, 'a wrong query code');
  const error = await alertMessage(visitor);
  assert.ok(error.includes('办件编号或查询码不正确'), `no error text for a wrong code: ${JSON.stringify(error)}`);
  assert.equal(await visitor.locator('[data-testid=track-state]').count(), 0, 'a wrong code shows a state');
  const wrongPage = await visitor.locator('main').innerText();
  assert.ok(!wrongPage.includes(APPLICANT.masked), 'a wrong code shows the applicant');
  await assertAccessible(visitor);
  await screenshot(visitor, 'case-track-wrong-code');

  const anonymous = await openPage(t);
  await anonymous.goto('/desk');
  assert.equal(new URL(anonymous.url()).pathname, '/login', `anonymous visitor on /desk ended on ${anonymous.url()}`);

  const forbidden = await applicant.goto('/desk');
  assert.equal(forbidden.status(), 403, `applicant got HTTP ${forbidden.status()} for /desk`);
  assert.ok((await alertMessage(applicant)).length > 0, 'the 403 page explains nothing');
  await screenshot(applicant, 'case-desk-forbidden');

  // Withdraw the case so that runs against a long-lived server do not fill the desk's queue.
  await applicant.goto(`/cases/${number}`);
  const withdraw = formWith(applicant, '撤回');
  await withdraw.getByLabel('撤回理由', { exact: true }).fill('测试结束，撤回申请');
  await act(applicant, withdraw.getByRole('button', { name: '撤回', exact: true }), number, '撤回');
  await assertCaseState(applicant, '已撤回', 'after 撤回');
});
