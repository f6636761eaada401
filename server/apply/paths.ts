/**
 * Where the engine keeps its files, joined under --root. Every path comes from
 * server/nix/paths.ts (the appliance layout, docs/decisions/0500):
 *
 *   /var/lib/bowtie-setup/              0711 root: state.json (journal, 0600), apply.lock,
 *                                       handed-off, logs/, rollback/ (the previous fragment and
 *                                       secrets), build/, secrets/ (all 0700 root)
 *   /run/bowtie-setup/spool/            0700 bowtie-setup: the web process's drop box:
 *                                       request.json (the ticket, 0600), confirm-<id>
 *   /run/bowtie-setup/status/           0755 root: published by the worker for the web process:
 *                                       status.json, output.log (0644, no secrets in either)
 *
 * The spool and status directories live in /run: a request holds plaintext secrets until the
 * worker takes it, and tmpfs never writes them to disk.
 */
import { join } from 'node:path';
import { assertApplyId } from './ids.js';
import {
  BUILD_DIR,
  FRAGMENT_PATH,
  HANDOFF_MARKER,
  JOURNAL_FILE,
  LOCK_FILE,
  LOGS_DIR,
  ROLLBACK_DIR,
  SECRET_FILES,
  SPOOL_DIR,
  STATE_DIR,
  STATUS_DIR,
} from '../nix/paths.js';

export type SecretName = keyof typeof SECRET_FILES;
export const SECRET_NAMES = Object.keys(SECRET_FILES) as SecretName[];

export interface EnginePaths {
  root: string;
  stateDir: string;
  state: string;
  lock: string;
  logsDir: string;
  rollbackDir: string;
  buildDir: string;
  spoolDir: string;
  request: string;
  statusDir: string;
  status: string;
  output: string;
  fragment: string;
  secrets: Record<SecretName, string>;
  /** The hand-off marker (docs/decisions/0403): bowtie_server starts when it appears. */
  handoffMarker: string;
  profilesDir: string;
  profile: string;
  currentSystem: string;
}

export function enginePaths(root: string): EnginePaths {
  const under = (p: string) => join(root, p);
  const secrets = Object.fromEntries(SECRET_NAMES.map((n) => [n, under(SECRET_FILES[n])])) as Record<SecretName, string>;
  return {
    root,
    stateDir: under(STATE_DIR),
    state: under(JOURNAL_FILE),
    lock: under(LOCK_FILE),
    logsDir: under(LOGS_DIR),
    rollbackDir: under(ROLLBACK_DIR),
    buildDir: under(BUILD_DIR),
    spoolDir: under(SPOOL_DIR),
    request: under(`${SPOOL_DIR}/request.json`),
    statusDir: under(STATUS_DIR),
    status: under(`${STATUS_DIR}/status.json`),
    output: under(`${STATUS_DIR}/output.log`),
    fragment: under(FRAGMENT_PATH),
    secrets,
    handoffMarker: under(HANDOFF_MARKER),
    profilesDir: under('/nix/var/nix/profiles'),
    profile: under('/nix/var/nix/profiles/system'),
    currentSystem: under('/run/current-system'),
  };
}

export function confirmPath(p: EnginePaths, id: string): string {
  return join(p.spoolDir, `confirm-${assertApplyId(id)}`);
}
