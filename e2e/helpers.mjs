// Shared helpers for the browser tests: launch Debian's chromium through
// playwright-core, log in, take screenshots, check basic accessibility.
//
// scripts/test starts a server and sets ONEWINDOW_URL and ONEWINDOW_DEMO_PASSWORD.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Base URL of the server under test, without a trailing slash. */
export const baseUrl = requireEnv('ONEWINDOW_URL').replace(/\/+$/, '');

/** Password of every demo account (`onewindow serve` seeds them from the same variable). */
export const demoPassword = requireEnv('ONEWINDOW_DEMO_PASSWORD');

/** Timeout for every Playwright action and navigation, in milliseconds. */
export const TIMEOUT_MS = 15_000;

const SCREENSHOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run the browser tests through scripts/test`);
  }
  return value;
}

/**
 * Launch Debian's chromium. playwright-core never downloads a browser; the flags
 * keep chromium from phoning home, which the offline test machine cannot do.
 */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', // Tests run as root in a container.
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page in a fresh context (own cookies, so sessions never leak between tests),
 * with relative URLs resolved against `baseUrl`.
 */
export async function newPage(browser) {
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  return page;
}

/** Log in through the form at /login; fails with the page's message if still on /login. */
export async function login(page, username, password = demoPassword) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await Promise.all([
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  if (new URL(page.url()).pathname === '/login') {
    const message = (await page.locator('[role=alert], .error').allInnerTexts()).join(' ');
    assert.fail(`login as ${username} failed, still on /login: ${message || '(no message shown)'}`);
  }
}

/** Save a full-page screenshot to e2e/screenshots/<name>.png (gitignored). */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = `${name.replace(/[^\w.-]+/g, '_')}.png`;
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true });
}

/**
 * A small accessibility check: the page declares zh-CN, every form control has a
 * label, every image has alt text (empty alt marks decoration), one h1.
 */
export async function assertAccessible(page) {
  const problems = await page.evaluate(() => {
    const found = [];
    const describe = (el) => {
      const name = el.getAttribute('name');
      const id = el.getAttribute('id');
      return `<${el.tagName.toLowerCase()}${id ? ` id="${id}"` : ''}${name ? ` name="${name}"` : ''}>`;
    };

    const lang = document.documentElement.getAttribute('lang');
    if (lang !== 'zh-CN') {
      found.push(`<html lang> is ${JSON.stringify(lang)}, expected "zh-CN"`);
    }

    // Buttons made of <input> are named by their value, so they need no label.
    const unlabelledTypes = new Set(['hidden', 'submit', 'button', 'reset']);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (el.tagName === 'INPUT' && unlabelledTypes.has(type)) continue;
      const byLabel = [...(el.labels ?? [])].some((label) => label.textContent.trim() !== '');
      const byAria = (el.getAttribute('aria-label') ?? '').trim() !== '';
      const byLabelledBy = (el.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .some((id) => id && (document.getElementById(id)?.textContent.trim() ?? '') !== '');
      if (!byLabel && !byAria && !byLabelledBy) {
        found.push(`${describe(el)} has no label`);
      }
    }

    for (const img of document.querySelectorAll('img:not([alt])')) {
      found.push(`<img src="${img.getAttribute('src')}"> has no alt`);
    }

    const h1Count = document.querySelectorAll('h1').length;
    if (h1Count !== 1) {
      found.push(`${h1Count} <h1> elements, expected exactly 1`);
    }
    return found;
  });
  assert.deepEqual(problems, [], `accessibility problems on ${page.url()}:\n  ${problems.join('\n  ')}`);
}

/**
 * Click something that navigates the page (a link, a form's submit button) and wait
 * until the new document has loaded. Returns the response of the document the page
 * ends on (after any redirect), so callers can check its status.
 */
export async function clickAndLoad(page, locator) {
  const isFinal = (response) =>
    response.request().isNavigationRequest() &&
    response.frame() === page.mainFrame() &&
    !(response.status() >= 300 && response.status() < 400);
  const [response] = await Promise.all([
    page.waitForResponse(isFinal),
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    locator.click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}
