/**
 * Secrets have a lifetime (docs/decisions/0600): once setup is handed off, and after each kind
 * of reset, none of the document's secrets (nor the hash the wizard made, nor the setup code)
 * is left anywhere under the root except root's secrets/ directory. And a reset run as root
 * never follows a link that the wizard planted in its own directory.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginePaths } from '../../server/apply/paths.js';
import { cloudInitResultPath } from '../../server/auth/cloud-init-result.js';
import { loadOrCreateSetupCode, setupCodePath } from '../../server/auth/setup-code.js';
import { writeStatus } from '../../server/cloud-init/state-files.js';
import type { CommandContext } from '../../server/commands/context.js';
import { createResetCommand } from '../../server/commands/reset.js';
import { hashPassword } from '../../server/config/hash-password.js';
import { EXIT } from '../../server/exit-codes.js';
import { DraftStore, draftPath } from '../../server/steps/draft.js';
import { wizardTlsDir } from '../../server/system/tls.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, testEnv } from './harness.js';

const PASSWORD = 'Lifetime-Password-55821';
const TOKEN = 'Lifetime-Token-0123456789abcdef0123456789abcdef';
let handedOff: string;
let secrets: string[];

/** Every regular file under `root` (but root's secrets/) that holds one of `values`. */
function leaks(root: string, values: string[]): string[] {
  const out: string[] = [];
  const secretsDir = enginePaths(root).stateDir + '/secrets';
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (full === secretsDir) continue;
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) {
        const text = readFileSync(full, 'latin1');
        for (const v of values) if (text.includes(v)) out.push(`${relative(root, full)} holds ${values.indexOf(v)}`);
      }
    }
  };
  walk(root);
  return out;
}

async function reset(root: string, args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const output = new Writable({
    write: (c, _e, done) => {
      stderr += String(c);
      done();
    },
  });
  const command = createResetCommand(() => ({ input: new PassThrough(), output, env: testEnv() }));
  const ctx: CommandContext = { root, simulate: true, args, stdout: () => {}, stderr: (t) => (stderr += t) };
  return { code: await command.run(ctx), stderr };
}

beforeAll(async () => {
  handedOff = await makeRoot();
  const doc = structuredClone(fixtureDoc('new')) as { admin: Record<string, unknown>; enrollment: Record<string, unknown> };
  delete doc.admin.password_hash;
  doc.admin.password = PASSWORD;
  doc.enrollment.token = TOKEN;
  // What the wizard holds before the apply: its draft (with the hash it made), its setup code,
  // and cloud-init's prefill for it.
  const wizardHash = await hashPassword(PASSWORD);
  const { code } = await loadOrCreateSetupCode(handedOff);
  await new DraftStore(draftPath(handedOff)).update((d) => {
    d.document = { ...(doc as object), admin: { ...doc.admin, password: undefined, password_hash: wizardHash } } as never;
  });
  await writeStatus(handedOff, {
    instance_id: 'i-1',
    status: 'prefilled',
    errors: [],
    prefill: { hostname: 'ctl-new', admin: { email: 'ops@example.com', password_hash: wizardHash } },
  });
  const r = await apply(handedOff, doc);
  expect(r.outcome, r.reason ?? '').toBe('applied');
  expect(r.handedOff).toBe(true);
  const stored = readFileSync(enginePaths(handedOff).secrets.adminPasswordHash, 'utf8').trim();
  secrets = [PASSWORD, TOKEN, wizardHash, stored, code.replace(/-/g, ''), code].filter((s) => s.length >= 8);
}, 120_000);

afterAll(() => removeRoots());

describe('after hand-off', () => {
  it('no secret, hash or setup code is left outside secrets/', () => {
    expect(leaks(handedOff, secrets)).toEqual([]);
    expect(existsSync(draftPath(handedOff))).toBe(false);
    expect(existsSync(setupCodePath(handedOff))).toBe(false);
    expect(existsSync(cloudInitResultPath(handedOff))).toBe(false);
  });
});

describe.each([['--config'], ['--factory']])('after reset %s', (mode) => {
  it('no secret of the document is left anywhere but secrets/', async () => {
    const root = cloneRoot(handedOff);
    const r = await reset(root, [mode, '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(leaks(root, secrets)).toEqual([]);
  }, 120_000);
});

describe('reset --factory and links the wizard planted', () => {
  let outside: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'bowtie-outside-'));
  });
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('a link at web/tls: the files in the directory it names stay', async () => {
    const root = cloneRoot(handedOff);
    for (const n of ['wizard.pem', 'wizard.key']) writeFileSync(join(outside, n), 'precious\n');
    rmSync(wizardTlsDir(root), { recursive: true, force: true });
    symlinkSync(outside, wizardTlsDir(root));
    const r = await reset(root, ['--factory', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    for (const n of ['wizard.pem', 'wizard.key']) expect(readFileSync(join(outside, n), 'utf8')).toBe('precious\n');
    // The link itself is gone; nothing is left of it.
    expect(lstatSync(wizardTlsDir(root), { throwIfNoEntry: false })?.isSymbolicLink() ?? false).toBe(false);
  }, 120_000);

  it('links in place of the draft and the setup code are removed as links', async () => {
    const root = cloneRoot(handedOff);
    writeFileSync(join(outside, 'victim'), 'precious\n');
    mkdirSync(join(outside, 'd'), { recursive: true });
    symlinkSync(join(outside, 'victim'), draftPath(root));
    symlinkSync(join(outside, 'd'), setupCodePath(root));
    const r = await reset(root, ['--factory', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious\n');
    expect(existsSync(join(outside, 'd'))).toBe(true);
  }, 120_000);
});
