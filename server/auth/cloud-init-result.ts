/**
 * What the cloud-init path left for the wizard in
 * `<root>/var/lib/bowtie-setup/shared/cloud-init.json` (root's file, 0640, group bowtie-setup:
 * the web reads it and cannot change it; docs/decisions/0501): whether user data was applied,
 * taken as a prefill, or rejected (with field errors), and the prefill itself (a partial
 * document whose admin password is already a hash). A missing or unreadable file means no user
 * data.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FieldError } from '../config/schema.js';
import { CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import type { DraftDocument } from '../steps/draft.js';

export interface CloudInitResult {
  instance_id: string;
  status: 'applied' | 'prefilled' | 'rejected';
  errors: FieldError[];
  prefill: DraftDocument | null;
  /**
   * With "prefilled" only: the partial document's settings (static network, hostname, SSH
   * keys, ...) were applied before the wizard took over (docs/decisions/0512). "applied" stays
   * the status of a complete document that finished setup; a prefilled wizard tells "the
   * network from user data is active" (outcome applied/unchanged) from "applying it failed,
   * the previous configuration runs" (rolled-back, not-started, with the reason) by this.
   * Null or absent: nothing was applied, the prefill is all.
   */
  activation?: CloudInitActivation | null;
}

export interface CloudInitActivation {
  outcome: 'applied' | 'unchanged' | 'rolled-back' | 'not-started';
  configures: string[];
  generation: number | null;
  reason: string | null;
}

export function cloudInitResultPath(root: string): string {
  return join(root, CLOUD_INIT_RESULT_FILE);
}

function activationOf(a: unknown): CloudInitActivation | null {
  const v = a as Partial<CloudInitActivation> | null;
  if (!v || typeof v !== 'object' || !['applied', 'unchanged', 'rolled-back', 'not-started'].includes(v.outcome as string)) return null;
  return {
    outcome: v.outcome!,
    configures: Array.isArray(v.configures) ? v.configures.filter((c): c is string => typeof c === 'string') : [],
    generation: typeof v.generation === 'number' ? v.generation : null,
    reason: typeof v.reason === 'string' ? v.reason : null,
  };
}

function isFieldError(e: unknown): e is FieldError {
  return typeof e === 'object' && e !== null && typeof (e as FieldError).path === 'string' && typeof (e as FieldError).message === 'string';
}

export async function readCloudInitResult(root: string): Promise<CloudInitResult | null> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(cloudInitResultPath(root), 'utf8'));
  } catch {
    return null;
  }
  const v = value as Partial<CloudInitResult> | null;
  if (!v || typeof v.instance_id !== 'string' || !['applied', 'prefilled', 'rejected'].includes(v.status as string)) return null;
  return {
    instance_id: v.instance_id,
    status: v.status!,
    errors: Array.isArray(v.errors) ? v.errors.filter(isFieldError) : [],
    prefill: v.prefill && typeof v.prefill === 'object' && !Array.isArray(v.prefill) ? v.prefill : null,
    ...(v.status === 'prefilled' && 'activation' in v ? { activation: activationOf(v.activation) } : {}),
  };
}
