/**
 * The cloud-config keys beside ours: each one reported in one line, and the few that have a
 * meaning here taken into the document where it allows them (Proxmox writes `user`,
 * `password` and `ssh_authorized_keys` for the VM's default account: they become the admin's
 * SSH keys and console password hash). Nothing here repeats a value.
 */
import { cryptHashProblem } from '../config/password-hash.js';
import { KEY } from './cloud-config.js';

/** Why a well-known key does nothing here, in words. */
const WHY: Record<string, string> = {
  users: 'no accounts are created (the appliance has one admin account)',
  groups: 'no groups are created',
  password: 'no password is set by cloud-config here',
  chpasswd: 'no password is changed by cloud-config here',
  ssh_pwauth: 'the SSH server is configured by the appliance',
  ssh_authorized_keys: 'the document has no admin to give them to',
  ssh_keys: "host keys are the appliance's own",
  write_files: 'no files are written',
  runcmd: 'no commands are run',
  bootcmd: 'no commands are run',
  packages: 'no packages are installed (the image is NixOS, changed only through its configuration)',
  package_update: "packages are updated with the appliance's own updates",
  package_upgrade: "packages are updated with the appliance's own updates",
  package_reboot_if_required: "packages are updated with the appliance's own updates",
  apt: 'no package sources are changed',
  yum_repos: 'no package sources are changed',
  mounts: 'no file systems are mounted',
  ntp: 'time servers are network.ntp in the document',
  timezone: 'the appliance runs in UTC',
  manage_etc_hosts: '/etc/hosts is written by the appliance',
  hostname: "the host name is the document's",
  fqdn: "the host name is the document's",
  user: "the appliance's admin account is called admin",
};

/** A key name that is safe to repeat (a typo can turn a value into a key). */
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;

/** How many keys get a line of their own; the rest are counted in one line (bounded output). */
export const OTHER_KEY_LINES = 20;

/** One line per top-level key not in `acted`, in the order written, at most OTHER_KEY_LINES and a count. */
export function otherKeyLines(top: Record<string, unknown>, acted: ReadonlySet<string>, where: string | null): string[] {
  const at = where ?? 'the user data';
  const keys = Object.keys(top).filter((k) => k !== KEY && !acted.has(k));
  const lines = keys
    .slice(0, OTHER_KEY_LINES)
    .map((k) =>
      SAFE_KEY.test(k)
        ? `${at} key ${k}: not acted on; ${WHY[k] ?? "it is cloud-init's business, not bowtie-setup's"}`
        : `${at} has a key whose name is not shown (it may hold a value): not acted on`,
    );
  if (keys.length > OTHER_KEY_LINES) lines.push(`${at} has ${keys.length - OTHER_KEY_LINES} more keys: not acted on`);
  return lines;
}

export interface Adoption {
  /** The document with what was taken. */
  document: unknown;
  /** Top-level keys that were taken (reported as translated, not as ignored). */
  taken: Set<string>;
  /** Top-level keys this looked at, taken or not: their lines are `notes` or `refused`. */
  handled: Set<string>;
  notes: string[];
  /** Keys that mean something here but could not be taken, with the reason. */
  refused: string[];
}

/** The top-level keys whose values adoptDefaultAccount reads (`user` it takes only as present). */
export const ACCOUNT_KEYS = ['ssh_authorized_keys', 'password'] as const;

/**
 * Proxmox's (and cloud-init's classic) default-account keys, taken into `admin` when the
 * document has an admin and does not set the same thing itself.
 */
export function adoptDefaultAccount(document: unknown, top: Record<string, unknown>): Adoption {
  const out: Adoption = { document, taken: new Set(), handled: new Set(), notes: [], refused: [] };
  const keys = top.ssh_authorized_keys;
  const password = top.password;
  if (keys === undefined && password === undefined) return out;
  const doc = structuredClone(document) as Record<string, unknown> | null;
  const admin =
    doc && typeof doc === 'object' && doc.admin && typeof doc.admin === 'object' && !Array.isArray(doc.admin) ? (doc.admin as Record<string, unknown>) : null;
  if (keys !== undefined) {
    out.handled.add('ssh_authorized_keys');
    if (!admin) out.refused.push('ssh_authorized_keys: not taken (the document has no admin to give them to)');
    else if (admin.ssh_authorized_keys !== undefined) out.refused.push('ssh_authorized_keys: not taken (the document sets admin.ssh_authorized_keys)');
    else {
      admin.ssh_authorized_keys = keys;
      out.taken.add('ssh_authorized_keys');
      out.notes.push('ssh_authorized_keys -> admin.ssh_authorized_keys');
    }
  }
  if (password !== undefined) {
    out.handled.add('password');
    if (!admin) out.refused.push('password: not taken (the document has no admin to give it to)');
    else if (admin.console_password_hash !== undefined) out.refused.push('password: not taken (the document sets admin.console_password_hash)');
    else if (typeof password !== 'string' || cryptHashProblem(password) !== null) {
      const what =
        typeof password === 'string' && /^\$5\$/.test(password)
          ? 'a SHA-256 crypt hash'
          : typeof password === 'string' && password.startsWith('$')
            ? 'not a hash the console accepts'
            : 'not a crypt(3) hash';
      out.refused.push(`password: not taken (${what}; the console password takes a yescrypt, bcrypt or sha512crypt hash: admin.console_password_hash)`);
    } else {
      admin.console_password_hash = password;
      out.taken.add('password');
      out.notes.push('password (a crypt hash) -> admin.console_password_hash');
    }
  }
  if (out.taken.size > 0) {
    out.document = doc;
    if (top.user !== undefined) {
      out.taken.add('user');
      out.handled.add('user');
      out.notes.push("user: its keys and password went to the appliance's admin account");
    }
  }
  return out;
}
