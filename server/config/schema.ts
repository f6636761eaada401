/**
 * The config document: the one schema that the web form, cloud-init and the CLI all go through.
 * Field rules live in their own modules (names, ip, calendar, ssh-key, certificate); this file
 * composes them into sections, adds the cross-field rules, applies the documented defaults and
 * produces a normalized `SiteConfig` in which every optional value is present or null.
 *
 * Longer than ~300 lines on purpose: it is the one schema of the design card, and a reader sees
 * the whole document, its sections and their cross-field rules in one place.
 */
import { z } from 'zod';
import { calendarProblem, normalizeCalendar, timespanProblem } from './calendar.js';
import { ipv4HostProblem, ipv4UnicastProblem, ipv6HostProblem, inSubnet, parseCidr4, parseCidr6, parseIPv4, parseIPv6, subnetText } from './ip.js';
import {
  DNS_SERVERS_MAX,
  ENTRYPOINTS_MAX,
  IPV6_MIN_MTU,
  MTU_MAX,
  MTU_MIN,
  NO_PROXY_MAX,
  NTP_SERVERS_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  PEM_MAX,
  SCHEDULE_MAX,
  SITE_NAME_MAX,
  SSH_KEYS_MAX,
  SSO_CLIENT_ID_MAX,
  SSO_CLIENT_SECRET_MAX,
  SSO_NAME_MAX,
  TOKEN_MAX,
  TOKEN_MIN,
  VLAN_MAX,
  VLAN_MIN,
} from './limits.js';
import { dnsNameProblem, emailProblem, fqdnOf, hostnameProblem, httpsUrlProblem, serverProblem } from './names.js';
import { argon2HashProblem, cryptHashProblem, legacyArgon2iParams } from './password-hash.js';
import { noProxyProblem, parseProxyUrl, proxyUrlText, proxyUrlWithoutCredentials } from './proxy.js';
import { sshKeyProblem } from './ssh-key.js';
import { codePointLength, hasControlOrSpace } from './text.js';
import { certificatePemProblem, checkProvidedCertificate, normalizeCertificatePem, normalizePrivateKeyPem, privateKeyPemProblem } from './certificate.js';
import { isPlaceholder, PLACEHOLDER_MESSAGE } from './placeholder.js';

/**
 * The base of every string in the document: no NUL (it cannot be written to a Nix file or a
 * C string) and no lone UTF-16 surrogates (they are not Unicode and cannot be written as UTF-8).
 * Every other character is allowed here; the Nix encoder makes them safe. A placeholder left by
 * `export` where a secret was is refused in every field (./placeholder.ts).
 */
function text() {
  return z
    .string()
    .refine((s) => !s.includes('\0'), { error: 'must not contain NUL characters', abort: true })
    .refine((s) => s.isWellFormed(), { error: 'must be valid Unicode text', abort: true })
    .refine((s) => !isPlaceholder(s), { error: PLACEHOLDER_MESSAGE, abort: true });
}

