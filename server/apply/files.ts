/**
 * The files an apply manages: the fragment and the secret files. Each write is the atomic
 * sequence of DESIGN.md "Activation" step 2 (exclusive temp file with the final mode, write,
 * fsync, rename, fsync the directory), with a named point between each part where the
 * fault-injection tests kill the worker.
 */
import { mkdir, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDirectory, writeFileAtomic } from '../system/atomic-file.js';
import { readTrusted } from '../system/state-layout.js';
import { type FilesSnapshot, sha256 } from './journal.js';
import { type EnginePaths, SECRET_NAMES, type SecretName } from './paths.js';

export type CrashPoint = (name: string) => void;

export interface FileContents {
  fragment: string | null;
  secrets: Record<SecretName, string | null>;
}

/**
 * The managed files and their backups are root's: a link or (as root) someone else's file in
 * their place is refused, never followed (docs/decisions/0500).
 */
async function readOrNull(file: string): Promise<Buffer | null> {
  return readTrusted(file);
}

export function snapshotOf(c: FileContents): FilesSnapshot {
  return {
    fragment: c.fragment === null ? null : sha256(c.fragment),
    secrets: Object.fromEntries(SECRET_NAMES.map((n) => [n, c.secrets[n] === null ? null : sha256(c.secrets[n])])) as Record<SecretName, string | null>,
  };
}

export async function readContents(p: EnginePaths): Promise<FileContents> {
  const fragment = await readOrNull(p.fragment);
  const secrets = {} as Record<SecretName, string | null>;
  for (const n of SECRET_NAMES) secrets[n] = (await readOrNull(p.secrets[n]))?.toString('utf8') ?? null;
  return { fragment: fragment?.toString('utf8') ?? null, secrets };
}

// A journal written before a secret file existed has no entry for it: the file was absent.
export function sameSnapshot(a: FilesSnapshot, b: FilesSnapshot): boolean {
  return a.fragment === b.fragment && SECRET_NAMES.every((n) => (a.secrets[n] ?? null) === (b.secrets[n] ?? null));
}

/** Atomic replacement with crash points `<label>:temp`, `<label>:renamed`, `<label>:synced`. */
export async function writeManaged(target: string, data: string, mode: number, dirMode: number, label: string, crash: CrashPoint): Promise<void> {
  await writeFileAtomic(target, data, { mode, dirMode, onStep: (step) => crash(`${label}:${step}`) });
}

export async function removeManaged(target: string, label: string, crash: CrashPoint): Promise<void> {
  try {
    await unlink(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  crash(`${label}:removed`);
  await fsyncDirectory(dirname(target));
}

/** Removes temp files a crash left beside the managed files (".<name>.<random>.tmp"). */
export async function sweepTemps(p: EnginePaths): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  for (const dir of new Set([dirname(p.fragment), dirname(p.secrets.adminPasswordHash), p.rollbackDir, join(p.rollbackDir, 'secrets')])) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (/^\..+\.[0-9a-f]{12}\.tmp$/.test(n)) await rm(join(dir, n), { force: true });
  }
}

const SECRET_MODE = 0o600;
const SECRET_DIR_MODE = 0o700;
const FRAGMENT_MODE = 0o644;

function backupPaths(p: EnginePaths): { fragment: string; secrets: Record<SecretName, string> } {
  return {
    fragment: join(p.rollbackDir, 'site.nix'),
    secrets: Object.fromEntries(SECRET_NAMES.map((n) => [n, join(p.rollbackDir, 'secrets', n)])) as Record<SecretName, string>,
  };
}

/** Keeps the current versions in rollback/ (files that do not exist are not copied). */
export async function writeBackup(p: EnginePaths, current: FileContents, crash: CrashPoint): Promise<void> {
  await rm(p.rollbackDir, { recursive: true, force: true });
  const b = backupPaths(p);
  if (current.fragment !== null) await writeManaged(b.fragment, current.fragment, SECRET_MODE, SECRET_DIR_MODE, 'backup:fragment', crash);
  for (const n of SECRET_NAMES) {
    const v = current.secrets[n];
    if (v !== null) await writeManaged(b.secrets[n], v, SECRET_MODE, SECRET_DIR_MODE, `backup:${n}`, crash);
  }
  await mkdir(p.rollbackDir, { recursive: true, mode: SECRET_DIR_MODE });
  await fsyncDirectory(dirname(p.rollbackDir));
}

/** Writes the new secrets, then the fragment that refers to them. */
export async function writeNew(p: EnginePaths, next: FileContents, crash: CrashPoint): Promise<void> {
  for (const n of SECRET_NAMES) {
    const v = next.secrets[n];
    if (v === null) await removeManaged(p.secrets[n], `write:${n}`, crash);
    else await writeManaged(p.secrets[n], v, SECRET_MODE, SECRET_DIR_MODE, `write:${n}`, crash);
  }
  if (next.fragment === null) await removeManaged(p.fragment, 'write:fragment', crash);
  else await writeManaged(p.fragment, next.fragment, FRAGMENT_MODE, 0o755, 'write:fragment', crash);
}

/**
 * Puts every managed file back to the version `prev` records, from rollback/. Idempotent:
 * a file that already matches is left alone, so a crash halfway is finished by the next run.
 */
export async function restoreFiles(p: EnginePaths, prev: FilesSnapshot, crash: CrashPoint): Promise<void> {
  const now = snapshotOf(await readContents(p));
  const b = backupPaths(p);
  const restoreOne = async (target: string, backup: string, want: string | null, have: string | null, mode: number, dirMode: number, label: string) => {
    if (want === have) return;
    if (want === null) return removeManaged(target, label, crash);
    const bytes = await readOrNull(backup);
    if (bytes === null || sha256(bytes) !== want) throw new Error(`cannot restore ${target}: its backup is missing or damaged`);
    await writeManaged(target, bytes.toString('utf8'), mode, dirMode, label, crash);
  };
  for (const n of SECRET_NAMES) {
    await restoreOne(p.secrets[n], b.secrets[n], prev.secrets[n] ?? null, now.secrets[n], SECRET_MODE, SECRET_DIR_MODE, `restore:${n}`);
  }
  await restoreOne(p.fragment, b.fragment, prev.fragment, now.fragment, FRAGMENT_MODE, 0o755, 'restore:fragment');
}

/**
 * Removes every file under `dir` except those in `keep`; directories stay, emptied, with the
 * owner and mode the NixOS module gave them (a service that is not root could not make them
 * again). Symbolic links are removed, never followed.
 *
 * Run as root, it walks only root's own directories below a root-owned parent, and leaves a
 * directory another user owns (the wizard's web/) alone: that user can swap any entry there for
 * a link between our look and our removal, and root would empty whatever the link names. The
 * wizard's files are removed by name instead (server/reset/wizard-files.ts, docs/decisions/0500).
 */
export async function wipeDirectory(dir: string, keep: readonly string[]): Promise<void> {
  const { lstat, readdir } = await import('node:fs/promises');
  const asRoot = process.getuid?.() === 0;
  const ours = async (path: string) => {
    const st = await lstat(path).catch(() => null);
    return st !== null && st.isDirectory() && (!asRoot || st.uid === 0);
  };
  if (!(await ours(dir)) || (asRoot && !(await ours(dirname(dir))))) return;
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = join(current, e.name);
      if (e.isDirectory()) {
        if (await ours(full)) await walk(full);
      } else if (!keep.includes(full)) await rm(full, { force: true });
    }
    await fsyncDirectory(current).catch(() => {});
  };
  await walk(dir);
}
