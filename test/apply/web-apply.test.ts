/**
 * The web path through the engine: ApplyClient (spool + worker child process), interactive
 * confirm within and past the window, one apply at a time, no secret anywhere it should not
 * be, no rebuild for an identical document, and dry runs that change nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { ApplyBusyError, ApplyConfirmError, ApplyInvalidError } from '../../server/apply/errors.js';
import { readLock } from '../../server/apply/lock.js';
import { enginePaths } from '../../server/apply/paths.js';
import type { ApplyClient } from '../../server/apply/types.js';
import { statusOf } from '../../server/web/http-error.js';
import {
  apply,
  cloneRoot,
  fixtureDoc,
  removeRoots,
  snapshot,
  testEnv,
  whichConfig,
  type Snapshot,
  until,
  workerGone,
  oldAndNewRoots,
  oneWorkerAtATime,
} from './harness.js';

const OLD = fixtureDoc('old');
const NEW = fixtureDoc('new');
let template: string;
let oldSnap: Snapshot;
let newSnap: Snapshot;

beforeAll(async () => {
  ({ template, oldSnap, newSnap } = await oldAndNewRoots());
}, 240_000);

afterAll(() => {
  if (!process.env.KEEP_ROOTS) removeRoots();
});

function client(root: string, env: Record<string, string> = {}): ApplyClient {
  return createApplyClient({
    root,
    simulate: true,
    startWorker: oneWorkerAtATime(root, testEnv(env)),
  });
}

describe('interactive confirm', () => {
  it('rolls back when nobody confirms within the window', async () => {
    const root = cloneRoot(template);
    // The window is the subject here, so it is real; 10 s leaves a loaded machine ample time to
    // observe the confirm phase before it closes (the test waits for states, not for 10 s).
    const c = client(root, { BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,confirm=10000' });
    const { id } = await c.start({ document: NEW, source: 'web', confirm: 'interactive' });
    const waiting = await until(c, (s) => s.phase === 'confirm');
    expect(waiting.id).toBe(id);
    expect(waiting.confirmDeadline).not.toBeNull();
    expect(waiting.confirmSecondsLeft).toBeGreaterThan(0);
    // The address moves from .10 to .20: the page must say where to go.
    expect(waiting.newUrl).toBe('https://192.168.122.20/');
    const done = await until(c, (s) => s.phase === 'idle' && s.last?.id === id);
    expect(done.last).toMatchObject({ outcome: 'rolled-back', failedPhase: 'confirm' });
    expect(done.last?.reason).toMatch(/not confirmed/);
    expect(whichConfig(root, oldSnap, newSnap)).toBe('old');
    await expect(c.confirm(id)).rejects.toBeInstanceOf(ApplyConfirmError);
  }, 240_000);

  it('keeps the new generation as the boot default when confirmed in time', async () => {
    const root = cloneRoot(template);
    const c = client(root);
    const { id } = await c.start({ document: NEW, source: 'web', confirm: 'interactive' });
    await until(c, (s) => s.phase === 'confirm');
    await expect(c.confirm('someone-else')).rejects.toBeInstanceOf(ApplyConfirmError);
    await c.confirm(id);
    const done = await until(c, (s) => s.phase === 'idle' && s.last?.id === id);
    expect(done.last).toMatchObject({ outcome: 'applied', handedOff: true });
    expect(done.setupComplete).toBe(true);
    expect(whichConfig(root, oldSnap, newSnap)).toBe('new');
    const s = snapshot(root);
    expect(s.boot).toBe(s.profile);
    expect(s.boot).toBe(newSnap.profile);
    expect((await c.logTail(500)).join('\n')).toMatch(/nixos-rebuild switch: succeeded/);
  }, 240_000);

  it('resumes the confirm window after the worker is killed, then applies on Confirm', async () => {
    const root = cloneRoot(template);
    const c = client(root);
    const { id } = await c.start({ document: NEW, source: 'web', confirm: 'interactive' });
    await until(c, (s) => s.phase === 'confirm');
    const owner = await readLock(enginePaths(root).lock);
    process.kill(owner!.pid, 'SIGKILL');
    while (existsSync(`/proc/${owner!.pid}/stat`) && !readFileSync(`/proc/${owner!.pid}/stat`, 'utf8').includes(') Z '))
      await new Promise((r) => setTimeout(r, 10));
    // The next status read notices the dead worker and starts another, which resumes.
    const interrupted = await c.status();
    expect(interrupted.interrupted).toBe(true);
    await until(c, (s) => s.phase === 'confirm' && !s.interrupted);
    await c.confirm(id);
    const done = await until(c, (s) => s.phase === 'idle' && s.last?.id === id);
    expect(done.last?.outcome).toBe('applied');
    expect(whichConfig(root, oldSnap, newSnap)).toBe('new');
  }, 240_000);
});

describe('one apply at a time', () => {
  it('two concurrent starts: exactly one runs, the other gets 409 with the status', async () => {
    const root = cloneRoot(template);
    // A window far longer than any loaded machine needs for the checks below: the test never
    // races it. It moves on by states (the confirm phase, then the operator's Confirm).
    const c = client(root, { BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,confirm=600000' });
    const results = await Promise.allSettled([
      c.start({ document: NEW, source: 'web', confirm: 'interactive' }),
      c.start({ document: NEW, source: 'web', confirm: 'interactive' }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const busy = results.filter((r) => r.status === 'rejected').map((r) => r.reason as ApplyBusyError);
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(1);
    expect(busy[0]).toBeInstanceOf(ApplyBusyError);
    expect(statusOf(busy[0])).toBe(409);
    expect(busy[0]!.current.phase).not.toBe('idle');
    const id = (ok[0] as PromiseFulfilledResult<{ id: string }>).value.id;
    await until(c, (s) => s.phase === 'confirm' && s.id === id, 90_000);
    // While it waits for the operator, a headless apply is refused too.
    await expect(apply(root, NEW)).rejects.toBeInstanceOf(ApplyBusyError);
    await c.confirm(id);
    const done = await until(c, (s) => s.phase === 'idle' && s.last?.id === id, 90_000);
    expect(done.last?.outcome).toBe('applied');
    expect(whichConfig(root, oldSnap, newSnap)).toBe('new');
  }, 240_000);

  it('two concurrent headless applies: exactly one runs', async () => {
    const root = cloneRoot(template);
    const results = await Promise.allSettled([apply(root, NEW), apply(root, NEW)]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'applied')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ApplyBusyError);
  }, 240_000);

  it('rejects an invalid document before queueing it', async () => {
    const root = cloneRoot(template);
    const c = client(root);
    const err = await c.start({ document: { hostname: 'bad_name' }, source: 'web', confirm: 'interactive' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyInvalidError);
    expect(statusOf(err)).toBe(422);
    expect((err as ApplyInvalidError).errors.map((e) => e.path)).toContain('hostname');
    expect(existsSync(enginePaths(root).request)).toBe(false);
  });
});

/** Every file under `dir`, except the secret files themselves and their backups. */
function filesOutsideSecrets(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      if (full.endsWith('/var/lib/bowtie-setup/secrets') || full.endsWith('/var/lib/bowtie-setup/rollback/secrets')) continue;
      out.push(...filesOutsideSecrets(full));
    } else if (st.isFile()) out.push(full);
  }
  return out;
}