/** A string field checked by a function that says what is wrong, or null. */
function checked(problem: (s: string) => string | null) {
  return text().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

// ---- fields ---------------------------------------------------------------------------------

export const hostnameField = checked(hostnameProblem);
export const domainField = checked(dnsNameProblem);
export const siteNameField = checked((s) =>
  s.trim() === '' ? 'must not be empty' : codePointLength(s) > SITE_NAME_MAX ? `must be at most ${SITE_NAME_MAX} characters` : null,
);
export const emailField = checked(emailProblem);
export const passwordField = checked((s) =>
  s.length < PASSWORD_MIN ? `must be at least ${PASSWORD_MIN} characters` : s.length > PASSWORD_MAX ? `must be at most ${PASSWORD_MAX} characters` : null,
);
export const passwordHashField = checked(argon2HashProblem);
export const consolePasswordHashField = checked(cryptHashProblem);
// Stored as sshd reads it: without the blanks before the key type (a comment keeps its own).
export const sshKeyField = checked(sshKeyProblem).transform((s) => s.trimStart());
export const interfaceField = checked((s) =>
  // Not starting with "-": the kernel would take it, but every tool that is handed it as an argument would read an option.
  /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/.test(s) && s !== '.' && s !== '..'
    ? null
    : 'must be a network interface name (1-15 letters, digits, "-", "_" or ".", not starting with "-")',
);
export const ipv4CidrField = checked((s) => {
  const cidr = parseCidr4(s);
  if (!cidr) return 'must be an IPv4 address with prefix length, e.g. 10.0.0.5/24';
  return ipv4HostProblem(cidr);
});
export const ipv4Field = checked((s) => {
  const a = parseIPv4(s);
  return a ? ipv4UnicastProblem(a) : 'must be an IPv4 address, e.g. 10.0.0.1';
});
export const ipv6CidrField = checked((s) => {
  const cidr = parseCidr6(s);
  if (!cidr) return 'must be an IPv6 address with prefix length, e.g. 2001:db8::5/64';
  return ipv6HostProblem(cidr.address) ?? (cidr.address.range() === 'linkLocal' ? 'must not be a link-local address' : null);
});
export const ipv6Field = checked((s) => {
  const a = parseIPv6(s);
  return a ? ipv6HostProblem(a) : 'must be an IPv6 address, e.g. 2001:db8::1';
});
export const serverField = checked(serverProblem);
export const siteIdField = checked((s) =>
  !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)
    ? 'must be a UUID (8-4-4-4-12 hexadecimal digits)'
    : /^[0-]+$/.test(s)
      ? 'must not be the nil UUID'
      : null,
);
export const tokenField = checked((s) =>
  s.length < TOKEN_MIN
    ? `must be at least ${TOKEN_MIN} characters`
    : s.length > TOKEN_MAX
      ? `must be at most ${TOKEN_MAX} characters`
      : hasControlOrSpace(s)
        ? 'must not contain spaces or control characters'
        : null,
);
export const entrypointField = checked(httpsUrlProblem);
const pemSized = (problem: (s: string) => string | null) => (s: string) => (s.length > PEM_MAX ? `must be at most ${PEM_MAX} characters` : problem(s));
// RFC 7468 PEM as OpenSSL reads it; the fragment and the key file carry only the canonical blocks
// (no explanatory text, LF, no indentation): docs/field-policies.md.
export const certificateField = checked(pemSized(certificatePemProblem)).transform(normalizeCertificatePem);
export const privateKeyField = checked(pemSized(privateKeyPemProblem)).transform(normalizePrivateKeyPem);
// The fragment carries the normal form (surrounding blanks trimmed, weekday ranges as Mon..Fri).
export const scheduleField = checked((s) => (s.length > SCHEDULE_MAX ? `must be at most ${SCHEDULE_MAX} characters` : calendarProblem(s))).transform(
  normalizeCalendar,
);
/** Whole numbers in a range; a form's text is turned into a number before it gets here. */
function integerIn(min: number, max: number, what: string) {
  return z
    .number({ error: `must be a whole number (${what})` })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: `must be a whole number from ${min} to ${max} (${what})` });
}
export const vlanField = integerIn(VLAN_MIN, VLAN_MAX, '802.1Q VLAN id');
export const mtuField = integerIn(MTU_MIN, MTU_MAX, 'bytes');
// The credentials in the URL are a secret: normalize() moves them out of the URL.
export const proxyUrlField = checked((s) => {
  const r = parseProxyUrl(s);
  return r.ok ? null : r.message;
});
export const noProxyField = checked(noProxyProblem);
export const randomizedDelayField = checked(timespanProblem).transform((s) => s.trim());

// Single sign-on: one connector of the daemon's identity broker (Dex). The client secret is a
// secret like the enrollment token: a file outside the store, never echoed.
export const ssoIdField = checked((s) =>
  /^[a-z0-9][a-z0-9_-]{0,62}$/.test(s) ? null : 'must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
);
export const ssoNameField = checked((s) =>
  s.trim() === ''
    ? 'must not be empty'
    : codePointLength(s) > SSO_NAME_MAX
      ? `must be at most ${SSO_NAME_MAX} characters`
      : /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(s)
        ? 'must not contain control characters'
        : null,
);
export const ssoClientIdField = checked((s) =>
  s.length === 0
    ? 'must not be empty'
    : s.length > SSO_CLIENT_ID_MAX
      ? `must be at most ${SSO_CLIENT_ID_MAX} characters`
      : hasControlOrSpace(s)
        ? 'must not contain spaces or control characters'
        : null,
);
export const ssoClientSecretField = checked((s) =>
  s.length === 0
    ? 'must not be empty'
    : s.length > SSO_CLIENT_SECRET_MAX
      ? `must be at most ${SSO_CLIENT_SECRET_MAX} characters`
      : hasControlOrSpace(s)
        ? 'must not contain spaces or control characters'
        : null,
);
/** Dex connector types that sign in through an OAuth client (id and secret). */
export const SSO_TYPES = ['oidc', 'google', 'microsoft', 'github', 'gitlab'] as const;

