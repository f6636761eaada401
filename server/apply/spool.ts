/**
 * The spool: the only thing the unprivileged web process may write. `request.json` is the
 * ticket: created exclusively, so that at most one apply is queued or running; the worker
 * replaces it with a stub without the document as soon as it has journaled the apply (the
 * plaintext secrets leave the spool at once), and deletes it when the apply has ended.
 * `confirm-<id>` is the Confirm button's mark.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { tempPathFor } from '../system/atomic-file.js';
import { readBoundaryFile } from '../system/boundary-file.js';
import { PASSWORD_MAX } from '../config/limits.js';
import { APPLY_ID_PATTERN } from './ids.js';
import { CONFIRM_WINDOW_MAX_SECONDS, CONFIRM_WINDOW_MIN_SECONDS } from './timeouts.js';
import { confirmPath, type EnginePaths } from './paths.js';

/**
 * The ticket as the worker accepts it: anything else in the spool is refused whole. The
 * worker's own limits (the confirm window's range, the id's pattern) are part of the schema,
 * whatever the sender thought.
 */
export const spoolRequestSchema = z
  .strictObject({
    id: z.string().regex(APPLY_ID_PATTERN),
    createdAt: z.iso.datetime(),
    source: z.enum(['web', 'cli', 'cloud-init', 'console']),
    confirm: z.enum(['interactive', 'health-gate']),
    confirmWindowSeconds: z.number().int().min(CONFIRM_WINDOW_MIN_SECONDS).max(CONFIRM_WINDOW_MAX_SECONDS),
    /** Absent once the worker has taken the request, and in a reset. */
    document: z.unknown().optional(),
    /**
     * A reset instead of a document: honoured in a ticket the worker's own user wrote, or, for
     * `config` only, with `password` when that is the admin's (docs/decisions/0525).
     */
    reset: z.enum(['config', 'factory']).optional(),
    /**
     * The admin password the browser sent with a reset: checked by the worker against the admin's
     * hash, never journaled or kept (the stub that replaces the ticket leaves it out).
     */
    password: z.string().min(1).max(PASSWORD_MAX).optional(),
    taken: z.boolean().optional(),
    /** The document came from the controller template: a legacy argon2i admin hash is taken (only from a ticket root wrote). */
    legacyPasswordHash: z.literal(true).optional(),
  })
  // A password comes only with the browser's reset; anywhere else it is refused whole.
  .refine((r) => r.password === undefined || r.reset !== undefined, { path: ['password'], error: 'only with a reset' });
export type SpoolRequest = z.infer<typeof spoolRequestSchema>;

/** Largest request the worker reads (the document limit plus room for JSON escaping). */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export function newApplyId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The spool is under /run, a tmpfs that a reboot empties: its files are written whole and
 * renamed or linked into place, not fsynced, which there does nothing on the appliance and on
 * a disk buys nothing a reader relies on (docs/decisions/0690). The journal stays durable.
 */
async function writeTemp(target: string, data: string, mode = 0o600): Promise<string> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(target);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  return temp;
}

/** Queues a request; false when another one holds the ticket. */
export async function createTicket(p: EnginePaths, req: SpoolRequest): Promise<boolean> {
  const temp = await writeTemp(p.request, JSON.stringify(req));
  try {
    await link(temp, p.request);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

export type TicketRead = { kind: 'ok'; request: SpoolRequest; ageMs: number; uid: number } | { kind: 'refused'; reason: string };

/**
 * The queued ticket, read through the boundary reader (docs/decisions/0600); null when there is
 * none. Only the worker's own user and the spool's owner (the wizard's user) may write one.
 */
export async function readTicket(p: EnginePaths): Promise<TicketRead | null> {
  const owners = await spoolWriters(p);
  const read = await readBoundaryFile(p.request, { what: 'the apply ticket', maxBytes: MAX_REQUEST_BYTES, owners, format: 'json', schema: spoolRequestSchema });
  if (read.kind === 'absent') return null;
  if (read.kind === 'refused') return read;
  return { kind: 'ok', request: read.value, ageMs: Date.now() - read.mtimeMs, uid: read.uid };
}

/** The users who may write into the spool: this process's and the spool directory's owner. */
async function spoolWriters(p: EnginePaths): Promise<number[]> {
  const own = process.getuid?.() ?? 0;
  const dir = await stat(p.spoolDir).catch(() => null);
  return dir ? [own, dir.uid] : [own];
}

/**
 * Replaces the ticket with a stub that no longer holds the document. The stub holds no secret
 * and is 0644: written by root, the web process must still read it (to notice a worker that
 * died before clearing it).
 */
export async function markTaken(p: EnginePaths, req: SpoolRequest): Promise<void> {
  const stub: SpoolRequest = {
    id: req.id,
    createdAt: req.createdAt,
    source: req.source,
    confirm: req.confirm,
    confirmWindowSeconds: req.confirmWindowSeconds,
    ...(req.reset ? { reset: req.reset } : {}),
    taken: true,
  };
  const temp = await writeTemp(p.request, JSON.stringify(stub), 0o644);
  await rename(temp, p.request);
}

/** Removes the ticket (a link or a FIFO there included: unlink never follows); with `id`, only that apply's. */
export async function removeTicket(p: EnginePaths, id?: string): Promise<void> {
  if (id !== undefined) {
    const t = await readTicket(p);
    if (t?.kind === 'ok' && t.request.id !== id) return;
  }
  await unlink(p.request).catch(() => {});
}

export async function writeConfirm(p: EnginePaths, id: string): Promise<void> {
  const temp = await writeTemp(confirmPath(p, id), `${new Date().toISOString()}\n`);
  await rename(temp, confirmPath(p, id));
}

/** The mark itself, never what a link there names. */
export async function hasConfirm(p: EnginePaths, id: string): Promise<boolean> {
  return lstat(confirmPath(p, id)).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function removeConfirm(p: EnginePaths, id: string): Promise<void> {
  await unlink(confirmPath(p, id)).catch(() => {});
}
