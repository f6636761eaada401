/**
 * What cloud-init leaves behind under /var/lib/bowtie-setup, written atomically by root
 * (docs/decisions/0500, 0501):
 * - applied/<instance>.json (0600 in a 0700 root directory), the once-per-instance marker:
 *   which instance processed which user data with what outcome. A reboot finds it and does
 *   nothing; a clone booted as a new instance has a new id and no marker, so its user data is
 *   processed again.
 * - shared/cloud-init.json (0640, group bowtie-setup), for the wizard (contract): status,
 *   field errors, and the prefill. The web process reads it and cannot change it.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { FieldError } from '../config/schema.js';
import { CLOUD_INIT_MARKER_DIR, CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import { readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';
import { CLOUD_INIT_LAYOUT, migrateLegacyCloudInitResult, prepareRootLayout } from '../system/state-layout.js';
import type { SourceName } from './sources.js';

export const MARKER_DIR = CLOUD_INIT_MARKER_DIR;
export const STATUS_FILE = CLOUD_INIT_RESULT_FILE;

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

/**
 * Checks (and makes) the directories cloud-init uses before it reads or writes there: throws
 * UnsafeLayoutError when one is a link or, as root, not root's alone. Once per root per process.
 */
const prepared = new Set<string>();
async function prepareDirs(root: string): Promise<void> {
  if (prepared.has(root)) return;
  await prepareRootLayout(root, CLOUD_INIT_LAYOUT);
  await migrateLegacyCloudInitResult(root);
  prepared.add(root);
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A marker as cloud-init accepts it back (docs/decisions/0600): whatever is in the marker
 * directory is read as if someone else had written it, so the instance id, outcome and time it
 * prints and acts on are the ones checked here.
 */
const markerSchema = z.object({
  instance_id: z.string().regex(/^[\x21-\x7e]{1,256}$/),
  outcome: z.enum(['applied', 'unchanged', 'prefilled', 'rejected', 'apply-failed', 'no-document', 'skipped-configured']),
  source: z.enum(['file', 'cloud-init', 'nocloud', 'cidata', 'config-drive', 'imds', 'network-config']),
  user_data_sha256: sha256Hex,
  document_sha256: sha256Hex.nullable(),
  processed_at: z.iso.datetime(),
}) satisfies z.ZodType<Marker>;

/** A marker is a few hundred bytes: anything much larger is not one of ours. */
export const MAX_MARKER_BYTES = 64 * 1024;

export type MarkerRead = { kind: 'absent' } | { kind: 'refused'; reason: string } | { kind: 'ok'; marker: Marker };

/**
 * Markers are read through the boundary reader: never through a link or a FIFO, only a regular
 * file of root's (or, unprivileged, this user's), capped, and parsed. A refusal says what was
 * wrong with the file, never what it held.
 */
async function readMarkerFile(file: string, name: string): Promise<MarkerRead> {
  const read = await readBoundaryFile(file, {
    what: `the once-per-instance marker ${name}`,
    maxBytes: MAX_MARKER_BYTES,
    owners: rootOrSelf(),
    format: 'json',
    schema: markerSchema,
  });
  if (read.kind !== 'ok') return read;
  // writeMarker names each marker after its instance: one under another name was put there.
  if (markerFileName(read.value.instance_id) !== name) return { kind: 'refused', reason: `the once-per-instance marker ${name} names another instance` };
  return { kind: 'ok', marker: read.value };
}

/** This instance's marker: absent, refused (with the reason, for the console), or one that names this instance. */
export async function readMarker(root: string, instanceId: string): Promise<MarkerRead> {
  await prepareDirs(root);
  const name = markerFileName(instanceId);
  const read = await readMarkerFile(join(root, MARKER_DIR, name), name);
  // Two ids share a hashed name only by a hash collision: the id itself decides.
  if (read.kind === 'ok' && read.marker.instance_id !== instanceId) {
    return { kind: 'refused', reason: `the once-per-instance marker ${name} names another instance` };
  }
  return read;
}

/**
 * Whether user data ever configured this appliance: a marker with outcome applied or
 * unchanged, of this or any instance (a clone carries its original's markers). An appliance
 * that has a fragment but no such marker was set up in the wizard or with the CLI. Markers that
 * were refused count for nothing and are listed, so that the console can say so.
 */
export async function hasAppliedMarker(root: string): Promise<{ applied: boolean; refused: string[] }> {
  await prepareDirs(root);
  let names: string[];
  try {
    names = (await readdir(join(root, MARKER_DIR))).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  } catch {
    return { applied: false, refused: [] };
  }
  const refused: string[] = [];
  for (const name of names.slice(0, 1000)) {
    // A name that is not one markerFileName makes is not ours to print.
    const shown = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.json$/.test(name) ? name : 'with an unexpected name';
    const read = await readMarkerFile(join(root, MARKER_DIR, name), shown);
    if (read.kind === 'ok' && (read.marker.outcome === 'applied' || read.marker.outcome === 'unchanged')) return { applied: true, refused };
    if (read.kind === 'refused') refused.push(read.reason);
  }
  return { applied: false, refused };
}

export async function writeMarker(root: string, marker: Marker): Promise<void> {
  await prepareDirs(root);
  await writeFileAtomic(join(root, MARKER_DIR, markerFileName(marker.instance_id)), `${JSON.stringify(marker, null, 2)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  });
}

/**
 * What of a prefill the wizard gets (docs/decisions/0501): the sections its draft is made of.
 * Never the enrollment (a partial document has none; its token is the cluster's key) and never
 * a plaintext password (the prefill carries the admin's argon2id hash instead, which the
 * pre-claim checks against).
 */
const PREFILL_SECTIONS = ['hostname', 'domain', 'site', 'admin', 'network', 'tls', 'updates'] as const;

export function wizardPrefill(prefill: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PREFILL_SECTIONS) if (k in prefill) out[k] = prefill[k];
  if (out.admin && typeof out.admin === 'object' && !Array.isArray(out.admin)) {
    const { password: _plaintext, ...admin } = out.admin as Record<string, unknown>;
    out.admin = admin;
  }
  return out;
}

/**
 * 0640 in shared/, whose group (bowtie-setup, setgid, from tmpfiles) the file takes: the wizard
 * reads it, including the prefill's secrets it needs to finish the document
 * (docs/decisions/0501); it cannot change it, and nobody else can read it.
 */
export async function writeStatus(root: string, status: CloudInitStatus): Promise<void> {
  await prepareDirs(root);
  const shown: CloudInitStatus = { ...status, prefill: status.prefill && wizardPrefill(status.prefill) };
  await writeFileAtomic(join(root, STATUS_FILE), `${JSON.stringify(shown, null, 2)}\n`, { mode: 0o640, dirMode: 0o750 });
}
