/**
 * The wizard runs as its own user and owns its state directory. A file that root writes there
 * for the wizard (its draft, the setup code) must become the wizard's too, or the wizard could
 * not read it; the owner of the directory says whose it is.
 */
import { chown, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function giveToDirectoryOwner(file: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const dir = await stat(dirname(file));
  const st = await stat(file);
  if (st.uid !== dir.uid || st.gid !== dir.gid) await chown(file, dir.uid, dir.gid);
}
