/**
 * `bowtie-setup cloud-init` from boot to boot: once per instance, clones, --force, prefill and
 * pre-claim, rejection, failed applies and unreadable sources. The apply engine is replaced by
 * a recording fake (the engine has its own tests); the metadata service is a fake on loopback.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../server/apply/types.js';
import { readCloudInitResult } from '../../server/auth/cloud-init-result.js';
import { main } from '../../server/cli.js';
import { verifyPassword } from '../../server/config/hash-password.js';
import { runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { MARKER_DIR, STATUS_FILE, type CloudInitStatus, type Marker } from '../../server/cloud-init/state-files.js';
import { EXIT } from '../../server/exit-codes.js';
import { FRAGMENT_PATH, STATE_DIR } from '../../server/nix/paths.js';
import { appliedResult } from './apply-results.js';
import { startFakeImds, type FakeImds, type FakeImdsConfig } from './fake-imds.js';

const PASSWORD = 'correct-horse-battery-staple';
const TOKEN = 'psk-0123456789abcdef0123456789';
const COMPLETE = `#cloud-config
packages: [jq]
bowtie_setup:
  hostname: ctl-sfo-01
  admin:
    email: ops@example.com
    password: ${PASSWORD}
  enrollment:
    site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b
    token: ${TOKEN}
`;
const PARTIAL = `#cloud-config
bowtie_setup:
  hostname: ctl-lab-02
  network:
    ipv4: { method: dhcp }
  admin:
    email: lab@example.com
    password: ${PASSWORD}
`;
const INVALID = `#cloud-config
bowtie_setup:
  hostname: ctl-bad-01
  admin:
    email: ops@example.com
    password: short
  enrollment:
    site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b
    token: ${TOKEN}
`;

let root: string;
let imds: FakeImds | null = null;
let printed: string[];
let applied: unknown[];
let applyResult: ApplyResult | Error;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bowtie-cloud-init-'));
  printed = [];
  applied = [];
  applyResult = appliedResult;
});
afterEach(async () => {
  await imds?.close();
  imds = null;
  await rm(root, { recursive: true, force: true });
});

/** The fake engine: records the document and, like the real one, leaves a fragment behind. */
const apply: HeadlessApply = async (opts) => {
  applied.push(opts.document);
  if (applyResult instanceof Error) throw applyResult;
  if (applyResult.outcome === 'applied') {
    await mkdir(dirname(join(opts.root, FRAGMENT_PATH)), { recursive: true });
    await writeFile(join(opts.root, FRAGMENT_PATH), '# fragment\n');
  }
  return applyResult;
};

/** One boot: the unit runs the command against the instance's metadata service. */
async function boot(config: FakeImdsConfig, extra: { force?: boolean } = {}): Promise<number> {
  await imds?.close();
  imds = await startFakeImds(config);
  return runCloudInit({
    root,
    simulate: true,
    imdsUrl: imds.url,
    imds: { requestTimeoutMs: 1_000, totalTimeoutMs: 3_000, tokenAttempts: 1 },
    force: extra.force ?? false,
    apply,
    print: (line) => printed.push(line),
  });
}

const instance = (id: string, userData: string): FakeImdsConfig => ({
  instanceId: { kind: 'ok', body: id },
  userData: { kind: 'ok', body: userData },
});

async function status(): Promise<CloudInitStatus | null> {
  return JSON.parse(await readFile(join(root, STATUS_FILE), 'utf8').catch(() => 'null')) as CloudInitStatus | null;
}

async function markers(): Promise<Marker[]> {
  const names = await readdir(join(root, MARKER_DIR)).catch(() => []);
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(root, MARKER_DIR, n), 'utf8')) as Marker));
}

function expectNoSecretPrinted(): void {
  const out = printed.join('\n');
  expect(out).not.toContain(PASSWORD);
  expect(out).not.toContain(TOKEN);
}

