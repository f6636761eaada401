/**
 * Every page of the wizard at 320, 390 and 1280 px, in chromium (playwright-core): the unlock
 * page, each step with valid values and with invalid ones (error summary and field errors),
 * review (not ready and ready), apply while it runs, waiting for Confirm, complete and rolled
 * back, and the error pages (401, 404, 410). On each, with every <details> opened: nothing
 * scrolls sideways (WCAG 1.4.10 reflow) and axe-core finds nothing serious or critical.
 *
 * UPDATE_SCREENS=1 also writes a viewport screenshot of each to docs/screens/<page>-<width>.png;
 * without it the walk only asserts, so the committed screenshots change only when asked.
 *
 * Three wizards: one walked to "Setup is complete", one whose simulated build hangs (apply in
 * progress, for as long as the walk needs), one whose build fails (rolled back).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { axeViolations, CHROMIUM_ARGS, seriousOrCritical, sidewaysScroll, startWizard, stopWizard, type ServedWizard } from '../helpers/browser.js';

const WIDTHS = [
  { width: 320, height: 640 },
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;
const UPDATE = process.env.UPDATE_SCREENS === '1';
const SCREENS = new URL('../../docs/screens/', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/tls/', import.meta.url).pathname;
const PASSWORD = 'correct-horse-battery-staple';
// Long values, the kind that pushed pages sideways: real keys of each type (from a golden case).
const SSH_KEYS = [
  ...readFileSync(new URL('../golden/ssh-keys-of-each-type.case', import.meta.url), 'utf8')
    .split('==== fragment')[0]!
    .matchAll(/^\s+- "((?:ssh|ecdsa)-[^"]+)"$/gm),
]
  .map((m) => m[1]!)
  .join('\n');

let browser: Browser;
let complete: ServedWizard;
let hanging: ServedWizard;
let failing: ServedWizard;
const seen = new Set<string>();
/** What the CSP refused on any page: nothing may be (the look needs no inline style). */
const refused: string[] = [];

