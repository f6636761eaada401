/**
 * Where the appliance keeps things (DESIGN.md "Appliance layout", as amended by
 * docs/decisions/0500-state-layout-by-owner.md). The fragment always names these absolute
 * paths, as if --root were "/"; the sandbox root only changes where we write. Every module
 * that reads or writes below /var/lib/bowtie-setup or /run/bowtie-setup takes its path from
 * here.
 *
 * Each directory has one owner. Root's state sits in directories only root can change; the
 * unprivileged web process (user bowtie-setup) writes only web/ and the spool; what root
 * publishes for it sits in root-owned places it can read but not change.
 */
export const STATE_DIR = '/var/lib/bowtie-setup';
export const SECRETS_DIR = `${STATE_DIR}/secrets`;
export const FRAGMENT_DIR = '/etc/nixos/bowtie';
export const FRAGMENT_PATH = `${FRAGMENT_DIR}/site.nix`;

/** The secret files a document can produce; names are fixed, never derived from input. */
export const SECRET_FILES = {
  adminPasswordHash: `${SECRETS_DIR}/admin-password-hash`,
  consolePasswordHash: `${SECRETS_DIR}/console-password-hash`,
  enrollmentToken: `${SECRETS_DIR}/enrollment-token`,
  tlsPrivateKey: `${SECRETS_DIR}/tls-private-key`,
  /** The outbound proxy's percent-encoded `user[:password]` (docs/decisions/0670). */
  proxyCredentials: `${SECRETS_DIR}/proxy-credentials`,
  ssoClientSecret: `${SECRETS_DIR}/sso-client-secret`,
} as const;

// ---- root's: the apply engine and cloud-init (root only) -----------------------------------

export const JOURNAL_FILE = `${STATE_DIR}/state.json`;
export const LOCK_FILE = `${STATE_DIR}/apply.lock`;
/** The hand-off marker (docs/decisions/0403): bowtie_server starts when it appears. */
export const HANDOFF_MARKER = `${STATE_DIR}/handed-off`;
export const LOGS_DIR = `${STATE_DIR}/logs`;
export const ROLLBACK_DIR = `${STATE_DIR}/rollback`;
export const BUILD_DIR = `${STATE_DIR}/build`;
/** cloud-init's once-per-instance markers. */
export const CLOUD_INIT_MARKER_DIR = `${STATE_DIR}/applied`;

// ---- root's, readable by the web user (group bowtie-setup), never writable by it ----------

export const SHARED_DIR = `${STATE_DIR}/shared`;
/** What cloud-init left for the wizard: status, field errors, the prefill (docs/decisions/0501). */
export const CLOUD_INIT_RESULT_FILE = `${SHARED_DIR}/cloud-init.json`;

// ---- the web process's own (user bowtie-setup) ----------------------------------------------

export const WEB_DIR = `${STATE_DIR}/web`;
export const SETUP_CODE_FILE = `${WEB_DIR}/setup-code`;
export const DRAFT_FILE = `${WEB_DIR}/draft.json`;
export const WIZARD_TLS_DIR = `${WEB_DIR}/tls`;

// ---- /run (tmpfs) -----------------------------------------------------------------------------

export const RUN_DIR = '/run/bowtie-setup';
/** The web process's drop box for apply requests (plaintext secrets: tmpfs, never on disk). */
export const SPOOL_DIR = `${RUN_DIR}/spool`;
/** Published by the worker: status.json and output.log, no secrets, world-readable. */
export const STATUS_DIR = `${RUN_DIR}/status`;

/** Where the pre-0500 layout kept the web's files and cloud-init.json (all in STATE_DIR). */
export const LEGACY_PATHS = {
  setupCode: `${STATE_DIR}/setup-code`,
  draft: `${STATE_DIR}/draft.json`,
  wizardTls: `${STATE_DIR}/tls`,
  cloudInitResult: `${STATE_DIR}/cloud-init.json`,
} as const;

/** The web wizard's system user and group (nix/modules/setup.nix). */
export const WEB_USER = 'bowtie-setup';

export interface LayoutDir {
  path: string;
  /** Permission bits, setgid included (a setgid directory hands its group to new files). */
  mode: number;
  owner: 'root' | 'web';
  group: 'root' | 'web';
}

/**
 * Every directory of the layout, parents first: what nix/modules/setup.nix creates with
 * tmpfiles (test/nix/modules.test.ts holds the two together), what the worker checks before it
 * trusts anything (server/system/state-layout.ts), and what the web process creates in a
 * sandbox. The fragment's directory and the rollback copies are root's too.
 */
export const LAYOUT_DIRS: readonly LayoutDir[] = [
  { path: STATE_DIR, mode: 0o711, owner: 'root', group: 'root' },
  { path: SECRETS_DIR, mode: 0o700, owner: 'root', group: 'root' },
  { path: LOGS_DIR, mode: 0o700, owner: 'root', group: 'root' },
  { path: ROLLBACK_DIR, mode: 0o700, owner: 'root', group: 'root' },
  { path: BUILD_DIR, mode: 0o700, owner: 'root', group: 'root' },
  { path: CLOUD_INIT_MARKER_DIR, mode: 0o700, owner: 'root', group: 'root' },
  { path: SHARED_DIR, mode: 0o2750, owner: 'root', group: 'web' },
  { path: WEB_DIR, mode: 0o700, owner: 'web', group: 'web' },
  { path: FRAGMENT_DIR, mode: 0o755, owner: 'root', group: 'root' },
  { path: RUN_DIR, mode: 0o755, owner: 'root', group: 'root' },
  { path: SPOOL_DIR, mode: 0o700, owner: 'web', group: 'web' },
  { path: STATUS_DIR, mode: 0o755, owner: 'root', group: 'root' },
];

export function layoutDir(path: string): LayoutDir {
  const d = LAYOUT_DIRS.find((l) => l.path === path);
  if (!d) throw new Error(`${path} is not a directory of the appliance layout`);
  return d;
}
