/**
 * The appliance layout on disk (server/nix/paths.ts, docs/decisions/0500): made where it is
 * missing, and checked before root trusts anything in it.
 *
 * Root's processes (the apply worker, cloud-init) refuse to run when one of their directories
 * is a symbolic link, or, when they run as root, is not owned by root or is writable by group
 * or others, or sits below a directory that is: whoever can write a directory can rename
 * root's journal and backups away and put their own in their place. Their files are read with
 * O_NOFOLLOW and must be root's too. Checks of ownership and modes need root; unprivileged
 * runs (a developer's sandbox) still refuse symbolic links.
 */
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  BUILD_DIR,
  CLOUD_INIT_MARKER_DIR,
  CLOUD_INIT_RESULT_FILE,
  DRAFT_FILE,
  FRAGMENT_DIR,
  HANDOFF_MARKER,
  JOURNAL_FILE,
  LEGACY_PATHS,
  layoutDir,
  LOCK_FILE,
  LOGS_DIR,
  ROLLBACK_DIR,
  RUN_DIR,
  SECRETS_DIR,
  SETUP_CODE_FILE,
  SHARED_DIR,
  SPOOL_DIR,
  STATE_DIR,
  STATUS_DIR,
  WEB_DIR,
  WIZARD_TLS_DIR,
} from '../nix/paths.js';

const DOC = 'docs/decisions/0500-state-layout-by-owner.md';

/** The layout is not safe to use: the message says which path and why, and what to do. */
export class UnsafeLayoutError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `refusing to use ${path}: it ${problem}. bowtie-setup keeps its journal, backups and secrets only where root alone can write (${DOC}); ` +
        'find out how it changed, then restore the layout (on the appliance: systemd-tmpfiles --create)',
    );
    this.name = 'UnsafeLayoutError';
  }
}

/**
 * The owner root's files must have: uid 0 when this process is root (the appliance), else
 * null: an unprivileged sandbox cannot tell one owner from another, so only symbolic links are
 * refused there.
 */
export function trustedOwner(): number | null {
  return process.getuid?.() === 0 ? 0 : null;
}