beforeAll(async () => {
  if (UPDATE) mkdirSync(SCREENS, { recursive: true });
  [browser, complete, hanging, failing] = await Promise.all([
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    startWizard(),
    startWizard({ BOWTIE_SIM_HANG: 'build@build' }),
    startWizard({ BOWTIE_SIM_FAIL: 'build:1' }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  for (const w of [complete, hanging, failing]) if (w) stopWizard(w);
  if (refused.length > 0) throw new Error(`the CSP refused:\n${refused.join('\n')}`);
});

/** The checks every page gets, at the page's width; `name` is the screenshot's. */
async function check(expect: ExpectStatic, page: Page, name: string): Promise<void> {
  const width = page.viewportSize()!.width;
  const key = `${name}-${width}`;
  expect(seen.has(key), `${key} checked twice`).toBe(false);
  seen.add(key);
  await page.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
  const scroll = await sidewaysScroll(page);
  // Soft: one walk reports every page that falls short, not only the first.
  expect.soft(scroll, `${key} scrolls sideways`).toEqual({ overflow: 0, culprits: [] });
  expect.soft(seriousOrCritical(await axeViolations(page)), key).toEqual([]);
  if (UPDATE) {
    await page.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = false; })`);
    // caret: 'initial': hiding the caret injects a <style>, which our CSP (rightly) refuses.
    await page.screenshot({ path: join(SCREENS, `${key}.png`), caret: 'initial' });
  }
}

/** Requests each page has in flight (htmx's inline checks run while the next field is filled). */
const inFlight = new WeakMap<Page, number>();

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  inFlight.set(page, 0);
  page.on('request', () => inFlight.set(page, inFlight.get(page)! + 1));
  page.on('requestfinished', () => inFlight.set(page, inFlight.get(page)! - 1));
  page.on('requestfailed', () => inFlight.set(page, inFlight.get(page)! - 1));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) refused.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

async function contexts(): Promise<Array<{ width: number; context: BrowserContext; page: Page }>> {
  return Promise.all(
    WIDTHS.map(async (viewport) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, deviceScaleFactor: 1 });
      return { width: viewport.width, context, page: await newPage(context) };
    }),
  );
}

/**
 * Leaves the last field (its inline check starts) and waits until every request has been
 * answered and swapped in: a check's answer landing during a click moves the button under it.
 */
async function settle(page: Page): Promise<void> {
  await page.evaluate(`document.activeElement?.blur()`);
  for (let i = 0; inFlight.get(page)! > 0; i++) {
    if (i > 300) throw new Error(`${page.url()}: requests still in flight`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.waitForSelector('body:not(:has(.htmx-request))');
}

/** Submits with the primary button and waits until the browser shows `path` (a full load or an htmx swap). */
async function next(page: Page, path: string): Promise<void> {
  await settle(page);
  await Promise.all([page.waitForURL((u) => u.pathname === path), page.click('button.primary')]);
  await page.waitForSelector('body:not(:has(.htmx-request))');
}

/** Clicks the primary button on invalid values and waits for the answer with its error summary. */
async function submitInvalid(page: Page): Promise<void> {
  await settle(page);
  await page.evaluate(`document.querySelector('main').dataset.before = '1'`);
  await page.click('button.primary');
  await page.waitForSelector('main:not([data-before]) .field.invalid', { timeout: 15_000 }).catch((e: unknown) => {
    throw new Error(`${page.url()} at ${page.viewportSize()!.width} px shows no field error after submitting: ${String(e)}`);
  });
  await page.waitForSelector('body:not(:has(.htmx-request))');
}

async function unlock(page: Page, w: ServedWizard): Promise<void> {
  await page.goto(w.url);
  await page.fill('#f-code', w.code);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/unlock'), page.click('button.primary')]);
  await page.waitForSelector('body:not(:has(.htmx-request))');
}

async function goto(page: Page, w: ServedWizard, path: string): Promise<void> {
  await page.goto(new URL(path, w.url).href);
}

/** Every step with valid values, ending on the review page. */
async function fillValid(page: Page, w: ServedWizard): Promise<void> {
  await goto(page, w, '/admin');
  await page.fill('#f-admin-email', 'ops@example.com');
  await page.fill('#f-admin-password', PASSWORD);
  await page.fill('#f-admin-password_confirm', PASSWORD);
  await page.fill('#f-admin-ssh_authorized_keys', SSH_KEYS);
  await next(page, '/network');
  await page.fill('#f-hostname', 'ctl-sfo-01');
  await page.fill('#f-domain', 'corp.example.com');
  await page.check('input[name="network.ipv4.method"][value="static"]');
  await page.fill('#f-network-ipv4-address', '192.168.122.50/24');
  await page.fill('#f-network-ipv4-gateway', '192.168.122.1');
  await page.fill('#f-network-dns', '1.1.1.1\n2606:4700:4700::1111');
  await next(page, '/enrollment');
  await page.fill('#f-enrollment-site_id', '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b');
  await page.fill('#f-enrollment-token', 'psk-0123456789abcdef-SECRET');
  await page.fill('#f-enrollment-entrypoints', '');
  await next(page, '/tls');
  await page.check('input[name="tls.mode"][value="provided"]');
  await page.fill('#f-tls-certificate', '');
  await page.setInputFiles('#f-tls-certificate_file', [join(FIXTURES, 'ctl.pem')]);
  await page.setInputFiles('#f-tls-private_key_file', [join(FIXTURES, 'ctl.key')]);
  await next(page, '/updates');
  await page.selectOption('#f-updates-schedule_preset', 'custom');
  await page.fill('#f-updates-schedule', 'Sat *-*-* 04:00:00');
  await page.fill('#f-updates-randomized_delay', '30min');
  await next(page, '/review');
}

/** Each step submitted with invalid values: the error summary and the fields' errors show. */
const INVALID: Array<{ path: string; fill: (page: Page) => Promise<void> }> = [
  {
    path: '/admin',
    fill: async (page) => {
      await page.fill('#f-admin-email', 'not-an-email');
      await page.fill('#f-admin-password', 'short');
      await page.fill('#f-admin-password_confirm', 'different');
      await page.fill('#f-admin-ssh_authorized_keys', `ssh-rsa ${'A'.repeat(300)} not-a-key`);
    },
  },
  {
    path: '/network',
    fill: async (page) => {
      await page.fill('#f-hostname', '-not_a_hostname-');
      await page.check('input[name="network.ipv4.method"][value="static"]');
      await page.fill('#f-network-ipv4-address', '10.0.0.300/24');
      await page.fill('#f-network-ipv4-gateway', '192.168.1.1');
      await page.fill('#f-network-dns', 'dns.example.com');
    },
  },
  {
    path: '/enrollment',
    fill: async (page) => {
      await page.fill('#f-enrollment-site_id', 'not-a-uuid');
      await page.fill('#f-enrollment-token', 'short');
      await page.fill('#f-enrollment-entrypoints', 'ftp://bowtie.example.com:99999/a-very-long-path-that-does-not-break-anywhere-at-all');
    },
  },
  {
    path: '/tls',
    fill: async (page) => {
      await page.check('input[name="tls.mode"][value="provided"]');
      await page.setInputFiles('#f-tls-certificate_file', [join(FIXTURES, 'expired.pem')]);
      await page.setInputFiles('#f-tls-private_key_file', [join(FIXTURES, 'other-host.key')]);
    },
  },
  {
    path: '/updates',
    fill: async (page) => {
      await page.selectOption('#f-updates-schedule_preset', 'custom');
      await page.fill('#f-updates-schedule', 'Someday 25:61');
      await page.fill('#f-updates-randomized_delay', 'forever and a day');
    },
  },
];

// Concurrent: the walks wait on different wizards' applies; each asserts with its own expect.
describe.concurrent('every page at 320, 390 and 1280 px', () => {
  it('the setup from unlock to complete, with every error state', { timeout: 300_000 }, async ({ expect }) => {
    const views = await contexts();
    const w = complete;
    // Before unlock: the unlock page, a wrong code, and 401 (a request htmx makes without a session).
    for (const { page } of views) {
      await page.goto(w.url);
      await check(expect, page, 'unlock');
      await page.fill('#f-code', 'WRONG-CODE');
      await submitInvalid(page);
      await check(expect, page, 'unlock-error');
      await page.setExtraHTTPHeaders({ 'HX-Request': 'true' });
      expect((await page.goto(new URL('/admin', w.url).href))?.status()).toBe(401);
      expect(await page.textContent('h1')).toBe('Unlock first');
      await check(expect, page, '401');
      await page.setExtraHTTPHeaders({});
      await unlock(page, w);
    }
    // Unlocked, nothing saved yet: review is not ready, every step refuses invalid values, 404.
    for (const { page } of views) {
      // What cloud-init made of user data (here: none was given).
      await goto(page, w, '/user-data');
      expect(await page.textContent('h1')).toBe('Cloud-init user data');
      await check(expect, page, 'user-data');
      await goto(page, w, '/review');
      expect(await page.textContent('.error-summary')).toContain('Not ready to apply');
      await check(expect, page, 'review-not-ready');
      for (const step of INVALID) {
        await goto(page, w, step.path);
        await step.fill(page);
        await submitInvalid(page);
        expect(await page.locator('.error-summary').count(), step.path).toBe(1);
        await check(expect, page, `${step.path.slice(1)}-error`);
      }
      const missing = await page.goto(new URL('/no-such-page', w.url).href);
      expect(missing?.status()).toBe(404);
      await check(expect, page, '404');
    }
    // Valid values, then each step as it shows them, and review.
    await fillValid(views[2]!.page, w);
    for (const { page } of views) {
      for (const step of ['admin', 'network', 'enrollment', 'tls', 'updates', 'review']) {
        await goto(page, w, `/${step}`);
        await check(expect, page, step);
      }
    }
    // Apply: waiting for Confirm (the simulator builds in a few seconds), then complete.
    await Promise.all([views[2]!.page.waitForURL((u) => u.pathname === '/apply'), views[2]!.page.click('button.primary')]);
    for (const { page } of views) {
      await goto(page, w, '/apply');
      await page.locator('#apply-status button.primary').waitFor({ timeout: 60_000 });
      await check(expect, page, 'apply-confirm');
    }
    await Promise.all([views[2]!.page.waitForURL((u) => u.pathname === '/apply'), views[2]!.page.click('#apply-status button.primary')]);
    for (const { page } of views) {
      await goto(page, w, '/apply');
      await expect.poll(() => page.textContent('#apply-status'), { timeout: 60_000 }).toContain('Setup is complete');
      await check(expect, page, 'apply-complete');
      const gone = await page.goto(new URL('/admin', w.url).href);
      expect(gone?.status()).toBe(410);
      await check(expect, page, '410');
    }
    await Promise.all(views.map((v) => v.context.close()));
  });

  it('apply in progress (a build that does not end)', { timeout: 240_000 }, async ({ expect }) => {
    const views = await contexts();
    await unlock(views[2]!.page, hanging);
    await fillValid(views[2]!.page, hanging);
    await Promise.all([views[2]!.page.waitForURL((u) => u.pathname === '/apply'), views[2]!.page.click('button.primary')]);
    for (const { page, width } of views) {
      if (width !== 1280) await unlock(page, hanging);
      await goto(page, hanging, '/apply');
      await expect.poll(() => page.textContent('#apply-status .phase'), { timeout: 60_000 }).toContain('Working: Build');
      await expect.poll(() => page.locator('#apply-log').textContent(), { timeout: 60_000 }).toContain('/nix/store/');
      await check(expect, page, 'apply-progress');
    }
    await Promise.all(views.map((v) => v.context.close()));
  });

  it('apply rolled back (a build that fails)', { timeout: 240_000 }, async ({ expect }) => {
    const views = await contexts();
    await unlock(views[2]!.page, failing);
    await fillValid(views[2]!.page, failing);
    await Promise.all([views[2]!.page.waitForURL((u) => u.pathname === '/apply'), views[2]!.page.click('button.primary')]);
    for (const { page, width } of views) {
      if (width !== 1280) await unlock(page, failing);
      await goto(page, failing, '/apply');
      await expect.poll(() => page.textContent('#apply-status'), { timeout: 60_000 }).toContain('rolled back');
      await check(expect, page, 'apply-rolled-back');
    }
    await Promise.all(views.map((v) => v.context.close()));

    // Too many wrong codes from one address: the 429 page. Asked last, on this wizard: it locks
    // the address (all three widths are 127.0.0.1) out of unlocking it.
    const locked = await contexts();
    for (const { page } of locked) {
      for (let tries = 0; ; tries++) {
        if (tries > 12) throw new Error('no 429 after 12 wrong codes');
        await page.goto(failing.url);
        await page.fill('#f-code', 'WRONG-CODE');
        await settle(page);
        const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button.primary')]);
        if (answer.status() === 429) break;
      }
      await page.waitForSelector('body:not(:has(.htmx-request))');
      expect(await page.textContent('h1')).toBe('Too many tries');
      await check(expect, page, '429');
    }
    await Promise.all(locked.map((v) => v.context.close()));
  });
});