describe('secrets', () => {
  const PASSWORD = 'plaintext-admin-password-4242';
  const withPassword = () => {
    const doc = structuredClone(NEW) as { admin: Record<string, unknown> };
    delete doc.admin.password_hash;
    doc.admin.password = PASSWORD;
    doc.admin.console_password_hash = (OLD as { admin: { console_password_hash: string } }).admin.console_password_hash;
    return doc;
  };

  it('appear in no file but their own: fragment, logs, journal, status, simulator calls', async () => {
    const root = cloneRoot(template);
    const c = client(root);
    const doc = withPassword();
    const { id } = await c.start({ document: doc, source: 'web', confirm: 'interactive' });
    await until(c, (s) => s.phase === 'confirm');
    await c.confirm(id);
    expect((await until(c, (s) => s.phase === 'idle' && s.last?.id === id)).last?.outcome).toBe('applied');
    // And a failed apply of the same secrets, for the failure paths' logs. Its fault is set in
    // the environment of the worker it starts, so the web apply's worker must be gone first:
    // otherwise, on a busy machine, that worker takes the new ticket and runs it without the fault.
    await workerGone(root);
    const failed = await apply(root, { ...doc, hostname: 'ctl-other' }, { BOWTIE_SIM_FAIL: 'switch:4' });
    expect(failed.outcome).toBe('rolled-back');

    const p = enginePaths(root);
    const hash = readFileSync(p.secrets.adminPasswordHash, 'utf8');
    expect(hash).toMatch(/^\$argon2id\$/);
    const secrets = [PASSWORD, hash, (NEW as { enrollment: { token: string } }).enrollment.token, readFileSync(p.secrets.consolePasswordHash, 'utf8')];
    const files = filesOutsideSecrets(root);
    expect(files.some((f) => f.endsWith('calls.jsonl'))).toBe(true);
    expect(files.some((f) => f.includes('/logs/apply-'))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'latin1');
      for (const s of secrets) expect(text.includes(s), `${s.slice(0, 6)}... found in ${f}`).toBe(false);
    }
    // The simulator saw only the allowlisted environment.
    const calls = readFileSync(join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { env: Record<string, string> });
    for (const call of calls) {
      for (const k of Object.keys(call.env))
        expect(k).toMatch(/^(PATH|HOME|LANG|LC_[A-Z]+|TZ|TMPDIR|LOCALE_ARCHIVE|NIX_[A-Z_]+|BOWTIE_SIM_[A-Z_]+|BOWTIE_SETUP_ROOT|PWD|SHLVL|_)$/);
    }
    // Secret files are 0600 in a 0700 directory.
    expect(statSync(p.secrets.adminPasswordHash).mode & 0o777).toBe(0o600);
    expect(statSync(join(p.stateDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(p.state).mode & 0o777).toBe(0o600);
  }, 90_000);

  it('re-applying the same document (plaintext password included) rebuilds nothing', async () => {
    const root = cloneRoot(template);
    const doc = withPassword();
    expect((await apply(root, doc)).outcome).toBe('applied');
    const calls = join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl');
    const before = readFileSync(calls, 'utf8');
    const snap = snapshot(root);
    const again = await apply(root, doc);
    expect(again.outcome).toBe('unchanged');
    expect(readFileSync(calls, 'utf8')).toBe(before);
    expect(snapshot(root).secrets).toEqual(snap.secrets);
  }, 240_000);
});

describe('dry run', () => {
  it('shows the diff, the secret files and the commands, and changes nothing', async () => {
    const root = cloneRoot(template);
    const c = client(root);
    const before = snapshot(root);
    const plan = await c.plan(NEW);
    expect(plan.ok).toBe(true);
    expect(plan.unchanged).toBe(false);
    expect(plan.fragmentDiff).toMatch(/^- {4}hostname = "ctl-old";$/m);
    expect(plan.fragmentDiff).toMatch(/^\+ {4}hostname = "ctl-new";$/m);
    expect(plan.secrets).toEqual(
      expect.arrayContaining([
        { path: '/var/lib/bowtie-setup/secrets/admin-password-hash', action: 'write' },
        { path: '/var/lib/bowtie-setup/secrets/console-password-hash', action: 'remove' },
        { path: '/var/lib/bowtie-setup/secrets/enrollment-token', action: 'write' },
      ]),
    );
    expect(plan.commands[0]).toMatch(/nixos-rebuild build --log-format internal-json/);
    expect(plan.newUrl).toBe('https://192.168.122.20/');
    expect(JSON.stringify(plan)).not.toContain((NEW as { enrollment: { token: string } }).enrollment.token);
    expect(snapshot(root)).toEqual(before);
    const same = await c.plan(OLD);
    expect(same.unchanged).toBe(true);
    expect(same.commands).toEqual([]);
  });
});
