/**
 * `bowtie-setup export`: the active configuration as cloud-init user data for the next
 * appliance. Secrets are left out and marked; unfilled, the document is refused and each
 * placeholder named by its path; filled in, cloud-init on a fresh sandbox gives the same
 * fragment as the box configured by hand, byte for byte (the real engine, --simulate).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentFromFragment, fragmentDocumentSchema } from '../../server/apply/fragment-document.js';
import { applyHeadless } from '../../server/apply/headless.js';
import { enginePaths } from '../../server/apply/paths.js';
import { main } from '../../server/cli.js';
import { extractFromCloudConfig, KEY } from '../../server/cloud-init/cloud-config.js';
import { runCloudInit } from '../../server/cloud-init/index.js';
import { CLOUD_INIT_INSTANCE_ID, CLOUD_INIT_USER_DATA } from '../../server/cloud-init/sources.js';
import { verifyPassword } from '../../server/config/hash-password.js';
import { placeholder, PLACEHOLDER_MESSAGE } from '../../server/config/placeholder.js';
import { readDocument } from '../../server/config/read.js';
import type { SiteConfig } from '../../server/config/schema.js';
import { validateDocument } from '../../server/config/validate.js';
import { exportUserData } from '../../server/export/user-data.js';
import { EXIT } from '../../server/exit-codes.js';
import { fragmentData, renderFragment } from '../../server/nix/render.js';
import { apply, makeRoot, removeRoots, testEnv } from '../apply/harness.js';
import { secretValues } from '../helpers/secrets.js';

afterAll(() => removeRoots());

const GOLDEN = join(import.meta.dirname, '../golden');
const NOW = new Date('2026-06-01T00:00:00Z');

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** What an operator does: each placeholder replaced by the value (a YAML double-quoted string). */
function fill(text: string, c: SiteConfig): string {
  let out = text;
  const a = c.admin;
  if (a) {
    out =
      a.password !== null
        ? out.replace(JSON.stringify(placeholder('admin.password')), JSON.stringify(a.password))
        : out.replace(`password: ${JSON.stringify(placeholder('admin.password'))}`, `password_hash: ${JSON.stringify(a.password_hash)}`);
    if (a.console_password_hash !== null)
      out = out.replace(JSON.stringify(placeholder('admin.console_password_hash')), JSON.stringify(a.console_password_hash));
  }
  const proxy = c.network.proxy;
  if (proxy?.credentials) {
    // The URL as typed: scheme://user:password@host:port, the credentials in front of the host.
    const url = proxy.url.replace('://', `://${proxy.credentials}@`);
    out = out.replace(JSON.stringify(placeholder('network.proxy.url')), JSON.stringify(url));
  }
  if (c.enrollment) out = out.replace(JSON.stringify(placeholder('enrollment.token')), JSON.stringify(c.enrollment.token));
  if (c.tls.private_key !== null) out = out.replace(JSON.stringify(placeholder('tls.private_key')), JSON.stringify(c.tls.private_key));
  if (c.sso) out = out.replace(JSON.stringify(placeholder('sso.client_secret')), JSON.stringify(c.sso.client_secret));
  return out;
}

/** The document under bowtie_setup, read as the cloud-init command reads it. */
function readUserData(text: string): unknown {
  const found = extractFromCloudConfig(Buffer.from(text), null, 'yaml');
  if (found.kind !== 'found' || !found.read.ok) throw new Error(`not read: ${JSON.stringify(found)}`);
  return found.read.value;
}

function secretPathsOf(c: SiteConfig): string[] {
  return [
    ...(c.admin ? ['admin.password'] : []),
    ...(c.admin?.console_password_hash ? ['admin.console_password_hash'] : []),
    ...(c.network.proxy?.credentials ? ['network.proxy.url'] : []),
    ...(c.enrollment ? ['enrollment.token'] : []),
    ...(c.tls.private_key !== null ? ['tls.private_key'] : []),
    ...(c.sso ? ['sso.client_secret'] : []),
  ];
}

