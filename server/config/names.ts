import { EMAIL_LOCAL_MAX, EMAIL_MAX, FQDN_MAX, HOSTNAME_MAX, URL_MAX } from './limits.js';
import { hasControlOrSpace } from './text.js';
import { parseIPv4, parseIPv6 } from './ip.js';

/**
 * An RFC 1123 label: letters, digits and hyphens, not starting or ending with a hyphen. NixOS's
 * networking.hostName also allows "_", which is not valid in DNS or in a TLS certificate, so we
 * take the stricter rule (docs/decisions/0002-hostname-rule.md).
 */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function hostnameProblem(s: string): string | null {
  if (s.length === 0) return 'must not be empty';
  if (s.length > HOSTNAME_MAX) return `must be at most ${HOSTNAME_MAX} characters`;
  if (s.includes('.')) return 'must be a single label without dots (put the rest in domain)';
  if (!LABEL.test(s)) return 'may contain only letters, digits and hyphens, and must not start or end with a hyphen';
  return null;
}

/** A DNS name of one or more labels (a trailing dot is not accepted: NixOS would keep it). */
export function dnsNameProblem(s: string): string | null {
  if (s.length === 0) return 'must not be empty';
  if (s.length > FQDN_MAX) return `must be at most ${FQDN_MAX} characters`;
  const labels = s.split('.');
  if (labels.some((l) => !LABEL.test(l))) {
    return 'must be a DNS name: labels of letters, digits and hyphens separated by dots';
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'must not end in an all-numeric label';
  return null;
}

export function isIpAddress(s: string): boolean {
  return parseIPv4(s) !== null || parseIPv6(s) !== null;
}

/** A server given as an IP address or a DNS name (DNS and NTP servers). */
export function serverProblem(s: string): string | null {
  if (isIpAddress(s)) return null;
  if (/^[\d.]+$/.test(s) || s.includes(':')) return 'is not a valid IP address';
  return dnsNameProblem(s) === null ? null : 'must be an IP address or a DNS name';
}

// RFC 5322 atext, plus any non-ASCII character (RFC 6531 internationalised addresses).
const ATOM = String.raw`[A-Za-z0-9!#$%&'*+/=?^_\x60{|}~\u0080-\u{10FFFF}-]+`;
const DOT_ATOM = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
// RFC 5321 Quoted-string: printable ASCII (or non-ASCII) with backslash escapes.
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*"$/u;

export function emailProblem(s: string): string | null {
  if (s.length > EMAIL_MAX) return `must be at most ${EMAIL_MAX} characters`;
  const at = s.lastIndexOf('@');
  if (at <= 0) return 'must be an email address (name@example.com)';
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (local.length > EMAIL_LOCAL_MAX) return `the part before @ must be at most ${EMAIL_LOCAL_MAX} characters`;
  if (!DOT_ATOM.test(local) && !QUOTED.test(local)) return 'the part before @ is not valid in an email address';
  if (dnsNameProblem(domain) !== null || !domain.includes('.')) return 'the part after @ must be a domain name';
  return null;
}

/** An https URL to a host, without credentials, whitespace or control characters. */
export function httpsUrlProblem(s: string): string | null {
  if (s.length > URL_MAX) return `must be at most ${URL_MAX} characters`;
  if (hasControlOrSpace(s)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return 'must be a URL (https://host[:port][/path])';
  }
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not contain credentials';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!isIpAddress(host) && dnsNameProblem(host) !== null) return 'must name a valid host';
  return null;
}

export { fqdnOf } from './fqdn.js';
