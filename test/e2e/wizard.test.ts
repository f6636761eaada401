/**
 * The whole wizard in a real browser (Debian's chromium through playwright-core), against
 * `bowtie-setup --simulate serve` as `npm start` runs it: once with JavaScript (htmx boosts
 * every form and validates fields inline) and once without (plain HTML forms), each through an
 * apply with the nixos-rebuild simulator and its confirm, to the wizard standing down. Every step is screenshotted into test-results/ and checked with axe-core:
 * no serious or critical violations.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, CHROMIUM_ARGS, startWizard, stopWizard, type ServedWizard } from '../helpers/browser.js';

const OUT = new URL('../../test-results/e2e/', import.meta.url).pathname;
const PASSWORD = 'correct-horse-battery-staple';
let browser: Browser;

type Wizard = ServedWizard;

/**
 * Screenshot, then axe. axe needs scripts (it awaits timers), so without JavaScript the same
 * page is loaded again, with the same cookies, in a scripted context: the server renders it
 * the same way (an invalid submission is kept in the draft with its errors).
 */
async function check(page: Page, mode: string, name: string): Promise<void> {
  // caret: 'initial': hiding the caret injects a <style>, which our CSP (rightly) refuses.
  await page.screenshot({ path: join(OUT, `${mode}-${name}.png`), fullPage: true, caret: 'initial' });
  let target = page;
  let scripted: BrowserContext | null = null;
  if (mode === 'nojs') {
    scripted = await browser.newContext({ ignoreHTTPSErrors: true, storageState: await page.context().storageState() });
    target = await scripted.newPage();
    await target.goto(page.url());
  }
  try {
    const violations = await axeViolations(target);
    expect(
      violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      `${mode} ${name}`,
    ).toEqual([]);
  } finally {
    await scripted?.close();
  }
}

/** Clicks the primary button and waits until the browser shows `path` (a full load or an htmx swap). */
async function submit(page: Page, path: string): Promise<void> {
  await Promise.all([page.waitForURL((u) => u.pathname === path), page.click('button.primary')]);
  await page.waitForLoadState();
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

describe.each([
  { mode: 'js', javaScriptEnabled: true },
  { mode: 'nojs', javaScriptEnabled: false },
])('the wizard with $mode', ({ mode, javaScriptEnabled }) => {
  let w: Wizard;
  beforeAll(async () => {
    w = await startWizard();
  });
  afterAll(() => w && stopWizard(w));

  it('walks every step, applies, confirms and sees setup complete', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled });
    const page = await context.newPage();
    const htmxRequests: string[] = [];
    page.on('request', (r) => {
      if (r.headers()['hx-request'] === 'true') htmxRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await page.goto(w.url);
    expect(new URL(page.url()).pathname).toBe('/unlock');
    await check(page, mode, '1-unlock');
    await page.fill('#f-code', 'WRONG-CODE');
    await submit(page, '/unlock');
    await expect.poll(() => page.getAttribute('#f-code', 'aria-invalid')).toBe('true');
    await check(page, mode, '1-unlock-error');
    await page.fill('#f-code', w.code.toLowerCase());
    await submit(page, '/admin');

    await check(page, mode, '2-admin');
    await page.fill('#f-admin-email', 'not-an-email');
    if (javaScriptEnabled) {
      // Inline validation on change: the field's error appears without leaving the page.
      await page.press('#f-admin-email', 'Tab');
      await expect.poll(() => page.textContent('#f-admin-email-field')).toContain('must be an email address');
      expect(htmxRequests).toContain('POST /admin/check');
    } else {
      await submit(page, '/admin');
      expect(await page.textContent('#f-admin-email-error')).toContain('must be an email address');
    }
    await check(page, mode, '2-admin-error');
    await page.fill('#f-admin-email', 'ops@example.com');
    await page.fill('#f-admin-password', PASSWORD);
    await page.fill('#f-admin-password_confirm', PASSWORD);
    await submit(page, '/network');

    await check(page, mode, '3-network');
    await page.fill('#f-hostname', 'ctl-sfo-01');
    await page.fill('#f-domain', 'corp.example.com');
    await page.check('input[name="network.ipv4.method"][value="static"]');
    await page.fill('#f-network-ipv4-address', '192.168.122.50/24');
    await page.fill('#f-network-ipv4-gateway', '192.168.122.1');
    await page.fill('#f-network-dns', '1.1.1.1\n9.9.9.9');
    await submit(page, '/enrollment');

    // Back keeps what was entered.
    await Promise.all([page.waitForURL((u) => u.pathname === '/network'), page.click('button[value="back"]')]);
    expect(await page.inputValue('#f-network-ipv4-address')).toBe('192.168.122.50/24');
    await submit(page, '/enrollment');

    await check(page, mode, '4-enrollment');
    await page.fill('#f-enrollment-site_id', '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b');
    await page.fill('#f-enrollment-token', 'psk-0123456789abcdef-SECRET');
    await submit(page, '/tls');
    // A reload keeps everything; the token comes back only as "set".
    await page.goto(new URL('/enrollment', w.url).href);
    expect(await page.inputValue('#f-enrollment-site_id')).toBe('6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b');
    expect(await page.inputValue('#f-enrollment-token')).toBe('');
    expect(await page.textContent('#f-enrollment-token-field')).toContain('set');
    await submit(page, '/tls');

    await check(page, mode, '5-tls');
    await page.check('input[name="tls.mode"][value="self-signed"]');
    await submit(page, '/updates');

    await check(page, mode, '6-updates');
    await page.selectOption('#f-updates-schedule_preset', 'custom');
    await page.fill('#f-updates-schedule', 'Sat *-*-* 04:00:00');
    await submit(page, '/review');

    await check(page, mode, '7-review');
    const review = (await page.textContent('main'))!;
    expect(review).toContain('bowtie.site');
    expect(review).toContain('Sat *-*-* 04:00:00');
    expect(review).not.toContain('psk-0123456789abcdef-SECRET');
    expect(review).not.toContain(PASSWORD);
    await submit(page, '/apply');

    await expect.poll(() => page.textContent('#apply-status')).toMatch(/Working|Starting|Confirm|Applied|rolled back|Setup is complete/);
    await check(page, mode, '8-apply');

    // The simulator builds, activates for a trial and waits for Confirm: the page follows it by
    // itself (htmx polling, or the meta refresh without JavaScript).
    const confirm = page.locator('#apply-status button.primary');
    await confirm.waitFor({ timeout: 30_000 });
    expect(await page.textContent('#apply-status')).toMatch(/Confirm within \d+ seconds/);
    await check(page, mode, '9-confirm');
    await Promise.all([page.waitForURL((u) => u.pathname === '/apply'), confirm.click()]);
    await expect.poll(() => page.textContent('#apply-status'), { timeout: 30_000 }).toContain('Setup is complete');
    await check(page, mode, '10-complete');
    // The wizard stands down: its steps answer 410 and point to the controller.
    const gone = await page.goto(new URL('/admin', w.url).href);
    expect(gone?.status()).toBe(410);

    if (javaScriptEnabled) {
      expect(htmxRequests).toEqual(expect.arrayContaining(['POST /unlock', 'POST /admin', 'POST /network', 'POST /apply']));
      expect(
        consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)),
        consoleErrors.join('\n'),
      ).toEqual([]);
    } else {
      expect(htmxRequests).toEqual([]);
    }
    await context.close();
  });
});
