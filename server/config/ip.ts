import ipaddr from 'ipaddr.js';

/**
 * Strict address parsing. ipaddr.js alone also takes "10.1", "0x0a.0.0.1" and zone ids, which
 * an operator never means and which NixOS options would not accept; these wrappers take only the
 * canonical textual forms (dotted quad without leading zeros, RFC 4291 IPv6 without a zone).
 */
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;

export type IPv4 = ipaddr.IPv4;
export type IPv6 = ipaddr.IPv6;

export function parseIPv4(s: string): IPv4 | null {
  return DOTTED_QUAD.test(s) ? ipaddr.IPv4.parse(s) : null;
}

export function parseIPv6(s: string): IPv6 | null {
  if (!IPV6_CHARS.test(s) || !ipaddr.IPv6.isValid(s)) return null;
  return ipaddr.IPv6.parse(s);
}

export interface Cidr<A> {
  address: A;
  prefix: number;
}

function splitCidr(s: string, max: number): { addr: string; prefix: number } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const digits = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(digits)) return null;
  const prefix = Number(digits);
  return prefix > max ? null : { addr: s.slice(0, slash), prefix };
}

export function parseCidr4(s: string): Cidr<IPv4> | null {
  const parts = splitCidr(s, 32);
  const address = parts && parseIPv4(parts.addr);
  return parts && address ? { address, prefix: parts.prefix } : null;
}

export function parseCidr6(s: string): Cidr<IPv6> | null {
  const parts = splitCidr(s, 128);
  const address = parts && parseIPv6(parts.addr);
  return parts && address ? { address, prefix: parts.prefix } : null;
}

export function inSubnet<A extends IPv4 | IPv6>(addr: A, subnet: Cidr<A>): boolean {
  return addr.match(subnet.address, subnet.prefix);
}

/** The subnet in canonical form, e.g. "10.0.0.0/24", for error messages. */
export function subnetText(subnet: Cidr<IPv4 | IPv6>): string {
  const net =
    subnet.address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${subnet.address.toString()}/${subnet.prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${subnet.address.toString()}/${subnet.prefix}`);
  return `${net.toString()}/${subnet.prefix}`;
}

/**
 * Why an IPv4 address cannot be this host's address on that subnet, or null when it can.
 * /31 (RFC 3021) and /32 have no network or broadcast address.
 */
export function ipv4HostProblem(cidr: Cidr<IPv4>): string | null {
  const unicast = ipv4UnicastProblem(cidr.address);
  if (unicast) return unicast;
  if (cidr.prefix <= 30) {
    const text = `${cidr.address.toString()}/${cidr.prefix}`;
    if (ipaddr.IPv4.networkAddressFromCIDR(text).toString() === cidr.address.toString()) {
      return `is the network address of ${subnetText(cidr)}`;
    }
    if (ipaddr.IPv4.broadcastAddressFromCIDR(text).toString() === cidr.address.toString()) {
      return `is the broadcast address of ${subnetText(cidr)}`;
    }
  }
  return null;
}

export function ipv4UnicastProblem(a: IPv4): string | null {
  const range = a.range();
  return ['unspecified', 'broadcast', 'multicast', 'loopback', 'linkLocal'].includes(range) ? `is a ${rangeName(range)} address, not a host address` : null;
}

export function ipv6HostProblem(a: IPv6): string | null {
  const range = a.range();
  return ['unspecified', 'multicast', 'loopback', 'ipv4Mapped'].includes(range) ? `is a ${rangeName(range)} address, not a host address` : null;
}

function rangeName(range: string): string {
  return range.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace('ipv4 mapped', 'IPv4-mapped');
}