const goldens = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.case'))
  .sort()
  .flatMap((f) => {
    const text = readFileSync(join(GOLDEN, f), 'utf8');
    const input = text.slice(0, text.search(/^==== (fragment|errors)\n/m));
    const read = readDocument(Buffer.from(input));
    const checked = read.ok ? validateDocument(read.value, 'any', NOW) : null;
    return checked?.ok ? [{ name: f, input, config: checked.config }] : [];
  });

describe('export: fragment -> user data -> fragment, over every valid golden document', () => {
  it(`round-trips ${goldens.length} documents byte for byte once filled, and refuses each unfilled one by its secret paths`, () => {
    expect(goldens.length).toBeGreaterThanOrEqual(30);
    for (const g of goldens) {
      // The fragment's value as the evaluator gives it back: JSON.
      const site = fragmentDocumentSchema.parse(JSON.parse(JSON.stringify(fragmentData(g.config))));
      const { document, secrets } = documentFromFragment(site);
      const text = exportUserData(document, secrets, 'test', KEY);
      expect(text.startsWith('#cloud-config\n'), g.name).toBe(true);
      for (const secret of secretValues(g.input)) expect(text, `${g.name}: a secret was exported`).not.toContain(secret);
      const paths = secretPathsOf(g.config);
      expect(
        secrets.map((s) => s.path),
        g.name,
      ).toEqual(paths);
      // Each secret keeps its key with the placeholder naming its path, and a comment says what belongs there.
      for (const p of paths) expect(text, g.name).toContain(`<FILL IN: ${p}>`);
      expect(text.split('# FILL IN: ').length - 1, g.name).toBe(paths.length);

      const unfilled = validateDocument(readUserData(text), 'any', NOW);
      if (paths.length === 0) expect(unfilled.ok, g.name).toBe(true);
      else {
        expect(unfilled.ok, g.name).toBe(false);
        expect(!unfilled.ok && unfilled.errors, g.name).toEqual(paths.map((path) => ({ path, message: PLACEHOLDER_MESSAGE })));
      }

      const filled = validateDocument(readUserData(fill(text, g.config)), 'any', NOW);
      expect(filled.ok, `${g.name}: ${JSON.stringify(!filled.ok && filled.errors)}`).toBe(true);
      if (filled.ok) expect(renderFragment(filled.config), g.name).toBe(renderFragment(g.config));
    }
  });
});

const PASSWORD = 'correct-horse-battery-staple';
const TOKEN = 'Export-Sync-Psk-0123456789abcdef';
const CONSOLE_HASH = '$y$j9T$Vqx8w4kEL4zN1.rs0R1v/.$ZfW6QzB5Yv0W0H2o7M9i4o4UD0QvQw5kN5iB8s5H1r3';
const HAND_CONFIGURED = {
  hostname: 'ctl-hq-01',
  domain: 'corp.example.com',
  site: { name: 'HQ: "rack 3" * yes' },
  admin: {
    email: 'ops@example.com',
    password: PASSWORD,
    ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop'],
    console_password_hash: CONSOLE_HASH,
  },
  network: { interface: 'ens3', ipv4: { method: 'dhcp' }, ipv6: { method: 'off' }, dns: ['10.0.0.53'], ntp: ['time.example.com'] },
  enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: TOKEN, entrypoints: ['https://ctl-1.corp.example.com'] },
  tls: { mode: 'self-signed' },
  updates: { schedule: 'Mon..Fri 02:30', randomized_delay: '30min', channel: 'beta' },
};

/** A static address without an interface: the engine pins it to the probed NIC (0641), and the export carries that. */
const HAND_CONFIGURED_STATIC = {
  hostname: 'ctl-lab-02',
  admin: { email: 'lab@example.com', password: PASSWORD },
  network: { ipv4: { method: 'static', address: '192.168.122.20/24', gateway: '192.168.122.1' }, dns: ['192.168.122.1'] },
};