export const TLS_MODES = ['acme', 'self-signed', 'provided'] as const;
export const UPDATE_CHANNELS = ['stable', 'beta'] as const;
export const IPV6_METHODS = ['auto', 'dhcp', 'static', 'off'] as const;

export const DEFAULT_SCHEDULE = 'Sun *-*-* 03:00:00';
export const DEFAULT_RANDOMIZED_DELAY = '1h';

// ---- sections -------------------------------------------------------------------------------

export const siteSection = z.strictObject({ name: siteNameField });

export const adminSection = z.strictObject({
  email: emailField,
  password: passwordField.optional(),
  password_hash: passwordHashField.optional(),
  ssh_authorized_keys: z.array(sshKeyField).max(SSH_KEYS_MAX).optional(),
  console_password_hash: consolePasswordHashField.optional(),
});

const ipv4Dhcp = z.strictObject({ method: z.literal('dhcp') });
const ipv4Static = z.strictObject({ method: z.literal('static'), address: ipv4CidrField, gateway: ipv4Field });
export const ipv4Section = z.discriminatedUnion('method', [ipv4Dhcp, ipv4Static]);

const ipv6Static = z.strictObject({ method: z.literal('static'), address: ipv6CidrField, gateway: ipv6Field.optional() });
export const ipv6Section = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('auto') }),
  z.strictObject({ method: z.literal('dhcp') }),
  ipv6Static,
  z.strictObject({ method: z.literal('off') }),
]);

export const proxySection = z.strictObject({
  url: proxyUrlField,
  no_proxy: z.array(noProxyField).max(NO_PROXY_MAX).optional(),
});

export const networkSection = z
  .strictObject({
    interface: interfaceField.optional(),
    ipv4: ipv4Section.optional(),
    ipv6: ipv6Section.optional(),
    dns: z.array(serverField).max(DNS_SERVERS_MAX).optional(),
    ntp: z.array(serverField).max(NTP_SERVERS_MAX).optional(),
    vlan: vlanField.optional(),
    mtu: mtuField.optional(),
    proxy: proxySection.optional(),
  })
  .superRefine((net, ctx) => {
    if (net.ipv4?.method === 'static') {
      const cidr = parseCidr4(net.ipv4.address);
      const gateway = parseIPv4(net.ipv4.gateway);
      // zod runs this even when a field failed on its own; those errors are already reported.
      if (!cidr || !gateway) {
        // nothing to compare
      } else if (!inSubnet(gateway, cidr)) {
        ctx.addIssue({ code: 'custom', path: ['ipv4', 'gateway'], message: `not in ${subnetText(cidr)}` });
      } else if (gateway.toString() === cidr.address.toString()) {
        ctx.addIssue({ code: 'custom', path: ['ipv4', 'gateway'], message: "must not be the appliance's own address" });
      } else {
        const problem = ipv4HostProblem({ address: gateway, prefix: cidr.prefix });
        if (problem) ctx.addIssue({ code: 'custom', path: ['ipv4', 'gateway'], message: problem });
      }
      if (!net.dns || net.dns.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['dns'], message: 'required when ipv4 is static (no DHCP server will supply it)' });
      }
    }
    // An MTU out of range is reported by the field itself.
    if (typeof net.mtu === 'number' && net.mtu >= MTU_MIN && net.mtu < IPV6_MIN_MTU && net.ipv6?.method !== 'off') {
      ctx.addIssue({
        code: 'custom',
        path: ['mtu'],
        message: `below ${IPV6_MIN_MTU} leaves no IPv6 on the link: set ipv6 to off, or an MTU of at least ${IPV6_MIN_MTU}`,
      });
    }
    if (net.ipv6?.method === 'static' && net.ipv6.gateway !== undefined) {
      const cidr = parseCidr6(net.ipv6.address);
      const gateway = parseIPv6(net.ipv6.gateway);
      if (!cidr || !gateway) {
        // reported by the fields themselves
      } else if (gateway.range() !== 'linkLocal' && !inSubnet(gateway, cidr)) {
        ctx.addIssue({ code: 'custom', path: ['ipv6', 'gateway'], message: `not in ${subnetText(cidr)} and not link-local` });
      } else if (gateway.toNormalizedString() === cidr.address.toNormalizedString()) {
        ctx.addIssue({ code: 'custom', path: ['ipv6', 'gateway'], message: "must not be the appliance's own address" });
      }
    }
  });