function problemWith(st: Stats, owner: number | null, kind: 'directory' | 'file'): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) return `is not a ${kind === 'directory' ? 'directory' : 'regular file'}`;
  if (owner === null) return null;
  if (st.uid !== owner) return `is owned by uid ${st.uid}, not ${owner}`;
  if ((st.mode & 0o022) !== 0)
    return `is writable by ${(st.mode & 0o020) !== 0 ? 'its group' : 'others'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return null;
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The directories between `root` (exclusive, unless it is "/") and `dir` (exclusive). */
function ancestorsBelow(root: string, dir: string): string[] {
  const rel = relative(root, dir);
  const parts = rel.split(sep).filter(Boolean);
  const out = root === '/' ? ['/'] : [];
  for (let i = 1; i < parts.length; i++) out.push(join(root, ...parts.slice(0, i)));
  return out;
}

export interface RootLayoutOptions {
  /** Root's directories (appliance paths from server/nix/paths.ts), parents first. */
  dirs: readonly string[];
  /** Root's files in them that must not be links or someone else's (appliance paths). */
  files?: readonly string[];
  /** Expected owner; default trustedOwner(). Tests pass their own uid. */
  owner?: number | null;
}

/** What the apply worker keeps and reads: checked before it takes the lock. */
export const WORKER_LAYOUT: RootLayoutOptions = {
  dirs: [STATE_DIR, SECRETS_DIR, LOGS_DIR, ROLLBACK_DIR, BUILD_DIR, FRAGMENT_DIR, RUN_DIR, STATUS_DIR],
  files: [JOURNAL_FILE, LOCK_FILE, HANDOFF_MARKER],
};

/** What cloud-init writes: its markers (root only) and the wizard's cloud-init.json. */
export const CLOUD_INIT_LAYOUT: RootLayoutOptions = {
  dirs: [STATE_DIR, CLOUD_INIT_MARKER_DIR, SHARED_DIR],
  files: [CLOUD_INIT_RESULT_FILE],
};

/**
 * Makes root's directories where they are missing (with their layout mode), brings a mode the
 * layout has changed up to date (0700 -> 0711 for the state directory), and refuses (throws
 * UnsafeLayoutError) when one of them, a directory above it, or one of the files cannot be
 * trusted. Never follows a symbolic link and never makes a directory group- or world-writable.
 */
export async function prepareRootLayout(root: string, opts: RootLayoutOptions): Promise<void> {
  const owner = opts.owner === undefined ? trustedOwner() : opts.owner;
  const checkedAncestors = new Set<string>();
  for (const appliancePath of opts.dirs) {
    const spec = layoutDir(appliancePath);
    const dir = join(root, appliancePath);
    for (const a of ancestorsBelow(root, dir)) {
      if (checkedAncestors.has(a) || opts.dirs.some((d) => join(root, d) === a)) continue;
      checkedAncestors.add(a);
      let st = await stat(a).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
      if (!st) {
        await mkdir(a, { mode: 0o755 });
        st = await stat(a);
      }
      // Ancestors may be links (a root-owned link in a root-owned directory is as safe as the
      // directory it names): what counts is the directory they resolve to.
      const problem = problemWith(st, owner, 'directory');
      if (problem) throw new UnsafeLayoutError(a, problem);
    }
    let st = await lstatOrNull(dir);
    if (!st) {
      await mkdir(dir, { mode: spec.mode & 0o777 });
      await chmod(dir, spec.mode);
      st = await lstat(dir);
    }
    const problem = problemWith(st, owner, 'directory');
    if (problem) throw new UnsafeLayoutError(dir, problem);
    if ((st.mode & 0o7777) !== spec.mode && st.uid === process.getuid?.()) await chmod(dir, spec.mode);
  }
  for (const appliancePath of opts.files ?? []) {
    const file = join(root, appliancePath);
    const st = await lstatOrNull(file);
    const problem = st && problemWith(st, owner, 'file');
    if (problem) throw new UnsafeLayoutError(file, problem);
  }
}

/**
 * Reads one of root's files: never through a symbolic link, only a regular file, and (as
 * root) only one that root owns and nobody else may write. Null when it does not exist.
 */
export async function readTrusted(file: string, owner: number | null = trustedOwner()): Promise<Buffer | null> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in the way must not hang the reader; regular files ignore it.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new UnsafeLayoutError(file, 'is a symbolic link');
    throw e;
  }
  try {
    const problem = problemWith(await handle.stat(), owner, 'file');
    if (problem) throw new UnsafeLayoutError(file, problem);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * The web process's directories, made where they are missing (a sandbox; on the appliance
 * tmpfiles and the unit's StateDirectory/RuntimeDirectory have made them), and its files moved
 * over from where the pre-0500 layout kept them. A move it may not make (root now owns the
 * state directory) is left: the files are made anew, and tmpfiles removes the old ones.
 */
export async function prepareWebLayout(root: string): Promise<void> {
  for (const p of [STATE_DIR, WEB_DIR, RUN_DIR, SPOOL_DIR]) {
    const dir = join(root, p);
    if (await lstatOrNull(dir)) continue;
    await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
    const { mode } = layoutDir(p);
    await mkdir(dir, { mode: mode & 0o777 }).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
    await chmod(dir, mode).catch(() => {});
  }
  await moveLegacy(root, LEGACY_PATHS.setupCode, SETUP_CODE_FILE, 'file');
  await moveLegacy(root, LEGACY_PATHS.draft, DRAFT_FILE, 'file');
  await moveLegacy(root, LEGACY_PATHS.wizardTls, WIZARD_TLS_DIR, 'directory');
}

/**
 * Root's half of the move: cloud-init.json goes from the state directory to shared/ (0640),
 * when it is a regular file root wrote (as root: owned by root).
 */
export async function migrateLegacyCloudInitResult(root: string, owner: number | null = trustedOwner()): Promise<void> {
  const from = join(root, LEGACY_PATHS.cloudInitResult);
  const st = await lstatOrNull(from);
  if (!st || problemWith(st, owner, 'file')) return;
  if (await moveLegacy(root, LEGACY_PATHS.cloudInitResult, CLOUD_INIT_RESULT_FILE, 'file')) await chmod(join(root, CLOUD_INIT_RESULT_FILE), 0o640);
}

async function moveLegacy(root: string, from: string, to: string, kind: 'file' | 'directory'): Promise<boolean> {
  const source = join(root, from);
  const target = join(root, to);
  const st = await lstatOrNull(source);
  if (!st || (kind === 'file' ? !st.isFile() : !st.isDirectory()) || (await lstatOrNull(target))) return false;
  try {
    await rename(source, target);
    return true;
  } catch {
    return false;
  }
}
