/**
 * Where the appliance keeps things (DESIGN.md "Appliance layout"). The fragment always names
 * these absolute paths, as if --root were "/"; the sandbox root only changes where we write.
 */
export const STATE_DIR = '/var/lib/bowtie-setup';
export const SECRETS_DIR = `${STATE_DIR}/secrets`;
export const FRAGMENT_PATH = '/etc/nixos/bowtie/site.nix';

/** The secret files a document can produce; names are fixed, never derived from input. */
export const SECRET_FILES = {
  adminPasswordHash: `${SECRETS_DIR}/admin-password-hash`,
  consolePasswordHash: `${SECRETS_DIR}/console-password-hash`,
  enrollmentToken: `${SECRETS_DIR}/enrollment-token`,
  tlsPrivateKey: `${SECRETS_DIR}/tls-private-key`,
} as const;