describe('cloud-init: once per instance', () => {
  it('applies a complete document once; a reboot does not apply it again', async () => {
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toEqual([
      {
        hostname: 'ctl-sfo-01',
        admin: { email: 'ops@example.com', password: PASSWORD },
        enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: TOKEN },
      },
    ]);
    expect(await status()).toEqual({ instance_id: 'i-aaa', status: 'applied', errors: [], prefill: null });
    expect(await markers()).toMatchObject([
      { instance_id: 'i-aaa', outcome: 'applied', source: 'imds', document_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);

    printed = [];
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(1);
    expect(printed.join('\n')).toContain('already processed');
    expectNoSecretPrinted();
  });

  it('does not re-apply changed user data on the same instance, but says how to', async () => {
    await boot(instance('i-aaa', COMPLETE));
    printed = [];
    await boot(instance('i-aaa', COMPLETE.replace('ctl-sfo-01', 'ctl-sfo-02')));
    expect(applied).toHaveLength(1);
    expect(printed.join('\n')).toContain('--force');
  });

  it('applies again on a clone booted as a new instance', async () => {
    await boot(instance('i-aaa', COMPLETE));
    expect(await boot(instance('i-bbb', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(2);
    expect((await markers()).map((m) => m.instance_id).sort()).toEqual(['i-aaa', 'i-bbb']);
  });

  it('re-applies with --force', async () => {
    await boot(instance('i-aaa', COMPLETE));
    expect(await boot(instance('i-aaa', COMPLETE), { force: true })).toBe(EXIT.ok);
    expect(applied).toHaveLength(2);
  });

  it('leaves an appliance set up in the wizard alone, even on a new instance id', async () => {
    await mkdir(dirname(join(root, FRAGMENT_PATH)), { recursive: true });
    await writeFile(join(root, FRAGMENT_PATH), '# set up in the wizard\n');
    expect(await boot(instance('i-ccc', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(0);
    expect(await status()).toBeNull();
    expect(await markers()).toMatchObject([{ instance_id: 'i-ccc', outcome: 'skipped-configured' }]);
    expect(await readFile(join(root, FRAGMENT_PATH), 'utf8')).toBe('# set up in the wizard\n');
  });

  it('reports a marker that does not parse instead of acting on it (nor printing it), and reads the user data', async () => {
    await mkdir(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
    const forged = {
      instance_id: 'i-aaa',
      outcome: 'applied',
      source: 'imds',
      user_data_sha256: 5,
      document_sha256: null,
      processed_at: '\u001b[2J\u001b]0;pwned\u0007',
    };
    await writeFile(join(root, MARKER_DIR, 'i-aaa.json'), JSON.stringify(forged));
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    const out = printed.join('\n');
    expect(out).toContain('the once-per-instance marker i-aaa.json is not in the expected form (user_data_sha256, processed_at); it is not trusted');
    expect(out).not.toContain('already processed');
    expect(out).not.toMatch(/\u001b|pwned/);
    expect(applied).toHaveLength(1);
    expect(await markers()).toMatchObject([{ instance_id: 'i-aaa', outcome: 'applied', user_data_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('does not count a damaged marker of another instance as user data having set up the appliance, and says so', async () => {
    await mkdir(dirname(join(root, FRAGMENT_PATH)), { recursive: true });
    await writeFile(join(root, FRAGMENT_PATH), '# set up in the wizard\n');
    await mkdir(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
    await writeFile(join(root, MARKER_DIR, 'i-old.json'), '{"outcome":"applied"}');
    expect(await boot(instance('i-ccc', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(0);
    expect(printed.join('\n')).toContain('the once-per-instance marker i-old.json is not in the expected form');
  });

  it('does nothing and writes nothing for an instance without user data, and marks it', async () => {
    expect(await boot({ userData: { kind: 'status', status: 404 } })).toBe(EXIT.ok);
    expect(await status()).toBeNull();
    expect(await markers()).toMatchObject([{ outcome: 'no-document' }]);
  });
});

describe('cloud-init: partial documents prefill and pre-claim the wizard', () => {
  it("writes the prefill with the password hashed, 0640 in root's 0750 shared directory, and tells the console who must log in", async () => {
    expect(await boot(instance('i-aaa', PARTIAL))).toBe(EXIT.ok);
    // It sets a host name: that is applied first, with the admin's hash, never the password
    // (docs/decisions/0512; test/cloud-init/partial-apply.test.ts has the details).
    expect(applied).toHaveLength(1);
    expect(JSON.stringify(applied[0])).not.toContain(PASSWORD);
    const s = (await status())!;
    expect(s).toMatchObject({ instance_id: 'i-aaa', status: 'prefilled', errors: [], activation: { outcome: 'applied', configures: ['hostname'] } });
    const admin = (s.prefill as { admin: Record<string, string> }).admin;
    expect(admin).not.toHaveProperty('password');
    expect(admin.email).toBe('lab@example.com');
    expect(admin.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(admin.password_hash!, PASSWORD)).toBe(true);
    expect(s.prefill).toMatchObject({ hostname: 'ctl-lab-02', network: { ipv4: { method: 'dhcp' } } });
    expect(await readFile(join(root, STATUS_FILE), 'utf8')).not.toContain(PASSWORD);
    // Root's state directory: others only pass through; the markers are root's alone; the
    // wizard's group reads cloud-init.json (docs/decisions/0500, 0501).
    expect((await stat(join(root, STATUS_FILE))).mode & 0o777).toBe(0o640);
    expect((await stat(join(root, dirname(STATUS_FILE)))).mode & 0o7777).toBe(0o2750);
    expect((await stat(join(root, STATE_DIR))).mode & 0o777).toBe(0o711);
    expect((await stat(join(root, MARKER_DIR))).mode & 0o777).toBe(0o700);
    // The wizard reads back exactly what was written (the contract of cloud-init.json).
    expect(await readCloudInitResult(root)).toEqual(s);
    const out = printed.join('\n');
    expect(out).toContain('lab@example.com');
    expect(out).toContain('the setup code is not accepted');
    expectNoSecretPrinted();
  });
});

describe('cloud-init: rejected user data changes nothing', () => {
  it('reports every problem by field on the console and for the wizard, and reads corrected user data at the next boot', async () => {
    expect(await boot(instance('i-aaa', INVALID))).toBe(EXIT.invalid);
    expect(applied).toHaveLength(0);
    expect(await status()).toEqual({
      instance_id: 'i-aaa',
      status: 'rejected',
      errors: [{ path: 'admin.password', message: 'must be at least 12 characters' }],
      prefill: null,
    });
    expect(printed).toContain('  admin.password: must be at least 12 characters');
    expect(printed.join('\n')).toContain('user data was rejected');

    // The same user data at a reboot: not re-read. Corrected user data: read and applied.
    await boot(instance('i-aaa', INVALID));
    expect(applied).toHaveLength(0);
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(1);
    expect((await status())!.status).toBe('applied');
    expectNoSecretPrinted();
  });

  it('does not mark an instance whose user data could not be read, so the next boot tries again', async () => {
    expect(await boot({ instanceId: { kind: 'ok', body: 'i-aaa' }, userData: { kind: 'status', status: 500, body: COMPLETE } })).toBe(EXIT.invalid);
    expect(applied).toHaveLength(0);
    expect(await status()).toMatchObject({
      instance_id: 'i-aaa',
      status: 'rejected',
      errors: [{ path: '(user data)', message: expect.stringContaining('HTTP 500') }],
    });
    expect(await markers()).toEqual([]);
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(1);
  });
});

describe('cloud-init: failed applies', () => {
  it('reports a rolled-back apply (exit 3) and does not retry it by itself; --force does', async () => {
    applyResult = {
      ...appliedResult,
      outcome: 'rolled-back',
      failedPhase: 'confirm',
      reason: 'the health gate failed: gateway 10.0.0.1 did not answer',
      outputTail: ['health: gateway unreachable'],
      handedOff: false,
    };
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.applyFailed);
    expect(await status()).toMatchObject({
      status: 'rejected',
      errors: [{ path: '(apply)', message: expect.stringContaining('previous configuration was restored') }],
    });
    expect(printed.join('\n')).toContain('health gate failed');
    await boot(instance('i-aaa', COMPLETE));
    expect(applied).toHaveLength(1);
    applyResult = appliedResult;
    expect(await boot(instance('i-aaa', COMPLETE), { force: true })).toBe(EXIT.ok);
    expect(applied).toHaveLength(2);
  });

  it('tries again at the next boot when the engine could not start (another apply was running)', async () => {
    applyResult = new Error('another apply is running (build)');
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.applyFailed);
    expect(await markers()).toEqual([]);
    applyResult = appliedResult;
    expect(await boot(instance('i-aaa', COMPLETE))).toBe(EXIT.ok);
    expect(applied).toHaveLength(2);
  });
});

describe('bowtie-setup cloud-init (the CLI)', () => {
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['--root', root, '--simulate', ...argv], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  }

  it('reads --user-data and prints the outcome on stdout', async () => {
    // Only defaults besides the admin: nothing to apply, so the engine does not run here.
    await writeFile(join(root, 'ud'), PARTIAL.replace('ctl-lab-02', 'bowtie'));
    const r = await cli('cloud-init', '--user-data', join(root, 'ud'), '--imds', 'http://127.0.0.1:9');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('prefilled the setup wizard');
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it('rejects bad arguments with exit 2', async () => {
    expect((await cli('cloud-init', '--bogus')).code).toBe(EXIT.usage);
    expect((await cli('cloud-init', '--imds', 'https://169.254.169.254')).code).toBe(EXIT.usage);
    expect((await cli('cloud-init', '--imds', 'not a url')).code).toBe(EXIT.usage);
    expect((await cli('cloud-init', '--user-data')).code).toBe(EXIT.usage);
  });
});
