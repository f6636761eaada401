/**
 * The wizard's and cloud-init's side of a reset: the files they keep outside the engine. The
 * engine calls this (through the worker) once the reset has committed; it may be called again
 * after a crash, so every part is idempotent. Paths come from their owners' modules.
 *
 * - `config`: the cloud-init status file goes (it holds the prefill, whose admin pre-claims the
 *   wizard), the draft keeps only hostname, domain, network and the admin's e-mail and SSH keys
 *   (no secret), and a new setup code is made.
 *   The once-per-instance markers stay, so a reboot does not apply user data over the reset
 *   (docs/decisions/0521); so does the wizard's own certificate (no secret of the site).
 * - `factory`: draft, setup code, the wizard's certificate, the cloud-init status file and the
 *   markers all go; the next boot is a first boot (the wizard makes a code and a certificate,
 *   cloud-init applies user data again).
 *
 * This runs as root in the wizard's own directory (docs/decisions/0500): files there are only
 * replaced (exclusive temp file and rename) or removed by name, never read by name; the one
 * read, the console's, opens the draft O_NOFOLLOW and non-blocking and takes only a regular
 * file of a sane size.
 */
import { lstat, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { wipeDirectory } from '../apply/files.js';
import type { KeptDocument } from '../apply/fragment-value.js';
import type { ResetMode } from '../apply/types.js';
import { cloudInitResultPath } from '../auth/cloud-init-result.js';
import { formatSetupCode, generateSetupCode, setupCodePath } from '../auth/setup-code.js';
import { MARKER_DIR } from '../cloud-init/state-files.js';
import { STATE_DIR } from '../nix/paths.js';
import { type Draft, draftPath, emptyDraft, readDraft } from '../steps/draft.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import { giveToDirectoryOwner } from '../system/owner.js';
import { WIZARD_TLS_FILES, wizardTlsDir } from '../system/tls.js';

export function resetWizardFiles(root: string): (mode: ResetMode, kept: KeptDocument | null) => Promise<void> {
  return async (mode, kept) => {
    await rm(cloudInitResultPath(root), { force: true });
    if (mode === 'factory') {
      await rm(draftPath(root), { force: true });
      await rm(setupCodePath(root), { force: true });
      await removeWizardTls(root);
      await wipeDirectory(join(root, MARKER_DIR), []);
      return;
    }
    // Both replaced without reading the old ones: root never reads the wizard's files by name.
    await writeWizardDraft(root, { ...emptyDraft(), document: kept ? structuredClone(kept) : {} });
    await writeWizardFile(setupCodePath(root), `${formatSetupCode(generateSetupCode())}\n`);
  };
}

/**
 * After hand-off the wizard stands down for good: its draft (which held the token, the key and
 * the admin's hash until the worker took them), its setup code, and cloud-init's prefill for it
 * go. Idempotent; by name only (web/ itself sits in root's directory, so it cannot be swapped for
 * a link, and removing a name never follows one).
 */
export async function scrubAfterHandoff(root: string): Promise<void> {
  await rm(draftPath(root), { force: true });
  await rm(setupCodePath(root), { force: true });
  await rm(cloudInitResultPath(root), { force: true });
}

/**
 * Empties the wizard's certificate directory. It is the wizard's own (web/tls), so the wizard
 * could swap it for a link to any directory between a check and a removal: it is first moved
 * out of the wizard's reach, into root's state directory on the same file system, and only
 * then looked at. A link is removed as a link; a directory loses the two files by name and is
 * put back (its owner and mode come from the NixOS module).
 */
async function removeWizardTls(root: string): Promise<void> {
  const tls = wizardTlsDir(root);
  const quarantine = await mkdtemp(join(root, STATE_DIR, '.quarantine-'));
  try {
    const held = join(quarantine, 'tls');
    try {
      await rename(tls, held);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const st = await lstat(held);
    if (!st.isDirectory()) {
      await rm(held, { force: true });
      return;
    }
    for (const name of WIZARD_TLS_FILES) await rm(join(held, name), { force: true });
    await rename(held, tls).catch(() => rm(held, { recursive: true, force: true }));
  } finally {
    await rm(quarantine, { recursive: true, force: true });
  }
}

/**
 * The wizard's draft as root reads it (the console, before it adds the network): through the
 * boundary reader (docs/decisions/0600); anything that is not a draft counts as an empty one.
 */
export async function readWizardDraft(root: string): Promise<Draft> {
  return (await readDraft(draftPath(root))) ?? emptyDraft();
}

/** Replaces the wizard's draft (the format DraftStore writes), handed to the wizard's user. */
export async function writeWizardDraft(root: string, draft: Draft): Promise<void> {
  await writeWizardFile(draftPath(root), `${JSON.stringify(draft, null, 2)}\n`);
}

/** Exclusive temp file and rename (never through a link), then given to the directory's owner. */
async function writeWizardFile(file: string, data: string): Promise<void> {
  await writeFileAtomic(file, data, { mode: 0o600, dirMode: 0o700 });
  await giveToDirectoryOwner(file);
}
