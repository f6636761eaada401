/**
 * Which secret files a configuration has, in one place: what the worker writes (hashing a
 * plaintext password), what `apply --dry-run` and the review page plan, what the output log
 * redacts, and what `export` leaves as placeholders all come from `secretFiles(config)` and
 * SECRET_FIELDS below (no argon2 here: export reads this file; the worker hashes in
 * engine.ts). A new secret file is one entry in SECRET_FILES (server/nix/paths.ts), one in
 * SECRET_FIELDS and one line in `secretFiles`; the type checker asks for the last two.
 */
import { proxySecretValues } from '../config/proxy.js';
import type { SiteConfig } from '../config/schema.js';
import { SECRET_FILES } from '../nix/paths.js';
import { SECRET_NAMES, type SecretName } from './paths.js';

/** Where each secret file comes from in the document, and what export's placeholder asks for. */
export const SECRET_FIELDS = {
  adminPasswordHash: { field: 'admin.password', hint: "the admin's password (or replace this key with password_hash: an argon2id hash)" },
  consolePasswordHash: { field: 'admin.console_password_hash', hint: "a crypt(3) hash for the OS admin's console login (e.g. mkpasswd -m yescrypt)" },
  enrollmentToken: { field: 'enrollment.token', hint: "the cluster's sync token (PSK)" },
  tlsPrivateKey: { field: 'tls.private_key', hint: "the certificate's PEM private key" },
  // The document holds the credentials inside the URL: export asks for the whole URL again.
  proxyCredentials: { field: 'network.proxy.url', hint: 'the proxy URL with its user name and password (http://user:password@host:port)' },
  ssoClientSecret: { field: 'sso.client_secret', hint: "the single sign-on client's secret, as the identity provider shows it" },
} as const satisfies Record<SecretName, { field: string; hint: string }>;

export interface SecretFile {
  name: SecretName;
  /** The file on the appliance, as the fragment names it. */
  path: string;
  /** What the configuration puts in the file as it is; null when it has none (or gives `password`). */
  content: string | null;
  /** A plaintext password the file holds the hash of (admin.password); null otherwise. */
  password: string | null;
  /** Other spellings of the secret that a log must not show either (the proxy's password, encoded and decoded). */
  forms: string[];
}

/** Every secret file, in SECRET_NAMES order, with what `config` (null: no fragment) gives it. */
export function secretFiles(config: SiteConfig | null): SecretFile[] {
  const proxy = config?.network.proxy?.credentials ?? null;
  const given: Record<SecretName, { content: string | null; password?: string | null; forms?: string[] }> = {
    adminPasswordHash: { content: config?.admin?.password_hash ?? null, password: config?.admin?.password ?? null },
    consolePasswordHash: { content: config?.admin?.console_password_hash ?? null },
    enrollmentToken: { content: config?.enrollment?.token ?? null },
    tlsPrivateKey: { content: config?.tls.private_key ?? null },
    proxyCredentials: { content: proxy, forms: proxySecretValues(proxy) },
    ssoClientSecret: { content: config?.sso?.client_secret ?? null },
  };
  return SECRET_NAMES.map((name) => ({
    name,
    path: SECRET_FILES[name],
    content: given[name].content,
    password: given[name].password ?? null,
    forms: given[name].forms ?? [],
  }));
}

/** Every file absent. */
export function noSecrets(): Record<SecretName, string | null> {
  return Object.fromEntries(SECRET_NAMES.map((n) => [n, null])) as Record<SecretName, string | null>;
}

/** Every secret value a request carries (and the files it replaces), for redaction from logs. */
export function secretValues(config: SiteConfig | null, files: Partial<Record<SecretName, string | null>>): string[] {
  const out = new Set<string>();
  const given = secretFiles(config).flatMap((f) => [f.password, f.content, ...f.forms]);
  for (const v of [...given, ...Object.values(files)]) {
    if (!v) continue;
    out.add(v);
    for (const line of v.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) out.add(line);
  }
  return [...out];
}
