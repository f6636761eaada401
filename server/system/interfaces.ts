/**
 * The network interfaces the network step offers, read from `<root>/sys/class/net` (so a
 * sandbox root can describe a machine), with their current addresses from the kernel. In
 * --simulate mode the addresses come from a `simulated-addresses` file beside each interface
 * instead, since the sandbox's interfaces do not exist on this machine.
 */
import { networkInterfaces } from 'node:os';
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface NetworkInterface {
  name: string;
  mac: string | null;
  /** A device behind it (not loopback, bridge, veth, ...). */
  physical: boolean;
  /** Link detected; null when unknown (the interface is down). */
  carrier: boolean | null;
  operstate: string | null;
  /** Addresses with prefix length, e.g. 10.0.0.5/24 and fe80::1/64. */
  addresses: string[];
}

async function readText(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

export async function listInterfaces(root: string, simulate: boolean): Promise<NetworkInterface[]> {
  const dir = join(root, 'sys/class/net');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^[A-Za-z0-9_.-]{1,15}$/.test(n)).sort();
  } catch {
    return [];
  }
  const kernel = networkInterfaces();
  return Promise.all(
    names.map(async (name): Promise<NetworkInterface> => {
      const base = join(dir, name);
      const carrier = await readText(join(base, 'carrier'));
      const physical = await access(join(base, 'device')).then(
        () => true,
        () => false,
      );
      const addresses = simulate
        ? ((await readText(join(base, 'simulated-addresses'))) ?? '').split(/\s+/).filter(Boolean)
        : (kernel[name] ?? []).map((a) => a.cidr ?? a.address);
      return {
        name,
        mac: await readText(join(base, 'address')),
        physical,
        carrier: carrier === null ? null : carrier === '1',
        operstate: await readText(join(base, 'operstate')),
        addresses,
      };
    }),
  );
}

/** The interface DHCP uses when none is chosen: the first physical one with carrier. */
export function defaultInterface(list: readonly NetworkInterface[]): NetworkInterface | null {
  return list.find((i) => i.physical && i.carrier === true) ?? list.find((i) => i.physical) ?? null;
}

/**
 * listInterfaces, remembered for `ttlMs`: the network step asks on every render, and a dozen
 * sysfs reads per page would be most of the page's cost.
 */
export function cachedInterfaces(root: string, simulate: boolean, ttlMs = 2000, now: () => number = Date.now): () => Promise<NetworkInterface[]> {
  let value: Promise<NetworkInterface[]> | null = null;
  let readAt = -Infinity;
  return () => {
    if (!value || now() - readAt > ttlMs) {
      readAt = now();
      value = listInterfaces(root, simulate);
    }
    return value;
  };
}
