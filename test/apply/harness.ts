/**
 * Shared by the apply engine's integration tests: sandbox roots driven by the nixos-rebuild
 * simulator with no delays, snapshots of everything that makes up "the configuration"
 * (fragment bytes, secret files, active system, profile, boot default, state.json), and the
 * old/new documents of the fault-injection scenarios.
 */
import { lockAlive, readLock } from '../../server/apply/lock.js';
import type { ApplyClient, ApplyStatus } from '../../server/apply/types.js';
import { cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ChildProcess } from 'node:child_process';
import { applyHeadless } from '../../server/apply/headless.js';
import { spawnWorker } from '../../server/apply/launch.js';
import { sha256, type EngineState } from '../../server/apply/journal.js';
import { enginePaths, SECRET_NAMES, type SecretName } from '../../server/apply/paths.js';
import type { ApplyResult } from '../../server/apply/types.js';
import { ensureSimulatedMachine } from '../../server/system/sim-machine.js';

export const FIXTURES = join(import.meta.dirname, '../fixtures/apply');

/** No simulated delays; short timeouts so that hangs end in seconds. */
export const FAST_ENV: Record<string, string> = {
  BOWTIE_SIM_DELAY_SCALE: '0',
  BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=3000,health=3000,build=20000,test=20000,switch=20000,rollback=20000,confirm=60000',
};

export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('BOWTIE_')) delete base[k];
  return { ...base, ...FAST_ENV, ...extra };
}

