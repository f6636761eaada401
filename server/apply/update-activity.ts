/**
 * What `update.json` says while an update holds the apply lock, and how it is described: the
 * apply engine's errors name a running update, and the web process imports them before it
 * listens, so this stays apart from update-lock.ts and its zod schemas (docs/decisions/0690).
 */

/** What `update.json` holds: which release the running update installs, and who runs it. */
export interface UpdateActivity {
  pid: number;
  startTime: number;
  /** When the update took the lock (ISO 8601). */
  since: string;
  /** Release versions. */
  from: string;
  to: string;
}

export function describeUpdate(u: UpdateActivity): string {
  return `an update (${u.from} -> ${u.to}) is in progress since ${u.since}`;
}
