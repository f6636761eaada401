/**
 * The apply engine under faults: the worker is killed with SIGKILL at named points before,
 * during and after every write, rename and command (BOWTIE_SETUP_TEST_CRASH_AT, or kill -9
 * from outside while the simulator hangs), and every command fails in every way the simulator
 * can. After each, the restarted worker must leave exactly the old or exactly the new
 * configuration (fragment bytes, secrets, running system, profile, boot default and state.json
 * agreeing), and the next apply must succeed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { readLock } from '../../server/apply/lock.js';
import { enginePaths } from '../../server/apply/paths.js';
import type { ApplyResult } from '../../server/apply/types.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, snapshot, whichConfig, type Snapshot, oldAndNewRoots } from './harness.js';

const NEW = fixtureDoc('new');
let template: string;
let oldSnap: Snapshot;
let newSnap: Snapshot;

beforeAll(async () => {
  ({ template, oldSnap, newSnap } = await oldAndNewRoots());
}, 60_000);

afterAll(() => removeRoots());

/** Two scenarios at a time: each is mostly waiting for child processes. */
let running = 0;
const queue: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((r) => queue.push(r));
  running++;
  try {
    return await work();
  } finally {
    running--;
    queue.shift()?.();
  }
}

interface Scenario {
  env: Record<string, string>;
  /** Kill -9 the worker from outside once the simulator says it hangs. */
  killOnHang?: boolean;
  outcome: ApplyResult['outcome'];
  ends: 'old' | 'new';
}