export const enrollmentSection = z.strictObject({
  site_id: siteIdField,
  token: tokenField,
  entrypoints: z.array(entrypointField).max(ENTRYPOINTS_MAX).optional(),
});

export const tlsSection = z.strictObject({
  mode: z.enum(TLS_MODES).optional(),
  certificate: certificateField.optional(),
  private_key: privateKeyField.optional(),
});

export const ssoSection = z
  .strictObject({
    type: z.enum(SSO_TYPES),
    id: ssoIdField,
    name: ssoNameField,
    issuer: entrypointField.optional(),
    client_id: ssoClientIdField,
    client_secret: ssoClientSecretField,
    // Absent: the daemon's own callback (its origin + /dex/callback).
    redirect_uri: entrypointField.optional(),
  })
  .superRefine((sso, ctx) => {
    if (sso.type === 'oidc' && sso.issuer === undefined) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'is required when type is oidc' });
  });

export const updatesSection = z.strictObject({
  enable: z.boolean().optional(),
  schedule: scheduleField.optional(),
  randomized_delay: randomizedDelayField.optional(),
  channel: z.enum(UPDATE_CHANNELS).optional(),
});

// `.meta()` titles and descriptions reach the JSON Schema (`bowtie-setup schema`) and editors.
export const documentSchema = z.strictObject({
  hostname: hostnameField.meta({ title: 'Hostname', description: 'One label: letters, digits and hyphens, e.g. ctl-sfo-01.' }),
  domain: domainField.optional().meta({ title: 'Domain', description: 'DNS domain; the controller is hostname.domain. With a domain, TLS defaults to ACME.' }),
  site: siteSection.optional().meta({ title: 'Site', description: "The site's display name (default: the hostname)." }),
  admin: adminSection.optional().meta({
    title: 'Admin',
    description: 'The first controller admin, and the SSH keys and console password of the OS admin account. Give password or password_hash.',
  }),
  network: networkSection.optional().meta({ title: 'Network', description: 'Interface, IPv4, IPv6, DNS and NTP (default: DHCP and router advertisements).' }),
  enrollment: enrollmentSection
    .optional()
    .meta({ title: 'Enrollment', description: 'Cluster enrollment; without it the document is partial and the wizard finishes setup.' }),
  tls: tlsSection.optional().meta({ title: 'TLS certificate', description: 'acme, self-signed or provided (certificate and private_key in PEM).' }),
  updates: updatesSection.optional().meta({ title: 'Updates', description: 'Scheduled updates: systemd calendar schedule, randomized delay, channel.' }),
  sso: ssoSection
    .optional()
    .meta({ title: 'Single sign-on', description: 'The OpenID Connect connector of the controller (its client secret is a secret like the others).' }),
});

/**
 * The document as the controller template's translation is checked: `admin.password_hash` may
 * also be a legacy argon2i hash (docs/decisions/0305). Nothing else differs.
 */
export const legacyHashDocumentSchema = documentSchema.extend({
  admin: adminSection.extend({ password_hash: checked((s) => (legacyArgon2iParams(s) ? null : argon2HashProblem(s))).optional() }).optional(),
});

/** The document as written: what every input source parses into. */
export type ConfigDocument = z.input<typeof documentSchema>;
type Parsed = z.output<typeof documentSchema>;

// ---- normalized form ------------------------------------------------------------------------

export type Ipv4Config = z.output<typeof ipv4Section>;
export type Ipv6Config = z.output<typeof ipv6Section>;

