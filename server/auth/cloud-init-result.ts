/**
 * What the cloud-init path left for the wizard in
 * `<root>/var/lib/bowtie-setup/shared/cloud-init.json` (root's file, 0640, group bowtie-setup:
 * the web reads it and cannot change it; docs/decisions/0501): whether user data was applied,
 * taken as a prefill, or rejected (with field errors), and the prefill itself (a partial
 * document whose admin password is already a hash). A missing or unreadable file means no user
 * data.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { DraftDocument, FieldError } from '../config/schema.js';
import { CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import { readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';

const activationSchema = z.object({
  outcome: z.enum(['applied', 'unchanged', 'rolled-back', 'not-started']),
  configures: z.array(z.string().max(100)).max(50),
  generation: z.number().int().min(0).nullable(),
  reason: z.string().max(4000).nullable(),
});
export type CloudInitActivation = z.infer<typeof activationSchema>;

/** A partial document: the wizard takes it into its draft, whose steps check each field. */
const prefillSchema = z.custom<DraftDocument>((v) => typeof v === 'object' && v !== null && !Array.isArray(v));

const cloudInitResultSchema = z.object({
  instance_id: z.string().min(1).max(256),
  status: z.enum(['applied', 'prefilled', 'rejected']),
  errors: z.array(z.object({ path: z.string().max(200), message: z.string().max(1000) })).max(200),
  prefill: prefillSchema.nullable(),
  /**
   * With "prefilled" only: the partial document's settings (static network, hostname, SSH
   * keys, ...) were applied before the wizard took over (docs/decisions/0512). "applied" stays
   * the status of a complete document that finished setup; a prefilled wizard tells "the
   * network from user data is active" (outcome applied/unchanged) from "applying it failed,
   * the previous configuration runs" (rolled-back, not-started, with the reason) by this.
   * Null or absent: nothing was applied, the prefill is all.
   */
  activation: activationSchema.nullable().optional(),
});
export type CloudInitResult = z.infer<typeof cloudInitResultSchema> & { errors: FieldError[] };

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
    schema: cloudInitResultSchema,
  });
  return read.kind === 'ok' ? read.value : null;
}

/** Whether user data could not be used: refused, or its partial settings not applied (docs/decisions/0512). */
export function hasUserDataProblem(cloudInit: CloudInitResult | null): boolean {
  if (cloudInit?.status === 'rejected') return true;
  const a = cloudInit?.status === 'prefilled' ? cloudInit.activation : null;
  return !!a && (a.outcome === 'rolled-back' || a.outcome === 'not-started');
}
