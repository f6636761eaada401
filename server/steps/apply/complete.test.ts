/**
 * The apply page's completion state and GET /export: what the operator needs next, read from
 * the applied fragment through the reader `bowtie-setup export` uses. openssl is the oracle for
 * the fingerprint of a provided certificate; the export command itself for the download.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enginePaths } from '../../apply/paths.js';
import { exportCommand } from '../../commands/export.js';
import { validateDocument } from '../../config/validate.js';
import { EXIT } from '../../exit-codes.js';
import { renderFragment } from '../../nix/render.js';
import { createWizard, idleStatus, type Wizard } from '../../../test/helpers/wizard.js';
import { appliedResult } from '../../../test/cloud-init/apply-results.js';

const TLS = join(import.meta.dirname, '../../../test/fixtures/tls');
const CERT = readFileSync(join(TLS, 'ctl.pem'), 'utf8');
const KEY = readFileSync(join(TLS, 'ctl.key'), 'utf8');
const TOKEN = 'psk-0123456789abcdef-SECRET';
const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$0zvq1yqVqS2GhDQB0HLZQ9Ck3sMzyM6pTpxJ/4YhLvI';

let w: Wizard;
afterEach(() => w?.close());

/** Writes the fragment of a complete document as the engine would, and marks setup complete. */
function applied(wizard: Wizard, tls: Record<string, unknown>): void {
  const checked = validateDocument(
    {
      hostname: 'ctl-sfo-01',
      domain: 'corp.example.com',
      admin: { email: 'ops@example.com', password_hash: HASH },
      enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: TOKEN },
      tls,
      updates: { enable: true, schedule: 'Sun *-*-* 03:00:00', randomized_delay: '1h', channel: 'stable' },
    },
    'complete',
    new Date('2026-06-01T00:00:00Z'),
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const fragment = enginePaths(wizard.root).fragment;
  mkdirSync(dirname(fragment), { recursive: true });
  writeFileSync(fragment, renderFragment(checked.config));
  wizard.apply.current = idleStatus({
    setupComplete: true,
    last: { ...appliedResult, id: 'apply-1', source: 'web', finishedAt: '2026-06-01T00:00:00Z' },
  });
}

describe('completion page', () => {
  it("says where to sign in and as whom, the served certificate's fingerprint, the next update window and how to reset", async () => {
    w = createWizard({ deps: { timeZone: () => 'UTC' } });
    const c = await w.unlocked();
    applied(w, { mode: 'provided', certificate: CERT, private_key: KEY });
    const page = await c.get('/apply');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2>Setup is complete</h2>');
    expect(page.text).toMatch(/<dt>Sign in at<\/dt><dd><a href="https:\/\/127\.0\.0\.1:\d+\/">/);
    expect(page.text).toContain('(or <a href="https://ctl-sfo-01.corp.example.com/">https://ctl-sfo-01.corp.example.com/</a> where that name resolves)');
    expect(page.text).toContain('<dt>Admin</dt><dd>ops@example.com with the password you chose</dd>');
    // openssl's fingerprint of the certificate the fragment hands the controller.
    const fp = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: CERT }).toString().trim().split('=')[1]!;
    expect(page.text).toContain(`<span class="mono">${fp}</span>`);
    expect(page.text).toContain('/etc/bowtie-setup/tls/certificate.pem');
    // Now is Monday 2026-06-01 00:00 UTC.
    expect(page.text).toContain(
      '<time datetime="2026-06-07T03:00:00.000Z">Sun, 7 June 2026 at 03:00</time>, starting within 1 hour of it (the appliance\'s time zone, UTC)',
    );
    expect(page.text).toContain('<code>sudo bowtie-setup reset --config</code>');
    expect(page.text).toContain('choose <strong>Reset</strong> from the menu');
    expect(page.text).toContain('<a class="button" href="/export" download>');
    for (const secret of [TOKEN, HASH, KEY.split('\n')[1]!]) expect(page.text).not.toContain(secret);
  }, 60_000);

  it('does not pretend to know a certificate the controller makes itself', async () => {
    w = createWizard();
    const c = await w.unlocked();
    applied(w, { mode: 'self-signed' });
    const page = await c.get('/apply');
    expect(page.text).toContain('The controller serves its own self-signed certificate, which it makes when it starts; this wizard cannot read it.');
    expect(page.text).toContain('openssl s_client -connect 127.0.0.1:443');
    expect(page.text).not.toMatch(/class="mono">[0-9A-F]{2}:/);
  }, 60_000);
});

describe('GET /export', () => {
  it("downloads what bowtie-setup export prints, secrets left out, with the app's headers", async () => {
    w = createWizard();
    const c = await w.unlocked();
    applied(w, { mode: 'provided', certificate: CERT, private_key: KEY });
    const res = await c.get('/export');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/cloud-config; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="ctl-sfo-01-user-data.yaml"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const body = res.text;
    let printed = '';
    expect(await exportCommand.run({ root: w.root, simulate: true, args: [], stdout: (t) => (printed += t), stderr: () => {} })).toBe(EXIT.ok);
    expect(body).toBe(printed);
    expect(body.startsWith('#cloud-config\n')).toBe(true);
    expect(body).toContain('<FILL IN: enrollment.token>');
    expect(body).toContain('<FILL IN: tls.private_key>');
    for (const secret of [TOKEN, HASH, KEY.split('\n')[1]!]) expect(body).not.toContain(secret);
  }, 60_000);

  it('only for an unlocked session, and 404 before anything is applied', async () => {
    w = createWizard();
    const anonymous = await w.client().get('/export');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/unlock');
    const c = await w.unlocked();
    expect((await c.get('/export')).status).toBe(404);
    applied(w, { mode: 'self-signed' });
    expect((await w.client().get('/export')).headers.location).toBe('/unlock');
    expect((await c.get('/export')).status).toBe(200);
  }, 60_000);
});