export function fixtureDoc(name: 'old' | 'new' | 'partial'): Record<string, unknown> {
  return parse(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8')) as Record<string, unknown>;
}

const roots: string[] = [];

export async function makeRoot(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-apply-'));
  roots.push(root);
  await ensureSimulatedMachine(root);
  return root;
}

export function cloneRoot(src: string): string {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-apply-'));
  roots.push(root);
  cpSync(src, root, { recursive: true, verbatimSymlinks: true });
  return root;
}

export function removeRoots(): void {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
}

export function apply(root: string, document: unknown, extraEnv: Record<string, string> = {}): Promise<ApplyResult> {
  return applyHeadless({ root, simulate: true, document, source: 'cli', env: testEnv(extraEnv) });
}

export interface Snapshot {
  fragment: string | null;
  secrets: Record<SecretName, string | null>;
  /** The running system, the profile's current one and the bootloader default (store paths). */
  active: string | null;
  profile: string | null;
  boot: string | null;
  /** The hand-off marker exists. */
  handedOff: boolean;
  state: EngineState | null;
}

function readOrNull(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** A store path relative to the root (roots are cloned, store paths are named by content). */
function real(file: string, root: string): string | null {
  try {
    return realpathSync(file).slice(realpathSync(root).length);
  } catch {
    return null;
  }
}

export function snapshot(root: string): Snapshot {
  const p = enginePaths(root);
  const secrets = Object.fromEntries(SECRET_NAMES.map((n) => [n, readOrNull(p.secrets[n])])) as Record<SecretName, string | null>;
  const bootGen = readOrNull(join(root, 'boot/default-generation'))?.trim();
  const state = readOrNull(p.state);
  return {
    fragment: readOrNull(p.fragment),
    secrets,
    active: real(p.currentSystem, root),
    profile: real(p.profile, root),
    boot: bootGen ? real(join(p.profilesDir, `system-${bootGen}-link`), root) : null,
    handedOff: existsSync(p.handoffMarker),
    state: state ? (JSON.parse(state) as EngineState) : null,
  };
}

export function profileGeneration(root: string): number | null {
  try {
    const m = /^system-(\d+)-link$/.exec(readlinkSync(enginePaths(root).profile));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Which configuration the root is in: 'old', 'new', or a description of how it is torn.
 * Everything must agree: files, the running system, the profile, the boot default and
 * state.json's record of the active configuration.
 */
export function whichConfig(root: string, old: Snapshot, next: Snapshot): string {
  const s = snapshot(root);
  const problems: string[] = [];
  if (!s.state) problems.push('no state.json');
  else {
    if (s.state.apply !== null) problems.push(`journal still open (${s.state.apply.step})`);
    const a = s.state.active;
    if (!a) problems.push('state.json has no active configuration');
    else {
      if (a.fragment !== (s.fragment === null ? null : sha256(s.fragment))) problems.push('state.json fragment hash differs from the file');
      for (const n of SECRET_NAMES)
        if (a.secrets[n] !== (s.secrets[n] === null ? null : sha256(s.secrets[n]))) problems.push(`state.json ${n} hash differs from the file`);
      if (a.generation !== profileGeneration(root)) problems.push(`state.json generation ${a.generation} is not the profile's ${profileGeneration(root)}`);
    }
  }
  const matches = (want: Snapshot) =>
    s.fragment === want.fragment &&
    SECRET_NAMES.every((n) => s.secrets[n] === want.secrets[n]) &&
    s.active === want.active &&
    s.profile === want.profile &&
    s.boot === want.boot &&
    s.handedOff === want.handedOff &&
    s.state?.active?.documentHash === want.state?.active?.documentHash;
  if (problems.length) return problems.join('; ');
  if (matches(old)) return 'old';
  if (matches(next)) return 'new';
  const diff = (['fragment', 'active', 'profile', 'boot'] as const).filter((k) => s[k] !== old[k] && s[k] !== next[k]);
  const secretDiff = SECRET_NAMES.filter((n) => s.secrets[n] !== old.secrets[n] && s.secrets[n] !== next.secrets[n]);
  return `torn: matches neither (${[...diff, ...secretDiff].join(', ') || 'mixed old and new parts'})`;
}

/** Polls the client's status until `pred` holds; fails with the last status after `ms`. */
// The deadline only bounds a failing test; a passing one returns as soon as the state is seen.
export async function until(c: ApplyClient, pred: (s: ApplyStatus) => boolean, ms = 120_000): Promise<ApplyStatus> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await c.status();
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until no worker holds the apply lock. A worker serves every ticket it finds before it
 * exits, so a test that gives its next apply a fault through the environment of the worker that
 * apply starts must wait for the previous worker to be gone first.
 */
export async function workerGone(root: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (lockAlive(await readLock(enginePaths(root).lock))) {
    if (Date.now() > deadline) throw new Error('the previous worker still holds the apply lock');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A root with the old fixture applied (the template scenarios are cloned from) and the
 * snapshots of the old and of the new configuration that each scenario must end in.
 */
export async function oldAndNewRoots(): Promise<{ template: string; oldSnap: Snapshot; newSnap: Snapshot }> {
  const template = await makeRoot();
  const old = await apply(template, fixtureDoc('old'));
  if (old.outcome !== 'applied') throw new Error(`the old fixture did not apply: ${old.outcome}`);
  const oldSnap = snapshot(template);
  const reference = cloneRoot(template);
  const next = await apply(reference, fixtureDoc('new'));
  if (next.outcome !== 'applied') throw new Error(`the new fixture did not apply: ${next.outcome}`);
  const newSnap = snapshot(reference);
  if (newSnap.active === oldSnap.active) throw new Error('the old and new fixtures activate the same system');
  return { template, oldSnap, newSnap };
}

/**
 * A startWorker for test clients that starts a worker only when the one it started last has
 * exited, as `systemctl start` of the apply unit does on the appliance. Spawning one per call
 * let a late, slow-starting extra worker (the machine loaded) take a later test's ticket,
 * without that test's fault in its environment.
 */
export function oneWorkerAtATime(root: string, env: NodeJS.ProcessEnv = testEnv()): () => Promise<void> {
  let running: ChildProcess | null = null;
  return async () => {
    if (running && running.exitCode === null && running.signalCode === null) return;
    running = spawnWorker(root, true, env);
    running.unref();
  };
}