export interface ProxyConfig {
  /** scheme://host:port, without credentials: what the fragment carries. */
  url: string;
  /** Percent-encoded `user[:password]` (server/config/proxy.ts): a secret, written to its own file. */
  credentials: string | null;
  no_proxy: string[];
}

function normalizeProxy(proxy: { url: string; no_proxy?: string[] | undefined }): ProxyConfig {
  const parsed = parseProxyUrl(proxy.url);
  // The schema has accepted it; a failure here is a bug, not input to carry on with.
  if (!parsed.ok) throw new Error('network.proxy.url: validated URL did not parse');
  return { url: proxyUrlText(parsed.value), credentials: parsed.value.credentials, no_proxy: proxy.no_proxy ?? [] };
}

/** The document with every default applied; the renderer and the engine work on this. */
export interface SiteConfig {
  hostname: string;
  domain: string | null;
  site: { name: string };
  admin: null | {
    email: string;
    /** Input only: apply hashes it at once and keeps only `password_hash`. */
    password: string | null;
    password_hash: string | null;
    ssh_authorized_keys: string[];
    console_password_hash: string | null;
  };
  network: {
    interface: string | null;
    ipv4: Ipv4Config;
    ipv6: { method: 'auto' | 'dhcp' | 'off' } | { method: 'static'; address: string; gateway: string | null };
    dns: string[];
    ntp: string[];
    vlan: number | null;
    mtu: number | null;
    proxy: ProxyConfig | null;
  };
  enrollment: null | { site_id: string; token: string; entrypoints: string[] };
  tls: { mode: (typeof TLS_MODES)[number]; certificate: string | null; private_key: string | null };
  updates: { enable: boolean; schedule: string; randomized_delay: string; channel: (typeof UPDATE_CHANNELS)[number] };
  sso: null | {
    type: (typeof SSO_TYPES)[number];
    id: string;
    name: string;
    issuer: string | null;
    client_id: string;
    client_secret: string;
    redirect_uri: string | null;
  };
}

export function normalize(doc: Parsed): SiteConfig {
  const ipv6 = doc.network?.ipv6 ?? { method: 'auto' as const };
  return {
    hostname: doc.hostname,
    domain: doc.domain ?? null,
    site: { name: doc.site?.name ?? doc.hostname },
    admin: doc.admin
      ? {
          email: doc.admin.email,
          password: doc.admin.password ?? null,
          password_hash: doc.admin.password_hash ?? null,
          ssh_authorized_keys: doc.admin.ssh_authorized_keys ?? [],
          console_password_hash: doc.admin.console_password_hash ?? null,
        }
      : null,
    network: {
      interface: doc.network?.interface ?? null,
      ipv4: doc.network?.ipv4 ?? { method: 'dhcp' },
      ipv6: ipv6.method === 'static' ? { method: 'static', address: ipv6.address, gateway: ipv6.gateway ?? null } : ipv6,
      dns: doc.network?.dns ?? [],
      ntp: doc.network?.ntp ?? [],
      vlan: doc.network?.vlan ?? null,
      mtu: doc.network?.mtu ?? null,
      proxy: doc.network?.proxy ? normalizeProxy(doc.network.proxy) : null,
    },
    enrollment: doc.enrollment ? { site_id: doc.enrollment.site_id, token: doc.enrollment.token, entrypoints: doc.enrollment.entrypoints ?? [] } : null,
    tls: {
      mode: doc.tls?.mode ?? (doc.domain ? 'acme' : 'self-signed'),
      certificate: doc.tls?.certificate ?? null,
      private_key: doc.tls?.private_key ?? null,
    },
    updates: {
      enable: doc.updates?.enable ?? true,
      schedule: doc.updates?.schedule ?? DEFAULT_SCHEDULE,
      randomized_delay: doc.updates?.randomized_delay ?? DEFAULT_RANDOMIZED_DELAY,
      channel: doc.updates?.channel ?? 'stable',
    },
    sso: doc.sso
      ? {
          type: doc.sso.type,
          id: doc.sso.id,
          name: doc.sso.name,
          issuer: doc.sso.issuer ?? null,
          client_id: doc.sso.client_id,
          client_secret: doc.sso.client_secret,
          redirect_uri: doc.sso.redirect_uri ?? null,
        }
      : null,
  };
}

export function isComplete(config: SiteConfig): boolean {
  return config.enrollment !== null && config.admin !== null;
}

