/**
 * Headless applies (`apply FILE`, cloud-init; dry runs are ./plan.ts). A headless apply goes through the
 * same spool and worker as the web, with health-gate confirm; this process waits for the
 * worker and, should the worker die, starts another one to recover, so that the caller always
 * learns how it ended.
 */
import type { ChildProcess } from 'node:child_process';
import { validateDocument } from '../config/validate.js';
import { ApplyBusyError, ApplyRefusedError } from './errors.js';
import { readStatus } from './status-reader.js';
import { lockAlive, readLock } from './lock.js';
import { spawnWorker } from './launch.js';
import { enginePaths } from './paths.js';
import { createTicket, newApplyId, removeTicket } from './spool.js';
import { readUpdateActivity } from './update-lock.js';
import { DEFAULT_CONFIRM_WINDOW_SECONDS } from './timeouts.js';
import type { ApplyOptions, ApplyResult, ApplyStatus, ResetMode } from './types.js';

export interface HeadlessApplyOptions extends ApplyOptions {
  /** The document to apply; ignored when `reset` is given. */
  document: unknown;
  /** A reset instead of a document (see ResetMode): same spool, worker, journal and health gate. */
  reset?: ResetMode;
  source: 'cli' | 'cloud-init' | 'console';
  /** The document was translated from the controller template: a legacy argon2i admin hash is taken. */
  legacyPasswordHash?: boolean;
  /** Called with each status change while the apply runs (progress display). */
  onStatus?: (status: ApplyStatus) => void;
  /** Environment of the first worker (tests inject faults here); recovery workers get none of the test hooks. */
  env?: NodeJS.ProcessEnv;
}

/** Runs one apply to the end with health-gate confirm. Rejects with ApplyBusyError when busy (an apply or an update). */
export async function applyHeadless(opts: HeadlessApplyOptions): Promise<ApplyResult> {
  const p = enginePaths(opts.root);
  const checked = opts.reset ? null : validateDocument(opts.document, 'any', undefined, { legacyPasswordHash: opts.legacyPasswordHash === true });
  if (checked && !checked.ok) {
    return {
      id: '',
      outcome: 'invalid',
      source: opts.source,
      finishedAt: new Date().toISOString(),
      reason: 'the document is not valid',
      failedPhase: 'validate',
      errors: checked.errors,
      outputTail: [],
      generation: null,
      handedOff: false,
    };
  }
  let before = await readStatus(p);
  if (before.interrupted || (before.phase === 'queued' && !before.workerAlive && !lockAlive(await readLock(p.lock)))) {
    // A dead worker left something behind: let a worker finish it first.
    await waitExit(spawnWorker(opts.root, opts.simulate, withoutTestHooks(opts.env ?? process.env)));
    before = await readStatus(p);
  }
  if (before.phase !== 'idle') throw new ApplyBusyError(strip(before));
  if (before.update) throw new ApplyBusyError(strip(before), before.update);
  const id = newApplyId();
  const what = opts.reset ? { reset: opts.reset } : { document: opts.document, ...(opts.legacyPasswordHash ? { legacyPasswordHash: true as const } : {}) };
  const createdAt = new Date().toISOString();
  const queued = await createTicket(p, {
    id,
    createdAt,
    source: opts.source,
    confirm: 'health-gate',
    confirmWindowSeconds: DEFAULT_CONFIRM_WINDOW_SECONDS,
    ...what,
  });
  if (!queued) throw new ApplyBusyError(strip(await readStatus(p)));
  // An update that took the lock meanwhile: it looks for tickets after publishing itself, so
  // one of us sees the other (update-lock.ts).
  const raced = await readUpdateActivity(p);
  if (raced) {
    await removeTicket(p, id);
    throw new ApplyBusyError(strip(await readStatus(p)), raced);
  }

  const env = opts.env ?? process.env;
  let lastSeen = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const child = spawnWorker(opts.root, opts.simulate, attempt === 0 ? env : withoutTestHooks(env));
    // Set when the child exits, which the checker cannot see from here: a box, not a plain `let`.
    const worker = { exited: false };
    void waitExit(child).then(() => (worker.exited = true));
    for (;;) {
      const s = await readStatus(p);
      const key = `${s.phase}|${s.progress.buildsDone}|${s.progress.pathsDone}|${s.progress.activity ?? ''}|${s.last?.id ?? ''}`;
      if (key !== lastSeen) {
        lastSeen = key;
        opts.onStatus?.(strip(s));
      }
      if (s.last?.id === id && s.phase === 'idle') {
        // Let our worker finish (it releases the lock), so that the next apply gets its own.
        // unref: once the worker is gone this timer must not keep the CLI alive for 10 s.
        await Promise.race([waitExit(child), new Promise((r) => setTimeout(r, 10_000).unref())]);
        return s.last;
      }
      // A worker that refused to run (an unsafe layout) said why: say it, do not retry.
      if (s.refusal && Date.parse(s.refusal.at) >= Date.parse(createdAt) && s.phase === 'idle') {
        await removeTicket(p, id);
        throw new ApplyRefusedError(s.refusal.reason);
      }
      // Our worker may have found the lock taken: then the holder runs our request.
      if (worker.exited && !lockAlive(await readLock(p.lock))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = await readStatus(p);
    if (s.last?.id === id && s.phase === 'idle') return s.last;
  }
  throw new Error(`apply ${id}: the worker stopped repeatedly; see ${p.logsDir}`);
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
}

/** Recovery workers must not inherit the fault-injection suite's crash point. */
function withoutTestHooks(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'BOWTIE_SETUP_TEST_CRASH_AT'));
}

function strip(s: ApplyStatus & { workerAlive?: boolean; update?: unknown; queuedForMs?: number }): ApplyStatus {
  const { workerAlive: _w, update: _u, queuedForMs: _q, ...rest } = s;
  return rest;
}
