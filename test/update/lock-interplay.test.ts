/**
 * One lock for applies and updates (docs/decisions/0511): an update never switches while an
 * apply runs or is queued, an apply is never queued while an update switches, and the one that
 * comes second gets a clear "busy" answer (exit 3, nothing changed) instead of waiting.
 * Real processes on a sandbox root: the CLI, the apply worker, the nixos-rebuild simulator
 * with its normal delays (so that the first one is still running when the second one asks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { ApplyBusyError } from '../../server/apply/errors.js';
import { applyHeadless } from '../../server/apply/headless.js';
import { writeState, emptyState } from '../../server/apply/journal.js';
import { acquireLock, lockAlive, readLock } from '../../server/apply/lock.js';
import { enginePaths } from '../../server/apply/paths.js';
import { createTicket } from '../../server/apply/spool.js';
import { readUpdateActivity, updateActivityPath } from '../../server/apply/update-lock.js';
import { statusOf } from '../../server/web/http-error.js';
import { main } from '../../server/cli.js';
import { runUpdate, UPDATE_EXIT } from '../../server/update/run.js';
import { createUpdateSystem } from '../../server/update/system.js';
import { startFakeMetadataServer, type FakeMetadataServer } from '../fixtures/fake-metadata-server.js';

const BIN = fileURLToPath(new URL('../fixtures/update-bin', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/bowtie-setup.js', import.meta.url));
const KEY = 'bowtie-1:' + 'A'.repeat(43) + '=';
const BASE_2 = '/nix/store/2a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-bowtie-1.9.0';
const NEW_RELEASE = JSON.stringify({
  version: '1.9.0',
  nixpkgs: '/nix/store/1a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source',
  configuration: '/nix/store/3a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix',
});
const DOCUMENT = { hostname: 'ctl-lock-01', network: { ipv4: { method: 'dhcp' } } };

let server: FakeMetadataServer;
let root: string;
let children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startFakeMetadataServer();
  server.reply = { status: 200, body: JSON.stringify({ version: '1.9.0', base: BASE_2, channel: 'stable' }) };
});
afterAll(() => server.close());

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bowtie-lock-interplay-'));
  mkdirSync(join(root, 'etc/bowtie-setup'), { recursive: true });
  writeFileSync(
    join(root, 'etc/bowtie-setup/release.json'),
    JSON.stringify({
      version: '1.8.2',
      nixpkgs: '/nix/store/0a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source',
      configuration: '/nix/store/4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix',
    }),
  );
  writeFileSync(
    join(root, 'etc/bowtie-setup/update.json'),
    JSON.stringify({
      metadata_url: `${server.url}/stable.json`,
      channel: 'stable',
      cache_url: 'https://cache.bowtie.example',
      trusted_public_keys: [KEY],
      health: { units: ['bowtie_server.service'], urls: [], timeout_seconds: 5 },
    }),
  );
  writeFileSync(join(root, 'doc.json'), JSON.stringify(DOCUMENT));
});
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
  rmSync(root, { recursive: true, force: true });
});

/** The environment of the processes under test: fakes on PATH, simulator delays as given. */
function env(scale: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('BOWTIE_')) delete base[k];
  return {
    ...base,
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
    BOWTIE_SIM_DELAY_SCALE: scale,
    BOWTIE_SIM_NIX_RELEASE: NEW_RELEASE,
    BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=5000,health=5000',
    ...extra,
  };
}