// ---- cross-field rules ----------------------------------------------------------------------

export interface FieldError {
  path: string;
  message: string;
}

/** Rules that need more than one section; they run once every field is valid on its own. */
export function crossFieldErrors(config: SiteConfig, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  const fqdn = fqdnOf(config.hostname, config.domain);
  if (fqdn.length > 253) errors.push({ path: 'domain', message: `hostname.domain must be at most 253 characters` });
  const admin = config.admin;
  if (admin) {
    if (admin.password !== null && admin.password_hash !== null) {
      errors.push({ path: 'admin.password_hash', message: 'give password or password_hash, not both' });
    } else if (admin.password === null && admin.password_hash === null) {
      errors.push({ path: 'admin.password', message: 'is required (or give password_hash)' });
    }
    if (admin.password !== null) {
      const lower = admin.password.toLowerCase();
      const names = [
        ['hostname', config.hostname],
        ['fully qualified name', fqdn],
        ['email address', admin.email],
      ] as const;
      for (const [what, value] of names.filter((_, i) => i !== 1 || config.domain)) {
        if (lower === value.toLowerCase()) errors.push({ path: 'admin.password', message: `must not be the ${what}` });
      }
    }
  }
  if (config.enrollment && !admin) {
    errors.push({ path: 'admin', message: 'is required to enroll the controller (the first admin account)' });
  }
  const tls = config.tls;
  if (tls.mode === 'provided') {
    if (tls.certificate === null) errors.push({ path: 'tls.certificate', message: 'is required when mode is provided' });
    if (tls.private_key === null) errors.push({ path: 'tls.private_key', message: 'is required when mode is provided' });
    if (tls.certificate !== null && tls.private_key !== null) {
      for (const p of checkProvidedCertificate(tls.certificate, tls.private_key, fqdn, now)) {
        errors.push({ path: `tls.${p.field}`, message: p.message });
      }
    }
  } else {
    if (tls.certificate !== null) errors.push({ path: 'tls.certificate', message: 'is only used when mode is provided' });
    if (tls.private_key !== null) errors.push({ path: 'tls.private_key', message: 'is only used when mode is provided' });
  }
  if (tls.mode === 'acme' && !config.domain) {
    errors.push({ path: 'tls.mode', message: 'acme needs a public name: set domain, or use self-signed or provided' });
  }
  return errors;
}

/**
 * Where the document holds secrets (DESIGN.md: Secrets), as paths: what leaves the wizard's
 * draft once the worker has taken the document, and what `export` leaves out.
 */
export const SECRET_DOCUMENT_PATHS = [
  ['admin', 'password'],
  ['admin', 'password_hash'],
  ['admin', 'console_password_hash'],
  ['enrollment', 'token'],
  ['tls', 'private_key'],
  ['sso', 'client_secret'],
] as const;

/** URLs whose user name and password are a secret (the rest of the URL is not). */
export const SECRET_URL_DOCUMENT_PATHS = [['network', 'proxy', 'url']] as const;

/** A copy of `document` without its secrets (any shape: drafts and user documents alike). */
export function withoutSecrets<T>(document: T): T {
  const copy = structuredClone(document);
  for (const [section, key] of SECRET_DOCUMENT_PATHS) {
    const holder = (copy as Record<string, unknown> | null)?.[section];
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the keys are the fixed list SECRET_DOCUMENT_PATHS
    if (holder && typeof holder === 'object' && !Array.isArray(holder)) delete (holder as Record<string, unknown>)[key];
  }
  for (const path of SECRET_URL_DOCUMENT_PATHS) {
    let holder: unknown = copy;
    for (const k of path.slice(0, -1))
      holder = holder && typeof holder === 'object' && !Array.isArray(holder) ? (holder as Record<string, unknown>)[k] : undefined;
    const key = path[path.length - 1]!;
    if (holder && typeof holder === 'object' && !Array.isArray(holder)) {
      const h = holder as Record<string, unknown>;
      if (typeof h[key] === 'string') h[key] = proxyUrlWithoutCredentials(h[key]);
    }
  }
  return copy;
}

/** A config document that may still lack its required fields (the wizard's draft, a prefill). */
export type DraftDocument = Partial<ConfigDocument>;
