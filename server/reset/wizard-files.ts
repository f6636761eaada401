/**
 * The wizard's and cloud-init's side of a reset: the files they keep outside the engine. The
 * engine calls this (through the worker) once the reset has committed; it may be called again
 * after a crash, so every part is idempotent. Paths come from their owners' modules.
 *
 * - `config`: the cloud-init status file goes (it holds the prefill, whose admin pre-claims the
 *   wizard), the draft keeps only hostname, domain and network, and a new setup code is made.
 *   The once-per-instance markers stay, so a reboot does not apply user data over the reset
 *   (docs/decisions/0521); so does the wizard's own certificate (no secret of the site).
 * - `factory`: draft, setup code, the wizard's certificate, the cloud-init status file and the
 *   markers all go; the next boot is a first boot (the wizard makes a code and a certificate,
 *   cloud-init applies user data again).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { wipeDirectory } from '../apply/files.js';
import type { KeptDocument } from '../apply/fragment-value.js';
import type { ResetMode } from '../apply/types.js';
import { cloudInitResultPath } from '../auth/cloud-init-result.js';
import { loadOrCreateSetupCode, setupCodePath } from '../auth/setup-code.js';
import { MARKER_DIR } from '../cloud-init/state-files.js';
import { DraftStore, draftPath, emptyDraft } from '../steps/draft.js';
import { giveToDirectoryOwner } from '../system/owner.js';
import { WIZARD_TLS_FILES, wizardTlsDir } from '../system/tls.js';

export function resetWizardFiles(root: string): (mode: ResetMode, kept: KeptDocument | null) => Promise<void> {
  return async (mode, kept) => {
    await rm(cloudInitResultPath(root), { force: true });
    if (mode === 'factory') {
      await rm(draftPath(root), { force: true });
      await rm(setupCodePath(root), { force: true });
      // Emptied, not removed: their owners and modes come from the NixOS module. The wizard's
      // certificate by name: root does not walk a directory the wizard owns (wipeDirectory).
      for (const name of WIZARD_TLS_FILES) await rm(join(wizardTlsDir(root), name), { force: true });
      await wipeDirectory(join(root, MARKER_DIR), []);
      return;
    }
    const file = draftPath(root);
    await new DraftStore(file).update((d) => {
      for (const key of Object.keys(d)) delete (d as unknown as Record<string, unknown>)[key];
      Object.assign(d, emptyDraft(), { document: kept ? structuredClone(kept) : {} });
    });
    await giveToDirectoryOwner(file);
    await rm(setupCodePath(root), { force: true });
    await loadOrCreateSetupCode(root);
    await giveToDirectoryOwner(setupCodePath(root));
  };
}
