/**
 * The review page is planned by the engine: it shows the plan of planApply, the dry run that
 * `apply --dry-run` prints, for the same document on the same root. An active configuration
 * (another hostname, DHCP, the same admin hash on disk) makes every part of the plan say
 * something: a diff, a kept and written secret, restarted and started services, a new address.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planLines } from '../../apply/plan-text.js';
import { enginePaths } from '../../apply/paths.js';
import { applyCommand } from '../../commands/apply.js';
import { validateDocument } from '../../config/validate.js';
import { EXIT } from '../../exit-codes.js';
import { renderFragment } from '../../nix/render.js';
import { escapeHtml } from '../../web/html.js';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';
import { fillEveryStep, SECRETS } from '../../../test/helpers/complete-draft.js';

let w: Wizard;
afterEach(() => w?.close());

/** An active configuration on the wizard's root: the draft with another hostname, on DHCP, without enrollment. */
function activate(root: string, doc: Record<string, unknown>): void {
  const admin = doc.admin as { email: string; password_hash: string };
  const active = validateDocument(
    { hostname: 'ctl-old', admin: { email: admin.email, password_hash: admin.password_hash }, network: { ipv4: { method: 'dhcp' } } },
    'any',
  );
  if (!active.ok) throw new Error(JSON.stringify(active.errors));
  const p = enginePaths(root);
  mkdirSync(dirname(p.fragment), { recursive: true });
  writeFileSync(p.fragment, renderFragment(active.config));
  mkdirSync(dirname(p.secrets.adminPasswordHash), { recursive: true, mode: 0o700 });
  writeFileSync(p.secrets.adminPasswordHash, admin.password_hash, { mode: 0o600 });
}

async function dryRun(root: string, doc: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(root, 'document.json');
  writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  const out = { stdout: '', stderr: '' };
  const code = await applyCommand.run({ root, simulate: true, args: [file, '--dry-run'], stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t) });
  return { code, ...out };
}

describe('review page: the engine plans it', () => {
  it('shows the plan apply --dry-run prints for the same document', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    const doc = (await w.drafts.get()).document as Record<string, unknown>;
    activate(w.root, doc);

    const page = await c.get('/review');
    expect(page.status).toBe(200);
    expect(w.apply.planned).toHaveLength(1);
    const { plan, document } = w.apply.planned[0]!;
    expect(document).toEqual(doc);

    // The same plan: the command line prints exactly these lines for the same document.
    const cli = await dryRun(w.root, doc);
    expect(cli.code, cli.stderr).toBe(EXIT.ok);
    expect(cli.stdout).toBe(`${planLines(plan).join('\n')}\n`);

    // And the page shows each of its facts.
    expect(plan.fragmentDiff).toMatch(/^- {4}hostname = "ctl-old";$/m);
    expect(page.text).toContain(escapeHtml(plan.fragmentDiff));
    expect(page.text).toContain(escapeHtml(plan.fragment));
    expect(plan.secrets).toEqual([
      { path: '/var/lib/bowtie-setup/secrets/admin-password-hash', action: 'keep' },
      { path: '/var/lib/bowtie-setup/secrets/enrollment-token', action: 'write' },
    ]);
    expect(page.text).toContain('<li><code>/var/lib/bowtie-setup/secrets/admin-password-hash</code> kept as it is</li>');
    expect(page.text).toContain('<li><code>/var/lib/bowtie-setup/secrets/enrollment-token</code> written</li>');
    expect(plan.services.map((s) => `${s.unit} ${s.action}`)).toEqual([
      'systemd-networkd.service restarts',
      'bowtie_server.service starts',
      'bowtie-update.timer starts',
    ]);
    for (const s of plan.services) expect(page.text).toContain(`<li><code>${s.unit}</code> ${s.action}: ${escapeHtml(s.because)}.</li>`);
    expect(cli.stdout).toContain('  restarts systemd-networkd.service: the network settings change\n');
    expect(plan.newUrl).not.toBeNull();
    expect(page.text).toContain(`continue at <a href="${plan.newUrl}">${plan.newUrl}</a>`);
    expect(cli.stdout).toContain(`the wizard will be at ${plan.newUrl}`);
    for (const secret of [SECRETS.token, SECRETS.password]) expect(page.text + cli.stdout).not.toContain(secret);
  }, 60_000);

  it("says the certificate that will be made and when updates run, in the appliance's time zone", async () => {
    w = createWizard({ deps: { timeZone: () => 'Europe/Berlin' } });
    const c = await w.unlocked();
    await fillEveryStep(c);
    const page = await c.get('/review');
    // ACME for ctl-sfo-01.corp.example.com (fillEveryStep), Sundays 03:00 with 1h delay.
    expect(page.text).toContain("asks Let's Encrypt (ACME) for a certificate for <strong>ctl-sfo-01.corp.example.com</strong>");
    expect(page.text).toContain('Sundays at 03:00, up to 1 hour later at random.');
    // Now is Monday 2026-06-01 00:00 UTC; the schedule names no zone, so 03:00 is Berlin's.
    expect(page.text).toContain("Next 3 runs (the appliance's time zone, Europe/Berlin):");
    expect(page.text).toContain('<time datetime="2026-06-07T01:00:00.000Z">Sun, 7 June 2026 at 03:00</time>');
    expect(page.text).toContain('<time datetime="2026-06-21T01:00:00.000Z">Sun, 21 June 2026 at 03:00</time>');
  }, 60_000);

  it("shows a provided certificate's subject, names, issuer, expiry and fingerprint (openssl's)", async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    const tls = join(import.meta.dirname, '../../../test/fixtures/tls');
    const cert = readFileSync(join(tls, 'ctl.pem'), 'utf8');
    const key = readFileSync(join(tls, 'ctl.key'), 'utf8');
    const saved = await c.postMultipart('/tls', { 'tls.mode': 'provided', 'tls.certificate': cert, 'tls.private_key': key });
    expect(saved.status, saved.text).toBe(303);
    const page = await c.get('/review');
    const section = /<section class="review-section" aria-labelledby="review-certificate">[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    const x509 = (...args: string[]) =>
      execFileSync('openssl', ['x509', '-noout', ...args], { input: cert })
        .toString()
        .trim();
    expect(section).toContain(`<dd class="mono">${x509('-fingerprint', '-sha256').split('=')[1]}</dd>`);
    expect(section).toContain('<dt>Names (SAN)</dt><dd>DNS:ctl-sfo-01.corp.example.com</dd>');
    expect(section).toContain(`<dt>Subject</dt><dd>CN=ctl-sfo-01.corp.example.com</dd>`);
    expect(section).toContain(`<dt>Expires</dt><dd>${new Date(x509('-enddate').split('=')[1]!).toISOString().slice(0, 10)}`);
    expect(section).toMatch(/<dt>Issuer<\/dt><dd>[^<]+<\/dd>/);
    expect(page.text).not.toContain(key.split('\n')[1]!);
  }, 60_000);
});
