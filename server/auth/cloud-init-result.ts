/**
 * What the cloud-init path left for the wizard in
 * `<root>/var/lib/bowtie-setup/shared/cloud-init.json` (root's file, 0640, group bowtie-setup:
 * the web reads it and cannot change it; docs/decisions/0501): whether user data was applied,
 * taken as a prefill, or rejected (with field errors), and the prefill itself (a partial
 * document whose admin password is already a hash). A missing or unreadable file means no user
 * data.
 */
import { join } from 'node:path';
import type { CloudInitResult } from './cloud-init-result-schema.js';
import { CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import { readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';

export type { CloudInitActivation, CloudInitResult } from './cloud-init-result-schema.js';

export function cloudInitResultPath(root: string): string {
  return join(root, CLOUD_INIT_RESULT_FILE);
}

/** Root writes it (0640, group bowtie-setup); the wizard reads it through the boundary reader. */
export async function readCloudInitResult(root: string): Promise<CloudInitResult | null> {
  const read = await readBoundaryFile(cloudInitResultPath(root), {
    what: "cloud-init's result",
    maxBytes: 1024 * 1024,
    owners: rootOrSelf(),
    format: 'json',
    // Loaded only when there is a result: serve reads it before it listens.
    schema: async () => (await import('./cloud-init-result-schema.js')).cloudInitResultSchema,
  });
  return read.kind === 'ok' ? read.value : null;
}

/** Whether user data could not be used: refused, or its partial settings not applied (docs/decisions/0512). */
export function hasUserDataProblem(cloudInit: CloudInitResult | null): boolean {
  if (cloudInit?.status === 'rejected') return true;
  const a = cloudInit?.status === 'prefilled' ? cloudInit.activation : null;
  return !!a && (a.outcome === 'rolled-back' || a.outcome === 'not-started');
}
