/**
 * The wizard runs as its own user and owns its directory (web/). A file that root writes there
 * for the wizard (its draft, the setup code) must become the wizard's too, or the wizard could
 * not read it; the owner of the directory says whose it is.
 *
 * The wizard may swap the file's name for a link at any moment (it owns the directory): the
 * file is opened without following links and handed over through its descriptor, never by
 * name, and only when it is the one root just wrote (root's, one name). Otherwise root could be
 * made to give away any file on the system (docs/decisions/0500).
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function giveToDirectoryOwner(file: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const dir = await lstat(dirname(file));
  if (!dir.isDirectory()) throw new Error(`${dirname(file)} is not a directory`);
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (st.uid === dir.uid && st.gid === dir.gid) return;
    if (!st.isFile() || st.uid !== 0 || st.nlink !== 1) throw new Error(`${file} is not the file bowtie-setup wrote there; it is not handed over`);
    await handle.chown(dir.uid, dir.gid);
  } finally {
    await handle.close();
  }
}
