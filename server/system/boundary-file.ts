/**
 * The one reader for every file that one side of the privilege boundary writes and the other
 * reads (docs/decisions/0600): the apply ticket and confirm marks in the spool, the wizard's
 * draft, cloud-init's result for the wizard, the published status and output log, the lock and
 * the hand-off marker.
 *
 * Whoever wrote the file may be hostile, so the file is opened without following a link and
 * without blocking (a FIFO must not hang root), must be a regular file of an expected owner,
 * is read up to a cap (a file that grows while read is cut there and refused), must not change
 * while read, and is parsed with a zod schema. A refusal says what was wrong with the file,
 * never what it held: the content may be a secret, or text made to fool a terminal.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { z } from 'zod';

export interface BoundaryFileSpec<T> {
  /** The file in words, for reasons: "the apply ticket". */
  what: string;
  maxBytes: number;
  /** Allowed owner uids; undefined: any owner (the directory's permissions decide). */
  owners?: readonly number[];
  format: 'json' | 'text';
  /**
   * The schema, or a function that loads it when there is a file to parse: the readers the web
   * process calls before it listens keep zod (and building their schemas) off its start
   * (docs/decisions/0690).
   */
  schema: z.ZodType<T> | (() => Promise<z.ZodType<T>>);
  /**
   * A log its writer appends to while it is read: the bytes present when it was opened are
   * read, and growth meanwhile is not a change. Never for a file whose whole content is acted on.
   */
  appendOnly?: boolean;
}

export type BoundaryRead<T> = { kind: 'absent' } | { kind: 'refused'; reason: string } | { kind: 'ok'; value: T; uid: number; mtimeMs: number };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** The owners a file shared between root's worker and the wizard may have: root, or this process's own user (a sandbox run). */
export function rootOrSelf(): number[] {
  const own = process.getuid?.() ?? 0;
  return own === 0 ? [0] : [0, own];
}

export async function readBoundaryFile<T>(path: string, spec: BoundaryFileSpec<T>): Promise<BoundaryRead<T>> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    if (code === 'ELOOP' || code === 'EMLINK') return refused(`${spec.what} is a symbolic link`);
    if (code === 'EACCES' || code === 'EPERM') return refused(`${spec.what} cannot be read (permission denied)`);
    if (code === 'ENXIO') return refused(`${spec.what} is not a regular file`);
    return refused(`${spec.what} cannot be opened (${code ?? 'error'})`);
  }
  try {
    const before = await handle.stat();
    if (!before.isFile()) return refused(`${spec.what} is not a regular file`);
    if (spec.owners && !spec.owners.includes(before.uid)) return refused(`${spec.what} belongs to user ${before.uid}, not to a user allowed to write it`);
    if (before.size > spec.maxBytes) return refused(`${spec.what} is larger than ${spec.maxBytes} bytes`);
    const bytes = spec.appendOnly ? await readCapped(handle, before.size, true) : await readCapped(handle, spec.maxBytes, false);
    if (bytes === null) return refused(`${spec.what} is larger than ${spec.maxBytes} bytes`);
    const after = await handle.stat();
    if (spec.appendOnly) {
      if (after.ino !== before.ino || after.size < before.size) return refused(`${spec.what} changed while it was read`);
    } else if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino || bytes.length !== before.size) {
      return refused(`${spec.what} changed while it was read`);
    }
    let text: string;
    try {
      // An appended log may be cut inside a character: decode what is whole.
      text = new TextDecoder('utf-8', { fatal: !spec.appendOnly }).decode(bytes);
    } catch {
      return refused(`${spec.what} is not UTF-8 text`);
    }
    let raw: unknown = text;
    if (spec.format === 'json') {
      try {
        raw = JSON.parse(text);
      } catch {
        // V8's message quotes the text: say only that it is not JSON.
        return refused(`${spec.what} is not valid JSON`);
      }
    }
    const schema = typeof spec.schema === 'function' ? await spec.schema() : spec.schema;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return refused(`${spec.what} is not in the expected form (${describeIssues(parsed.error)})`);
    return { kind: 'ok', value: parsed.data, uid: before.uid, mtimeMs: before.mtimeMs };
  } finally {
    await handle.close();
  }
}

export type BoundaryChunk =
  | { kind: 'absent' }
  | { kind: 'refused'; reason: string }
  /**
   * `bytes` from `offset` (at most the cap); `file` says which file (inode and birth time: an
   * inode number alone may be reused by the next log) and `size` how long it was when opened.
   */
  | { kind: 'ok'; bytes: Buffer; file: string; size: number };

/**
 * The next piece of an append-only log the other side writes (the apply output, followed by the
 * progress stream): the same opening rules as readBoundaryFile (no link, no FIFO, a regular
 * file of an allowed owner), then at most `maxBytes` from `offset`. Nothing is parsed here:
 * the caller cuts lines and makes them printable. A file shorter than `offset`, or another
 * file than the caller read before, is a new log; the caller starts again at 0.
 */
export async function readBoundaryChunk(
  path: string,
  spec: { what: string; owners?: readonly number[]; maxBytes: number },
  offset: number,
): Promise<BoundaryChunk> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    if (code === 'ELOOP' || code === 'EMLINK') return refused(`${spec.what} is a symbolic link`);
    if (code === 'ENXIO') return refused(`${spec.what} is not a regular file`);
    return refused(`${spec.what} cannot be opened (${code ?? 'error'})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return refused(`${spec.what} is not a regular file`);
    if (spec.owners && !spec.owners.includes(st.uid)) return refused(`${spec.what} belongs to user ${st.uid}, not to a user allowed to write it`);
    const want = Math.max(0, Math.min(spec.maxBytes, st.size - offset));
    const bytes = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(bytes, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { kind: 'ok', bytes: bytes.subarray(0, got), file: `${st.ino}-${Math.floor(st.birthtimeMs)}`, size: st.size };
  } finally {
    await handle.close();
  }
}

/** Reads at most `max` bytes; null when the file holds more, unless `truncate` (then the first `max`). */
async function readCapped(handle: FileHandle, max: number, truncate: boolean): Promise<Buffer | null> {
  const buffer = Buffer.alloc(Math.min(max + 1, 1 << 16));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const want = Math.min(buffer.length, max + (truncate ? 0 : 1) - total);
    if (want <= 0) break;
    const { bytesRead } = await handle.read(buffer, 0, want, total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > max) return null;
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks, total);
}

/** Where the schema disagreed, by path only: an issue's message may quote the value. */
function describeIssues(error: z.ZodError): string {
  const paths = [...new Set(error.issues.map((i) => (i.path.length ? i.path.map(String).join('.') : '(top level)')))];
  const shown = paths.slice(0, 5).map(safeName);
  return `${shown.join(', ')}${paths.length > 5 ? `, and ${paths.length - 5} more` : ''}`;
}

/** A key name from the other side, shown only when it cannot be a value in disguise. */
function safeName(path: string): string {
  if (path === '(top level)') return path;
  return /^[A-Za-z0-9_.-]{1,64}$/.test(path) ? path : 'a field with an unexpected name';
}

function refused(reason: string): { kind: 'refused'; reason: string } {
  return { kind: 'refused', reason };
}

/**
 * Text from the other side made fit for a terminal, a log line or a status field: control
 * characters (C0, DEL, C1), bidirectional overrides and line/paragraph separators become a
 * visible replacement, and the length is capped.
 */
export function printable(text: string, max = 500): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
