/**
 * The outbound proxy (network.proxy): its URL, split into the part the Nix fragment may carry
 * (scheme, host, port) and the credentials, which are a secret (docs/decisions/0670). No zod
 * here, like the other field rules (docs/decisions/0540).
 *
 * The URL is read by hand, not by WHATWG `URL`, which repairs what it is given (backslashes,
 * blanks, a missing port) where the tools that read HTTP_PROXY later (curl in nix, the daemon)
 * would each repair it differently.
 */
import { parseCidr4, parseCidr6, parseIPv4, parseIPv6 } from './ip.js';
import { URL_MAX } from './limits.js';
import { dnsNameProblem } from './names.js';
import { hasControlOrSpace } from './text.js';

export interface ProxyUrl {
  scheme: 'http' | 'https';
  /** Host as written in a URL: a DNS name or IPv4 address in lower case, or "[IPv6]". */
  host: string;
  port: number;
  /**
   * `user` or `user:password`, each percent-encoded so that only letters, digits, "-", ".",
   * "_", "~" and "%XX" remain: the form the runtime writes into HTTP_PROXY without quoting.
   */
  credentials: string | null;
}

/** The URL without credentials: what the fragment and the store may hold. */
export function proxyUrlText(p: Pick<ProxyUrl, 'scheme' | 'host' | 'port'>): string {
  return `${p.scheme}://${p.host}:${p.port}`;
}

/** Every byte outside RFC 3986 "unreserved" as %XX: safe in a URL, a shell word and an env file. */
function encodeStrict(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// RFC 3986 userinfo characters (unreserved, sub-delims, ":") and percent-encodings.
const USERINFO = /^(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2})*$/;

/** A user name or password decoded from its percent-encoding, or null when it is not text. */
function decodePart(s: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    return null;
  }
  // Blanks and any other text are fine in a password; control characters and line breaks are not.
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(decoded) || !decoded.isWellFormed() ? null : decoded;
}

const CREDENTIALS_HINT = 'the user name and password before "@" must be percent-encoded (RFC 3986), e.g. p%40ss for p@ss';

/**
 * Reads `s` as `http[s]://[user[:password]@]host:port[/]`. The message never holds the
 * credentials (they are a secret), only what is wrong with them.
 */
export function parseProxyUrl(s: string): { ok: true; value: ProxyUrl } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message });
  if (s.length > URL_MAX) return fail(`must be at most ${URL_MAX} characters`);
  if (hasControlOrSpace(s)) return fail('must not contain spaces or control characters');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(s);
  if (!m) return fail('must be a URL: http://host:port or https://host:port');
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return fail('must be an http:// or https:// URL (other proxy schemes, such as socks5, are not supported)');
  const rest = m[2]!;
  const end = rest.search(/[/?#\\]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if (end >= 0 && rest.slice(end) !== '/') return fail('must not have a path, query or fragment (a proxy is a host and a port)');
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? null : authority.slice(0, at);
  const hostPort = at < 0 ? authority : authority.slice(at + 1);

  let credentials: string | null = null;
  if (userinfo !== null) {
    if (!USERINFO.test(userinfo)) return fail(CREDENTIALS_HINT);
    const colon = userinfo.indexOf(':');
    const user = decodePart(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const password = colon < 0 ? undefined : decodePart(userinfo.slice(colon + 1));
    if (user === null || password === null) return fail(`${CREDENTIALS_HINT}; they must not encode control characters or invalid UTF-8`);
    if (user === '') return fail('has credentials without a user name');
    credentials = password === undefined ? encodeStrict(user) : `${encodeStrict(user)}:${encodeStrict(password)}`;
  }

  const hp = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(hostPort);
  if (!hp) return fail('must be http[s]://host:port (an IPv6 address goes in brackets: http://[2001:db8::1]:3128)');
  const rawHost = hp[1]!;
  if (hp[2] === undefined || hp[2] === '') return fail('must name the port, e.g. :3128 (tools disagree on the default proxy port)');
  const port = /^\d{1,5}$/.test(hp[2]) ? Number(hp[2]) : 0;
  if (port < 1 || port > 65535) return fail('the port must be a number from 1 to 65535');
  let host: string;
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    if (inner.includes('%')) return fail('an IPv6 address must not have a zone (%) here');
    const a = parseIPv6(inner);
    if (!a) return fail('the host in brackets must be an IPv6 address');
    host = `[${a.toString()}]`;
  } else if (parseIPv4(rawHost)) {
    host = rawHost;
  } else if (/^[\d.]+$/.test(rawHost)) {
    return fail('the host is not a valid IPv4 address');
  } else {
    if (rawHost === '' || dnsNameProblem(rawHost) !== null) return fail('must name a valid host (a DNS name or an IP address)');
    host = rawHost.toLowerCase();
  }
  return { ok: true, value: { scheme, host, port, credentials } };
}

/**
 * One NO_PROXY entry: `*`, a host or domain (a leading "." for its subdomains only), an IP
 * address or a CIDR range. Blanks and commas would split one entry into several in the
 * comma-separated variable, so each entry is one item of the list.
 */
export function noProxyProblem(s: string): string | null {
  if (s === '*') return null;
  if (s.length > 256) return 'must be at most 256 characters';
  if (/[\s,]/.test(s) || hasControlOrSpace(s)) return 'must be one entry without blanks or commas (give each host as its own list item)';
  if (s.includes('/')) return parseCidr4(s) || parseCidr6(s) ? null : 'must be a valid CIDR range, e.g. 10.0.0.0/8';
  if (parseIPv4(s) || parseIPv6(s)) return null;
  if (/^[\d.]+$/.test(s) || s.includes(':')) return 'is not a valid IP address';
  const name = s.startsWith('.') ? s.slice(1) : s;
  return dnsNameProblem(name) === null ? null : 'must be *, a host or domain name (.example.com for its subdomains), an IP address or a CIDR range';
}

/** The part of a URL that is a secret, for "never in the output" checks and `export`. */
export function proxyUrlWithoutCredentials(s: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#\\]*)(.*)$/s.exec(s);
  if (!m) return s;
  const at = m[2]!.lastIndexOf('@');
  return at < 0 ? s : `${m[1]}${m[2]!.slice(at + 1)}${m[3]}`;
}

/**
 * The forms in which proxy credentials could be shown (as stored, and the password alone,
 * encoded and decoded), for redaction from logs. Empty for no credentials.
 */
export function proxySecretValues(credentials: string | null | undefined): string[] {
  if (!credentials) return [];
  const colon = credentials.indexOf(':');
  if (colon < 0) return [credentials];
  const password = credentials.slice(colon + 1);
  const decoded = decodeURIComponent(password);
  return [credentials, ...new Set([password, decoded].filter((p) => p.length >= 4))];
}

/** The proxy variables a process may be given (upper and lower case, as tools differ). */
export const PROXY_ENV_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'] as const;

/** The credentials in this environment's proxy variables, in every form a log could show. */
export function proxySecretsInEnv(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  for (const name of PROXY_ENV_NAMES) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\\]*)@/.exec(env[name] ?? '');
    if (!m) continue;
    out.add(m[1]!);
    try {
      for (const v of proxySecretValues(m[1])) out.add(v);
    } catch {
      // not percent-encoded as we write it: the raw form above is what would be shown
    }
  }
  return [...out];
}
