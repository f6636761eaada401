/**
 * Where the engine keeps its files, joined under --root. The appliance paths (state dir,
 * secrets, fragment) come from server/nix/paths.ts; the rest are the engine's own:
 *
 *   /var/lib/bowtie-setup/              0700 root: state.json (journal), apply.lock, logs/,
 *                                       rollback/ (the previous fragment and secrets), build/
 *   /run/bowtie-setup/spool/            the web process's drop box: request.json (the ticket,
 *                                       0600), confirm-<id>
 *   /run/bowtie-setup/status/           published by the worker for the web process:
 *                                       status.json, output.log (no secrets in either)
 *
 * The spool and status directories live in /run: a request holds plaintext secrets until the
 * worker takes it, and tmpfs never writes them to disk.
 */
import { join } from 'node:path';
import { FRAGMENT_PATH, SECRET_FILES, STATE_DIR } from '../nix/paths.js';

export const RUN_DIR = '/run/bowtie-setup';

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
  const stateDir = under(STATE_DIR);
  const secrets = Object.fromEntries(SECRET_NAMES.map((n) => [n, under(SECRET_FILES[n])])) as Record<SecretName, string>;
  return {
    root,
    stateDir,
    state: join(stateDir, 'state.json'),
    lock: join(stateDir, 'apply.lock'),
    logsDir: join(stateDir, 'logs'),
    rollbackDir: join(stateDir, 'rollback'),
    buildDir: join(stateDir, 'build'),
    spoolDir: under(`${RUN_DIR}/spool`),
    request: under(`${RUN_DIR}/spool/request.json`),
    statusDir: under(`${RUN_DIR}/status`),
    status: under(`${RUN_DIR}/status/status.json`),
    output: under(`${RUN_DIR}/status/output.log`),
    fragment: under(FRAGMENT_PATH),
    secrets,
    handoffMarker: join(stateDir, 'handed-off'),
    profilesDir: under('/nix/var/nix/profiles'),
    profile: under('/nix/var/nix/profiles/system'),
    currentSystem: under('/run/current-system'),
  };
}

export function confirmPath(p: EnginePaths, id: string): string {
  return join(p.spoolDir, `confirm-${id}`);
}
