/**
 * One apply at a time, across crashes: `apply.lock` holds the worker's pid, its start time
 * and its process group. A lock whose process is gone (or whose pid now belongs to another
 * process) is stale: the next worker takes it over, first killing whatever the dead worker
 * left running in its process group, then recovering the journal.
 *
 * The updater takes the same lock for its switch (purpose "update", docs/decisions/0511): one
 * lock for everything that activates a configuration.
 */
import { constants } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { z } from 'zod';
import { readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';
import { dirname } from 'node:path';
import { fsyncDirectory, tempPathFor, writeFileAtomic } from '../system/atomic-file.js';
import { isSameProcessAlive, killGroupMembers, processGroupOf, processStartTime } from './process-info.js';

/** Who holds the lock: the apply worker, or `bowtie-setup update` for its switch. */
export type LockPurpose = 'apply' | 'update';

export interface LockOwner {
  pid: number;
  startTime: number;
  /** The owner's process group when it leads one (its children are in it), else null. */
  pgid: number | null;
  acquiredAt: string;
  /** Absent in locks written before the updater took it: those are the worker's. */
  purpose?: LockPurpose;
}

const lockOwnerSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number().int().min(0),
  pgid: z.number().int().positive().nullable(),
  acquiredAt: z.iso.datetime(),
  purpose: z.enum(['apply', 'update']).optional(),
});

/** The lock's owner; null when there is none, or what is there is not a lock (it is not honoured). */
export async function readLock(file: string): Promise<LockOwner | null> {
  const read = await readBoundaryFile(file, { what: 'the apply lock', maxBytes: 4096, owners: rootOrSelf(), format: 'json', schema: lockOwnerSchema });
  return read.kind === 'ok' ? read.value : null;
}

export function lockAlive(owner: LockOwner | null): boolean {
  return owner !== null && isSameProcessAlive(owner.pid, owner.startTime);
}

export interface HeldLock {
  owner: LockOwner;
  /** The stale owner taken over, if any (its leftovers were killed). */
  tookOverFrom: LockOwner | null;
  release(): Promise<void>;
}

/**
 * Takes the lock, or returns null when a live process holds it. Creation is exclusive (link
 * of a fully written temp file), so two workers racing for a free or stale lock cannot both
 * win.
 */
export async function acquireLock(file: string, purpose: LockPurpose = 'apply'): Promise<HeldLock | null> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const startTime = processStartTime(process.pid);
  if (startTime === null) throw new Error("cannot read this process's start time from /proc");
  const pgid = processGroupOf(process.pid);
  const owner: LockOwner = { pid: process.pid, startTime, pgid: pgid === process.pid ? pgid : null, acquiredAt: new Date().toISOString(), purpose };
  const takeover = `${file}.takeover`;
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createExclusive(file, owner)) return held(file, owner, null);
    const current = await readLock(file);
    if (lockAlive(current)) return null;
    // Stale (or unreadable: a crash while it was written). Exactly one worker may take it
    // over: the one that creates the takeover marker.
    if (!(await createExclusive(takeover, owner))) {
      const taker = await readLock(takeover);
      if (lockAlive(taker)) return null;
      await unlink(takeover).catch(() => {});
      continue;
    }
    try {
      const again = await readLock(file);
      if (lockAlive(again)) return null;
      // Kill what the dead worker left running (a nixos-rebuild must not finish after we
      // rolled back). Its pid cannot have been reused while its group still has members.
      if (again?.pgid && processStartTime(again.pgid) === null) await killGroupMembers(again.pgid, null);
      await writeOwner(file, owner);
      return held(file, owner, again);
    } finally {
      await unlink(takeover).catch(() => {});
    }
  }
  return null;
}

async function writeOwner(file: string, owner: LockOwner): Promise<string> {
  await writeFileAtomic(file, JSON.stringify(owner), { mode: 0o600, dirMode: 0o700 });
  return file;
}

/** Creates `file` holding `owner` only if it does not exist (link of a complete temp file). */
async function createExclusive(file: string, owner: LockOwner): Promise<boolean> {
  const temp = tempPathFor(file);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    await fsyncDirectory(dirname(file));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

function held(file: string, owner: LockOwner, tookOverFrom: LockOwner | null): HeldLock {
  return {
    owner,
    tookOverFrom,
    async release() {
      const current = await readLock(file);
      if (current?.pid === owner.pid && current.startTime === owner.startTime) {
        await unlink(file).catch(() => {});
        await fsyncDirectory(dirname(file)).catch(() => {});
      }
    },
  };
}