async function killWorkerWhenHanging(root: string): Promise<void> {
  const p = enginePaths(root);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const out = existsSync(p.output) ? readFileSync(p.output, 'utf8') : '';
    if (out.includes('[sim] hanging')) {
      const owner = await readLock(p.lock);
      if (owner) {
        process.kill(owner.pid, 'SIGKILL');
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the simulator never reported hanging');
}

async function runScenario(expect: ExpectStatic, s: Scenario, from = template, before = oldSnap): Promise<void> {
  const oldSnap = before;
  const root = cloneRoot(from);
  const applying = apply(root, NEW, s.env);
  if (s.killOnHang) await killWorkerWhenHanging(root);
  const result = await applying;
  expect(result.outcome, `outcome (${result.reason ?? ''})`).toBe(s.outcome);
  expect(whichConfig(root, oldSnap, newSnap)).toBe(s.ends);
  if (s.outcome === 'rolled-back') {
    expect(result.reason).toBeTruthy();
    expect(result.outputTail.length).toBeGreaterThan(0);
  }
  // The next apply, with no fault, succeeds.
  const again = await apply(root, NEW);
  expect(['applied', 'unchanged'], `next apply: ${again.outcome} ${again.reason ?? ''}\n${again.outputTail.join('\n')}`).toContain(again.outcome);
  expect(whichConfig(root, oldSnap, newSnap)).toBe('new');
}

const crash = (at: string, extra: Record<string, string> = {}): Scenario => ({
  env: { BOWTIE_SETUP_TEST_CRASH_AT: at, ...extra },
  outcome: 'rolled-back',
  ends: 'old',
});

// Kill -9 of the worker at named points of the forward path.
const CRASH_POINTS = [
  'validate:journaled',
  'validate:taken',
  'backup:journaled',
  'backup:fragment:temp',
  'backup:adminPasswordHash:renamed',
  'backup:done',
  'write:journaled',
  'write:adminPasswordHash:temp',
  'write:adminPasswordHash:renamed',
  'write:adminPasswordHash:synced',
  'write:consolePasswordHash:removed',
  'write:enrollmentToken:renamed',
  'write:fragment:temp',
  'write:fragment:renamed',
  'write:fragment:synced',
  'write:done',
  'build:journaled',
  'build:done',
  'test:journaled',
  'test:done',
  'confirm:journaled',
  'confirm:done',
  'switch:journaled',
  'switch:done',
  'health:journaled',
  'health:done',
];

// Kill -9 while rolling back after a failure: the next worker finishes the rollback.
const ROLLBACK_CRASH_POINTS: [string, string][] = [
  ['switch:4', 'rollback:journaled'],
  ['switch:4', 'restore:fragment:temp'],
  ['switch:4', 'restore:adminPasswordHash:renamed'],
  ['switch:4', 'restore:consolePasswordHash:synced'],
  ['switch:4', 'rollback:restored'],
  ['switch:4', 'rollback:profile'],
  ['switch:4', 'rollback:reactivated'],
  ['switch:4', 'rollback:done'],
  ['test:4', 'rollback:restored'],
  ['build:1', 'restore:fragment:renamed'],
];

// Kill -9 from outside while a command runs (the simulator hangs at the named point).
const HANG_KILLS = ['build@build', 'test@eval', 'test@activate', 'switch@build', 'switch@profile', 'switch@activate'];

// Failures of every command, without a crash of the worker.
const FAILURES: [string, Record<string, string>][] = [
  ['build exits 1', { BOWTIE_SIM_FAIL: 'build:1' }],
  ['test fails at evaluation (1)', { BOWTIE_SIM_FAIL: 'test:1' }],
  ['test: activation script failed (2)', { BOWTIE_SIM_FAIL: 'test:2' }],
  ['test: systemd reload failed (3)', { BOWTIE_SIM_FAIL: 'test:3' }],
  ['test: units failed (4)', { BOWTIE_SIM_FAIL: 'test:4' }],
  ['test: needs a reboot (100)', { BOWTIE_SIM_FAIL: 'test:100' }],
  ['switch fails at evaluation (1)', { BOWTIE_SIM_FAIL: 'switch:1' }],
  ['switch: activation script failed (2)', { BOWTIE_SIM_FAIL: 'switch:2' }],
  ['switch: units failed (4)', { BOWTIE_SIM_FAIL: 'switch:4' }],
  ['switch: needs a reboot (100)', { BOWTIE_SIM_FAIL: 'switch:100' }],
  ['the simulator crashes midway through build', { BOWTIE_SIM_CRASH: 'build' }],
  ['the simulator crashes after activating in test', { BOWTIE_SIM_CRASH: 'test@activate' }],
  ['the simulator crashes after moving the profile in switch', { BOWTIE_SIM_CRASH: 'switch@profile' }],
  ['build hangs past its timeout', { BOWTIE_SIM_HANG: 'build', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,build=1500' }],
  ['test hangs after activating, past its timeout', { BOWTIE_SIM_HANG: 'test@activate', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,test=1500' }],
  ['switch hangs after moving the profile, past its timeout', { BOWTIE_SIM_HANG: 'switch@profile', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,switch=1500' }],
  ['the health gate fails: gateway silent', { BOWTIE_SIM_PROBE_FAIL: 'gateway', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=300' }],
  ['the health gate fails: no DNS answer', { BOWTIE_SIM_PROBE_FAIL: 'dns', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=300' }],
  ['bowtie-server does not come up after switch', { BOWTIE_SIM_PROBE_FAIL: 'bowtie-server', BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,health=300' }],
  ['switch fails and re-activating the old generation fails too', { BOWTIE_SIM_FAIL: 'switch:4,stc-switch:2' }],
];

// Generous: the concurrent scenarios queue for a slot (oneWorkerAtATime), and a test's timer runs
// while it waits; a loaded CI machine must not turn the queue into a failure.
const T = { timeout: 300_000 };

describe('kill -9 of the worker', () => {
  it.concurrent.for(CRASH_POINTS)('at %s: the old configuration, then the next apply works', T, (at, { expect }) => slot(() => runScenario(expect, crash(at))));

  it.concurrent('after the commit: the new configuration stays', T, ({ expect }) =>
    slot(() => runScenario(expect, { env: { BOWTIE_SETUP_TEST_CRASH_AT: 'commit:done' }, outcome: 'applied', ends: 'new' })),
  );

  it.concurrent.for(ROLLBACK_CRASH_POINTS)('during the rollback of %s, at %s: the rollback completes', T, ([fail, at], { expect }) =>
    slot(() => runScenario(expect, crash(at, { BOWTIE_SIM_FAIL: fail }))),
  );

  it.concurrent.for(HANG_KILLS)('from outside while nixos-rebuild hangs (%s)', T, (hang, { expect }) =>
    slot(() => runScenario(expect, { env: { BOWTIE_SIM_HANG: hang }, killOnHang: true, outcome: 'rolled-back', ends: 'old' })),
  );
});

// From a partial configuration (no hand-off yet) to a complete one: the hand-off marker
// appears only with the new configuration, and a rollback takes it away.
describe('hand-off marker', () => {
  let partial: string;
  let partialSnap: Snapshot;
  beforeAll(async () => {
    partial = await makeRoot();
    expect((await apply(partial, fixtureDoc('partial'))).outcome).toBe('applied');
    partialSnap = snapshot(partial);
    expect(partialSnap.handedOff).toBe(false);
  }, 60_000);
  const cases: [string, Scenario][] = [
    ['kill -9 right after the marker is written', crash('handoff:renamed')],
    ['kill -9 after switch', crash('switch:done')],
    ['switch fails', { env: { BOWTIE_SIM_FAIL: 'switch:4' }, outcome: 'rolled-back', ends: 'old' }],
    ['kill -9 after the commit', { env: { BOWTIE_SETUP_TEST_CRASH_AT: 'commit:done' }, outcome: 'applied', ends: 'new' }],
  ];
  it.concurrent.for(cases)('%s', T, ([, s], { expect }) => slot(() => runScenario(expect, s, partial, partialSnap)));
});

describe('command failures roll back', () => {
  it.concurrent.for(FAILURES)('%s', T, ([, env], { expect }) => slot(() => runScenario(expect, { env, outcome: 'rolled-back', ends: 'old' })));
});
