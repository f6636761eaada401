/**
 * `reset --dry-run` prints what a reset would change and changes nothing: the sandbox root is
 * the same byte for byte (contents, modes, link targets, modification times) before and after.
 * What it shows is what the reset does: after the reset itself, the same dry run finds
 * nothing left to change in the fragment or the kept secret files.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupCodePath, loadOrCreateSetupCode } from '../../server/auth/setup-code.js';
import { createResetCommand } from '../../server/commands/reset.js';
import type { CommandContext } from '../../server/commands/context.js';
import { EXIT } from '../../server/exit-codes.js';
import { enginePaths } from '../../server/apply/paths.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, testEnv } from '../apply/harness.js';

const OLD = fixtureDoc('old');
const OLD_ADMIN = OLD.admin as { email: string; password_hash: string; console_password_hash: string };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
const TOKEN = (OLD.enrollment as { token: string }).token;
let configured: string;

beforeAll(async () => {
  configured = await makeRoot();
  const r = await apply(configured, { ...OLD, admin: { ...OLD_ADMIN, ssh_authorized_keys: [KEY] } });
  expect(r.outcome, r.reason ?? '').toBe('applied');
  await loadOrCreateSetupCode(configured);
}, 60_000);
afterAll(() => removeRoots());

/** Every entry under `root`: type, mode, size, mtime, and the bytes (hashed) or link target. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const f = join(dir, e.name);
      const st = lstatSync(f, { bigint: true });
      const what = e.isSymbolicLink()
        ? `link ${readlinkSync(f)}`
        : e.isFile()
          ? `file ${createHash('sha256').update(readFileSync(f)).digest('hex')}`
          : e.isDirectory()
            ? 'dir'
            : 'other';
      out[f.slice(root.length)] = `${what} mode=${st.mode.toString(8)} uid=${st.uid} size=${st.size} mtime=${st.mtimeNs}`;
      if (e.isDirectory()) walk(f);
    }
  };
  walk(root);
  return out;
}

async function reset(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const input = Object.assign(new PassThrough(), { isTTY: false });
  const output = new Writable({ write: (_c, _e, done) => done() });
  const command = createResetCommand(() => ({ input, output, env: testEnv() }));
  const ctx: CommandContext = { root, simulate: true, args, stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t) };
  return { code: await command.run(ctx), ...out };
}

describe('reset --dry-run', () => {
  it('--config: shows what is kept and what goes, asks nothing, and changes nothing', async () => {
    const root = cloneRoot(configured);
    const before = tree(root);
    const r = await reset(root, ['--dry-run']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(tree(root)).toEqual(before);
    expect(r.stdout).toMatch(/^reset --config --dry-run: nothing is changed\n/);
    expect(r.stdout).toContain('  hostname ctl-old\n');
    expect(r.stdout).toContain('  network on ens3: IPv4 static 192.168.122.10/24 via 192.168.122.1; IPv6 auto; DNS 192.168.122.1\n');
    expect(r.stdout).toContain('  admin ops@example.com: 1 SSH key, the console password, and the password hash\n');
    expect(r.stdout).toContain('  enrollment (site 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b) and its token\n');
    expect(r.stdout).toMatch(/^ {2}keep {3}\/var\/lib\/bowtie-setup\/secrets\/admin-password-hash$/m);
    expect(r.stdout).toMatch(/^ {2}keep {3}\/var\/lib\/bowtie-setup\/secrets\/console-password-hash$/m);
    expect(r.stdout).toMatch(/^ {2}remove \/var\/lib\/bowtie-setup\/secrets\/enrollment-token$/m);
    expect(r.stdout).toMatch(/^ {2}remove {3}\/var\/lib\/bowtie-setup\/handed-off$/m);
    expect(r.stdout).toMatch(/^-\s+enrollment = \{$/m);
    expect(r.stdout).toMatch(/^\+\s+enrollment = null;$/m);
    // The admin's key is not in the diff: it stays.
    expect(r.stdout).not.toMatch(/^[-+].*ssh-ed25519/m);
    for (const secret of [OLD_ADMIN.password_hash, OLD_ADMIN.console_password_hash, TOKEN]) expect(r.stdout + r.stderr).not.toContain(secret);

    // What it showed is what the reset does: afterwards nothing is left to change.
    const code = readFileSync(setupCodePath(root), 'utf8');
    expect((await reset(root, ['--config', '--yes'])).code).toBe(EXIT.ok);
    const again = await reset(root, ['--config', '--dry-run']);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toContain('fragment:\n  (unchanged)\n');
    expect(again.stdout).toMatch(/secret files:\n {2}keep {3}\S+admin-password-hash\n {2}keep {3}\S+console-password-hash\n\n/);
    expect(again.stdout).toContain('commands:\n  (none');
    expect(readFileSync(setupCodePath(root), 'utf8')).not.toBe(code);
  }, 60_000);

  it('--factory: lists every file that goes, and changes nothing', async () => {
    const root = cloneRoot(configured);
    const before = tree(root);
    const r = await reset(root, ['--factory', '--dry-run']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(tree(root)).toEqual(before);
    expect(r.stdout).toMatch(/^reset --factory --dry-run: nothing is changed\n/);
    expect(r.stdout).toContain('+++ /dev/null');
    for (const name of ['admin-password-hash', 'console-password-hash', 'enrollment-token'])
      expect(r.stdout).toMatch(new RegExp(`^ {2}remove /var/lib/bowtie-setup/secrets/${name}$`, 'm'));
    for (const f of ['/var/lib/bowtie-setup/state.json', '/var/lib/bowtie-setup/handed-off', '/var/lib/bowtie-setup/web/setup-code'])
      expect(r.stdout).toContain(`  remove   ${f}\n`);
    for (const secret of [OLD_ADMIN.password_hash, OLD_ADMIN.console_password_hash, TOKEN]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('a fragment the reset cannot keep: exit 1, the problem named, nothing changed', async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    // The fragment names a console password hash whose file is gone: keeping the admin's access
    // is impossible, so the reset would be refused; the dry run says so.
    const { rmSync } = await import('node:fs');
    rmSync(p.secrets.consolePasswordHash);
    const before = tree(root);
    const r = await reset(root, ['--dry-run']);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.stderr).toMatch(/admin\.console_password_hash: is missing/);
    expect(tree(root)).toEqual(before);
    const real = await reset(root, ['--yes']);
    expect(real.code).toBe(EXIT.invalid);
    expect(real.stderr).toMatch(/admin\.console_password_hash: is missing/);
  }, 60_000);
});
