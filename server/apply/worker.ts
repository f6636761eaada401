/**
 * The privileged worker (`bowtie-setup apply --worker`): takes the lock, recovers an
 * interrupted apply, then runs the queued request (and any that arrives meanwhile). It leads
 * its own process group, so that every command it starts can be found and killed after a
 * timeout or after the worker itself was killed.
 */
import { existsSync } from 'node:fs';
import { lstat, rmdir, unlink } from 'node:fs/promises';
import { execa } from 'execa';
import { createProbes, type SystemProbes } from '../system/probes.js';
import { ensureSimulatedMachine } from '../system/sim-machine.js';
import { prepareRootLayout, UnsafeLayoutError, WORKER_LAYOUT } from '../system/state-layout.js';
import { Engine, type EngineDeps } from './engine.js';
import { type PhaseTimeouts, timeoutsFromEnv } from './timeouts.js';
import type { CrashPoint } from './files.js';
import { acquireLock } from './lock.js';
import { enginePaths, type EnginePaths } from './paths.js';
import { childEnv, RebuildAdapter, rebuildExecutable } from './rebuild.js';
import { resetTrust } from './reset-trust.js';
import { readTicket, removeTicket } from './spool.js';
import { publishRefusal } from './status.js';
import type { ApplyResult } from './types.js';

/** A queued request no worker took within this time is dropped (its sender has given up). */
export const TICKET_MAX_AGE_MS = 10 * 60_000;

export interface WorkerOptions {
  root: string;
  simulate: boolean;
  env?: NodeJS.ProcessEnv;
  probes?: SystemProbes;
  timeouts?: PhaseTimeouts;
  crash?: CrashPoint;
  onFirstCommand?: () => void;
  /** Only recover an interrupted apply; leave a queued request alone. */
  recoverOnly?: boolean;
  /** The wizard's side of a reset (server/reset/wizard-files.ts); without it resets stay pending. */
  resetWizardFiles?: EngineDeps['resetWizardFiles'];
  /** Removes what the wizard kept once setup is handed off (its draft, code, prefill); idempotent. */
  scrubAfterHandoff?: () => Promise<void>;
}

export interface WorkerOutcome {
  /** False when another live worker holds the lock (it will take the queued request). */
  ran: boolean;
  recovered: ApplyResult | null;
  results: ApplyResult[];
}

/** The wizard's unit (nix/modules/setup.nix). */
export const WIZARD_UNIT = 'bowtie-setup.service';

/** The console menu on tty1 (nix/modules/setup.nix). */
export const CONSOLE_UNIT = 'bowtie-setup-console.service';

async function startWizardUnit(): Promise<void> {
  await execa('systemctl', ['start', '--no-block', WIZARD_UNIT], { env: { PATH: process.env.PATH ?? '' }, extendEnv: false });
}

/**
 * After a reset: the wizard restarts (it holds the old setup code and draft in memory) and the
 * console menu starts (it stopped at hand-off). Started from this worker, which is in neither
 * unit, so neither restart can kill it.
 */
async function restartWizardUnits(): Promise<void> {
  const env = { PATH: process.env.PATH ?? '' };
  await execa('systemctl', ['restart', '--no-block', WIZARD_UNIT], { env, extendEnv: false });
  await execa('systemctl', ['start', '--no-block', CONSOLE_UNIT], { env, extendEnv: false });
}

