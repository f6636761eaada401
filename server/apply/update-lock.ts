/**
 * The updater (`bowtie-setup update`) activates configurations too, so it takes the engine's
 * apply lock for its switch, health check and rollback (docs/decisions/0511): an update never
 * runs while an apply runs, nor the reverse, and the loser gets a "busy" answer at once.
 *
 * While it holds the lock the updater publishes `update.json` beside `status.json`: the web
 * process cannot read the lock (it lives in the root-only state directory) but must still
 * refuse to queue an apply, and `status` shows the update.
 *
 * The two sides publish first and look second, so that a race has at most one winner:
 *   update: take the lock -> publish update.json -> look for a queued or unfinished apply
 *   apply:  create the ticket -> look for update.json (live) -> take the ticket back if found
 * Whichever looks last sees the other.
 */
import { unlink } from 'node:fs/promises';
import { z } from 'zod';
import { printable, readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../system/atomic-file.js';
import { readState } from './journal.js';
import { acquireLock, lockAlive, readLock, type LockOwner } from './lock.js';
import type { EnginePaths } from './paths.js';
import { isSameProcessAlive, processStartTime } from './process-info.js';
import { readTicket } from './spool.js';
import type { UpdateActivity } from './update-activity.js';

export { describeUpdate, type UpdateActivity } from './update-activity.js';

export function updateActivityPath(p: EnginePaths): string {
  return join(p.statusDir, 'update.json');
}

/** The update in progress, or null (none, or its process is gone: a crash leaves a stale file). */
const updateActivitySchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number().int().min(0),
  since: z
    .string()
    .max(64)
    .transform((s) => printable(s, 64)),
  from: z
    .string()
    .max(64)
    .transform((s) => printable(s, 64)),
  to: z
    .string()
    .max(64)
    .transform((s) => printable(s, 64)),
});

export async function readUpdateActivity(p: EnginePaths): Promise<UpdateActivity | null> {
  const read = await readBoundaryFile(updateActivityPath(p), {
    what: 'the update activity',
    maxBytes: 4096,
    owners: rootOrSelf(),
    format: 'json',
    schema: updateActivitySchema,
  });
  if (read.kind !== 'ok' || !isSameProcessAlive(read.value.pid, read.value.startTime)) return null;
  return read.value;
}

function describeOwner(owner: LockOwner | null): string {
  if (owner?.purpose === 'update') return `another update is in progress since ${owner.acquiredAt}`;
  return `an apply is in progress${owner ? ` since ${owner.acquiredAt}` : ''}`;
}

/** Why an apply is in the way: one is queued, or one's journal is open (running or interrupted). */
async function applyInTheWay(p: EnginePaths): Promise<string | null> {
  const ticket = await readTicket(p).catch(() => null);
  // A refused ticket is in the way too until a worker has cleared it.
  if (ticket && (ticket.kind === 'refused' || !ticket.request.taken)) return 'an apply is queued';
  const state = await readState(p.state).catch(() => null);
  if (state?.apply) return `apply ${state.apply.id} is unfinished (${state.apply.step}); when it was interrupted, "bowtie-setup status" finishes it`;
  return null;
}

/**
 * Whether an update could start now (null) or why not, without taking anything: the updater
 * asks before its download so that it does not fetch a release it cannot install.
 */
export async function checkIdleForUpdate(p: EnginePaths): Promise<string | null> {
  const owner = await readLock(p.lock);
  if (lockAlive(owner)) return describeOwner(owner);
  return applyInTheWay(p);
}

export type UpdateLock = { ok: true; release(): Promise<void> } | { ok: false; reason: string };

/**
 * Takes the apply lock for an update from `from` to `to`. Busy when an apply (or another
 * update) holds it, when an apply is queued, or when an interrupted apply still has to be
 * finished (its journal is open: switching now would be undone by its recovery).
 */
export async function takeLockForUpdate(p: EnginePaths, versions: { from: string; to: string }): Promise<UpdateLock> {
  const lock = await acquireLock(p.lock, 'update');
  if (!lock) return { ok: false, reason: describeOwner(await readLock(p.lock)) };
  const activity: UpdateActivity = {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? 0,
    since: lock.owner.acquiredAt,
    ...versions,
  };
  const release = async () => {
    await unlink(updateActivityPath(p)).catch(() => {});
    await lock.release();
  };
  try {
    await writeFileAtomic(updateActivityPath(p), `${JSON.stringify(activity)}\n`, { mode: 0o644, dirMode: 0o755 });
    const reason = await applyInTheWay(p);
    if (reason !== null) {
      await release();
      return { ok: false, reason };
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { ok: true, release };
}
