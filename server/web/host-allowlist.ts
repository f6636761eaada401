/**
 * DNS rebinding defence: a request is served only when its Host header names the appliance
 * (its hostname, its fully qualified name, "localhost") or one of its own addresses. A page
 * from another site that rebinds its name to the appliance's address still sends its own
 * name in Host and is refused with 421.
 */
import { networkInterfaces, hostname as osHostname } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error.js';

/** The host part of a Host header, lower-cased, IPv6 without brackets; null when malformed. */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(header);
  if (!m) return null;
  return (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '');
}

/** Every address of this machine, IPv6 without zone. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined)
    .map((a) => a.address.replace(/%.*$/, '').toLowerCase());
}

export interface HostAllowlist {
  allows(host: string): boolean;
}

/**
 * The allowlist: names from `names()` plus the machine's addresses. Addresses change while
 * the wizard runs (DHCP, or an apply that moves the appliance), so an unknown host re-reads
 * them, at most once a second, before it is refused.
 */
export function hostAllowlist(names: () => Iterable<string>, addresses: () => string[] = localAddresses, now: () => number = Date.now): HostAllowlist {
  let known = new Set<string>();
  let readAt = -Infinity;
  const refresh = () => {
    known = new Set([...addresses(), 'localhost', osHostname().toLowerCase(), ...[...names()].map((n) => n.toLowerCase())]);
    readAt = now();
  };
  return {
    allows(host) {
      if (known.has(host)) return true;
      if (now() - readAt < 1000) return false;
      refresh();
      return known.has(host);
    },
  };
}

export function checkHost(allowlist: HostAllowlist) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const host = hostOf(req.headers.host);
    if (host === null) throw new HttpError(400, 'The request has no valid Host header.');
    if (!allowlist.allows(host)) {
      throw new HttpError(421, "This address is not one of the appliance's names. Open the wizard by the address shown on the appliance's console.");
    }
    next();
  };
}