describe('bowtie-setup export on a sandbox', () => {
  it.each([
    ['complete, every secret', HAND_CONFIGURED],
    ['partial, static address pinned by the engine', HAND_CONFIGURED_STATIC],
  ] as const)('export, fill the secrets, cloud-init on a fresh sandbox: the same fragment as the hand-configured box (%s)', async (_what, handDocument) => {
    const handRoot = await makeRoot();
    expect((await apply(handRoot, handDocument)).outcome).toBe('applied');
    const handFragment = readFileSync(enginePaths(handRoot).fragment, 'utf8');
    const handHash = readFileSync(enginePaths(handRoot).secrets.adminPasswordHash, 'utf8');

    const r = await cli('--root', handRoot, '--simulate', 'export');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toBe('');
    for (const secret of [PASSWORD, TOKEN, CONSOLE_HASH, handHash.trim()]) expect(r.stdout).not.toContain(secret);

    // Unfilled: refused, each field named, nothing applied.
    const next = await makeRoot();
    const printed: string[] = [];
    const boot = async (userData: string) => {
      await mkdir(dirname(join(next, CLOUD_INIT_USER_DATA)), { recursive: true });
      await writeFile(join(next, CLOUD_INIT_USER_DATA), userData);
      await mkdir(dirname(join(next, CLOUD_INIT_INSTANCE_ID)), { recursive: true });
      await writeFile(join(next, CLOUD_INIT_INSTANCE_ID), 'i-next-0001\n');
      return runCloudInit({ root: next, simulate: true, force: true, apply: (o) => applyHeadless({ ...o, env: testEnv() }), print: (l) => printed.push(l) });
    };
    expect(await boot(r.stdout)).toBe(EXIT.invalid);
    const said = printed.join('\n');
    const checked = validateDocument(handDocument, 'any');
    if (!checked.ok) throw new Error('the hand-configured document is not valid');
    for (const p of secretPathsOf(checked.config)) expect(said).toContain(`${p}: ${PLACEHOLDER_MESSAGE}`);
    expect(() => readFileSync(enginePaths(next).fragment)).toThrow();

    expect(await boot(fill(r.stdout, checked.config))).toBe(EXIT.ok);
    expect(readFileSync(enginePaths(next).fragment, 'utf8')).toBe(handFragment);
    if (handDocument === HAND_CONFIGURED_STATIC) expect(handFragment).toContain('interface = "ens3";');
    const s = enginePaths(next).secrets;
    const readOrNull = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : null);
    // Filled with the same values, the secret files are the same too (the password is hashed again).
    for (const n of ['enrollmentToken', 'consolePasswordHash', 'tlsPrivateKey'] as const)
      expect(readOrNull(s[n]), n).toBe(readOrNull(enginePaths(handRoot).secrets[n]));
    expect(await verifyPassword(readFileSync(s.adminPasswordHash, 'utf8').trim(), PASSWORD)).toBe(true);
  });

  it('nothing active: exit 1 and says so; a fragment with anything the renderer does not write: exit 1, nothing printed', async () => {
    const root = await makeRoot();
    const none = await cli('--root', root, '--simulate', 'export');
    expect(none.code).toBe(EXIT.invalid);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/no site configuration is active/);

    expect((await apply(root, { hostname: 'edge-01' })).outcome).toBe('applied');
    const file = enginePaths(root).fragment;
    writeFileSync(file, readFileSync(file, 'utf8').replace('hostname = "edge-01";', 'hostname = "edge-01"; extra = "hand-edited";'));
    const odd = await cli('--root', root, '--simulate', 'export');
    expect(odd.code).toBe(EXIT.invalid);
    expect(odd.stdout).toBe('');
    expect(odd.stderr).toMatch(/not in the expected form \(extra\)/);

    expect((await cli('--root', root, 'export', '--all')).code).toBe(EXIT.usage);
  });
});