/** The crash points the fault-injection suite uses: BOWTIE_SETUP_TEST_CRASH_AT=<name>. */
export function crashFromEnv(env: NodeJS.ProcessEnv): CrashPoint {
  const at = env.BOWTIE_SETUP_TEST_CRASH_AT;
  if (!at) return () => {};
  return (name) => {
    if (name === at) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * The journal, the backups and the secrets are trusted as root's: before anything is read,
 * their directories are made where missing and checked (docs/decisions/0500). Throws
 * UnsafeLayoutError when one of them is a link, or (as root) someone else's or writable by
 * others: whoever can write there can replace root's files with their own.
 */
export async function prepareRoot(paths: EnginePaths, simulate: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  await prepareRootLayout(paths.root, WORKER_LAYOUT);
  if (!simulate) return;
  await ensureSimulatedMachine(paths.root, env);
  if (!existsSync(paths.profile)) {
    // The simulator creates the image's first generation on its first run.
    await execa(rebuildExecutable(true, env), ['list-generations'], { env: childEnv(paths.root, env), extendEnv: false, cwd: paths.buildDir, stdin: 'ignore' });
  }
}

/**
 * Takes a refused ticket out of the queue. Whatever is there (a link, a FIFO, a device node) is
 * unlinked, never followed or opened; an empty directory is removed. False when something
 * stays (a directory with content): the worker then stops rather than refuse it forever.
 */
async function discardTicket(paths: EnginePaths): Promise<boolean> {
  await unlink(paths.request).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === 'EISDIR' || e.code === 'EPERM') await rmdir(paths.request).catch(() => {});
  });
  return !(await lstat(paths.request).then(
    () => true,
    () => false,
  ));
}

export async function runWorker(opts: WorkerOptions): Promise<WorkerOutcome> {
  const env = opts.env ?? process.env;
  const paths = enginePaths(opts.root);
  try {
    await prepareRoot(paths, opts.simulate, env);
  } catch (e) {
    // Say why where the wizard, `status` and the console look, instead of only in the journal.
    if (e instanceof UnsafeLayoutError) await publishRefusal(paths, e.message).catch(() => {});
    throw e;
  }
  const lock = await acquireLock(paths.lock);
  if (!lock) return { ran: false, recovered: null, results: [] };
  const outcome: WorkerOutcome = { ran: true, recovered: null, results: [] };
  try {
    const engine = new Engine({
      paths,
      rebuild: new RebuildAdapter(paths, rebuildExecutable(opts.simulate, env)),
      probes: opts.probes ?? createProbes({ root: opts.root, simulate: opts.simulate }),
      timeouts: opts.timeouts ?? timeoutsFromEnv(env.BOWTIE_SETUP_APPLY_TIMEOUTS),
      lock: lock.owner,
      crash: opts.crash ?? crashFromEnv(env),
      onFirstCommand: opts.onFirstCommand,
      startWizard: opts.simulate ? undefined : startWizardUnit,
      resetWizardFiles: opts.resetWizardFiles,
      restartWizard: opts.simulate ? undefined : restartWizardUnits,
    });
    for (;;) {
      await engine.load();
      const recovered = await engine.recover();
      if (recovered) {
        outcome.recovered = recovered;
        await removeTicket(paths, recovered.id);
      }
      if (opts.recoverOnly) break;
      const ticket = await readTicket(paths);
      if (!ticket) break;
      if (ticket.kind === 'refused') {
        // Refused whole, its reason published; the next good ticket is served as usual.
        await engine.refuse(ticket.reason);
        if (!(await discardTicket(paths))) break;
        continue;
      }
      const req = ticket.request;
      if (req.taken || (req.document === undefined && req.reset === undefined) || ticket.ageMs > TICKET_MAX_AGE_MS) {
        // A stub whose apply has ended, or a request nobody took in time.
        await removeTicket(paths, req.id);
        continue;
      }
      // The web process may queue documents; a reset only with the admin's password, and only
      // --config (./reset-trust.ts). Root's own tickets (the CLI, the console) may reset.
      const trust = req.reset === undefined ? { reset: false } : await resetTrust(paths, req, ticket.uid);
      outcome.results.push(await engine.run(req, trust));
    }
    // The wizard stands down for good once setup is handed off: no secret it held outlives it.
    if ([outcome.recovered, ...outcome.results].some((r) => r?.handedOff)) await opts.scrubAfterHandoff?.();
    await engine.publish(true);
  } finally {
    await lock.release();
  }
  return outcome;
}