function cli(args: string[], scale: string): { child: ChildProcess; exit: Promise<number>; output: () => string } {
  const child = spawn(process.execPath, [CLI, '--root', root, '--simulate', ...args], { env: env(scale), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exit, output: () => text };
}

async function until<T>(what: string, probe: () => Promise<T | null | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function updateInProcess(): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const system = createUpdateSystem({ root, simulate: true, env: env('0') });
  const code = await runUpdate({ root, check: false, pollIntervalMs: 50, stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, system);
  return { code, out: out.join(''), err: err.join('') };
}

async function cliInProcess(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--root', root, '--simulate', ...args], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

const nixCopies = () =>
  existsSync(join(root, 'calls.log'))
    ? readFileSync(join(root, 'calls.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('nix '))
    : [];

describe('an apply running or pending: update refuses (exit 3) and changes nothing', () => {
  it('while an apply worker holds the lock', async () => {
    const held = await acquireLock(enginePaths(root).lock);
    try {
      const r = await updateInProcess();
      expect(r.code).toBe(UPDATE_EXIT.busy);
      expect(UPDATE_EXIT.busy).toBe(3);
      expect(r.err).toMatch(/an apply is in progress since .*; nothing changed, the next run tries again/);
      expect(nixCopies()).toEqual([]);
    } finally {
      await held!.release();
    }
  });

  it('while an apply is queued, or interrupted with its journal open', async () => {
    const p = enginePaths(root);
    expect(
      await createTicket(p, {
        id: 'queued-1',
        createdAt: new Date().toISOString(),
        source: 'web',
        confirm: 'interactive',
        confirmWindowSeconds: 120,
        document: DOCUMENT,
      }),
    ).toBe(true);
    const queued = await updateInProcess();
    expect(queued.code).toBe(UPDATE_EXIT.busy);
    expect(queued.err).toContain('an apply is queued');
    rmSync(p.request);

    const state = emptyState();
    state.apply = {
      id: 'crashed-1',
      source: 'cli',
      confirmMode: 'health-gate',
      confirmWindowSeconds: 120,
      step: 'build',
      startedAt: '',
      stepStartedAt: '',
      bootId: '',
      prev: null,
      next: null,
      confirmDeadline: null,
      confirmedAt: null,
      rollback: null,
    };
    await writeState(p.state, state);
    const interrupted = await updateInProcess();
    expect(interrupted.code).toBe(UPDATE_EXIT.busy);
    expect(interrupted.err).toContain('apply crashed-1 is unfinished (build)');
    expect(nixCopies()).toEqual([]);
    // Refusing leaves nothing behind: no lock, no published update.
    expect(lockAlive(await readLock(p.lock))).toBe(false);
    expect(existsSync(updateActivityPath(p))).toBe(false);
  });

  it('while a real apply runs; once it has finished, the update goes through', async () => {
    const apply = cli(['apply', join(root, 'doc.json')], '0.5');
    const p = enginePaths(root);
    await until('the apply worker to hold the lock', async () => lockAlive(await readLock(p.lock)) && (await readLock(p.lock))?.purpose === 'apply');
    const refused = await updateInProcess();
    expect(refused.code).toBe(UPDATE_EXIT.busy);
    expect(refused.err).toContain('an apply is in progress');
    expect(nixCopies()).toEqual([]);

    expect(await apply.exit).toBe(0);
    expect(apply.output()).toContain('applied: generation 2');
    const after = await updateInProcess();
    expect(after.code).toBe(UPDATE_EXIT.ok);
    expect(after.out).toContain('updated to 1.9.0 (generation 3)');
  }, 60_000);
});

describe('an update running: applies are refused (exit 3 / 409) and nothing is queued', () => {
  it('apply FILE, the web client and status all see it; once it has finished, the apply goes through', async () => {
    const p = enginePaths(root);
    const update = cli(['update', '--config', join(root, 'etc/bowtie-setup/update.json')], '1');
    const running = await until('the update to take the lock', () => readUpdateActivity(p));
    expect(running).toMatchObject({ from: '1.8.2', to: '1.9.0', pid: update.child.pid });
    expect((await readLock(p.lock))?.purpose).toBe('update');

    const cliApply = await cliInProcess('apply', join(root, 'doc.json'));
    expect(cliApply.code).toBe(3);
    expect(cliApply.err).toMatch(/an update \(1\.8\.2 -> 1\.9\.0\) is in progress since .*; nothing was changed/);

    const web = createApplyClient({ root, simulate: true, startWorker: async () => {} });
    const rejected = await web.start({ document: DOCUMENT, source: 'web', confirm: 'interactive' }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ApplyBusyError);
    expect(statusOf(rejected)).toBe(409);
    expect((rejected as ApplyBusyError).update).toMatchObject({ to: '1.9.0' });
    expect(existsSync(p.request)).toBe(false);

    const status = await cliInProcess('status');
    expect(status.out).toMatch(/^update: +1\.8\.2 -> 1\.9\.0, in progress since /m);
    expect(status.out).toMatch(/^next: +wait: an update \(1\.8\.2 -> 1\.9\.0\) is in progress/m);

    expect(await update.exit).toBe(0);
    expect(update.output()).toContain('updated to 1.9.0 (generation 2)');
    expect(await readUpdateActivity(p)).toBeNull();
    expect(existsSync(updateActivityPath(p))).toBe(false);
    expect((await cliInProcess('status')).out).not.toContain('update:');

    const applied = await applyHeadless({ root, simulate: true, document: DOCUMENT, source: 'cli', env: env('0') });
    expect(applied.outcome).toBe('applied');
    expect(applied.generation).toBe(3);
  }, 60_000);
});
