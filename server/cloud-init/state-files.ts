/**
 * What cloud-init leaves behind, both under /var/lib/bowtie-setup (0700), files 0600, written
 * atomically:
 * - applied/<instance>.json, the once-per-instance marker: which instance processed which
 *   user data with what outcome. A reboot finds it and does nothing; a clone booted as a new
 *   instance has a new id and no marker, so its user data is processed again.
 * - cloud-init.json, for the wizard (contract): status, field errors, and the prefill.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FieldError } from '../config/schema.js';
import { STATE_DIR } from '../nix/paths.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import type { SourceName } from './sources.js';

export const MARKER_DIR = `${STATE_DIR}/applied`;
export const STATUS_FILE = `${STATE_DIR}/cloud-init.json`;

export type MarkerOutcome =
  | 'applied'
  | 'unchanged'
  | 'prefilled'
  | 'rejected'
  | 'apply-failed'
  /** The user data holds no bowtie_setup (or none at all). */
  | 'no-document'
  /** The appliance was set up in the wizard or with the CLI; user data was not applied over it. */
  | 'skipped-configured';

export interface Marker {
  instance_id: string;
  outcome: MarkerOutcome;
  source: SourceName;
  /** sha256 of the raw user data: tells a later boot that the user data has changed since. */
  user_data_sha256: string;
  /** The document's hash (as in the fragment header, secrets excluded); null when it did not validate. */
  document_sha256: string | null;
  processed_at: string;
}

/** The wizard's view (contract with the web wizard). */
export interface CloudInitStatus {
  instance_id: string;
  status: 'applied' | 'prefilled' | 'rejected';
  errors: FieldError[];
  prefill: Record<string, unknown> | null;
  /**
   * Only with "prefilled": what became of applying the partial document before the wizard
   * finishes it (docs/decisions/0512); null when it set nothing beyond the defaults (or setup
   * was already complete). Absent in files written before partial documents were applied.
   */
  activation?: CloudInitActivation | null;
}

/** A partial document's headless apply, for the wizard and the console (docs/decisions/0512). */
export interface CloudInitActivation {
  /**
   * applied | unchanged: what the document configures runs now; rolled-back: it failed (health
   * gate, rebuild) and the previous configuration runs; not-started: the engine was busy or
   * could not start, tried again at the next boot.
   */
  outcome: 'applied' | 'unchanged' | 'rolled-back' | 'not-started';
  /** The fields it configures beyond the defaults (partialConfigures). */
  configures: string[];
  /** The profile generation running afterwards, when known. */
  generation: number | null;
  /** Why it was rolled back or did not start, in words (never a secret); null otherwise. */
  reason: string | null;
}

/** Instance ids are outside input: a readable name when it is a safe one, else its hash. */
export function markerFileName(instanceId: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(instanceId)
    ? `${instanceId}.json`
    : `sha256-${createHash('sha256').update(instanceId).digest('hex').slice(0, 32)}.json`;
}

export async function readMarker(root: string, instanceId: string): Promise<Marker | null> {
  try {
    const marker = JSON.parse(await readFile(join(root, MARKER_DIR, markerFileName(instanceId)), 'utf8')) as Marker;
    return marker.instance_id === instanceId ? marker : null;
  } catch {
    return null;
  }
}

/**
 * Whether user data ever configured this appliance: a marker with outcome applied or
 * unchanged, of this or any instance (a clone carries its original's markers). An appliance
 * that has a fragment but no such marker was set up in the wizard or with the CLI.
 */
export async function hasAppliedMarker(root: string): Promise<boolean> {
  let names: string[];
  try {
    names = (await readdir(join(root, MARKER_DIR))).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  } catch {
    return false;
  }
  for (const name of names.slice(0, 1000)) {
    try {
      const marker = JSON.parse(await readFile(join(root, MARKER_DIR, name), 'utf8')) as Partial<Marker>;
      if (marker.outcome === 'applied' || marker.outcome === 'unchanged') return true;
    } catch {
      // a damaged marker says nothing
    }
  }
  return false;
}

export async function writeMarker(root: string, marker: Marker): Promise<void> {
  await writeFileAtomic(join(root, MARKER_DIR, markerFileName(marker.instance_id)), `${JSON.stringify(marker, null, 2)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  });
}

export async function writeStatus(root: string, status: CloudInitStatus): Promise<void> {
  await writeFileAtomic(join(root, STATUS_FILE), `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}
