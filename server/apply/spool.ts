/**
 * The spool: the only thing the unprivileged web process may write. `request.json` is the
 * ticket: created exclusively, so that at most one apply is queued or running; the worker
 * replaces it with a stub without the document as soon as it has journaled the apply (the
 * plaintext secrets leave the spool at once), and deletes it when the apply has ended.
 * `confirm-<id>` is the Confirm button's mark.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory, tempPathFor } from '../system/atomic-file.js';
import { confirmPath, type EnginePaths } from './paths.js';
import type { ApplySource, ConfirmMode, ResetMode } from './types.js';

export interface SpoolRequest {
  id: string;
  createdAt: string;
  source: ApplySource;
  confirm: ConfirmMode;
  confirmWindowSeconds: number;
  /** Absent once the worker has taken the request, and in a reset. */
  document?: unknown;
  /** A reset instead of a document (only honoured in a ticket the worker's own user wrote). */
  reset?: ResetMode;
  taken?: boolean;
}

/** Largest request the worker reads (the document limit plus room for JSON escaping). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export function newApplyId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

async function writeTemp(target: string, data: string, mode = 0o600): Promise<string> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(target);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
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
    await fsyncDirectory(dirname(p.request));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

export async function readTicket(p: EnginePaths): Promise<{ request: SpoolRequest; ageMs: number; uid?: number } | null> {
  let handle;
  try {
    handle = await open(p.request, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') {
      await unlink(p.request).catch(() => {});
      return null;
    }
    throw e;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_REQUEST_BYTES) return { request: { id: 'invalid', createdAt: new Date(0).toISOString(), source: 'web', confirm: 'interactive', confirmWindowSeconds: 120, taken: true }, ageMs: Date.now() - info.mtimeMs };
    const text = await handle.readFile('utf8');
    try {
      return { request: JSON.parse(text) as SpoolRequest, ageMs: Date.now() - info.mtimeMs, uid: info.uid };
    } catch {
      // Half-written tickets cannot exist (link of a complete file); this one is foreign.
      return { request: { id: 'invalid', createdAt: new Date(0).toISOString(), source: 'web', confirm: 'interactive', confirmWindowSeconds: 120, taken: true }, ageMs: Date.now() - info.mtimeMs };
    }
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the ticket with a stub that no longer holds the document. The stub holds no secret
 * and is 0644: written by root, the web process must still read it (to notice a worker that
 * died before clearing it).
 */
export async function markTaken(p: EnginePaths, req: SpoolRequest): Promise<void> {
  const stub: SpoolRequest = { id: req.id, createdAt: req.createdAt, source: req.source, confirm: req.confirm, confirmWindowSeconds: req.confirmWindowSeconds, ...(req.reset ? { reset: req.reset } : {}), taken: true };
  const temp = await writeTemp(p.request, JSON.stringify(stub), 0o644);
  await rename(temp, p.request);
  await fsyncDirectory(dirname(p.request));
}

export async function removeTicket(p: EnginePaths, id?: string): Promise<void> {
  if (id !== undefined) {
    const t = await readTicket(p);
    if (t && t.request.id !== id && t.request.id !== 'invalid') return;
  }
  await unlink(p.request).catch(() => {});
  await fsyncDirectory(dirname(p.request)).catch(() => {});
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


