/**
 * Crash-safe file replacement (DESIGN.md "Activation", step 2): write a temp file opened
 * exclusively with the final mode, fsync it, rename it over the target, fsync the directory.
 * After a crash at any point the target holds either the old bytes or the new bytes; after a
 * power loss too, unless the caller says the file need not survive one (`durable: false`).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file; secrets use 0o600. */
  mode: number;
  /** Mode for directories created on the way (0o700 for state and secrets). */
  dirMode?: number;
  /**
   * Called after each durable step ("temp": the temp file is written and synced, "renamed",
   * "synced": the directory entry is durable). The engine's fault-injection tests kill the
   * process there.
   */
  onStep?: (step: 'temp' | 'renamed' | 'synced') => void;
  /**
   * False for a file under /run (the published status, the spool): a tmpfs, which a reboot
   * empties, so that fsync there does nothing on the appliance and buys nothing on a disk.
   * Still atomic: a reader sees the old bytes or the new ones (docs/decisions/0690).
   */
  durable?: boolean;
}

/** Where temp files for `target` are written; a sweep after a crash removes leftovers. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const dir = dirname(target);
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o755 });
  const temp = tempPathFor(target);
  // O_EXCL: never write through a file (or symlink) someone else put at the temp path.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode); // the umask may have narrowed or the caller widened it
    if (options.durable !== false) await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw e;
  }
  await handle.close();
  options.onStep?.('temp');
  try {
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  options.onStep?.('renamed');
  if (options.durable !== false) await fsyncDirectory(dir);
  options.onStep?.('synced');
}
